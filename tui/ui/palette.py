"""The command palette in the user's language: Textual's own writes "No matches found" in
English from inside a timer, so that one method is ours (same countdown, translated words)."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from ..base.i18n import _


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
