"""Deterministic six-week usage history for the demo account, built from one Random."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from .catalog import MODELS, fen_for

SPAN_SECONDS = 42 * 86_400
DEFAULT_END_BALANCE = 141_434
FIRST_ID = 6_400_000
USER_ID = "9"
ALNUM = string.ascii_letters + string.digits
IPS = ("43.154.119.189", "119.28.77.41", "203.0.113.24")
IP_WEIGHTS = (90, 7, 3)
NOTES = ("", "retry", "stream interrupted")
NOTE_WEIGHTS = (97, 2, 1)
TOP_UPS = (50_000, 100_000, 200_000)


@dataclass
class History:
    """Seeded log rows (oldest first) and the ledger totals they imply."""

    rows: list[dict[str, str]]
    used: int
    granted: int
    last_id: int


def reqid(rng: random.Random) -> str:
    """A 16-character alphanumeric request id, as openai-hk logs show."""
    return "".join(rng.choices(ALNUM, k=16))


def _times(rng: random.Random, n: int, now: float) -> list[int]:
    """n request times over the last six weeks, busier during the day (UTC+8)."""
    end = now - 60
    start = end - SPAN_SECONDS
    times: list[int] = []
    while len(times) < n:
        t = start + rng.random() * SPAN_SECONDS
        hour = ((t + 8 * 3600) % 86_400) / 3600
        if rng.random() < (1.0 if 9 <= hour < 24 else 0.15):
            times.append(int(t))
    times.sort()
    return times


def seed_history(rng: random.Random, n: int, now: float, end_balance: int) -> History:
    """Build n rows whose yufen walks down by fen, with 1-3 top-ups, ending at end_balance."""
    weights = [m.weight for m in MODELS]
    entries = []
    next_id = FIRST_ID
    for ctime in _times(rng, n, now):
        model = rng.choices(MODELS, weights=weights)[0]
        prompt = min(60_000, max(8, int(rng.lognormvariate(6.3, 1.1))))
        completion = min(8_000, max(1, int(rng.lognormvariate(5.3, 0.9))))
        next_id += rng.randint(1, 40)
        entries.append(
            {
                "id": str(next_id),
                "user_id": USER_ID,
                "ctime": str(ctime),
                "prompt_tokens": str(prompt),
                "completion_tokens": str(completion),
                "fen": str(fen_for(model, prompt, completion)),
                "model": model.id,
                "yufen": "",
                "reqid": reqid(rng),
                "ip": rng.choices(IPS, weights=IP_WEIGHTS)[0],
                "note": rng.choices(NOTES, weights=NOTE_WEIGHTS)[0],
            }
        )
    top_up_at = set(rng.sample(range(1, n), rng.randint(1, 3))) if n >= 50 else set()
    yufen = end_balance
    top_ups = 0
    for i in range(n - 1, -1, -1):
        entries[i]["yufen"] = str(yufen)
        yufen += int(entries[i]["fen"])  # balance before row i
        if i in top_up_at:
            amount = min(rng.choice(TOP_UPS), yufen - 1_000)
            if amount >= 5_000:
                yufen -= amount
                top_ups += amount
    used = sum(int(e["fen"]) for e in entries)
    return History(rows=entries, used=used, granted=yufen + top_ups, last_id=next_id)
