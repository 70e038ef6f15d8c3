"""The scrolling transcript: follows new text at the bottom, asks for older messages at the top."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.message import Message


class Transcript(VerticalScroll, can_focus=False):
    """Holds MessageViews; only the tail of a long conversation is mounted at first."""

    class NeedOlder(Message):
        """Scrolled to the top while older messages are not mounted yet."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.has_older = False
        self._asked = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 1 and self.has_older and not self._asked:
            self._asked = True
            self.post_message(self.NeedOlder())

    def older_loaded(self, more: bool) -> None:
        self.has_older = more
        self._asked = False
