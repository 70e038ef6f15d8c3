"""Textual's Footer, without rebuilding itself for every change of the bindings."""

from __future__ import annotations

from textual.compose import compose
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _shown(key: FooterKey) -> tuple[object, ...]:
    return (key.key, key.key_display, key.description, key.action, key._disabled, key.tooltip,
            key.has_class("-command-palette"), key.has_class("-grouped"))  # fmt: skip


class SteadyFooter(Footer):
    """Textual's Footer recomposes (removes and mounts every key: ~25 ms with the event loop
    held, more on a busy machine) whenever the bindings may have changed, e.g. as an answer
    starts and ends (Stop comes, Retry goes). This one builds the keys it would show and,
    when there are as many as it shows, only updates those that differ in place."""

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._update_keys)

    async def _update_keys(self) -> None:
        if not self.is_attached:
            return
        wanted: list[Widget] = compose(self)
        shown = list(self.children)
        keys = all(type(w) is FooterKey for w in [*wanted, *shown])
        if len(wanted) != len(shown) or not keys:
            await self.recompose()
            return
        for new, old in zip(wanted, shown, strict=True):
            assert isinstance(new, FooterKey) and isinstance(old, FooterKey)
            if _shown(new) == _shown(old):
                continue
            old.key, old.key_display, old.action = new.key, new.key_display, new.action
            old.description, old.tooltip = new.description, new.tooltip
            old._disabled = new._disabled
            old.set_class(new._disabled, "-disabled")
            old.refresh(layout=True)
