"""Attach a file by its path: type it with completion (Tab), or pick from the list below."""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...base.i18n import N_, _
from ...chat.prompt_input import Attachment, AttachmentError, complete_path, read_attachment


class AttachScreen(ModalScreen[Attachment | None]):
    """A path input whose Tab completes like a shell; Enter attaches the file (or opens the
    folder); the file's problems (missing, too big, binary) are said here, not after."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="attach.cancel"),
        Binding("tab", "complete", N_("Complete"), id="attach.complete", priority=True),
    ]

    def __init__(self, start: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="attach-dialog"):
            yield Static(
                _(
                    "Attach a file: text goes as a block with its name, PNG/JPEG/WebP/GIF "
                    "as an image."
                ),
                classes="dialog-text", markup=False,
            )  # fmt: skip
            yield Input(self.start, placeholder=_("path, e.g. ~/notes.txt"), id="attach-path")
            yield OptionList(id="attach-choices")
            yield Static("", id="attach-error", markup=False)
            yield Static(
                _("Tab completes, ↓ picks from the list, Enter attaches, Esc cancels."),
                classes="dialog-hint", markup=False,
            )  # fmt: skip

    def on_mount(self) -> None:
        self._list(self.start)

    @on(Input.Changed, "#attach-path")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#attach-error", Static).update("")
        self._list(event.value)

    def _list(self, typed: str) -> None:
        choices = self.query_one("#attach-choices", OptionList)
        choices.clear_options()
        choices.add_options([Option(path, id=path) for path in complete_path(typed)])

    def action_complete(self) -> None:
        """The longest common start of the completions (a shell's Tab); focus the input."""
        field = self.query_one("#attach-path", Input)
        found = complete_path(field.value)
        if found:
            common = os.path.commonprefix(found)
            if len(common) > len(field.value):
                field.value = common
                field.cursor_position = len(common)
        field.focus()

    @on(OptionList.OptionSelected, "#attach-choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        field = self.query_one("#attach-path", Input)
        field.value = str(event.option.id)
        field.cursor_position = len(field.value)
        field.focus()
        if not field.value.endswith("/"):
            self._take_file(field.value)

    @on(Input.Submitted, "#attach-path")
    def _submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path and Path(os.path.expanduser(path)).is_dir() and not path.endswith("/"):
            event.input.value = path + "/"  # into the folder, as Tab would
            event.input.cursor_position = len(event.input.value)
            return
        self._take_file(path)

    def _take_file(self, path: str) -> None:
        if not path:
            return
        try:
            self.dismiss(read_attachment(path))
        except AttachmentError as exc:
            self.query_one("#attach-error", Static).update(str(exc))

    def action_cancel(self) -> None:
        self.dismiss(None)
