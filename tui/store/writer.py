"""Persist an answer while it streams: batched small writes, so a crash loses one batch at most."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .db import Database
from .records import MessageStatus, UsageLike, decimal_text
from .transcript import insert_message


class StreamWriter:
    """Appends streamed text to one message row, writing when `interval` seconds have passed
    since the last write or `max_bytes` are pending (checked on each append; no threads)."""

    def __init__(
        self,
        db: Database,
        message_id: int,
        *,
        interval: float = 0.25,
        max_bytes: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.message_id = message_id
        self.interval = interval
        self.max_bytes = max_bytes
        self.clock = clock
        self.writes = 0  # committed transactions so far
        self.finished = False
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._pending = 0  # bytes not written yet
        self._last = clock()

    @classmethod
    def start(
        cls,
        db: Database,
        conversation_id: int,
        *,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
        role: str = "assistant",
        **options: Any,
    ) -> StreamWriter:
        """Create the answer's row (status 'streaming') and a writer for it."""
        with db.write() as conn:
            message_id = insert_message(
                conn, conversation_id, db.now(), role=role, model=model,
                params=None if params is None else json.dumps(dict(params), ensure_ascii=False),
                status=str(MessageStatus.STREAMING),
            )  # fmt: skip
        return cls(db, message_id, **options)

    @property
    def pending(self) -> tuple[str, str]:
        """Content and reasoning received but not written yet."""
        return "".join(self._content), "".join(self._reasoning)

    def append_content(self, text: str) -> bool:
        """Add answer text; True when this call wrote to the database."""
        return self._append(self._content, text)

    def append_reasoning(self, text: str) -> bool:
        return self._append(self._reasoning, text)

    def _append(self, buffer: list[str], text: str) -> bool:
        if self.finished:
            raise RuntimeError("StreamWriter.append after finish()")
        if text:
            buffer.append(text)
            self._pending += len(text.encode())
        due = self.clock() - self._last >= self.interval
        if self._pending and (due or self._pending >= self.max_bytes):
            return self.flush()
        return False

    def flush(self) -> bool:
        """Write what is pending now; False when nothing was. StoreError keeps it pending."""
        if not self._pending:
            return False
        self._write("status = 'streaming'", ())
        return True

    def finish(
        self,
        status: str,
        *,
        usage: UsageLike | None = None,
        credits: Decimal | None = None,
        credits_estimated: bool = False,
        request_id: str | None = None,
        finish_reason: str | None = None,
        error: str | None = None,
    ) -> None:
        """Write the rest and how the answer ended, in one transaction."""
        if self.finished:
            raise RuntimeError("StreamWriter.finish() called twice")
        status = str(MessageStatus(status))
        self._write(
            "status = ?, prompt_tokens = ?, completion_tokens = ?, credits = ?,"
            " credits_estimated = ?, request_id = coalesce(?, request_id),"
            " finish_reason = ?, error = ?",
            (
                status,
                usage.prompt_tokens if usage else None,
                usage.completion_tokens if usage else None,
                decimal_text(credits),
                int(credits_estimated),
                request_id,
                finish_reason,
                error,
            ),
            bump=True,
        )
        self.finished = True

    def _write(self, sets: str, params: tuple[object, ...], *, bump: bool = False) -> None:
        content, reasoning = self.pending
        with self.db.write() as conn:
            row = conn.execute(
                "UPDATE messages SET content = content || ?, reasoning = reasoning || ?,"
                f" {sets} WHERE id = ? RETURNING conversation_id",
                (content, reasoning, *params, self.message_id),
            ).fetchone()
            if bump and row is not None:
                conn.execute(
                    "UPDATE conversations SET updated = ? WHERE id = ?", (self.db.now(), row[0])
                )
        self._content.clear()
        self._reasoning.clear()
        self._pending = 0
        self._last = self.clock()
        self.writes += 1
