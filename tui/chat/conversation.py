"""A chat conversation as data (no widgets): turns, their outcome, and the history to send."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from ..gateway import ChatParams, ChatResult, UsageInfo
from .prompt_input import Attachment


class Status(StrEnum):
    STREAMING = "streaming"
    DONE = "done"
    STOPPED = "stopped"  # the user pressed Escape
    CUT = "cut"  # the stream ended before the gateway finished
    FAILED = "failed"  # an error, with or without partial text
    INTERRUPTED = "interrupted"  # the process died mid-answer (found on the next start)


@dataclass
class Settings:
    """Per-conversation chat parameters; defaults come from the profile."""

    model: str
    system: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()

    def params(self) -> ChatParams:
        return ChatParams(self.model, self.temperature, self.top_p, self.max_tokens, self.stop)


@dataclass
class Turn:
    """One message of a conversation, as the chat shows and stores it."""

    role: str
    content: str = ""
    reasoning: str = ""
    model: str | None = None
    status: Status = Status.DONE
    usage: UsageInfo | None = None
    request_id: str | None = None
    finish_reason: str | None = None
    error: str | None = None
    elapsed: float | None = None
    id: int | None = None  # the stored message's id
    position: int | None = None  # its place in the stored conversation
    credits: Decimal | None = None  # what the gateway charged (or an estimate)
    credits_estimated: bool = False
    background: bool = False  # finished streaming after the terminal went away (SIGHUP)
    unsaved: bool = False  # not in the history database yet (kept in memory, written later)
    token_memo: tuple[str, int] | None = field(default=None, repr=False, compare=False)
    attachments: tuple[Attachment, ...] = ()  # files sent with a user turn

    def apply(self, result: ChatResult, *, stopped: bool) -> None:
        """Record how a streamed answer ended."""
        self.content, self.reasoning = result.content, result.reasoning
        self.usage, self.request_id = result.usage, result.request_id
        self.finish_reason = result.finish_reason
        if result.billed_cost is not None:  # the gateway said what it billed: exact, no estimate
            self.credits, self.credits_estimated = result.billed_cost, False
        if stopped:
            self.status = Status.STOPPED
        elif result.error is not None:
            self.status = Status.CUT if result.cut else Status.FAILED
            self.error = result.error.detail
        else:
            self.status = Status.DONE

    @property
    def charged(self) -> bool:
        """Whether this answer is billed: it has text, or the gateway counted its tokens (an
        answer stopped or failed after that point is billed too). A charged answer has the usage
        log synced and the answers costed (tui.spend.service); one that is not leaves both alone."""
        return bool(self.content or self.usage)


@dataclass
class Conversation:
    """The open conversation: its settings and the turns loaded so far."""

    settings: Settings
    turns: list[Turn] = field(default_factory=list)
    title: str = ""
    id: int | None = None  # None until its first message is stored
    earlier: int = 0  # stored turns before `turns[0]` not loaded yet
    # what a request sends is worked out by tui.chat.context (the stored turns not loaded included):
    # the text of those turns, read once (a future of context.Earlier)
    stored_texts: object = field(default=None, repr=False, compare=False)

    def with_model(self, model: str) -> Settings:
        self.settings = replace(self.settings, model=model)
        return self.settings

    @property
    def last_user_index(self) -> int | None:
        for i in range(len(self.turns) - 1, -1, -1):
            if self.turns[i].role == "user":
                return i
        return None
