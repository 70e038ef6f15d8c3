"""Unsent input kept per conversation ('new' for a conversation not started yet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .db import Database

NEW = "new"


def draft_key(conversation_id: int | None) -> str:
    """The drafts key for a conversation; None means the not-yet-created one."""
    return NEW if conversation_id is None else str(conversation_id)


def save_draft(db: Database, key: str, text: str) -> None:
    """Keep `text` as the draft for `key`; blank text deletes the draft."""
    with db.write() as conn:
        if text.strip():
            conn.execute(
                "INSERT INTO drafts (key, text, updated) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET text = excluded.text, updated = excluded.updated",
                (key, text, db.now()),
            )
        else:
            conn.execute("DELETE FROM drafts WHERE key = ?", (key,))


def load_draft(db: Database, key: str) -> str:
    """The saved draft for `key`, or "" when there is none."""
    row = db.query_one("SELECT text FROM drafts WHERE key = ?", (key,))
    return "" if row is None else str(row[0])
