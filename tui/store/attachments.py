"""Files attached to messages: each file's bytes stored once by content hash (blobs), linked to
the messages that carry it in order (attachments) and to drafts (draft_files). A blob goes when
its last link goes."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Protocol

from .db import Database
from .records import StoredAttachment, StoredMessage


class AttachmentLike(Protocol):
    """Anything shaped like tui.chat.prompt_input.Attachment (the store does not import it)."""

    @property
    def name(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def data(self) -> bytes: ...


def link_attachments(
    conn: sqlite3.Connection, message_id: int, files: Iterable[AttachmentLike]
) -> None:
    """Store `files` for a message inside the caller's transaction; bytes already stored under
    the same hash are not stored again."""
    for order, file in enumerate(files):
        digest = file_digest(conn, file)
        conn.execute(
            "INSERT INTO attachments (message_id, ord, name, sha256) VALUES (?, ?, ?, ?)",
            (message_id, order, file.name, digest),
        )


def file_digest(conn: sqlite3.Connection, file: AttachmentLike) -> str:
    """The file's SHA-256, its bytes stored under it unless they already are (inside the
    caller's transaction)."""
    digest = hashlib.sha256(file.data).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO blobs (sha256, media_type, size, data) VALUES (?, ?, ?, ?)",
        (digest, file.media_type, len(file.data), file.data),
    )
    return digest


def attachments_of(db: Database, message_ids: Sequence[int]) -> dict[int, list[StoredAttachment]]:
    """The files of each of these messages that has any, in the order they were attached."""
    found: dict[int, list[StoredAttachment]] = {}
    ids = list(message_ids)
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters, with room
        chunk = ids[start : start + 500]
        rows = db.query(
            "SELECT a.message_id, a.name, b.media_type, b.data, b.sha256 FROM attachments a"
            " JOIN blobs b ON b.sha256 = a.sha256"
            f" WHERE a.message_id IN ({','.join('?' * len(chunk))}) ORDER BY a.message_id, a.ord",
            chunk,
        )
        for row in rows:
            found.setdefault(row[0], []).append(
                StoredAttachment(row[1], row[2], bytes(row[3]), row[4])
            )
    return found


def with_attachments(db: Database, found: list[StoredMessage]) -> list[StoredMessage]:
    """`found` with each message's files filled in (one query; none when no file is stored)."""
    if not found or db.query_one("SELECT 1 FROM attachments LIMIT 1") is None:
        return found
    files = attachments_of(db, [m.id for m in found])
    return [replace(m, attachments=tuple(files[m.id])) if m.id in files else m for m in found]


def copy_attachments(
    conn: sqlite3.Connection, source: int, target: int, positions: str, bound: int
) -> None:
    """Give the messages of conversation `target` the files of the messages at the same
    positions in `source` (those where `position {positions} bound`), inside a transaction."""
    assert positions in ("<", "<=", "=")
    conn.execute(
        "INSERT INTO attachments (message_id, ord, name, sha256)"
        " SELECT n.id, a.ord, a.name, a.sha256 FROM attachments a"
        " JOIN messages o ON o.id = a.message_id"
        " JOIN messages n ON n.conversation_id = ? AND n.position = o.position"
        f" WHERE o.conversation_id = ? AND o.position {positions} ?",
        (target, source, bound),
    )


def blob_count(db: Database) -> int:
    row = db.query_one("SELECT count(*) FROM blobs")
    return int(row[0]) if row else 0
