"""Comparisons in the history: one conversation holding the prompt and each model's answer.

A comparison is a conversation of its own (listed once, titled "⚖ <prompt>"): the prompt at
position 0, then one answer per model, each with its figures in the message's params under
"compare" (slot, time to first token, seconds streaming, winner). It branches off the
conversation it was asked in (parent_id); the winner's answer is copied there, with the prompt,
so that conversation goes on with it, and the comparison keeps every answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .conversations import derive_title, missing
from .db import Database
from .records import MessageStatus, SettingsLike, StoredMessage, StoredSettings, message_from_row
from .transcript import insert_message

MARK = "⚖ "  # the title's mark: a comparison, whatever the language
KEY = "compare"  # the params key holding an answer's comparison figures
_COPIED = (
    "role, content, reasoning, model, params, prompt_tokens, completion_tokens, credits,"
    " credits_estimated, request_id, usage_id, finish_reason, error, status"
)
# The same columns read from the winner: its params without the comparison's figures.
_SOURCE = _COPIED.replace("params", f"json_remove(params, '$.{KEY}')")


@dataclass(frozen=True, slots=True)
class ComparedAnswer:
    """One model's stored answer and its figures."""

    message: StoredMessage
    slot: int
    ttft: float | None  # seconds to the first token
    seconds: float | None  # seconds from the first token to the last
    winner: bool

    @property
    def tokens_per_s(self) -> float | None:
        tokens = self.message.completion_tokens
        if not tokens or not self.seconds or tokens < 2:
            return None
        return tokens / self.seconds


@dataclass(frozen=True, slots=True)
class StoredComparison:
    """A stored comparison: the prompt and each model's answer."""

    conversation_id: int
    title: str
    parent_id: int | None
    prompt: StoredMessage
    answers: list[ComparedAnswer]

    @property
    def winner(self) -> ComparedAnswer | None:
        return next((a for a in self.answers if a.winner), None)


def start_comparison(
    db: Database,
    *,
    profile: str | None,
    settings: SettingsLike,
    prompt: str,
    models: Sequence[str],
    parent_id: int | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[int, list[int]]:
    """The comparison's conversation and its answers' rows (status 'streaming', in model
    order): (conversation id, message ids)."""
    now = db.now()
    title = MARK + derive_title(prompt)
    with db.write() as conn:
        cursor = conn.execute(
            "INSERT INTO conversations (title, title_custom, created, updated, profile,"
            " settings, parent_id) VALUES (?, 1, ?, ?, ?, ?, ?)",
            (title, now, now, profile, StoredSettings.of(settings).to_json(), parent_id),
        )
        cid = cursor.lastrowid
        assert cid is not None
        insert_message(conn, cid, now, role="user", content=prompt)
        ids = []
        for slot, model in enumerate(models):
            figures = {**(params or {}), "model": model, KEY: {"slot": slot}}
            ids.append(
                insert_message(
                    conn, cid, now, role="assistant", model=model,
                    params=json.dumps(figures, ensure_ascii=False),
                    status=str(MessageStatus.STREAMING),
                )  # fmt: skip
            )
    return cid, ids


def save_figures(
    db: Database, message_id: int, *, ttft: float | None, seconds: float | None
) -> None:
    """Keep an answer's time to first token and streaming time (rounded to the millisecond)."""
    with db.write() as conn:
        row = conn.execute("SELECT params FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None:
            return
        params = json.loads(row[0] or "{}")
        figures = params.setdefault(KEY, {})
        figures["ttft"] = None if ttft is None else round(ttft, 3)
        figures["seconds"] = None if seconds is None else round(seconds, 3)
        conn.execute(
            "UPDATE messages SET params = ? WHERE id = ?",
            (json.dumps(params, ensure_ascii=False), message_id),
        )


def is_comparison(db: Database, conversation_id: int) -> bool:
    row = db.query_one(
        "SELECT 1 FROM messages WHERE conversation_id = ? AND role = 'assistant'"
        " AND json_extract(params, '$.compare') IS NOT NULL LIMIT 1",
        (conversation_id,),
    )
    return row is not None


def load_comparison(db: Database, conversation_id: int) -> StoredComparison | None:
    """The comparison stored as `conversation_id`; None if it is no comparison."""
    head = db.query_one(
        "SELECT title, parent_id FROM conversations WHERE id = ?", (conversation_id,)
    )
    if head is None:
        return None
    rows = db.query(
        "SELECT * FROM messages WHERE conversation_id = ? ORDER BY position", (conversation_id,)
    )
    found = [message_from_row(row) for row in rows]
    prompt = next((m for m in found if m.role == "user"), None)
    answers = [_answer(m) for m in found if m.role == "assistant" and KEY in m.params]
    if prompt is None or not answers:
        return None
    answers.sort(key=lambda a: a.slot)
    return StoredComparison(conversation_id, head["title"], head["parent_id"], prompt, answers)


def _answer(message: StoredMessage) -> ComparedAnswer:
    figures = message.params.get(KEY) or {}
    return ComparedAnswer(
        message,
        int(figures.get("slot", message.position)),
        _float(figures.get("ttft")),
        _float(figures.get("seconds")),
        bool(figures.get("winner")),
    )


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def continue_with(
    db: Database, comparison_id: int, message_id: int, conversation_id: int
) -> int:
    """The winner: mark it, and copy the prompt and its answer to the end of `conversation_id`
    (which becomes the comparison's parent); the copied answer's id."""
    now = db.now()
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone() \
                is None:  # fmt: skip
            raise missing(conversation_id)
        rows = conn.execute(
            "SELECT id, params FROM messages WHERE conversation_id = ? AND role = 'assistant'",
            (comparison_id,),
        ).fetchall()
        for row in rows:
            params = json.loads(row[1] or "{}")
            if KEY in params:
                params[KEY]["winner"] = row[0] == message_id
                conn.execute(
                    "UPDATE messages SET params = ? WHERE id = ?",
                    (json.dumps(params, ensure_ascii=False), row[0]),
                )
        prompt = conn.execute(
            "SELECT content FROM messages WHERE conversation_id = ? AND role = 'user'"
            " ORDER BY position LIMIT 1",
            (comparison_id,),
        ).fetchone()
        if prompt is None:
            raise missing(comparison_id)
        insert_message(conn, conversation_id, now, role="user", content=prompt[0])
        position = conn.execute(
            "SELECT coalesce(max(position), -1) + 1 FROM messages WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchone()[0]
        cursor = conn.execute(
            f"INSERT INTO messages (conversation_id, position, created, {_COPIED})"
            f" SELECT ?, ?, created, {_SOURCE} FROM messages WHERE id = ?",
            (conversation_id, position, message_id),
        )
        conn.execute(
            "UPDATE conversations SET parent_id = ?, fork_message_id = NULL WHERE id = ?",
            (conversation_id, comparison_id),
        )
        conn.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
    assert cursor.lastrowid is not None
    return cursor.lastrowid
