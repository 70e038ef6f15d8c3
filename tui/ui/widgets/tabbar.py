"""The row of panel titles above the panels, the shown one underlined: one widget drawing two
lines (Textual's TabbedContent builds ~15 widgets for them, each styled and painted at start)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

BAR, HALF_RIGHT, HALF_LEFT = "━", "╸", "╺"


class PanelTabs(Widget):
    """Titles `(name, title)` in a row, each with a cell of room either side, and a bar under
    them that is highlighted under the active one (the look of Textual's Tabs). A click on a
    title posts `Clicked(name)`; the screen shows that panel and sets `active`."""

    DEFAULT_CSS = """
    PanelTabs {
        height: 2;
        & > .panel-tabs--tab { color: $foreground 50%; }
        & > .panel-tabs--active { color: $foreground; }
        & > .panel-tabs--bar { color: $foreground 10%; }
        & > .panel-tabs--bar-active { color: $block-cursor-background; }
        &:ansi {
            & > .panel-tabs--tab { text-style: dim; }
            & > .panel-tabs--active { text-style: not dim bold; }
            & > .panel-tabs--bar { color: $border-blurred; }
        }
    }
    """
    COMPONENT_CLASSES = {
        "panel-tabs--tab",
        "panel-tabs--active",
        "panel-tabs--bar",
        "panel-tabs--bar-active",
    }
    ALLOW_SELECT = False

    active: reactive[str] = reactive("")
    hovered: reactive[str] = reactive("")

    @dataclass
    class Clicked(Message):
        """The title of panel `name` was clicked."""

        name: str

    def __init__(self, titles: list[tuple[str, str]], active: str, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.titles = titles
        self.set_reactive(PanelTabs.active, active)

    def title(self, name: str) -> str:
        return dict(self.titles).get(name, "")

    def spans(self) -> list[tuple[str, int, int]]:
        """Each title's name and the cells of its text (start, end), left to right."""
        spans, x = [], 0
        for name, title in self.titles:
            width = cell_len(title)
            spans.append((name, x + 1, x + 1 + width))
            x += width + 2
        return spans

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            segments = [Segment(" ", self.rich_style)]
            for name, title in self.titles:
                shown = name in (self.active, self.hovered)
                style = self._style("panel-tabs--active" if shown else "panel-tabs--tab")
                segments += [Segment(title, style), Segment("  ", self.rich_style)]
            strip = Strip(segments)
        elif y == 1:
            strip = Strip(self._bar(width))
        else:
            return Strip.blank(width, self.rich_style)
        return strip.adjust_cell_length(width, self.rich_style)

    def _bar(self, width: int) -> list[Segment]:
        """Textual's tab underline (renderables.bar.Bar) for whole cells: half bars in the
        dim colour either side of the highlight."""
        dim, lit = self._style("panel-tabs--bar"), self._style("panel-tabs--bar-active")
        span = next((s for s in self.spans() if s[0] == self.active), None)
        if span is None:
            return [Segment(BAR * width, dim)]
        _, start, end = span
        end = min(end, width)
        if start >= end:
            return [Segment(BAR * width, dim)]
        segments = [Segment(BAR * (start - 1) + HALF_RIGHT, dim), Segment(BAR * (end - start), lit)]
        if end < width:
            segments.append(Segment(HALF_LEFT + BAR * (width - end - 1), dim))
        return segments

    def _style(self, component: str) -> Style:
        return self.rich_style + self.get_component_rich_style(component)

    def _name_at(self, x: int) -> str:
        return next((name for name, start, end in self.spans() if start - 1 <= x <= end), "")

    def on_click(self, event: events.Click) -> None:
        name = self._name_at(event.x)
        if name:
            event.stop()
            self.post_message(self.Clicked(name))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._name_at(event.x) if event.y == 0 else ""

    def on_leave(self) -> None:
        self.hovered = ""
