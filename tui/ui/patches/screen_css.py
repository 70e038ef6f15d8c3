"""Contract: the style sheets not parsed at start are added before the first screen after the
main one is styled.

Private member: `App._load_screen_css(screen)`, Textual's hook for every screen pushed, switched
to or installed. Pinned: textual 8.2.8. The app parses the first frame's style sheets at start
and the others once the first frame is out; a dialog pushed sooner must not miss its rules.
Fails when upstream changes: tests/unit/test_patches.py (a screen pushed before the later
styles has them; the symbol).
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen

SYMBOLS = ("textual.app.App._load_screen_css",)
PINNED = {"textual": "8.2.8"}
TESTS = ("tests/unit/test_patches.py::test_a_screen_pushed_before_the_later_styles_has_them",)


class LaterStylesFirst(App[int]):
    """The app's base: `load_styles()` (the app's, once) before any screen's CSS loads."""

    def load_styles(self) -> None:
        """Add the style sheets not parsed at start (tui.ui.app says which)."""

    def _load_screen_css(self, screen: Screen[Any]) -> None:
        self.load_styles()
        super()._load_screen_css(screen)
