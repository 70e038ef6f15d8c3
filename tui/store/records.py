"""What the store hands out: conversations, messages and search hits as typed dataclasses."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


class MessageStatus(StrEnum):
    """tui.chat.conversation.Status plus INTERRUPTED (the process died mid-stream)."""

    STREAMING = "streaming"
    DONE = "done"
    STOPPED = "stopped"
    CUT = "cut"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class SettingsLike(Protocol):
    """Anything shaped like tui.chat.conversation.Settings (the store does not import it)."""

    @property
    def model(self) -> str: ...
    @property
    def system(self) -> str: ...
    @property
    def temperature(self) -> float | None: ...
    @property
    def top_p(self) -> float | None: ...
    @property
    def max_tokens(self) -> int | None: ...
    @property
    def stop(self) -> tuple[str, ...]: ...


class UsageLike(Protocol):
    """Anything shaped like tui.gateway.UsageInfo."""

    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...


@dataclass(frozen=True, slots=True)
class StoredSettings:
    """A conversation's chat parameters as saved; same fields as tui.chat.conversation.Settings."""

    model: str = ""
    system: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: SettingsLike) -> StoredSettings:
        return cls(
            settings.model,
            settings.system,
            settings.temperature,
            settings.top_p,
            settings.max_tokens,
            tuple(settings.stop),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> StoredSettings:
        data = json.loads(text or "{}")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["stop"] = tuple(known.get("stop") or ())
        return cls(**known)


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A stored conversation's row, without its messages."""

    id: int
    title: str  # "" until the first user message gives one
    title_custom: bool
    pinned: bool
    created: datetime
    updated: datetime
    profile: str | None
    settings: StoredSettings
    parent_id: int | None = None  # the conversation this one was forked from
    fork_message_id: int | None = None  # the message in the parent where it forked


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One row of the history list."""

    id: int
    title: str
    pinned: bool
    updated: datetime
    message_count: int
    credits: Decimal | None  # None when no message has a cost
    credits_estimated: bool  # some of `credits` is an estimate
    branch: str | None = None  # "edit" (an edited message resent) or "fork"; None: an original
    parent_title: str | None = None  # the title of the conversation it branched from


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A stored message's row."""

    id: int
    conversation_id: int
    position: int  # 0, 1, 2 ... within the conversation
    role: str
    content: str
    reasoning: str
    model: str | None
    params: dict[str, Any] = field(default_factory=dict)
    created: datetime = datetime.fromtimestamp(0, UTC)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    credits: Decimal | None = None
    credits_estimated: bool = False
    request_id: str | None = None
    finish_reason: str | None = None
    status: MessageStatus = MessageStatus.DONE
    error: str | None = None
    background: bool = False  # finished streaming after the terminal went away
    attachments: tuple[StoredAttachment, ...] = ()  # files sent with it, in order


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An attached file as stored: its name, media type, bytes and their SHA-256."""

    name: str
    media_type: str
    data: bytes = field(repr=False)
    sha256: str = ""

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message found by full-text search, with its snippet."""

    conversation_id: int
    conversation_title: str
    message_id: int
    position: int
    role: str
    snippet: str  # one line; matches marked «like this»
    created: datetime


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as stored: plain digits, never an exponent."""
    return None if value is None else format(value, "f")


def conversation_from_row(row: sqlite3.Row) -> ConversationRecord:
    return ConversationRecord(
        id=row["id"],
        title=row["title"],
        title_custom=bool(row["title_custom"]),
        pinned=bool(row["pinned"]),
        created=utc(row["created"]),
        updated=utc(row["updated"]),
        profile=row["profile"],
        settings=StoredSettings.from_json(row["settings"]),
        parent_id=row["parent_id"],
        fork_message_id=row["fork_message_id"],
    )


def message_from_row(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        position=row["position"],
        role=row["role"],
        content=row["content"],
        reasoning=row["reasoning"],
        model=row["model"],
        params=json.loads(row["params"] or "{}"),
        created=utc(row["created"]),
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        credits=None if row["credits"] is None else Decimal(row["credits"]),
        credits_estimated=bool(row["credits_estimated"]),
        request_id=row["request_id"],
        finish_reason=row["finish_reason"],
        status=MessageStatus(row["status"]),
        error=row["error"],
        background=bool(row["background"]),
    )
