"""Figures from the usage cache: totals, per day/week/model, balance series, burn and run-out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal

from .db import Database
from .records import utc
from .schema import BUCKET_SECONDS, DAY_SECONDS
from .usage import where

GroupBy = Literal["day", "week", "model"]
GROUPINGS: tuple[GroupBy, ...] = ("day", "week", "model")
DAY = 86_400.0


@dataclass(slots=True)
class Totals:
    """Requests, tokens and credits of some rows; credits summed as Decimal, never float."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    credits: Decimal = field(default_factory=Decimal)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt: int, completion: int, credits: Decimal) -> None:
        self.requests += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.credits += credits


@dataclass(slots=True)
class Bucket:
    """One line of a report: a day (2025-11-23), an ISO week (2025-W47) or a model."""

    key: str
    start: date | None  # first day of the day or week; None for a model
    totals: Totals = field(default_factory=Totals)


_Row = tuple[float, str, int, int, str]


def sum_rows(db: Database, clause: str, params: Sequence[Any]) -> Totals:
    """Count, tokens and exact credits of the rows matching `clause`. SQLite adds whole
    credits as integers; only when some row has a fraction are credits added as Decimal."""
    row = db.query_one(
        "SELECT count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
        f" coalesce(sum(fen), 0), typeof(coalesce(sum(fen), 0)) FROM usage_rows WHERE {clause}",
        params,
    )
    if row is None:
        return Totals()
    if row[4] == "integer":
        credits = Decimal(row[3])
    else:
        rows = db.query(f"SELECT fen FROM usage_rows WHERE {clause}", params)
        credits = sum((Decimal(fen or 0) for (fen,) in rows), Decimal(0))
    return Totals(row[0], row[1], row[2], credits)


# What a total adds up per bucket key: the model, the local day, or one total of everything.
_BUCKET_KEYS = {"model": "model", "day": "date(slot * {s}, 'unixepoch', 'localtime')", "": "''"}
_ROW_KEYS = {"model": "model", "day": "date(ctime, 'unixepoch', 'localtime')", "": "''"}


def bucketed(
    db: Database,
    profile: str,
    key: str = "",
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
    pattern: str | None = None,
) -> tuple[dict[str, Totals], bool]:
    """Totals per `key` ("model", local "day", or "" for one total) of the rows in a time
    range, from the day and quarter-hour buckets inside it and the rows at its ragged ends
    (read by the time index): far fewer rows than a pass over every row. The flag says
    whether the credits are exact: False when some row has a fraction (then only the counts
    and tokens are, and credits must be added up from the rows)."""
    lo = None if since is None else -int(-since.timestamp() // BUCKET_SECONDS)  # ceil
    hi = None if until is None else int(until.timestamp() // BUCKET_SECONDS)
    if lo is not None and hi is not None and hi < lo:
        hi = lo  # a range within one quarter hour: all its rows are at the ends
    totals: dict[str, Totals] = {}
    exact = True
    for table, seconds, first, end in _bucket_spans(lo, hi, by_day=key == "day"):
        clauses: list[str] = ["profile = ?"]
        params: list[Any] = [profile]
        for bound, sql in ((first, "slot >= ?"), (end, "slot < ?")):
            if bound is not None:
                clauses.append(sql)
                params.append(bound)
        if model is not None:
            clauses.append("model = ?")
            params.append(model)
        if pattern is not None:
            clauses.append("lower(model) GLOB ?")
            params.append(pattern.lower().replace("[!", "[^"))
        group = _BUCKET_KEYS[key].format(s=seconds)
        for k, requests, prompt, completion, credits, odd in db.query(
            f"SELECT {group} AS k, sum(requests), sum(prompt_tokens), sum(completion_tokens),"
            f" sum(credits), sum(odd) FROM {table} WHERE {' AND '.join(clauses)} GROUP BY k",
            params,
        ):
            if requests:
                found = totals.setdefault(k, Totals())
                found.requests += requests
                found.prompt_tokens += prompt
                found.completion_tokens += completion
                found.credits += credits
                exact = exact and not odd
    ends = [f"ctime < {lo * BUCKET_SECONDS}"] if lo is not None else []
    if hi is not None:
        ends.append(f"ctime >= {hi * BUCKET_SECONDS}")
    if ends:
        clause, params = where(profile, since, until, model, pattern)
        for k, requests, prompt, completion, fen, kind in db.query(
            f"SELECT {_ROW_KEYS[key]} AS k, count(*), sum(prompt_tokens), sum(completion_tokens),"
            f" sum(fen), typeof(sum(fen)) FROM usage_rows WHERE {clause}"
            f" AND ({' OR '.join(ends)}) GROUP BY k",
            params,
        ):
            found = totals.setdefault(k, Totals())
            found.requests += requests
            found.prompt_tokens += prompt
            found.completion_tokens += completion
            exact = exact and kind == "integer"
            found.credits += Decimal(fen) if kind == "integer" else 0
    return totals, exact


def count_usage(
    db: Database,
    profile: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
) -> int:
    """How many rows a profile has in a time range (of one model), from the buckets."""
    found, _exact = bucketed(db, profile, since=since, until=until, model=model)
    return found[""].requests if "" in found else 0


def oldest_id(db: Database, profile: str) -> int | None:
    """The lowest log-row id stored for `profile` (None when there is none)."""
    row = db.query_one("SELECT min(id) FROM usage_rows WHERE profile = ?", (profile,))
    return None if row is None or row[0] is None else int(row[0])


def _bucket_spans(
    lo: int | None, hi: int | None, *, by_day: bool
) -> list[tuple[str, int, int | None, int | None]]:
    """The buckets that cover the quarter hours [lo, hi) (None: open): (table, its seconds,
    first slot, end slot). Whole UTC days come from the day totals, unless grouped by local
    day (which only quarter hours can follow)."""
    quarters = ("usage_buckets", BUCKET_SECONDS)
    if by_day:
        return [(*quarters, lo, hi)]
    per_day = DAY_SECONDS // BUCKET_SECONDS
    first = None if lo is None else -(-lo // per_day)
    end = None if hi is None else hi // per_day
    if first is not None and end is not None and end <= first:
        return [(*quarters, lo, hi)]
    spans: list[tuple[str, int, int | None, int | None]] = [("usage_days", DAY_SECONDS, first, end)]
    if lo is not None and first is not None and lo < first * per_day:
        spans.append((*quarters, lo, first * per_day))
    if hi is not None and end is not None and end * per_day < hi:
        spans.append((*quarters, end * per_day, hi))
    return spans


def usage_totals(
    db: Database,
    profile: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
) -> Totals:
    """The totals of a profile's rows in a time range (of one model)."""
    found, exact = bucketed(db, profile, since=since, until=until, model=model)
    if exact:
        return found.get("", Totals())
    clause, params = where(profile, since, until, model)
    return sum_rows(db, clause, params)


def _bucket_key(day: date, by: GroupBy) -> tuple[str, date]:
    if by == "day":
        return day.isoformat(), day
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=weekday - 1)


def usage_by(
    db: Database,
    profile: str,
    by: GroupBy,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
    pattern: str | None = None,
    tz: tzinfo | None = None,
) -> list[Bucket]:
    """Totals per day or ISO week (in `tz`, default local time; oldest first) or per model
    (most credits first), of the rows of `model` or of models matching `pattern`.

    SQLite groups by local day or model and adds whole credits as integers; rows are read
    one by one only for another time zone or when some credits have a fraction."""
    if by not in GROUPINGS:
        raise ValueError(f"cannot group usage by {by!r}")
    clause, params = where(profile, since, until, model, pattern)
    grouped: list[tuple[str, int, int, int, Decimal, str]] = []
    if tz is None:  # from the quarter-hour buckets
        found, exact = bucketed(
            db, profile, "model" if by == "model" else "day",
            since=since, until=until, model=model, pattern=pattern,
        )  # fmt: skip
        kind = "integer" if exact else "real"
        grouped = [
            (k, t.requests, t.prompt_tokens, t.completion_tokens, t.credits, kind)
            for k, t in found.items()
        ]
    buckets: dict[str, Bucket] = {}

    def bucket(key: str, start: date | None) -> Totals:
        found = buckets.get(key)
        if found is None:
            found = buckets[key] = Bucket(key, start)
        return found.totals

    if tz is None and all(r[5] == "integer" for r in grouped):
        for k, count, prompt, completion, fen, _type in grouped:
            key, start = (k, None) if by == "model" else _bucket_key(date.fromisoformat(k), by)
            totals = bucket(key, start)
            totals.requests += count
            totals.prompt_tokens += prompt
            totals.completion_tokens += completion
            totals.credits += Decimal(fen)
    else:
        sql = (
            "SELECT ctime, model, prompt_tokens, completion_tokens, fen FROM usage_rows"
            f" WHERE {clause}"
        )
        for ctime, row_model, prompt, completion, fen in db.query(sql, params):
            if by == "model":
                key, start = row_model, None
            else:
                key, start = _bucket_key(datetime.fromtimestamp(ctime, tz).date(), by)
            bucket(key, start).add(prompt, completion, Decimal(fen))
    if by == "model":
        return sorted(buckets.values(), key=lambda b: (-b.totals.credits, b.key))
    return sorted(buckets.values(), key=lambda b: b.key)


def sum_buckets(buckets: Iterable[Bucket]) -> Totals:
    """The totals of several buckets (a report's total line)."""
    total = Totals()
    for b in buckets:
        total.requests += b.totals.requests
        total.prompt_tokens += b.totals.prompt_tokens
        total.completion_tokens += b.totals.completion_tokens
        total.credits += b.totals.credits
    return total


def balance_series(
    db: Database,
    profile: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    max_points: int | None = None,
) -> list[tuple[datetime, Decimal]]:
    """(time, credits left after that request), oldest first; evenly thinned to `max_points`
    with the first and last point kept."""
    clause, params = where(profile, since, until)
    sql = f"SELECT ctime, yufen FROM usage_rows WHERE {clause} ORDER BY ctime, id"
    rows = db.query(sql, params)
    if max_points is not None and len(rows) > max(2, max_points):
        n, m = len(rows), max(2, max_points)
        rows = [rows[round(i * (n - 1) / (m - 1))] for i in range(m)]
    return [(utc(ctime), Decimal(yufen)) for ctime, yufen in rows]


def latest_balance(db: Database, profile: str) -> Decimal | None:
    """Credits left after the newest stored request (openai-hk's only balance)."""
    row = db.query_one(
        "SELECT yufen FROM usage_rows WHERE profile = ? ORDER BY id DESC LIMIT 1", (profile,)
    )
    return None if row is None else Decimal(row[0])


def burn_rate(db: Database, profile: str, now: datetime, days: int = 7) -> Decimal:
    """Credits spent per day over the `days` days before `now`. A history younger than that
    is averaged over its own age (at least one day), so a new account is not underrated."""
    since = now - timedelta(days=days)
    spent = usage_totals(db, profile, since=since, until=now).credits
    first = db.query_one("SELECT min(ctime) FROM usage_rows WHERE profile = ?", (profile,))
    if first is None or first[0] is None:
        return Decimal(0)
    age = (now.timestamp() - first[0]) / DAY
    span = Decimal(str(round(min(float(days), max(1.0, age)), 6)))
    return spent / span


def run_out_date(balance: Decimal, rate: Decimal, now: datetime) -> datetime | None:
    """When `balance` lasts until at `rate` credits per day; None when nothing is spent."""
    if rate <= 0:
        return None
    if balance <= 0:
        return now
    return now + timedelta(days=float(balance / rate))


def projected_run_out(
    db: Database,
    profile: str,
    now: datetime,
    *,
    balance: Decimal | None = None,
    days: int = 7,
) -> datetime | None:
    """now + balance / burn rate; the balance defaults to the newest row's credits left."""
    left = balance if balance is not None else latest_balance(db, profile)
    if left is None:
        return None
    return run_out_date(left, burn_rate(db, profile, now, days), now)


def credits_per_token(db: Database, profile: str, model: str) -> Decimal | None:
    """The average credits per token `model` cost in `profile`'s rows (None without tokens)."""
    spent, tokens = Decimal(0), 0
    for fen, prompt, completion in db.query(
        "SELECT fen, prompt_tokens, completion_tokens FROM usage_rows"
        " WHERE profile = ? AND model = ?",
        (profile, model),
    ):
        spent += Decimal(fen)
        tokens += prompt + completion
    return spent / tokens if tokens else None
