"""Contract: the main screen is not styled a second time as it is first shown.

Public but undocumented: `Screen.update_node_styles(animate)` and `Screen.stack_updates`; the
first call after composing restyles every widget just styled as it was mounted (~8 ms at
start). Private member: `Screen._refresh_layout()`, to lay out a screen drawn under another one
after it was composed again (the language switch). Pinned: textual 8.2.8.
Fails when upstream changes: tests/app/test_start.py::test_the_first_frame_loads_only_what_it_shows
(`restyled_differently`: every widget has its final style) and
tests/app/test_i18n_app.py (the language switch under a dialog), tests/unit/test_patches.py.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

SYMBOLS = ("textual.screen.Screen.update_node_styles", "textual.screen.Screen._refresh_layout")
PINNED = {"textual": "8.2.8"}
TESTS = (
    "tests/app/test_start.py::test_the_first_frame_loads_only_what_it_shows",
    "tests/app/test_i18n_app.py",
)


class StyledOnce(Screen[Any]):
    """A screen whose widgets are styled once as it is first shown, not twice."""

    _first_resume_seen = False

    def update_node_styles(self, animate: bool = True) -> None:
        if self.stack_updates == 1 and not self._first_resume_seen:
            self._first_resume_seen = True
            return
        super().update_node_styles(animate)

    def lay_out_now(self) -> None:
        """Lay the screen out at once (drawn as another's background from its last layout)."""
        self._refresh_layout()
