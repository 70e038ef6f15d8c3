"""The demo account: keys, balance, usage log rows and charging, all behind one lock."""

from __future__ import annotations

import os
import random
import secrets
import string
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from .catalog import ModelInfo, fen_for
from .seed import ALNUM, ANSWER_IDS, ID_SCALE, USER_ID, History, StableLog

DEMO_KEY = "sk-live-demo0000000000000000"  # opencodex-shaped
DEMO_HK_KEY = "hk-demo0000000000000000"  # openai-hk-shaped
LOCAL_IP = "127.0.0.1"
_PROCESS_IDS = 500  # an answer id's last part: this process's (pid modulo this)


def answer_id(ctime: int, after: int) -> int:
    """The log id of an answer served at `ctime`, above `after`: its second (the upper half of
    that second's ids: above the stable log's rows of the second), its millisecond and this
    process's id, so answers served by two processes (two commands, each with its own demo)
    get ids of their own, ordered by time."""
    millisecond = int(time.time() * 1000) % 1000
    found = ctime * ID_SCALE + ANSWER_IDS + millisecond * _PROCESS_IDS + os.getpid() % _PROCESS_IDS
    if found <= after:  # two answers in one millisecond, or a clock that stands still
        found += ((after - found) // _PROCESS_IDS + 1) * _PROCESS_IDS
    return found


@dataclass(frozen=True)
class Snapshot:
    """Ledger totals at one moment, in credits: granted == balance + used."""

    balance: int
    used: int

    @property
    def granted(self) -> int:
        return self.balance + self.used


class Ledger:
    """One account shared by every valid key; rows are stored oldest first. With a StableLog
    (the built-in demo's), the log's rows are added as their time comes, before each look at
    the rows or the balance."""

    def __init__(
        self,
        rng: random.Random,
        history: History,
        keys: Iterable[str],
        now: float | None,
        log: StableLog | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._rng = rng
        self._rows = history.rows
        self._used = history.used
        self._granted = history.granted
        self._last_id = history.last_id
        self._keys = set(keys)
        self._now = now
        self._log = log

    def _catch_up(self) -> None:
        """Add the stable log's rows whose time has come (the lock held). Their yufen and the
        balance keep what this process changed: its answers, a balance set by a test."""
        if self._log is None:
            return
        changed = self._granted - self._used - self._log.balance  # this process's doing
        for row in self._log.until(self.clock()):
            self._used += int(row["fen"])
            row["yufen"] = str(int(row["yufen"]) + changed)
            self._rows.append(row)
            self._last_id = max(self._last_id, int(row["id"]))
        self._granted = self._used + self._log.balance + changed  # with the log's top-ups

    def clock(self) -> int:
        """Unix seconds: the fixed `now` when one was given, else the wall clock."""
        return int(self._now if self._now is not None else time.time())

    def set_clock(self, now: float | None) -> None:
        """Move the fixed clock (time passing, for tests), or follow the wall clock (None)."""
        with self._lock:
            self._now = now

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
            self._catch_up()
            return self._granted - self._used

    @balance.setter
    def balance(self, value: int) -> None:
        """Set credits left: an admin grant or claw-back, so used stays as it was."""
        with self._lock:
            self._catch_up()
            self._granted = self._used + int(value)

    def snapshot(self) -> Snapshot:
        with self._lock:
            self._catch_up()
            return Snapshot(balance=self._granted - self._used, used=self._used)

    def charge(
        self, model: ModelInfo, prompt_tokens: int, completion_tokens: int, request_id: str
    ) -> dict[str, str]:
        """Spend credits for one served request and prepend its log row (returned as a copy)."""
        fen = fen_for(model, prompt_tokens, completion_tokens)
        with self._lock:
            self._catch_up()
            self._used += fen
            newest = int(self._rows[-1]["ctime"]) if self._rows else 0
            ctime = max(self.clock(), newest)
            self._last_id = answer_id(ctime, self._last_id)
            row = {
                "id": str(self._last_id),
                "user_id": USER_ID,
                "ctime": str(ctime),
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
            self._catch_up()
            n = len(self._rows)
            chunk = self._rows[max(0, n - start - limit) : max(0, n - start)]
            return [dict(r) for r in reversed(chunk)]

    def rows(self) -> list[dict[str, str]]:
        """Every row, newest first (copies)."""
        with self._lock:
            self._catch_up()
            return [dict(r) for r in reversed(self._rows)]

    def used_since(self, since: float) -> int:
        """Credits spent by rows at or after `since` (unix seconds)."""
        with self._lock:
            self._catch_up()
            total = 0
            for row in reversed(self._rows):
                if int(row["ctime"]) < since:
                    break
                total += int(row["fen"])
            return total
