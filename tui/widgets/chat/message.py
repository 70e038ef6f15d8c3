"""One message of the transcript: who, reasoning apart (collapsible), Markdown body, meta line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Collapsible, Markdown, Static

from ...conversation import Status, Turn
from ...i18n import _
from ...textfmt import number

_CODE_THEMES = {True: "monokai", False: "friendly"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def literal(text: str) -> str:
    """Model output made safe for the terminal: control characters and escapes shown, not run."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(
        lambda m: chr(0x2400 + ord(m.group())) if m.group() != "\x7f" else "\u2421",
        text.replace("\r\n", "\n"),
    )


@dataclass
class MessageAction(Message):
    """The user asked for `action` ('edit', 'fork', 'regenerate', 'copy') on a message."""

    view: MessageView
    action: str


class MessageView(Vertical, can_focus=True):
    """A user or assistant message; assistant bodies stream in through `Markdown.get_stream`.
    Focus one (Shift+Tab from the input, then up/down) to edit, fork, regenerate or copy it."""

    BINDINGS = [
        Binding("e", "act('edit')", _("Edit & resend"), id="message.edit"),
        Binding("f", "act('fork')", _("Fork here"), id="message.fork"),
        Binding("r", "act('regenerate')", _("Regenerate"), id="message.regenerate"),
        Binding("c", "act('copy')", _("Copy"), id="message.copy"),
        Binding("up,k", "move(-1)", _("Previous"), id="message.previous", show=False),
        Binding("down,j", "move(1)", _("Next"), id="message.next", show=False),
    ]

    def __init__(self, turn: Turn, *, live: bool = False) -> None:
        super().__init__(classes=f"message {turn.role}")
        self.turn = turn
        self.live = live  # streams into a Textual Markdown; else one Rich renderable (cheap)
        self._reasoning: list[str] = []

    def compose(self) -> ComposeResult:
        turn = self.turn
        if turn.role == "user":
            yield Static(_("You"), classes="who", markup=False)
            yield Static(literal(turn.content), classes="body user-body", markup=False)
            return
        yield Static(turn.model or _("Assistant"), classes="who", markup=False)
        with Collapsible(title=_("Reasoning"), collapsed=not turn.reasoning, classes="reasoning"):
            yield Static(literal(turn.reasoning), classes="reasoning-text", markup=False)
        if self.live:
            yield Markdown(literal(turn.content), classes="body")
        else:
            yield Static(self._rendered(), classes="body rich-body")
        yield Static("", classes="meta", markup=False)

    def _rendered(self) -> RichMarkdown:
        """A finished answer as one Rich renderable: ~10x cheaper to mount than the widget tree
        of a Textual Markdown, which is what keeps long conversations quick to open."""
        try:
            dark = self.app.current_theme.dark
        except Exception:  # noqa: BLE001 - no app yet: render for the default dark theme
            dark = True
        return RichMarkdown(
            literal(self.turn.content), code_theme=_CODE_THEMES[dark], hyperlinks=False
        )

    def on_mount(self) -> None:
        if self.turn.role == "assistant":
            self.query_one(".reasoning").display = bool(self.turn.reasoning)
            self.show_meta()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters:
            wanted = parameters[0]
            if wanted == "edit":
                return self.turn.role == "user"
            if wanted == "regenerate":
                return self.turn.role == "assistant"
        return True

    def action_act(self, action: str) -> None:
        self.post_message(MessageAction(self, action))

    def action_move(self, step: int) -> None:
        views = list(self.parent.query_children(MessageView)) if self.parent else []
        index = views.index(self) + step if self in views else -1
        if 0 <= index < len(views):
            views[index].focus()
            views[index].scroll_visible()
        elif step > 0:
            self.screen.query_one("#prompt").focus()

    @property
    def body(self) -> Markdown:
        """The streaming Markdown of a live answer."""
        return self.query_one(Markdown)

    def add_reasoning(self, text: str) -> None:
        self._reasoning.append(literal(text))
        box = self.query_one(".reasoning", Collapsible)
        if not box.display:
            box.display = True
            box.collapsed = False
        self.query_one(".reasoning-text", Static).update("".join(self._reasoning))

    def content_started(self) -> None:
        """Fold the reasoning away once the answer itself begins."""
        box = self.query_one(".reasoning", Collapsible)
        if box.display and not box.collapsed:
            box.collapsed = True

    def show_meta(self, note: str | None = None) -> None:
        turn = self.turn
        parts: list[str] = []
        if turn.status == Status.STREAMING:
            parts.append(_("answering… (Esc stops)"))
        if turn.usage is not None:
            parts.append(
                _("{prompt} → {completion} tokens").format(
                    prompt=number(turn.usage.prompt_tokens),
                    completion=number(turn.usage.completion_tokens),
                )
            )
        if turn.credits is not None:
            amount = number(turn.credits)
            parts.append(
                _("≈{credits} credits (estimate)").format(credits=amount)
                if turn.credits_estimated
                else _("{credits} credits").format(credits=amount)
            )
        if turn.elapsed is not None:
            parts.append(_("{seconds:.1f} s").format(seconds=turn.elapsed))
        status = {
            Status.STOPPED: _("stopped by you — partial answer kept"),
            Status.CUT: _("cut off — partial answer kept"),
            Status.FAILED: _("failed"),
            Status.INTERRUPTED: _("interrupted — tokendeck closed mid-answer; partial answer kept"),
        }.get(turn.status)
        if status:
            parts.append(status)
        if turn.status == Status.DONE and turn.finish_reason not in (None, "stop"):
            parts.append(_("ended early: {reason}").format(reason=turn.finish_reason))
        if turn.error:
            parts.append(turn.error)
        if note:
            parts.append(note)
        meta = self.query_one(".meta", Static)
        meta.update(" · ".join(parts))
        for state in Status:
            self.set_class(turn.status == state, f"-{state.value}")
