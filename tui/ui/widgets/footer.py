"""The key bar at the foot of the main screen: Textual's Footer look, drawn by one widget.

Textual's Footer mounts a widget per key (each styled and laid out), and every change of the
keys (Stop comes and Retry goes as an answer starts and ends) removed and mounted them all
(~25 ms with the event loop held). This one reads the shown bindings when they change and
paints one line; a change costs a repaint. As Textual's, it shows the keys from the frame
after the first one (see `bindings_changed`)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from ...base.i18n import shown

PALETTE_BORDER = "▏"


@dataclass(frozen=True, slots=True)
class Key:
    """One key shown in the footer."""

    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


class SteadyFooter(Widget):
    """The shown bindings of the screen as ` key description ` pairs from the left, and the
    command palette's key at the right edge (after a thin bar), as Textual's Footer draws
    them; a click on a key presses it, hovering shows its tooltip."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    SteadyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .steady-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .steady-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .steady-footer--item { background: $footer-item-background; }
        & > .steady-footer--hover { background: $block-hover-background; }
        & > .steady-footer--border { color: $foreground 20%; }
    }
    """
    COMPONENT_CLASSES = {
        "steady-footer--key",
        "steady-footer--description",
        "steady-footer--item",
        "steady-footer--hover",
        "steady-footer--border",
    }

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.keys: list[Key] = []
        self.palette: Key | None = None
        self._ready = False  # the keys are read once the screen's bindings are known
        self._read = False
        self._hovered: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        # After the next frame, as Textual's Footer: reading the shown bindings asks each
        # widget's check_action, and the chat's reads the stored conversation first (which
        # the first frame goes without).
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._reread)

    def _reread(self) -> None:
        self._ready, self._read = True, False
        self.refresh()

    def _read_keys(self) -> None:
        """The keys to show, as Textual's Footer picks them (one per action)."""
        if self._read or not self._ready:
            return
        self._read = True
        app, active = self.app, self.screen.active_bindings
        keys: dict[str, Key] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in keys:
                keys[binding.action] = Key(binding.key, app.get_key_display(binding),
                                           shown(binding.description), enabled,
                                           shown(tooltip))  # fmt: skip
        self.keys = list(keys.values())
        self.palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            self.palette = Key(binding.key, app.get_key_display(binding),
                               shown(binding.description), enabled,
                               shown(binding.tooltip or binding.description))  # fmt: skip

    def text(self) -> str:
        """What the footer says, keys and descriptions (for tests and screen readers)."""
        self._read_keys()
        shown = [f"{k.display} {k.description}".strip() for k in self.keys]
        if self.palette is not None:
            shown.append(f"{self.palette.display} {self.palette.description}")
        return "  ".join(shown)

    def _spans(self) -> list[tuple[Key, int, int]]:
        """Each key with the cells it takes (start, end): the keys from the left, each
        ` key description `, and the palette's key at the right edge."""
        self._read_keys()
        spans, x = [], 0
        for key in self.keys:
            width = sum(cell_len(s.text) for s in self._key_segments(key, False, Style()))
            spans.append((key, x, x + width))
            x += width
        if self.palette is not None:
            key = self.palette
            width = sum(cell_len(s.text) for s in self._key_segments(key, True, Style()))
            start = max(0, self.size.width - width)  # over the keys that do not fit
            spans.append((key, start, start + width))
        return spans

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0:
            return Strip.blank(width, base)
        keys: list[Segment] = []
        palette: list[Segment] = []
        spans = self._spans()
        right = next((start for key, start, _end in spans if key is self.palette), width)
        for key, _start, end in spans:
            segments = self._key_segments(key, key is self.palette, self._item_style(key))
            if key is self.palette:
                palette = segments
            elif end - 1 <= right:  # whole keys only (was cut: "f1 H"); its trailing pad may go
                keys += segments
        return Strip([*Strip(keys).adjust_cell_length(right, base), *palette]).crop(0, width)

    def _item_style(self, key: Key) -> Style:
        item = self.rich_style + self._component("item")
        hover = self._component("hover") if self._hovered == key.key else Style()
        return item + hover + Style(dim=not key.enabled)

    def _key_segments(self, key: Key, palette: bool, item: Style) -> list[Segment]:
        """As Textual's FooterKey: ` key description ` (the palette's compact: `key
        description`, after a bar and with a cell of room on its right); a key without a
        description is its key alone."""
        hover = self._component("hover") if self._hovered == key.key else Style()
        key_style = item + self._component("key") + hover
        description_style = item + self._component("description") + hover
        if palette:
            border = item + Style(color=self._component("border").color)
            described = [Segment(" " + key.description, description_style)]
            return [Segment(PALETTE_BORDER, border), Segment(key.display, key_style),
                    *(described if key.description else []), Segment(" ", item)]  # fmt: skip
        if not key.description:
            return [Segment(key.display, key_style)]
        return [Segment(f" {key.display} ", key_style),
                Segment(f"{key.description} ", description_style)]  # fmt: skip

    def _component(self, name: str) -> Style:
        return self.get_component_rich_style(f"steady-footer--{name}")

    def _key_at(self, x: int) -> Key | None:
        return next((key for key, start, end in self._spans() if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x)
        hovered = key.key if key is not None else None
        if hovered != self._hovered:
            self._hovered = hovered
            self.tooltip = key.tooltip or None if key is not None else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
