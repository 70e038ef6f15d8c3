"""Answers' costs in the history: which answers still need one, and writing costs quietly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .db import Database
from .records import StoredMessage, decimal_text, message_from_row

_OF_PROFILE = (
    "m.role = 'assistant' AND m.conversation_id IN (SELECT id FROM conversations"
    " WHERE profile IS ?)"
)


@dataclass(frozen=True, slots=True)
class CostWrite:
    """A cost for one message, and the log row that confirmed it (None for an estimate);
    request id and tokens fill only what the message lacks."""

    message_id: int
    credits: Decimal
    estimated: bool
    usage_id: int | None = None
    request_id: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def answers_to_cost(db: Database, profile: str | None) -> list[StoredMessage]:
    """`profile`'s answers whose cost is unknown or an estimate (not those still streaming)."""
    rows = db.query(
        f"SELECT m.* FROM messages m WHERE {_OF_PROFILE} AND m.status != 'streaming'"
        " AND (m.credits IS NULL OR m.credits_estimated = 1) ORDER BY m.created, m.id",
        (profile,),
    )
    return [message_from_row(row) for row in rows]


def claimed_rows(db: Database, profile: str | None) -> dict[int, float]:
    """Log-row ids that confirmed an answer of `profile`, with that answer's creation time
    (a forked copy keeps both, so it may share the row)."""
    rows = db.query(
        f"SELECT m.usage_id, m.created FROM messages m WHERE {_OF_PROFILE}"
        " AND m.usage_id IS NOT NULL",
        (profile,),
    )
    return {row[0]: row[1] for row in rows}


def write_costs(db: Database, writes: Sequence[CostWrite]) -> int:
    """Store the costs in one transaction; how many messages changed. A cost that arrives
    later is not activity: conversations keep their place in the history list."""
    if not writes:
        return 0
    with db.write() as conn:
        changed = 0
        for w in writes:
            changed += conn.execute(
                "UPDATE messages SET credits = ?, credits_estimated = ?, usage_id = ?,"
                " request_id = coalesce(request_id, ?),"
                " prompt_tokens = coalesce(prompt_tokens, ?),"
                " completion_tokens = coalesce(completion_tokens, ?) WHERE id = ?",
                (
                    decimal_text(w.credits),
                    int(w.estimated),
                    w.usage_id,
                    w.request_id,
                    w.prompt_tokens,
                    w.completion_tokens,
                    w.message_id,
                ),
            ).rowcount
    return changed


def conversation_cost(db: Database, conversation_id: int) -> tuple[Decimal, bool]:
    """A conversation's credits (exact Decimal sum) and whether that total is not exact:
    some of it is an estimate, or an answer that may have cost something has no cost yet."""
    total = Decimal(0)
    estimated = False
    for credits, is_estimate, role, status in db.query(
        "SELECT credits, credits_estimated, role, status FROM messages WHERE conversation_id = ?",
        (conversation_id,),
    ):
        if credits is not None:
            total += Decimal(credits)
            estimated = estimated or bool(is_estimate)
        elif role == "assistant" and status not in ("failed", "streaming"):
            estimated = True
    return total, estimated
