"""The conversation list beside the chat: pinned first, then most recent; keys post requests up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ....base.i18n import N_, _, ngettext
from ....base.localefmt import recent_date
from ....base.textfmt import approx, number, truncate

if TYPE_CHECKING:
    from ....store import ConversationSummary


@dataclass
class ConversationAction(Message):
    """The user asked for `action` ('open', 'rename', 'delete', 'pin') on a conversation."""

    action: str
    conversation_id: int
    title: str = ""
    pinned: bool = False


def key_label(keys: str | None, default: str) -> str:
    """A binding's first key as the hints write it ("ctrl+l" -> "Ctrl+L", "escape" -> "Esc"):
    the key [keymap] gave it, else its default."""
    key = (keys or default).split(",")[0].strip() or default
    return "+".join("Esc" if part == "escape" else part.capitalize() for part in key.split("+"))


class ConversationList(Vertical):
    BINDINGS = [
        Binding("r", "act('rename')", N_("Rename"), id="history.rename"),
        Binding("d,delete", "act('delete')", N_("Delete"), id="history.delete"),
        Binding("p", "act('pin')", N_("Pin"), id="history.pin"),
        Binding("escape", "leave", N_("Back to the prompt"), id="history.leave"),
    ]

    class Leave(Message):
        """The user is done with the list (Esc): the prompt takes the keys again."""

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def __init__(self, list_key: str | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._list_key = list_key or "ctrl+l"  # chat.list's keys ([keymap] may change them)
        self.summaries: list[ConversationSummary] = []
        self._current: int | None = None  # the open conversation when last shown

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="sidebar-title", markup=False)
        # The list itself comes with the first conversations shown (the first frame has none
        # to show: no need to style and draw an empty list at start).

    def _title(self) -> str:
        """The title with the key that shows the list: Ctrl+L, or what [keymap] made it."""
        return _("Conversations ({key})").format(key=key_label(self._list_key, "ctrl+l"))

    @property
    def options(self) -> OptionList:
        """The list of conversations; mounted now if it was not there yet."""
        for options in self.query(OptionList):
            return options
        options = OptionList(id="conversation-options")
        if self.is_attached:  # not while the app closes
            self.mount(options)
        return options

    def show(
        self, summaries: list[ConversationSummary], current: int | None, now: datetime
    ) -> None:
        """The list again. The highlight follows the open conversation when another one is
        opened; else it stays on the conversation it was on (a rename, pin or new answer
        must not move it under the next `d`), or at its row when that one is gone."""
        before = self._selected()
        self.summaries = summaries
        options = self.options
        highlighted = options.highlighted
        options.set_options(self._option(s, now) for s in summaries)
        ids = [s.id for s in summaries]
        opened, self._current = current != self._current, current
        if before is not None and before.id in ids and not opened:
            options.highlighted = ids.index(before.id)
        elif current in ids:
            options.highlighted = ids.index(current)
        elif highlighted is not None and summaries:
            options.highlighted = min(highlighted, len(summaries) - 1)

    def _option(self, summary: ConversationSummary, now: datetime) -> Option:
        title = summary.title or _("(untitled)")
        mark = ("★ " if summary.pinned else "") + ("⑂ " if summary.branch else "")
        text = Text(truncate(mark + title, 30), no_wrap=True, overflow="ellipsis")
        details = [
            ngettext("{count} msg", "{count} msgs", summary.message_count).format(
                count=summary.message_count
            ),
            _ago(summary.updated, now),
        ]
        if summary.branch is not None:
            parent = truncate(summary.parent_title or _("(untitled)"), 16)
            said = _("edit of “{title}”") if summary.branch == "edit" else _("fork of “{title}”")
            details.insert(0, said.format(title=parent))
        if summary.credits is not None:
            if summary.credits_estimated:
                details.append(f"≈{approx(summary.credits)} cr")
            else:
                details.append(f"{number(summary.credits)} cr")
        text.append("\n" + " · ".join(details), style="dim")
        return Option(text, id=str(summary.id))

    def _selected(self) -> ConversationSummary | None:
        index = self.options.highlighted
        if index is None or index >= len(self.summaries):
            return None
        return self.summaries[index]

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(ConversationAction("open", int(event.option.id)))

    def action_act(self, action: str) -> None:
        summary = self._selected()
        if summary is not None:
            self.post_message(ConversationAction(action, summary.id, summary.title, summary.pinned))


def _ago(when: datetime, now: datetime) -> str:
    seconds = max(0, (now - when).total_seconds())
    if seconds < 90:
        return _("just now")
    if seconds < 5400:
        return _("{n} min ago").format(n=round(seconds / 60))
    if seconds < 129600:
        return _("{n} h ago").format(n=round(seconds / 3600))
    return recent_date(when.astimezone(), now.astimezone())
