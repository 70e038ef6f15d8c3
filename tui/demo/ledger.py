"""The demo account: keys, balance, usage log rows and charging, all behind one lock."""

from __future__ import annotations

import random
import secrets
import string
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from .catalog import ModelInfo, fen_for
from .seed import ALNUM, USER_ID, History

DEMO_KEY = "sk-live-demo0000000000000000"  # opencodex-shaped
DEMO_HK_KEY = "hk-demo0000000000000000"  # openai-hk-shaped
LOCAL_IP = "127.0.0.1"


@dataclass(frozen=True)
class Snapshot:
    """Ledger totals at one moment, in credits: granted == balance + used."""

    balance: int
    used: int

    @property
    def granted(self) -> int:
        return self.balance + self.used


class Ledger:
    """One account shared by every valid key; rows are stored oldest first."""

    def __init__(
        self, rng: random.Random, history: History, keys: Iterable[str], now: float | None
    ) -> None:
        self._lock = threading.Lock()
        self._rng = rng
        self._rows = history.rows
        self._used = history.used
        self._granted = history.granted
        self._last_id = history.last_id
        self._keys = set(keys)
        self._now = now

    def clock(self) -> int:
        """Unix seconds: the fixed `now` when one was given, else the wall clock."""
        return int(self._now if self._now is not None else time.time())

    def is_valid(self, key: str | None) -> bool:
        with self._lock:
            return key is not None and key in self._keys

    def add_key(self, key: str) -> None:
        with self._lock:
            self._keys.add(key)

    def create_key(self) -> str:
        """A new openai-hk style key on this account, different on every call and every run
        (the seeded generator made the same key each run of `tokendeck key create`)."""

        with self._lock:
            alphabet = string.ascii_lowercase + string.digits
            key = "hk-demo" + "".join(secrets.choice(alphabet) for _ in range(24))
            self._keys.add(key)
            return key

    def call_id(self) -> str:
        """A LiteLLM-style call id (a UUID)."""

        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_reqid(self) -> str:
        """A served request's id, different in every run: the seeded generator gave each
        process's first answer the same id, so the built-in demo (a new one per command) gave
        answers of different commands one id, and the log row of the last one priced them all."""
        return "".join(secrets.choice(ALNUM) for _ in range(16))

    @property
    def balance(self) -> int:
        with self._lock:
            return self._granted - self._used

    @balance.setter
    def balance(self, value: int) -> None:
        """Set credits left: an admin grant or claw-back, so used stays as it was."""
        with self._lock:
            self._granted = self._used + int(value)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(balance=self._granted - self._used, used=self._used)

    def charge(
        self, model: ModelInfo, prompt_tokens: int, completion_tokens: int, request_id: str
    ) -> dict[str, str]:
        """Spend credits for one served request and prepend its log row (returned as a copy)."""
        fen = fen_for(model, prompt_tokens, completion_tokens)
        with self._lock:
            self._used += fen
            self._last_id += self._rng.randint(1, 40)
            newest = int(self._rows[-1]["ctime"]) if self._rows else 0
            row = {
                "id": str(self._last_id),
                "user_id": USER_ID,
                "ctime": str(max(self.clock(), newest)),
                "prompt_tokens": str(prompt_tokens),
                "completion_tokens": str(completion_tokens),
                "fen": str(fen),
                "model": model.id,
                "yufen": str(self._granted - self._used),
                "reqid": request_id,
                "ip": LOCAL_IP,
                "note": "",
            }
            self._rows.append(row)
            return dict(row)

    def page(self, start: int, limit: int) -> list[dict[str, str]]:
        """Rows start .. start+limit-1 counted from the newest, newest first."""
        with self._lock:
            n = len(self._rows)
            chunk = self._rows[max(0, n - start - limit) : max(0, n - start)]
            return [dict(r) for r in reversed(chunk)]

    def rows(self) -> list[dict[str, str]]:
        """Every row, newest first (copies)."""
        with self._lock:
            return [dict(r) for r in reversed(self._rows)]

    def used_since(self, since: float) -> int:
        """Credits spent by rows at or after `since` (unix seconds)."""
        with self._lock:
            total = 0
            for row in reversed(self._rows):
                if int(row["ctime"]) < since:
                    break
                total += int(row["fen"])
            return total
