"""The command palette in the user's language: Textual's own writes "No matches found" in
English from inside a timer, so that one method is ours (same countdown, translated words).

Private members: `CommandPalette._start_no_matches_countdown` (overridden),
`_stop_no_matches_countdown`, `_NO_MATCHES`, `_NO_MATCHES_COUNTDOWN`, `_list_visible`,
`_no_matches_timer`. Pinned: textual 8.2.8. Fails when upstream changes:
tests/unit/test_patches.py (the symbols), tests/app/test_i18n_app.py (the palette in Chinese).
"""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from ...base.i18n import _

SYMBOLS = (
    "textual.command.CommandPalette._start_no_matches_countdown",
    "textual.command.CommandPalette._stop_no_matches_countdown",
    "textual.command.CommandPalette._NO_MATCHES",
    "textual.command.CommandPalette._NO_MATCHES_COUNTDOWN",
)
PINNED = {"textual": "8.2.8"}
TESTS = ("tests/unit/test_patches.py", "tests/app/test_i18n_app.py")


class Palette(CommandPalette):
    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            # with nothing typed the palette was only showing what it can do: no notice
            if not search_value:
                self._list_visible = False
                return
            notice = Align.center(Text(_("No matching commands"), style="not bold"))
            self.query_one(CommandList).add_option(
                Option(notice, disabled=True, id=self._NO_MATCHES)
            )
            self._list_visible = True

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
