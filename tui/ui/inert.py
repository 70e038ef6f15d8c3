"""The paint-time net: no control character, escape or bidi override reaches the terminal.

Gateway text is made visible and inert where it is shown (tui.base.safe.terminal_safe: ␛ for
ESC …). This line filter, added through Textual's public `App.get_line_filters`, drops any such
character still left in a painted line (a place that missed the function): they take no cell,
so nothing moves. Cheap: a line of printable text is passed through as it is, and Textual
caches each filtered strip.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from ..base.safe import without_controls


class DropControls(LineFilter):
    """Drops C0/C1 controls, DEL and bidi controls from every painted segment."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments
        return [
            segment if segment.control or segment.text.isprintable()
            else Segment(without_controls(segment.text), segment.style)
            for segment in segments
        ]  # fmt: skip
