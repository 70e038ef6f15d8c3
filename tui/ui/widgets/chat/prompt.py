"""The chat input: multi-line; Enter sends, Ctrl+J / Alt+Enter / Shift+Enter insert a newline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from ....base.i18n import N_
from ....chat.prompt_input import pasted_paths
from .warm import warm_markdown

NEWLINE_KEYS = ("ctrl+j", "alt+enter", "shift+enter")


class PromptInput(TextArea):
    """A TextArea that sends on Enter; works in terminals that cannot tell Shift+Enter apart."""

    BINDINGS = [
        Binding("enter", "submit", N_("Send"), id="chat.send"),
        # in the help (F1) and the chat hint, not the footer: at 80 columns it pushed "Search" off
        Binding("ctrl+j", "newline", N_("Newline"), id="chat.newline", show=False),
    ]

    @dataclass
    class Submitted(Message):
        """The prompt's text was sent (Enter)."""

        prompt: PromptInput
        text: str

    @dataclass
    class FilesPasted(Message):
        """A paste that is nothing but paths of existing files: to attach, not to type."""

        paths: list[Path]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)  # type: ignore[arg-type]

    async def _on_key(self, event: events.Key) -> None:
        warm_markdown()  # the answer to come is laid out with it
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        paths = pasted_paths(event.text)
        if paths:  # else TextArea's own handler (called next, by the MRO) types the text
            event.stop()
            event.prevent_default()
            self.post_message(self.FilesPasted(paths))

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        self.insert("\n")
