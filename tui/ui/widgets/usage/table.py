"""A line-API table over a windowed source: only the rows on screen are ever read or drawn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ....base.i18n import N_
from ....base.safe import terminal_safe
from ....base.textfmt import cell_len, pad, truncate
from ..charts import bar

MARGIN = 3  # windows read around the one shown, each side, in screens


@dataclass(frozen=True, slots=True)
class Column:
    """A column: key, title, width (the least, when `flex`), alignment, and `keep` (higher
    stays longer when the table is too narrow for every column)."""

    key: str
    title: str
    width: int
    right: bool = False
    flex: bool = False
    keep: int = 0


@dataclass(frozen=True, slots=True)
class Bar:
    """A cell drawn as a bar as long as `fraction` of the column."""

    fraction: float


Cell = str | Bar


@dataclass(frozen=True, slots=True)
class Line:
    """One row: its cells by column key, and `mark` for a row to set apart (an orphan)."""

    cells: dict[str, Cell]
    mark: bool = False


class Source(Protocol):
    """Where rows come from: how many, and `limit` of them from the `offset`-th."""

    def count(self) -> int: ...
    def lines(self, offset: int, limit: int) -> Sequence[Line]: ...


class ListSource:
    """Rows held in memory (a report of a few hundred lines)."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._lines = lines

    def count(self) -> int:
        return len(self._lines)

    def lines(self, offset: int, limit: int) -> Sequence[Line]:
        return self._lines[offset : offset + limit]


def fit(columns: Sequence[Column], width: int) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells (one space before each), with their widths."""
    shown = list(columns)
    while len(shown) > 1 and sum(c.width + 1 for c in shown) > width:
        shown.remove(min(shown, key=lambda c: (c.keep, -shown.index(c))))
    spare = max(0, width - sum(c.width + 1 for c in shown))
    flexible = [c for c in shown if c.flex]
    widths = []
    for column in shown:
        extra = 0
        if column.flex and flexible:
            extra = spare // len(flexible) + (1 if column is flexible[0] else 0) * (
                spare % len(flexible)
            )
        widths.append((column, column.width + extra))
    return widths


class WindowTable(ScrollView, can_focus=True):
    """A table that reads only the window of rows it shows from its Source, with a row
    cursor, a fixed header, and sort marks on the header."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", N_("Up"), show=False, id="table.up"),
        Binding("down", "cursor(1)", N_("Down"), show=False, id="table.down"),
        Binding("pageup", "page(-1)", N_("Page up"), show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", N_("Page down"), show=False, id="table.page_down"),
        Binding("home,ctrl+home", "jump(0)", N_("First row"), show=False, id="table.home"),
        Binding("end,ctrl+end", "jump(-1)", N_("Last row"), show=False, id="table.end"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "window-table--header",
        "window-table--cursor",
        "window-table--odd",
        "window-table--mark",
        "window-table--bar",
    }
    DEFAULT_CSS = """
    WindowTable {
        overflow-x: hidden;
        background: $surface;
        & > .window-table--header { background: $panel; color: $text-accent; text-style: bold; }
        & > .window-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .window-table--cursor {
            background: $block-cursor-background; color: $block-cursor-foreground;
        }
        & > .window-table--odd { background: $surface-lighten-1; }
        & > .window-table--mark { color: $warning; text-style: bold; }
        & > .window-table--bar { color: $accent; }
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to row `index`."""

        def __init__(self, table: WindowTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> WindowTable:
            return self.table

    class HeaderClicked(Message):
        def __init__(self, table: WindowTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> WindowTable:
            return self.table

    def __init__(self, columns: Sequence[Column] = (), **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.columns = list(columns)
        self.source: Source = ListSource([])
        self.row_count = 0
        self.sort: tuple[str, bool] | None = None  # column key, descending
        self._start = 0
        self._window: Sequence[Line] = []
        self._widths: list[tuple[Column, int]] = []
        self._fit_width = 0
        self._styles: dict[str, Style] | None = None

    # ---- data ----------------------------------------------------------------------------

    def show(
        self,
        source: Source,
        columns: Sequence[Column] | None = None,
        *,
        keep_cursor: bool = False,
    ) -> None:
        """Show `source` (counted now; rows are read when drawn), cursor on the first row."""
        self.source = source
        if columns is not None:
            self.columns = list(columns)
            self._fit()
        self.row_count = source.count()
        self._window, self._start = [], 0
        self.virtual_size = Size(self.size.width, self.row_count + 1)
        if keep_cursor:
            self.cursor = min(self.cursor, max(0, self.row_count - 1))
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.cursor = 0
            # the first rows are read now, not while the frame is drawn (a first show has no
            # size yet: the screen's height is the most it can show)
            page = self._page() if self.size.height > 1 else max(1, self.app.size.height)
            self._window = self.source.lines(0, (2 * MARGIN + 1) * page)
        self.refresh()

    def recount(self) -> None:
        """The source's count changed (it came later): rows, cursor and scroll stay."""
        self.row_count = self.source.count()
        self.virtual_size = Size(self.size.width, self.row_count + 1)
        self.cursor = min(self.cursor, max(0, self.row_count - 1))
        self.refresh()

    def line(self, index: int) -> Line | None:
        """Row `index` (reading its window from the source when needed)."""
        if not 0 <= index < self.row_count:
            return None
        if not self._start <= index < self._start + len(self._window):
            page = max(1, self._page())
            start = max(0, index - MARGIN * page)
            self._window = self.source.lines(start, (2 * MARGIN + 1) * page)
            self._start = start
            if not self._start <= index < self._start + len(self._window):
                return None
        return self._window[index - self._start]

    @property
    def window_size(self) -> int:
        """Rows held in memory now (bounded by the screen, not by the source)."""
        return len(self._window)

    # ---- layout and drawing ----------------------------------------------------------------

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _fit(self) -> None:
        self._fit_width = max(1, self.scrollable_content_region.width)
        self._widths = fit(self.columns, self._fit_width)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()
        self.virtual_size = Size(event.size.width, self.row_count + 1)
        self._follow()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _line_styles(self) -> dict[str, Style]:
        """The styles a line is drawn with, worked out once per style change (the widget's
        own style walks every ancestor)."""
        if self._styles is None:
            base, get = self.rich_style, self.get_component_rich_style
            odd = base + get("window-table--odd")
            self._styles = {
                "even": base,
                "odd": odd,
                "cursor": get("window-table--cursor"),
                "mark": get("window-table--mark", partial=True),
                "bar": get("window-table--bar", partial=True),
                "header": base + get("window-table--header"),
            }
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self._widths or width != self._fit_width:  # resized, or a scrollbar came
            self._fit()
        styles = self._line_styles()
        if y == 0:
            return self._header(width, styles["header"])
        index = self.scroll_offset.y + y - 1
        line = self.line(index)
        if line is None:
            return Strip.blank(width, styles["even"])
        style = styles["odd" if index % 2 else "even"]
        if index == self.cursor:
            style += styles["cursor"]
        if line.mark:
            style += styles["mark"]
        segments: list[Segment] = []
        text: list[str] = []  # cells in one style are drawn as one segment
        for column, w in self._widths:
            value = line.cells.get(column.key, "")
            if isinstance(value, Bar):
                text.append(" ")
                segments.append(Segment("".join(text), style))
                segments.append(Segment(pad(bar(value.fraction, w), w), style + styles["bar"]))
                text = []
            else:
                text.append(" " + pad(truncate(terminal_safe(value), w), w, column.right))
        if text:
            segments.append(Segment("".join(text), style))
        return self._finish(segments, width, style)

    def _header(self, width: int, style: Style) -> Strip:
        segments = []
        for column, w in self._widths:
            title = column.title
            if self.sort is not None and self.sort[0] == column.key:
                title = truncate(title, w - 1) + ("↓" if self.sort[1] else "↑")
            segments.append(Segment(" " + pad(truncate(title, w), w, column.right), style))
        return self._finish(segments, width, style)

    def _finish(self, segments: list[Segment], width: int, style: Style) -> Strip:
        used = sum(cell_len(s.text) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), style))
        return Strip(segments).crop(0, width)

    # ---- cursor ----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._follow()
        self.refresh()
        self.post_message(self.Highlighted(self, new))

    def _follow(self) -> None:
        """Scroll so the cursor row is on screen."""
        page = self._page()
        top = round(self.scroll_y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + page:
            top = self.cursor - page + 1
        if top != round(self.scroll_y):
            self.scroll_to(y=top, animate=False, immediate=True)

    def _move(self, index: int) -> None:
        self.cursor = max(0, min(index, self.row_count - 1))

    def action_cursor(self, step: int) -> None:
        self._move(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._move(self.cursor + step * self._page())

    def action_jump(self, where: int) -> None:
        self._move(self.row_count - 1 if where < 0 else 0)

    async def _on_click(self, event: events.Click) -> None:
        """A click on a title asks to sort by its column; on a row moves the cursor there."""
        if event.y > 0:
            self._move(round(self.scroll_y) + event.y - 1)
            return
        x = 0
        for column, w in self._widths:
            if x <= event.x < x + w + 1:
                self.post_message(self.HeaderClicked(self, column.key))
                return
            x += w + 1
