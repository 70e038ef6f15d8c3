"""A conversation's transcript: add and update messages, read them whole or by window."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..base.i18n import _
from .attachments import AttachmentLike, attachments_of, link_attachments, with_attachments
from .conversations import missing, refresh_title
from .db import Database
from .errors import Problem, StoreError
from .records import (
    MessageStatus,
    StoredAttachment,
    StoredMessage,
    decimal_text,
    message_from_row,
)

# Columns update_message may change, with how a Python value is stored.
_COLUMNS: dict[str, Callable[[Any], Any]] = {
    "role": str,
    "content": str,
    "reasoning": str,
    "model": lambda v: v,
    "params": lambda v: None if v is None else json.dumps(v, ensure_ascii=False),
    "prompt_tokens": lambda v: v,
    "completion_tokens": lambda v: v,
    "credits": decimal_text,
    "credits_estimated": lambda v: int(bool(v)),
    "request_id": lambda v: v,
    "finish_reason": lambda v: v,
    "status": lambda v: str(MessageStatus(v)),
    "error": lambda v: v,
    "background": lambda v: int(bool(v)),
}


def add_message(
    db: Database,
    conversation_id: int,
    role: str,
    content: str = "",
    *,
    reasoning: str = "",
    model: str | None = None,
    params: Mapping[str, Any] | None = None,
    status: str = MessageStatus.DONE,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
    credits: Decimal | None = None,
    credits_estimated: bool = False,
    request_id: str | None = None,
    finish_reason: str | None = None,
    error: str | None = None,
    attachments: Sequence[AttachmentLike] = (),
) -> int:
    """Append a message (and its attached files) at the end of the conversation; its id.
    Bumps the conversation."""
    now = db.now()
    with db.write() as conn:
        message_id = insert_message(
            conn, conversation_id, now,
            role=role, content=content, reasoning=reasoning, model=model,
            params=None if params is None else json.dumps(dict(params), ensure_ascii=False),
            status=str(MessageStatus(status)), prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens, credits=decimal_text(credits),
            credits_estimated=int(credits_estimated), request_id=request_id,
            finish_reason=finish_reason, error=error,
        )  # fmt: skip
        link_attachments(conn, message_id, attachments)
        if attachments and role == "user":  # a message of files only is titled by their names
            refresh_title(conn, conversation_id)
        return message_id


def insert_message(
    conn: sqlite3.Connection, conversation_id: int, now: float, **values: Any
) -> int:
    """Insert at the next position inside the caller's transaction (values: stored form)."""
    row = conn.execute(
        "SELECT (SELECT coalesce(max(position), -1) + 1 FROM messages WHERE conversation_id = ?)"
        " FROM conversations WHERE id = ?",
        (conversation_id, conversation_id),
    ).fetchone()
    if row is None:
        raise missing(conversation_id)
    names = ["conversation_id", "position", "created", *values]
    cursor = conn.execute(
        f"INSERT INTO messages ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        (conversation_id, row[0], now, *values.values()),
    )
    conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
    if values.get("role") == "user":
        refresh_title(conn, conversation_id)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def update_message(db: Database, message_id: int, **fields: Any) -> None:
    """Change some columns of a message (names as in add_message); bumps the conversation."""
    unknown = set(fields) - set(_COLUMNS)
    if unknown:
        raise TypeError(f"update_message() got unknown fields: {sorted(unknown)}")
    if not fields:
        return
    sets = ", ".join(f"{name} = ?" for name in fields)
    values = [_COLUMNS[name](value) for name, value in fields.items()]
    with db.write() as conn:
        row = conn.execute(
            f"UPDATE messages SET {sets} WHERE id = ? RETURNING conversation_id, position",
            (*values, message_id),
        ).fetchone()
        if row is None:
            message = _("Message {id} no longer exists in the history.")
            raise StoreError(message.format(id=message_id), Problem.MISSING)
        conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (db.now(), row[0]))
        if "content" in fields or "role" in fields:
            refresh_title(conn, row[0])


def get_message(db: Database, message_id: int) -> StoredMessage | None:
    row = db.query_one("SELECT * FROM messages WHERE id = ?", (message_id,))
    return None if row is None else with_attachments(db, [message_from_row(row)])[0]


def messages(
    db: Database, conversation_id: int, offset: int = 0, limit: int | None = None
) -> list[StoredMessage]:
    """Messages in order of position, from the `offset`-th, at most `limit`."""
    rows = db.query(
        "SELECT * FROM messages WHERE conversation_id = ? ORDER BY position LIMIT ? OFFSET ?",
        (conversation_id, -1 if limit is None else limit, offset),
    )
    return with_attachments(db, [message_from_row(row) for row in rows])


def count_messages(db: Database, conversation_id: int) -> int:
    row = db.query_one(
        "SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,)
    )
    return int(row[0]) if row else 0


def messages_before(
    db: Database, conversation_id: int, position: int, limit: int
) -> list[StoredMessage]:
    """Up to `limit` messages just before `position`, oldest first (scrolling up)."""
    rows = db.query(
        "SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? AND position < ?"
        " ORDER BY position DESC LIMIT ?) ORDER BY position",
        (conversation_id, position, limit),
    )
    return with_attachments(db, [message_from_row(row) for row in rows])


def messages_tail(db: Database, conversation_id: int, limit: int) -> list[StoredMessage]:
    """The last `limit` messages, oldest first: what to mount when a conversation opens."""
    return messages_before(db, conversation_id, 2**62, limit)


def message_texts(db: Database, conversation_id: int, before: int) -> list[tuple[int, str, str]]:
    """(position, role, content) of the messages with text before `position`, in order: what a
    chat request may send again (never the reasoning)."""
    rows = db.query(
        "SELECT position, role, content FROM messages WHERE conversation_id = ?"
        " AND position < ? AND (content != '' OR id IN (SELECT message_id FROM attachments))"
        " ORDER BY position",
        (conversation_id, before),
    )
    return [(int(row[0]), str(row[1]), str(row[2])) for row in rows]


def message_files(
    db: Database, conversation_id: int, before: int
) -> dict[int, list[StoredAttachment]]:
    """The files of the messages before `position`, by the position of their message."""
    rows = db.query(
        "SELECT m.id, m.position FROM messages m WHERE m.conversation_id = ? AND m.position < ?"
        " AND m.id IN (SELECT message_id FROM attachments)",
        (conversation_id, before),
    )
    if not rows:
        return {}
    files = attachments_of(db, [row[0] for row in rows])
    return {row[1]: files.get(row[0], []) for row in rows}
