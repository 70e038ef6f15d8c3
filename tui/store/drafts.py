"""Unsent input kept per conversation ('new' for a conversation not started yet): the text
typed, and the files waiting to go with it (stored by content hash, as sent attachments are)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .attachments import file_digest
from .records import StoredAttachment

if TYPE_CHECKING:
    from .attachments import AttachmentLike
    from .db import Database

NEW = "new"


def draft_key(conversation_id: int | None) -> str:
    """The drafts key for a conversation; None means the not-yet-created one."""
    return NEW if conversation_id is None else str(conversation_id)


def save_draft(
    db: Database, key: str, text: str, files: Sequence[AttachmentLike] | None = None
) -> None:
    """Keep `text` as the draft for `key` (blank text deletes it) and, unless `files` is None,
    `files` as the files waiting with it (none: no file waits)."""
    with db.write() as conn:
        if text.strip():
            conn.execute(
                "INSERT INTO drafts (key, text, updated) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET text = excluded.text, updated = excluded.updated",
                (key, text, db.now()),
            )
        else:
            conn.execute("DELETE FROM drafts WHERE key = ?", (key,))
        if files is None:
            return
        conn.execute("DELETE FROM draft_files WHERE key = ?", (key,))
        for order, file in enumerate(files):
            digest = file_digest(conn, file)
            conn.execute(
                "INSERT INTO draft_files (key, ord, name, sha256) VALUES (?, ?, ?, ?)",
                (key, order, file.name, digest),
            )


def load_draft(db: Database, key: str) -> str:
    """The saved draft for `key`, or "" when there is none."""
    row = db.query_one("SELECT text FROM drafts WHERE key = ?", (key,))
    return "" if row is None else str(row[0])


def load_draft_files(db: Database, key: str) -> list[StoredAttachment]:
    """The files waiting with the draft for `key`, in the order they were attached."""
    rows = db.query(
        "SELECT d.name, b.media_type, b.data, b.sha256 FROM draft_files d"
        " JOIN blobs b ON b.sha256 = d.sha256 WHERE d.key = ? ORDER BY d.ord",
        (key,),
    )
    return [StoredAttachment(row[0], row[1], bytes(row[2]), row[3]) for row in rows]
