"""The demo account's usage history.

Two kinds: `seed_history`, a fixed number of rows ending at a given moment (tests and benches
ask for exact sizes and balances), and `StableLog`, the built-in demo's log, the same in every
process: each UTC day's rows come from a generator seeded with the seed and that day, and the
balance is brought back to a level of its own at the start of each week, so a row is the same
whichever process makes it, appears when its time comes and never changes afterwards.
"""

from __future__ import annotations

import math
import random
import string
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

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
# cumulative weights, summed once (random.choices draws the same with weights or these)
_MODEL_WEIGHTS = list(accumulate(m.weight for m in MODELS))
_IP_WEIGHTS = list(accumulate(IP_WEIGHTS))
_NOTE_WEIGHTS = list(accumulate(NOTE_WEIGHTS))

# The stable log (each UTC day's rows from a generator seeded with the day). Its ids order like
# its times, as openai-hk's ids do: a row's unix second times ID_SCALE, plus a part below that;
# its own rows take the lower half of a second's ids and the answers the demo serves the upper
# half (tui.demo.ledger.answer_id), so an answer's row is newer than every row of the log up to
# its second, in any process.
ID_SCALE = 1_000_000
ANSWER_IDS = ID_SCALE // 2
HOUR = 3_600
DAY = 86_400
WEEK = 7 * DAY  # top-ups: at each week's start (UTC, from the epoch) back to a level
LEVELS = (138_000, 8_000)  # a week's level: from the first, below the first plus the second
BUSY_RATE = 4.37  # rows in a busy hour, on average: about 3,000 in six weeks
QUIET_SHARE = 0.15  # a night hour's share of that (UTC+8, 0-9 h)
WEEK_SPEND = 19_000  # credits a week spends, on average: `used` before the first week made
OPENED = 1_748_736_000  # 2025-06-01 UTC: the account's first week, for `used`


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


def _row(rng: random.Random, ctime: int, row_id: Callable[[int], int]) -> dict[str, str]:
    """One log row at `ctime`, its yufen still empty; `row_id(ctime)` is asked after the
    tokens are drawn."""
    model = rng.choices(MODELS, cum_weights=_MODEL_WEIGHTS)[0]
    prompt = min(60_000, max(8, int(rng.lognormvariate(6.3, 1.1))))
    completion = min(8_000, max(1, int(rng.lognormvariate(5.3, 0.9))))
    return {
        "id": str(row_id(ctime)),
        "user_id": USER_ID,
        "ctime": str(ctime),
        "prompt_tokens": str(prompt),
        "completion_tokens": str(completion),
        "fen": str(fen_for(model, prompt, completion)),
        "model": model.id,
        "yufen": "",
        "reqid": reqid(rng),
        "ip": rng.choices(IPS, cum_weights=_IP_WEIGHTS)[0],
        "note": rng.choices(NOTES, cum_weights=_NOTE_WEIGHTS)[0],
    }


def _times(rng: random.Random, n: int, now: float) -> list[int]:
    """n request times over the last six weeks, busier during the day (UTC+8)."""
    end = now - 60
    start = end - SPAN_SECONDS
    times: list[int] = []
    while len(times) < n:
        t = start + rng.random() * SPAN_SECONDS
        hour = ((t + 8 * 3600) % 86_400) / 3600
        if rng.random() < (1.0 if 9 <= hour < 24 else QUIET_SHARE):
            times.append(int(t))
    times.sort()
    return times


def seed_history(rng: random.Random, n: int, now: float, end_balance: int) -> History:
    """Build n rows whose yufen walks down by fen, with 1-3 top-ups, ending at end_balance."""
    entries = []
    next_id = FIRST_ID

    def step(_ctime: int) -> int:
        nonlocal next_id
        next_id += rng.randint(1, 40)
        return next_id

    for ctime in _times(rng, n, now):
        entries.append(_row(rng, ctime, step))
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


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method: fine for small means)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class StableLog:
    """The built-in demo's log, made forward in time from the start of the week six weeks ago.

    `until(now)` gives the rows whose time has come since the last call, each with the balance
    after it (`yufen`): the week's level less what the week spent up to it. `balance` and `used`
    are the account's after the last row given."""

    def __init__(self, seed: int, now: int) -> None:
        self._seed = seed
        self._week = (now - SPAN_SECONDS) // WEEK
        self._day = self._week * WEEK // DAY  # the next day to make
        self._due: deque[dict[str, str]] = deque()  # made, but their time has not come
        self.balance = self._level(self._week)
        self.used = max(0, self._week - OPENED // WEEK) * WEEK_SPEND

    def _rng(self, kind: str, number: int) -> random.Random:
        return random.Random(f"tokendeck-demo:{self._seed}:{kind}:{number}")

    def _level(self, week: int) -> int:
        """The balance just after week `week`'s top-up."""
        return LEVELS[0] + self._rng("level", week).randrange(LEVELS[1])

    def _make_day(self, day: int) -> list[dict[str, str]]:
        """The rows of one UTC day (unix seconds // 86400), oldest first, yufen empty."""
        rng = self._rng("day", day)

        def row_id(ctime: int) -> int:
            return ctime * ID_SCALE + rng.randrange(ANSWER_IDS)

        rows = []
        for hour in range(day * 24, day * 24 + 24):
            busy = (hour + 8) % 24 >= 9  # UTC+8: busier during the day
            count = min(HOUR, _poisson(rng, BUSY_RATE * (1.0 if busy else QUIET_SHARE)))
            for second in sorted(rng.sample(range(HOUR), count)):
                rows.append(_row(rng, hour * HOUR + second, row_id))
        return rows

    def until(self, now: int) -> list[dict[str, str]]:
        """The rows at or before `now` not given before, oldest first, their yufen filled in."""
        given: list[dict[str, str]] = []
        while True:
            if not self._due:
                if self._day * DAY > now:
                    return given
                week = self._day * DAY // WEEK
                if week != self._week:  # the week's top-up
                    self._week, self.balance = week, self._level(week)
                self._due.extend(self._make_day(self._day))
                self._day += 1
                continue
            if int(self._due[0]["ctime"]) > now:
                return given
            row = self._due.popleft()
            fen = int(row["fen"])
            self.balance -= fen
            self.used += fen
            row["yufen"] = str(self.balance)
            given.append(row)

    def history(self, now: int) -> History:
        """The first rows: those of the last six weeks up to `now` (the older ones made only
        for the balance), as a History for the Ledger."""
        rows = [r for r in self.until(now) if int(r["ctime"]) > now - SPAN_SECONDS]
        last_id = int(rows[-1]["id"]) if rows else 0
        return History(rows=rows, used=self.used, granted=self.used + self.balance,
                       last_id=last_id)  # fmt: skip
