"""Saved conversations: create, list (pinned, then recent), rename, pin, settings, delete."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from decimal import Decimal

from ..base.i18n import _
from ..base.textfmt import truncate
from .db import Database
from .drafts import draft_key
from .errors import Problem, StoreError
from .records import (
    ConversationRecord,
    ConversationSummary,
    SettingsLike,
    StoredSettings,
    conversation_from_row,
    utc,
)

TITLE_WIDTH = 48  # terminal cells


def derive_title(text: str, width: int = TITLE_WIDTH) -> str:
    """A title from a user message: its first non-blank line, spaces collapsed, cut with …."""
    for line in text.splitlines():
        if line := " ".join(line.split()):
            return truncate(line, width)
    return ""


def missing(conversation_id: int) -> StoreError:
    message = _("Conversation {id} no longer exists in the history.")
    return StoreError(message.format(id=conversation_id), Problem.MISSING)


def create_conversation(
    db: Database, settings: SettingsLike, profile: str | None = None, *, title: str = ""
) -> int:
    """A new empty conversation; its id. A non-empty `title` counts as chosen by the user."""
    now = db.now()
    with db.write() as conn:
        cursor = conn.execute(
            "INSERT INTO conversations (title, title_custom, created, updated, profile, settings)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                title.strip(),
                int(bool(title.strip())),
                now,
                now,
                profile,
                StoredSettings.of(settings).to_json(),
            ),
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def get_conversation(db: Database, conversation_id: int) -> ConversationRecord | None:
    row = db.query_one("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
    return None if row is None else conversation_from_row(row)


def latest_conversation(db: Database, profile: str | None = None) -> int | None:
    """The id of the chat updated last (pinned or not; a comparison of models is no chat to
    go on with), of `profile` when one is named; None when there is none."""
    row = db.query_one(
        "SELECT c.id FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM messages m"
        " WHERE m.conversation_id = c.id AND m.role = 'assistant'"
        " AND json_extract(m.params, '$.compare') IS NOT NULL)"
        " AND (? IS NULL OR c.profile = ?)"
        " ORDER BY c.updated DESC, c.id DESC LIMIT 1",
        (profile, profile),
    )
    return None if row is None else int(row[0])


def count_conversations(db: Database) -> int:
    row = db.query_one("SELECT count(*) FROM conversations")
    return int(row[0]) if row else 0


def list_conversations(
    db: Database, limit: int | None = 100, offset: int = 0
) -> list[ConversationSummary]:
    """Pinned conversations first, then the most recently updated. A branch says whether it
    resent an edited message ("edit": its message at the branching point differs from the
    source's) or copied the conversation up to one ("fork"), and its source's title."""
    rows = db.query(
        "SELECT c.id, c.title, c.pinned, c.updated,"
        " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n,"
        " CASE WHEN c.parent_id IS NULL THEN NULL"
        "  WHEN EXISTS (SELECT 1 FROM messages s JOIN messages b ON b.conversation_id = c.id"
        "   AND b.position = s.position WHERE s.id = c.fork_message_id AND b.content = s.content)"
        "  THEN 'fork' ELSE 'edit' END AS branch,"
        " (SELECT p.title FROM conversations p WHERE p.id = c.parent_id) AS parent_title"
        " FROM conversations c ORDER BY c.pinned DESC, c.updated DESC, c.id DESC"
        " LIMIT ? OFFSET ?",
        (-1 if limit is None else limit, offset),
    )
    credits, estimated = _credits(db, [row["id"] for row in rows])
    return [
        ConversationSummary(
            id=row["id"],
            title=row["title"],
            pinned=bool(row["pinned"]),
            updated=utc(row["updated"]),
            message_count=row["n"],
            credits=credits.get(row["id"]),
            credits_estimated=row["id"] in estimated,
            branch=row["branch"],
            parent_title=row["parent_title"],
        )
        for row in rows
    ]


def last_answers(db: Database, ids: list[int]) -> dict[int, tuple[str, str | None, str | None]]:
    """How each conversation's last answer ended: (status, finish_reason, error) by id; a
    conversation with no answer is left out."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.query(
        "SELECT m.conversation_id, m.status, m.finish_reason, m.error FROM messages m"
        f" WHERE m.conversation_id IN ({marks}) AND m.role = 'assistant' AND m.position ="
        " (SELECT max(x.position) FROM messages x"
        "  WHERE x.conversation_id = m.conversation_id AND x.role = 'assistant')",
        ids,
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _credits(db: Database, ids: list[int]) -> tuple[dict[int, Decimal], set[int]]:
    """Exact Decimal totals per conversation (SQL SUM would go through floats)."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    estimated: set[int] = set()
    if not ids:
        return totals, estimated
    marks = ",".join("?" * len(ids))
    for row in db.query(
        "SELECT conversation_id, credits, credits_estimated FROM messages"
        f" WHERE credits IS NOT NULL AND conversation_id IN ({marks})",
        ids,
    ):
        totals[row[0]] += Decimal(row[1])
        if row[2]:
            estimated.add(row[0])
    return dict(totals), estimated


def _change(db: Database, conversation_id: int, sql: str, params: tuple[object, ...]) -> None:
    with db.write() as conn:
        if conn.execute(sql, (*params, conversation_id)).rowcount == 0:
            raise missing(conversation_id)


def rename_conversation(db: Database, conversation_id: int, title: str) -> None:
    """Set the title the user chose; an empty title goes back to the derived one."""
    title = " ".join(title.split())
    with db.write() as conn:
        changed = conn.execute(
            "UPDATE conversations SET title = ?, title_custom = ? WHERE id = ?",
            (title, int(bool(title)), conversation_id),
        ).rowcount
        if not changed:
            raise missing(conversation_id)
        if not title:
            refresh_title(conn, conversation_id)


def refresh_title(conn: sqlite3.Connection, conversation_id: int) -> None:
    """Derive the title from the first user message (the names of its files when it has no
    text), unless the user chose one."""
    row = conn.execute(
        "SELECT content, id FROM messages WHERE conversation_id = ? AND role = 'user'"
        " ORDER BY position LIMIT 1",
        (conversation_id,),
    ).fetchone()
    title = derive_title(row[0]) if row else ""
    if row and not title:
        names = conn.execute(
            "SELECT name FROM attachments WHERE message_id = ? ORDER BY ord", (row[1],)
        ).fetchall()
        title = derive_title(", ".join(name for (name,) in names))
    conn.execute(
        "UPDATE conversations SET title = ? WHERE id = ? AND NOT title_custom",
        (title, conversation_id),
    )


def pin_conversation(db: Database, conversation_id: int, pinned: bool = True) -> None:
    _change(db, conversation_id, "UPDATE conversations SET pinned = ? WHERE id = ?", (int(pinned),))


def update_settings(db: Database, conversation_id: int, settings: SettingsLike) -> None:
    _change(
        db,
        conversation_id,
        "UPDATE conversations SET settings = ? WHERE id = ?",
        (StoredSettings.of(settings).to_json(),),
    )


def delete_conversation(db: Database, conversation_id: int) -> None:
    """Delete a conversation, its messages (cascade) and its draft; forks of it stay."""
    with db.write() as conn:
        conn.execute(
            "UPDATE conversations SET fork_message_id = NULL WHERE parent_id = ?",
            (conversation_id,),
        )
        for table in ("drafts", "draft_files"):
            conn.execute(f"DELETE FROM {table} WHERE key = ?", (draft_key(conversation_id),))
        if conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount:
            return
    raise missing(conversation_id)
