"""Files waiting to go with the next message (a line above the input), and the chat's ways to
add them (a dialog with path completion, a pasted path) and to write a draft in $EDITOR."""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

from textual.app import SuspendNotSupported
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TextArea

from ....base.i18n import _
from ....chat.prompt_input import (
    Attachment,
    AttachmentError,
    EditorError,
    check_total,
    edit_text,
    read_attachments,
)


class AttachedFiles(Static):
    """The files the next message carries; shown only while there are some."""

    class Changed(Message):
        """Files were added or taken: what the next message sends changed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.files: list[Attachment] = []

    def add(self, files: Sequence[Attachment]) -> None:
        """Add files (AttachmentError when together they pass the limit: none is added)."""
        check_total([*self.files, *files])
        self.files.extend(files)
        self._show()

    def add_paths(self, paths: Sequence[str | PathLike[str]]) -> bool:
        """Read and add the files at `paths`; a file that cannot go is said in a notification
        (and none of them is added). True when added."""
        try:
            files = read_attachments(paths)
        except AttachmentError as exc:
            self.notify(str(exc), title=_("Not attached"), severity="error", timeout=8)
            return False
        return self.add_paths_read(files)

    def add_paths_read(self, files: Sequence[Attachment]) -> bool:
        """Add files already read, saying so (or why not: together they are too big)."""
        try:
            self.add(files)
        except AttachmentError as exc:
            self.notify(str(exc), title=_("Not attached"), severity="error", timeout=8)
            return False
        names = ", ".join(f.name for f in files)
        self.notify(_("Attached {names}: sent with your next message.").format(names=names))
        return True

    def restore(self, files: Sequence[Attachment]) -> None:
        """Show `files` as the ones waiting (a draft's, read back), in place of any others."""
        self.files = list(files)
        self._show()

    def take(self) -> tuple[Attachment, ...]:
        """The files, for the message being sent; none are left waiting."""
        files, self.files = tuple(self.files), []
        self._show()
        return files

    def _show(self) -> None:
        self.post_message(self.Changed())
        self.set_class(bool(self.files), "-shown")
        listed = ", ".join(f.describe() for f in self.files)
        self.update(
            _("📎 {files} — sent with your next message (palette: “chat: drop attached files”)")
            .format(files=listed)
            if self.files
            else ""
        )


def edit_draft(widget: Widget, prompt: TextArea) -> None:
    """Open the draft in $VISUAL / $EDITOR with the app suspended, then take the text back (a
    failed editor changes nothing and says why)."""
    try:
        with widget.app.suspend():
            text = edit_text(prompt.text)
    except SuspendNotSupported:
        widget.notify(_("This terminal cannot hand over to an editor."), severity="warning")
        return
    except EditorError as exc:
        widget.notify(str(exc), title=_("Editor"), severity="error", timeout=8)
        return
    widget.app.refresh()
    prompt.load_text(text.rstrip("\n"))
    prompt.move_cursor(prompt.document.end)
    prompt.focus()
