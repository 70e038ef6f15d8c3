"""The usage-log cache: gateway log rows per profile, stored once and read by time window."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any, Protocol

from .db import Database
from .records import utc
from .schema import BUCKET_COLUMNS, BUCKET_OF, BUCKET_PARTS, BUCKET_SECONDS, BUCKET_TABLES

_COLUMNS = (
    "id, user_id, ctime, prompt_tokens, completion_tokens, fen, model, yufen, reqid, ip, note"
)


class LogRowLike(Protocol):
    """Anything shaped like tui.gateway.LogRow (the store does not import the gateway): the
    time in unix seconds, credits as plain decimal text, as they are stored."""

    @property
    def id(self) -> int: ...
    @property
    def user_id(self) -> str: ...
    @property
    def seconds(self) -> float: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def fen_text(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def yufen_text(self) -> str: ...
    @property
    def reqid(self) -> str: ...
    @property
    def ip(self) -> str: ...
    @property
    def note(self) -> str: ...


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One cached log row: the fields of tui.gateway.LogRow, read back from SQLite."""

    id: int
    user_id: str
    ctime: datetime  # aware, UTC
    prompt_tokens: int
    completion_tokens: int
    fen: Decimal  # credits spent
    model: str
    yufen: Decimal  # credits left after it
    reqid: str
    ip: str
    note: str


def row_from_sql(row: sqlite3.Row) -> UsageRow:
    return UsageRow(
        id=row["id"],
        user_id=row["user_id"],
        ctime=utc(row["ctime"]),
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        fen=Decimal(row["fen"]),
        model=row["model"],
        yufen=Decimal(row["yufen"]),
        reqid=row["reqid"],
        ip=row["ip"],
        note=row["note"],
    )


def where(
    profile: str,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
    pattern: str | None = None,
) -> tuple[str, list[Any]]:
    """A WHERE clause for a profile's rows at or after `since`, before `until`, of `model`,
    of a model matching the wildcard `pattern` (`*`, `?`, `[...]`, any case)."""
    clauses: list[str] = ["profile = ?"]
    params: list[Any] = [profile]
    if since is not None:
        clauses.append("ctime >= ?")
        params.append(since.timestamp())
    if until is not None:
        clauses.append("ctime < ?")
        params.append(until.timestamp())
    if model is not None:
        clauses.append("model = ?")
        params.append(model)
    if pattern is not None:
        clauses.append("lower(model) GLOB ?")
        params.append(pattern.lower().replace("[!", "[^"))
    return " AND ".join(clauses), params


_ROW_PLACES = f"({', '.join('?' * 14)})"
# Rows go in CHUNK at a time, one statement each: SQLite inserts them all in one step, so the
# writer thread gives up Python's lock (GIL) once per chunk, not once per row, and waits less
# to take it back from the fetching thread (a 200k-row first sync: 3.25 -> 2.9 s wall, A/B
# against executemany, idle machine). 14 values a row: 4,200 variables, well under SQLite's
# 32,766.
CHUNK = 300


@cache
def _upsert(rows: int) -> str:
    """The statement that inserts or refreshes `rows` rows."""
    return (
        f"INSERT INTO usage_rows (profile, {_COLUMNS}, fen_n, yufen_n)"
        f" VALUES {', '.join([_ROW_PLACES] * rows)}{_ON_CONFLICT}"
    )


_ON_CONFLICT = (
    " ON CONFLICT (profile, id) DO UPDATE SET user_id = excluded.user_id,"
    " ctime = excluded.ctime, prompt_tokens = excluded.prompt_tokens,"
    " completion_tokens = excluded.completion_tokens, fen = excluded.fen,"
    " model = excluded.model, yufen = excluded.yufen, reqid = excluded.reqid,"
    " ip = excluded.ip, note = excluded.note, fen_n = excluded.fen_n,"
    " yufen_n = excluded.yufen_n"
)

# The day and quarter-hour totals (usage_days, usage_buckets) of a batch's rows, added up in
# Python from the values being written (a statement per table over the written rows cost more
# than the rows' own indexes), and those of the rows they replace taken away first: a row
# refreshed with other values moves between buckets, a row seen twice counts once.
def _bucket_upsert(table: str) -> str:
    return (
        f"INSERT INTO {table} ({BUCKET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (profile, slot, model) DO UPDATE SET"
        " requests = requests + excluded.requests,"
        " prompt_tokens = prompt_tokens + excluded.prompt_tokens,"
        " completion_tokens = completion_tokens + excluded.completion_tokens,"
        " credits = credits + excluded.credits, odd = odd + excluded.odd"
    )


_BUCKET_UPSERTS = [(_bucket_upsert(table), seconds) for table, seconds in BUCKET_TABLES]
_INT64 = 2**63


def _whole(text: str) -> int | None:
    """Credits as an integer when they are whole and fit SQLite's integers (as `fen + 0` is
    an integer in SQL: schema.WHOLE), else None (an `odd` row)."""
    digits = text[1:] if text[:1] == "-" else text
    if digits.isascii() and digits.isdigit():
        number = int(text)
        if -_INT64 <= number < _INT64:
            return number
    return None


Quarters = dict[tuple[int, str], list[int]]


def _add_quarters(into: Quarters, rows: Iterable[Sequence[Any]], sign: int) -> None:
    """Add (sign 1) or take away (-1) rows of (ctime, model, prompt, completion, fen text)
    to per quarter hour and model [requests, prompt, completion, whole credits, odd]."""
    for ctime, model, prompt, completion, fen in rows:
        key = (int(ctime // BUCKET_SECONDS), model)
        sums = into.get(key)
        if sums is None:
            sums = into[key] = [0, 0, 0, 0, 0]
        sums[0] += sign
        sums[1] += sign * prompt
        sums[2] += sign * completion
        # whole credits of fewer than 19 digits (the usual case) without a call
        whole = int(fen) if len(fen) < 19 and fen.isdigit() and fen.isascii() else _whole(fen)
        if whole is None:
            sums[4] += sign
        else:
            sums[3] += sign * whole


def _write_buckets(conn: sqlite3.Connection, profile: str, quarters: Quarters) -> None:
    for sql, seconds in _BUCKET_UPSERTS:
        per = seconds // BUCKET_SECONDS
        slots: Quarters = {}
        for (quarter, model), sums in quarters.items():
            found = slots.setdefault((quarter // per, model), [0, 0, 0, 0, 0])
            for i, value in enumerate(sums):
                found[i] += value
        conn.executemany(
            sql, [(profile, slot, model, *sums) for (slot, model), sums in slots.items()]
        )


_IDS_IN_SPAN = "SELECT id FROM usage_rows WHERE profile = ? AND id BETWEEN ? AND ?"
_QUARTERS_IN_SPAN = (
    f"SELECT {BUCKET_OF}, model, {', '.join(BUCKET_PARTS)} FROM usage_rows"
    " WHERE profile = ? AND id BETWEEN ? AND ? GROUP BY 1, 2"
)


def store_usage(db: Database, profile: str, rows: Sequence[LogRowLike]) -> int:
    """Insert or refresh `rows` in one transaction; how many were not stored before."""
    return store_pages(db, profile, [rows])[0]


def store_pages(db: Database, profile: str, pages: Sequence[Sequence[LogRowLike]]) -> list[int]:
    """Insert or refresh the rows of several pages in one transaction, with their quarter-hour
    totals; per page, how many of its rows were not stored before (nor on an earlier page)."""
    rows = [r for page in pages for r in page]
    if not rows:
        return [0] * len(pages)
    values = sorted(
        (
            (profile, r.id, r.user_id, r.seconds, r.prompt_tokens, r.completion_tokens,
             r.fen_text, r.model, r.yufen_text, r.reqid, r.ip, r.note,
             float(r.fen_text), float(r.yufen_text))
            for r in rows
        ),
        key=itemgetter(1),
    )  # fmt: skip  # in key order, as SQLite's b-tree takes them best; the later of two wins
    span = (profile, values[0][1], values[-1][1])
    quarters: Quarters = {}
    with db.write() as conn:
        known = {found[0] for found in conn.execute(_IDS_IN_SPAN, span)}
        if known:  # rows stored before among these ids: totals worked out here, row by row
            latest = {v[1]: v for v in values}  # a row on two pages: the later one is stored
            _add_quarters(quarters, ((v[3], v[7], v[4], v[5], v[6]) for v in latest.values()), 1)
            if replaced := sorted(known.intersection(latest)):
                old = conn.execute(
                    "SELECT ctime, model, prompt_tokens, completion_tokens, fen FROM usage_rows"
                    " WHERE profile = ? AND id IN (SELECT value FROM json_each(?))",
                    (profile, json.dumps(replaced)),
                )
                _add_quarters(quarters, old, -1)
        for at in range(0, len(values), CHUNK):
            chunk = values[at : at + CHUNK]
            conn.execute(_upsert(len(chunk)), list(chain.from_iterable(chunk)))
        if not known:  # all new (a first sync's every batch): SQLite adds up the rows just
            # written, without holding Python's lock, as Python did at ~2 µs a row
            for quarter, model, *sums in conn.execute(_QUARTERS_IN_SPAN, span):
                quarters[quarter, model] = sums
        _write_buckets(conn, profile, quarters)
        _widen_alphabets(conn, profile, values)
    new = []
    for page in pages:
        fresh = {row.id for row in page} - known
        known |= fresh
        new.append(len(fresh))
    return new


_FIELD_AT = {"model": 7, "reqid": 9, "ip": 10, "note": 11}  # places in store_pages' values


def _widen_alphabets(conn: sqlite3.Connection, profile: str, values: list[tuple[Any, ...]]) -> None:
    """Add the characters of the rows' searched fields to the profile's alphabets."""
    known = dict(
        conn.execute("SELECT field, chars FROM usage_alphabets WHERE profile = ?", (profile,))
    )
    for name, at in _FIELD_AT.items():
        have = known.get(name, "")
        text = "".join(set(map(itemgetter(at), values))).lower()  # each value once
        # nothing new: deleting the known characters leaves nothing (~6x faster than a set of
        # the text's characters, for 10,000 request ids)
        ascii_ = text.isascii() and have.isascii()
        if name in known and ascii_ and not text.encode().translate(None, have.encode()):
            continue
        chars = set(text)
        if name not in known or not chars.issubset(have):
            conn.execute(
                "INSERT INTO usage_alphabets (profile, field, chars) VALUES (?, ?, ?)"
                " ON CONFLICT (profile, field) DO UPDATE SET chars = excluded.chars",
                (profile, name, "".join(sorted(chars.union(have)))),
            )


def alphabets(db: Database, profile: str) -> dict[str, str]:
    """Per searched field, every character (lower case) that occurs in it in `profile`'s rows
    (or more: one a refreshed row no longer has stays)."""
    rows = db.query("SELECT field, chars FROM usage_alphabets WHERE profile = ?", (profile,))
    return {row[0]: row[1] for row in rows}


def newest_id(db: Database, profile: str) -> int | None:
    """The highest log-row id stored for `profile` (None when there is none)."""
    row = db.query_one("SELECT max(id) FROM usage_rows WHERE profile = ?", (profile,))
    return None if row is None or row[0] is None else int(row[0])


def complete_id(db: Database, profile: str) -> int | None:
    """The id up to which every row of `profile` is stored (set when a sync finished)."""
    row = db.query_one("SELECT complete_id FROM sync_state WHERE profile = ?", (profile,))
    return None if row is None or row[0] is None else int(row[0])


def last_synced(db: Database, profile: str) -> datetime | None:
    row = db.query_one("SELECT synced_at FROM sync_state WHERE profile = ?", (profile,))
    return None if row is None else utc(row[0])


def mark_complete(db: Database, profile: str, upto: int | None) -> None:
    """Record a finished sync: every row up to `upto` is stored (None: nothing new)."""
    with db.write() as conn:
        conn.execute(
            "INSERT INTO sync_state (profile, complete_id, synced_at) VALUES (?, ?, ?)"
            " ON CONFLICT (profile) DO UPDATE SET"
            " complete_id = coalesce(excluded.complete_id, complete_id),"
            " synced_at = excluded.synced_at",
            (profile, upto, db.now()),
        )


# The request-id index takes each row at a random place: on a first sync of a large log it
# cost more than the table (a million rows: every batch rewrote most of its pages). A first
# sync stores the rows without it and makes it once at the end (a sort); a sync cut short by
# a crash leaves it to the next sync to make. Queries read the same rows without it, only
# slower. The model index takes rows at one of a few places (a model's newest rows): kept up
# as rows come, it costs a first sync no more than the table alone (bench/scale.py), while
# making it at the end cost 2 s of a million-row sync.
_DEFERRED_INDEXES = ("usage_rows_reqid",)
_SYNC_INDEXES = {  # made when missing: deferred, or dropped by a first sync of an older version
    "usage_rows_reqid": "usage_rows(profile, reqid)",
    "usage_rows_model": "usage_rows(profile, model, ctime)",
}


def defer_sync_indexes(db: Database, profile: str) -> bool:
    """Before a first sync of `profile` (none of its rows stored): drop the request-id index
    until `restore_sync_indexes`. Whether it was dropped."""
    if newest_id(db, profile) is not None:
        return False
    with db.write() as conn:
        for name in _DEFERRED_INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
    return True


def restore_sync_indexes(db: Database) -> None:
    """Make the indexes a first sync went without if they are missing (after it, or after
    one cut short)."""
    have = {
        row[0] for row in db.query("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    if missing := [name for name in _SYNC_INDEXES if name not in have]:
        with db.write() as conn:
            for name in missing:
                conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {_SYNC_INDEXES[name]}")


def forget_usage(db: Database, profile: str) -> int:
    """Drop `profile`'s cached rows and sync state (its log was replaced); how many rows."""
    with db.write() as conn:
        conn.execute("DELETE FROM sync_state WHERE profile = ?", (profile,))
        for table, _seconds in BUCKET_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE profile = ?", (profile,))
        conn.execute("DELETE FROM usage_alphabets WHERE profile = ?", (profile,))
        return conn.execute("DELETE FROM usage_rows WHERE profile = ?", (profile,)).rowcount


def usage_rows(
    db: Database,
    profile: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    model: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[UsageRow]:
    """Rows newest first, from the `offset`-th, at most `limit` (a window for display)."""
    clause, params = where(profile, since, until, model)
    rows = db.query(
        f"SELECT {_COLUMNS} FROM usage_rows WHERE {clause}"
        " ORDER BY ctime DESC, id DESC LIMIT ? OFFSET ?",
        (*params, -1 if limit is None else limit, offset),
    )
    return [row_from_sql(row) for row in rows]


def usage_models(db: Database, profile: str) -> list[str]:
    """The models that appear in `profile`'s rows, by name."""
    # one index seek per model (a skip scan), not a pass over every row
    rows = db.query(
        "WITH RECURSIVE m(model) AS ("
        " SELECT min(model) FROM usage_rows WHERE profile = ?"
        " UNION ALL SELECT (SELECT min(model) FROM usage_rows"
        " WHERE profile = ? AND model > m.model) FROM m WHERE m.model IS NOT NULL)"
        " SELECT model FROM m WHERE model IS NOT NULL",
        (profile, profile),
    )
    return [row[0] for row in rows]


def rows_by_reqid(db: Database, profile: str, reqids: Iterable[str]) -> dict[str, UsageRow]:
    """The rows whose request id is one of `reqids`, by request id."""
    wanted = sorted({r for r in reqids if r})
    found: dict[str, UsageRow] = {}
    for i in range(0, len(wanted), 500):  # stay well below SQLite's variable limit
        chunk = wanted[i : i + 500]
        rows = db.query(
            f"SELECT {_COLUMNS} FROM usage_rows WHERE profile = ?"
            f" AND reqid IN ({', '.join('?' * len(chunk))})",
            (profile, *chunk),
        )
        found.update((row["reqid"], row_from_sql(row)) for row in rows)
    return found


def rows_near(
    db: Database, profile: str, at: float, seconds: float, model: str | None
) -> list[UsageRow]:
    """Rows of `model` within `seconds` of the unix time `at`, nearest first."""
    clause = "profile = ? AND ctime BETWEEN ? AND ?"
    params: list[Any] = [profile, at - seconds, at + seconds]
    if model is not None:
        clause += " AND model = ?"
        params.append(model)
    rows = db.query(
        f"SELECT {_COLUMNS} FROM usage_rows WHERE {clause} ORDER BY abs(ctime - ?), id",
        (*params, at),
    )
    return [row_from_sql(row) for row in rows]
