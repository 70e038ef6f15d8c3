"""Branching: copy a conversation up to a message, or up to an edited message to resend."""

from __future__ import annotations

import sqlite3

from ..base.i18n import _
from .attachments import copy_attachments
from .conversations import refresh_title
from .db import Database
from .errors import Problem, StoreError
from .transcript import insert_message

_COPIED = (
    "position, role, content, reasoning, model, params, created, prompt_tokens,"
    " completion_tokens, credits, credits_estimated, request_id, usage_id, finish_reason, error,"
    " status"
)
# The same columns as read from the source; an answer still streaming becomes interrupted.
_SOURCE = _COPIED.removesuffix("status") + (
    "CASE status WHEN 'streaming' THEN 'interrupted' ELSE status END"
)


def fork(db: Database, conversation_id: int, upto_message_id: int) -> int:
    """A new conversation with copies of the messages up to and including `upto_message_id`."""
    with db.write() as conn:
        position = _position(conn, conversation_id, upto_message_id)
        new_id = _branch(conn, db.now(), conversation_id, upto_message_id)
        _copy(conn, conversation_id, new_id, position + 1)
        copy_attachments(conn, conversation_id, new_id, "<=", position)
        refresh_title(conn, new_id)
    return new_id


def fork_with_edit(db: Database, conversation_id: int, message_id: int, new_text: str) -> int:
    """Edit-and-resend: a new conversation with the messages before `message_id`, then the
    message itself with `new_text`. The original conversation is left as it was."""
    now = db.now()
    with db.write() as conn:
        position = _position(conn, conversation_id, message_id)
        new_id = _branch(conn, now, conversation_id, message_id)
        _copy(conn, conversation_id, new_id, position)
        role, model, params = conn.execute(
            "SELECT role, model, params FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        insert_message(conn, new_id, now, role=role, content=new_text, model=model, params=params)
        copy_attachments(conn, conversation_id, new_id, "<=", position)  # the edited one's too
        refresh_title(conn, new_id)
    return new_id


def _position(conn: sqlite3.Connection, conversation_id: int, message_id: int) -> int:
    row = conn.execute(
        "SELECT position FROM messages WHERE id = ? AND conversation_id = ?",
        (message_id, conversation_id),
    ).fetchone()
    if row is None:
        message = _("Message {message} is not in conversation {conversation} any more.")
        raise StoreError(
            message.format(message=message_id, conversation=conversation_id), Problem.MISSING
        )
    return int(row[0])


def _branch(conn: sqlite3.Connection, now: float, source: int, message_id: int) -> int:
    """A new conversation row with the source's title, profile and settings."""
    cursor = conn.execute(
        "INSERT INTO conversations (title, title_custom, pinned, created, updated, profile,"
        " settings, parent_id, fork_message_id)"
        " SELECT title, title_custom, 0, ?, ?, profile, settings, id, ? FROM conversations"
        " WHERE id = ?",
        (now, now, message_id, source),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _copy(conn: sqlite3.Connection, source: int, target: int, before: int) -> None:
    """Copy the messages at positions < `before`, keeping positions and times."""
    conn.execute(
        f"INSERT INTO messages (conversation_id, {_COPIED})"
        f" SELECT ?, {_SOURCE} FROM messages WHERE conversation_id = ? AND position < ?"
        " ORDER BY position",
        (target, source, before),
    )
