"""The scrolling transcript as one line-API widget: every message is data, laid out part by part
only when it comes into view (cached Strips, estimated heights until then); older messages are
read from the store only when the view reaches them. A streaming answer is laid out at most once
per frame, and only its growing tail."""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ....base.i18n import N_, _
from ....chat.conversation import Status, Turn
from ...gcfreeze import freeze_long_lived, thaw
from ...patches.scroll_update import set_virtual_size
from .frames import repaint_part
from .message import MessageAction, MessageItem, Part
from .render import Look, render_part

FRAME = 1 / 20  # seconds: the fastest a streaming answer is laid out again
UNLOADED = 6  # lines guessed for each stored message not read yet
BATCH = 15  # messages read beyond what the view needs when it reaches unread ones
Loader = Callable[[int], list[Turn]]  # up to n older turns, oldest first


class Transcript(ScrollView, can_focus=True):
    """Shift+Tab from the input selects the last message; up/down move, e/f/r/c/i act on it."""

    COMPONENT_CLASSES = {
        "transcript--who",
        "transcript--user-who",
        "transcript--user-body",
        "transcript--reasoning",
        "transcript--meta",
        "transcript--meta-error",
        "transcript--meta-warning",
        "transcript--cursor",
        "transcript--bar",
        "transcript--hint",
    }
    DEFAULT_CSS = """
    Transcript { background: $background; }
    Transcript > .transcript--who { text-style: bold; color: $accent; }
    Transcript > .transcript--user-who { text-style: bold; color: $primary; }
    Transcript > .transcript--user-body { background: $boost; }
    Transcript > .transcript--reasoning { color: $reasoning; text-style: italic; }
    Transcript > .transcript--meta { color: $text-muted; }
    Transcript > .transcript--meta-error { color: $error; }
    Transcript > .transcript--meta-warning { color: $warning; }
    Transcript > .transcript--cursor { background: $boost; }
    Transcript > .transcript--bar { color: $accent; }
    Transcript > .transcript--hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("e", "act('edit')", N_("Edit & resend"), id="message.edit"),
        # an answer cannot be edited: its Edit is dimmed, and this says why instead of nothing
        Binding("e", "explain_edit", show=False),
        Binding("f", "act('fork')", N_("Fork here"), id="message.fork"),
        Binding("r", "act('regenerate')", N_("Regenerate"), id="message.regenerate"),
        Binding("c", "act('copy')", N_("Copy"), id="message.copy"),
        Binding("t", "toggle_reasoning", N_("Reasoning"), id="message.reasoning", show=False),
        Binding("i", "act('request_id')", N_("Request id"), id="message.request_id", show=False),
        Binding("up,k", "move(-1)", N_("Previous"), id="message.previous", show=False),
        Binding("down,j", "move(1)", N_("Next"), id="message.next", show=False),
    ]

    frame = FRAME  # the fastest a streaming answer here is laid out again (compare: slower)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.items: list[MessageItem] = []
        self.earlier = 0  # stored messages before items[0], not read yet
        self.loader: Loader | None = None
        self.cursor: int | None = None  # the selected message
        self.hint = ""  # shown while there are no messages
        self._tops: list[int] = []  # first line of each item, after the unread block
        self._heights: list[int] = []
        self._stale = 0  # items from here on need their height and top again
        self._width = 0
        self._look: Look | None = None
        self._base = self._cursor = self._bar = Style()
        self._hint_part = Part("meta")
        self._follow = True  # keep the bottom in view as text arrives
        self._keep_cursor = False  # focus arrives with a message chosen (click, search)
        self._preparing = False
        self._timer: object | None = None
        self._last_flush = 0.0
        self._flush_cost = 0.0
        self._freezing = False

    # ---- content -----------------------------------------------------------------------

    def show(self, turns: list[Turn], earlier: int, loader: Loader | None, hint: str) -> None:
        """Replace the content: `turns` (the tail) with `earlier` unread ones before them."""
        thaw()  # the messages shown so far may be garbage now: collectable again
        self.items = [self._item(t) for t in turns]
        self.earlier, self.loader, self.hint = earlier, loader, hint
        self._hint_part = Part("meta", hint)
        self.cursor = None
        self._stale = 0
        self._follow = True
        self._flush(scroll_end=True)
        self._freeze_later()

    def _freeze_later(self) -> None:
        """Freeze the long-lived objects after the next frame (once its lines are cached)."""
        if not self._freezing and self.is_mounted:
            self._freezing = True
            self.call_after_refresh(self._freeze)

    def _freeze(self) -> None:
        self._freezing = False
        freeze_long_lived()

    def add(self, turn: Turn, live: bool = False) -> MessageItem:
        item = self._item(turn, live)
        self.items.append(item)
        self._stale = min(self._stale, len(self.items) - 1)
        self._flush(scroll_end=self._follow or not self.has_focus)
        return item

    def remove_last(self) -> None:
        if self.items:
            self.items.pop()
            if self.cursor is not None and self.cursor >= len(self.items):
                self.cursor = len(self.items) - 1 if self.items else None
            self._stale = min(self._stale, len(self.items))
            self._flush()

    def _item(self, turn: Turn, live: bool = False) -> MessageItem:
        item = MessageItem(turn, live=live)
        item.changed = self._changed
        return item

    @property
    def has_older(self) -> bool:
        return self.earlier > 0

    def index_of(self, item: MessageItem) -> int:
        for i in range(len(self.items) - 1, -1, -1):
            if self.items[i] is item:
                return i
        raise ValueError("not in the transcript")

    def _changed(self, item: MessageItem) -> None:
        """A message changed: lay it out again, at most once a frame while it streams."""
        try:
            self._stale = min(self._stale, self.index_of(item))
        except ValueError:
            return
        if not item.live:
            self._flush()
            return
        if self._timer is not None:
            return
        wait = max(self.frame, 3 * self._flush_cost) - (time.perf_counter() - self._last_flush)
        if wait <= 0:
            self._flush(whole=False)
        else:
            self._timer = self.set_timer(wait, lambda: self._flush(whole=False))

    def flush(self) -> None:
        """Lay out what changed now (the last token of an answer is shown at once)."""
        self._flush()

    def _flush(self, scroll_end: bool = False, whole: bool = True) -> None:
        """Lay out what is in view; repaint it all, or (`whole` False: a streaming answer
        grew) only the lines laid out again."""
        if self._timer is not None:
            self._timer.stop()  # type: ignore[attr-defined]
            self._timer = None
        started = time.perf_counter()
        follow = self._follow or scroll_end
        self._reflow()
        if follow:
            self._to_bottom()
        self._prepare()
        if follow:
            self._to_bottom()
        if whole:
            self.refresh()
        self._last_flush = time.perf_counter()
        self._flush_cost = self._last_flush - started

    # ---- geometry ----------------------------------------------------------------------

    @property
    def _content_width(self) -> int:
        return max(10, self.scrollable_content_region.width - 2)  # a cursor bar and a margin

    @property
    def _unread(self) -> int:
        return self.earlier * UNLOADED

    def _reflow(self) -> None:
        width = self._content_width
        if width != self._width:
            self._width = width
            for item in self.items:
                item.invalidate()
            self._stale = 0
        count = len(self.items)
        start = min(self._stale, count)
        del self._tops[start:], self._heights[start:]
        top = self._tops[-1] + self._heights[-1] if start else 0
        for item in self.items[start:]:
            height = item.height(width)
            self._tops.append(top)
            self._heights.append(height)
            top += height
        self._stale = count
        total = self._unread + top
        if not self.items and not self.earlier:
            total = self._hint_part.height(width)
        size = Size(self.scrollable_content_region.width, total)
        set_virtual_size(self, size)  # a taller transcript is no new layout of the screen

    def _to_bottom(self) -> None:
        self._set_y(self.max_scroll_y)

    def _set_y(self, y: float) -> None:
        self._preparing = True
        try:
            self.scroll_to(y=y, animate=False, immediate=True)
        finally:
            self._preparing = False

    def _locate(self, line: int) -> tuple[int, int, int] | None:
        """(item, part, row) shown on absolute `line`; None above the messages or below them."""
        line -= self._unread
        if line < 0 or not self._tops:
            return None
        index = bisect_right(self._tops, line) - 1
        if index < 0 or line >= self._tops[index] + self._heights[index]:
            return None
        row = line - self._tops[index]
        tops = self.items[index].tops(self._width)
        number = bisect_right(tops, row) - 1
        if not 0 <= number < len(tops) - 1:
            return None
        return index, number, row - tops[number]

    def _visible(self) -> range:
        """Indexes of the items in view."""
        top = round(self.scroll_y) - self._unread
        bottom = top + self.scrollable_content_region.height
        first = max(0, bisect_right(self._tops, top) - 1)
        last = bisect_right(self._tops, bottom)
        return range(first, min(last, len(self.items)))

    def visible_turns(self) -> list[Turn]:
        """The turns of the messages in view with text laid out (what a frame shows)."""
        return [
            self.items[i].turn
            for i in self._visible()
            if any(p.strips for p in self.items[i].parts() if p.kind in ("block", "tail"))
        ]

    # ---- laying out what is in view ----------------------------------------------------

    def _prepare(self) -> None:
        """Lay out the parts in view (reading unread older messages first when they are in
        view), keeping what is on screen in place when heights above it change."""
        if self._preparing or not self.is_mounted or not self.scrollable_content_region.height:
            return
        self._preparing = True
        try:
            for _attempt in range(4):
                self._reflow()
                top = round(self.scroll_y)
                if top < self._unread and self.loader is not None and self._read_older(top):
                    continue
                if not self._lay_out_view(top):
                    break
        finally:
            self._preparing = False

    def _lay_out_view(self, top: int) -> bool:
        """Render the unrendered parts in view; True when a height changed."""
        look, console, width = self._styles(), self.app.console, self._width
        bottom = top + self.scrollable_content_region.height
        shift = 0
        changed = False
        for index in self._visible():
            item = self.items[index]
            start = self._unread + self._tops[index]
            tops = item.tops(width)
            parts = item.parts()
            first = max(0, bisect_right(tops, top - start) - 1)
            for number in range(first, len(parts)):
                part, y = parts[number], start + tops[number]
                if y > bottom:
                    break
                guess = tops[number + 1] - tops[number]
                in_view = y < bottom and y + guess > top or not guess and top <= y <= bottom
                if in_view and (part.strips is None or part.width != width):
                    previous = part.previous if part.width == width else None
                    part.strips = render_part(
                        part, item.turn.role, self._meta_style(item, look), look, console, width
                    )
                    part.width, part.previous = width, None
                    repaint_part(self, y - top, previous, part.strips)
                    if len(part.strips) != guess:
                        changed = True
                        self._stale = min(self._stale, index)
                        if y < top:
                            shift += len(part.strips) - guess
            if changed:
                item.relayout()
        if changed:
            self._reflow()
            if shift and not self._follow:
                self._set_y(top + shift)
        return changed

    def _read_older(self, top: int) -> bool:
        """Read the unread messages from the one at `top` on; True when some were read."""
        assert self.loader is not None
        wanted = min(self.earlier, (self._unread - top) // UNLOADED + BATCH)
        turns = self.loader(wanted) if wanted > 0 else []
        before = self._unread
        self.earlier = max(0, self.earlier - len(turns)) if turns else 0
        if not turns:
            self._reflow()
            return False
        self.items[:0] = [self._item(t) for t in turns]
        if self.cursor is not None:
            self.cursor += len(turns)
        self._stale = 0
        self._reflow()
        if top > 0:  # keep the messages that were in view where they were
            self._set_y(top + self._unread + self._tops[len(turns)] - before)
        self._freeze_later()
        return True

    def _styles(self) -> Look:
        if self._look is None:
            style = self.get_component_rich_style
            self._base = self.rich_style
            self._cursor = style("transcript--cursor", partial=True)
            self._bar = style("transcript--bar", partial=True)
            self._look = Look(
                who=style("transcript--who", partial=True),
                user_who=style("transcript--user-who", partial=True),
                user_body=style("transcript--user-body", partial=True),
                reasoning=style("transcript--reasoning", partial=True),
                meta=style("transcript--meta", partial=True),
                meta_error=style("transcript--meta-error", partial=True),
                meta_warning=style("transcript--meta-warning", partial=True),
                dark=self.app.current_theme.dark,
            )
        return self._look

    def _meta_style(self, item: MessageItem, look: Look) -> Style:
        status = item.turn.status
        if status in (Status.FAILED, Status.CUT):
            return look.meta_error
        if status in (Status.STOPPED, Status.INTERRUPTED):
            return look.meta_warning
        return look.meta

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._look = None
        self._width = 0  # lays everything out again on the next flush
        if self.is_mounted:
            self.call_later(self._flush)

    # ---- painting ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        full = self.scrollable_content_region.width
        look = self._styles()
        line = round(self.scroll_y) + y
        if not self.items and not self.earlier:
            return self._hint_line(line, full)
        found = self._locate(line)
        if found is None:
            return Strip.blank(full, self._base)
        index, number, row = found
        item = self.items[index]
        part = item.parts()[number]
        # A streaming answer's growing part between two of its layouts is painted as last laid
        # out: the next flush (at most a frame away) lays it out again. Laying it out here too,
        # whenever a frame came between a piece of text and that flush, did the work twice
        # (four answers streaming at once: bench/compare.py).
        between = part.strips is None and item.live and part.previous is not None
        if between and part.width == self._width:
            assert part.previous is not None
            strip = part.previous[row] if row < len(part.previous) else Strip.blank(self._width)
            return self._framed(strip, index, full)
        if part.strips is None or part.width != self._width:
            guess = part.height(self._width)
            part.strips = render_part(
                part, item.turn.role, self._meta_style(item, look), look, self.app.console,
                self._width,
            )  # fmt: skip
            part.width = self._width
            if len(part.strips) != guess:  # place what follows again after this frame
                item.relayout()
                self._stale = min(self._stale, index)
                self.call_later(self._flush)
        strip = part.strips[row] if row < len(part.strips) else Strip.blank(self._width)
        if self.has_focus and index == self.cursor:
            return self._framed(strip, index, full)
        if part.lines is None:
            edge = Segment(" ")
            part.lines = [
                Strip([edge, *s, edge])
                .crop(0, full)
                .extend_cell_length(full)
                .apply_style(self._base)
                for s in part.strips
            ]
        return part.lines[row] if row < len(part.lines) else Strip.blank(full, self._base)

    def _framed(self, strip: Strip, index: int, full: int) -> Strip:
        """A laid-out line as painted: with the cursor's bar on the selected message."""
        if self.has_focus and index == self.cursor:
            base = self._base + self._cursor
            bar = Segment("▌", base + self._bar)
            return Strip([bar, *strip, Segment(" ")]).crop(0, full).apply_style(base)
        edge = Segment(" ")
        return Strip([edge, *strip, edge]).crop(0, full).extend_cell_length(full).apply_style(
            self._base
        )

    def _hint_line(self, line: int, full: int) -> Strip:
        base = self._base
        part = self._hint_part
        width = self._content_width  # the first frame comes before the flush after layout
        if part.strips is None or part.width != width:
            style = self.get_component_rich_style("transcript--hint", partial=True)
            part.strips = render_part(part, "", style, self._styles(), self.app.console, width)
            part.width = width
        if line >= len(part.strips):
            return Strip.blank(full, base)
        return Strip([Segment(" "), *part.strips[line]]).extend_cell_length(full).apply_style(base)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._preparing:
            return
        self._follow = new_value >= self.max_scroll_y - 1
        self._prepare()

    def on_resize(self) -> None:
        self._flush(scroll_end=self._follow)

    # ---- selecting messages ------------------------------------------------------------

    @property
    def selected(self) -> MessageItem | None:
        if self.cursor is None or not 0 <= self.cursor < len(self.items):
            return None
        return self.items[self.cursor]

    def select(self, index: int, top: bool = False) -> None:
        if not self.items:
            return
        self.cursor = max(0, min(index, len(self.items) - 1))
        self._reflow()
        start = self._unread + self._tops[self.cursor]
        height = self._heights[self.cursor]
        view = self.scrollable_content_region.height
        y = self.scroll_y
        if top or height >= view or start < y:
            y = start
        elif start + height > y + view:
            y = start + height - view
        self._follow = False
        self.scroll_to(y=y, animate=False, immediate=True)
        self._prepare()
        self.refresh()

    def select_turn(self, message_id: int) -> bool:
        for index, item in enumerate(self.items):
            if item.turn.id == message_id:
                self._keep_cursor = True
                self.focus()
                self.select(index, top=True)
                return True
        return False

    def on_focus(self) -> None:
        visible = self._visible()
        if not self._keep_cursor and visible:  # the lowest message in view, without scrolling
            self.cursor = visible[-1]
        self._keep_cursor = False
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        found = self._locate(round(self.scroll_y) + event.y)
        if found is not None:
            self._keep_cursor = True
            self.select(found[0])

    # Scrolling by keys jumps (an animation would fight reading older messages on the way).
    def action_scroll_home(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def action_page_up(self) -> None:
        self.scroll_to(y=self.scroll_y - self.scrollable_content_region.height, animate=False,
                       immediate=True)  # fmt: skip

    def action_page_down(self) -> None:
        self.scroll_to(y=self.scroll_y + self.scrollable_content_region.height, animate=False,
                       immediate=True)  # fmt: skip

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        item = self.selected
        if action == "act" and parameters and item is not None:
            if parameters[0] == "edit":
                return True if item.turn.role == "user" else None  # None: shown dimmed
            if parameters[0] in ("regenerate", "request_id"):
                return item.turn.role == "assistant"
        if action == "explain_edit":
            return item is not None and item.turn.role != "user"
        if action == "toggle_reasoning":
            return item is not None and item.has_reasoning
        return True

    def action_act(self, action: str) -> None:
        if self.selected is not None:
            self.post_message(MessageAction(self.selected, action))

    def action_explain_edit(self) -> None:
        self.notify(
            _(
                "An answer cannot be edited: select your message above it (↑) and press e to "
                "edit and resend it, or press r to regenerate this answer."
            ),
            severity="warning",
        )

    def action_toggle_reasoning(self) -> None:
        if self.selected is not None:
            self.selected.toggle_reasoning()

    def action_move(self, step: int) -> None:
        if self.cursor is None:
            return
        index = self.cursor + step
        if index < 0 and self.earlier and self.loader is not None:
            count = len(self.items)
            self._read_older(max(0, self._unread - 1))
            index += len(self.items) - count
        if 0 <= index < len(self.items):
            self.select(index)
        elif step > 0:
            self.screen.focus_next()

    def text_of(self, item: MessageItem) -> str:
        """What `item` shows, as plain text (for tests and copying)."""
        return Text("\n".join(s.text for p in item.parts() if p.strips for s in p.strips)).plain
