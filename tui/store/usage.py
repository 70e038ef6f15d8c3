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
from operator import add, attrgetter, itemgetter
from typing import Any, NamedTuple, Protocol

from .db import Database
from .records import utc
from .schema import BUCKET_COLUMNS, BUCKET_PARTS, BUCKET_SECONDS, BUCKET_TABLES, bucket_of

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


# Rows go in CHUNK at a time, one statement each: SQLite inserts them all in one step (a
# 200k-row first sync: 3.25 -> 2.9 s wall, A/B against executemany, idle machine). A row binds
# its 11 fields; the profile is bound once (?1) and the credits as numbers (for sorting) are
# made by SQLite from their text. 11 values a row: 3,301 variables, well under SQLite's 32,766.
CHUNK = 300
_WIDTH = len(_COLUMNS.split(", "))  # a row's bound values


@cache
def _upsert(rows: int, new: bool = False) -> str:
    """The statement that inserts or refreshes `rows` rows: ?1 the profile, then each row's
    fields in ROW_FIELDS' order. `new`: rows known to be neither stored nor repeated, only
    inserted (~3% less of a first sync's storing)."""
    places = []
    for first in range(2, 2 + rows * _WIDTH, _WIDTH):
        fields = ", ".join(f"?{first + i}" for i in range(_WIDTH))
        places.append(f"(?1, {fields}, CAST(?{first + 5} AS REAL), CAST(?{first + 7} AS REAL))")
    return (
        f"INSERT INTO usage_rows (profile, {_COLUMNS}, fen_n, yufen_n)"
        f" VALUES {', '.join(places)}{'' if new else _ON_CONFLICT}"
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
_ADD_TO_BUCKET = (
    " ON CONFLICT (profile, slot, model) DO UPDATE SET"
    " requests = requests + excluded.requests,"
    " prompt_tokens = prompt_tokens + excluded.prompt_tokens,"
    " completion_tokens = completion_tokens + excluded.completion_tokens,"
    " credits = credits + excluded.credits, odd = odd + excluded.odd"
)


def _bucket_upsert(table: str) -> str:
    return f"INSERT INTO {table} ({BUCKET_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?){_ADD_TO_BUCKET}"


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
        slots = quarters
        if per > 1:
            slots = {}
            for (quarter, model), sums in quarters.items():
                found = slots.get((quarter // per, model))
                if found is None:
                    slots[quarter // per, model] = list(sums)
                else:
                    found[:] = map(add, found, sums)
        conn.executemany(
            sql, [(profile, slot, model, *sums) for (slot, model), sums in slots.items()]
        )


_IDS_IN_SPAN = "SELECT id FROM usage_rows WHERE profile = ? AND id BETWEEN ? AND ?"


_QUARTERS_IN_SPAN = (
    f"SELECT {bucket_of(BUCKET_SECONDS)}, model, {', '.join(BUCKET_PARTS)} FROM usage_rows"
    " WHERE profile = ? AND id BETWEEN ? AND ? GROUP BY 1, 2"
)


# A log row's fields in the order the store takes them as columns (tui.gateway.LogRow is a
# named tuple of these fields in this order, so its pages are turned into columns by zip).
ROW_FIELDS = (
    "id", "user_id", "seconds", "prompt_tokens", "completion_tokens", "fen_text", "model",
    "yufen_text", "reqid", "ip", "note",
)  # fmt: skip
Columns = Sequence[Sequence[Any]]  # a page as ROW_FIELDS' columns, each a sequence of values
_GETTERS = [attrgetter(name) for name in ROW_FIELDS]


def page_columns(page: Sequence[LogRowLike]) -> Columns:
    """A page of rows as columns, in ROW_FIELDS' order (plain tuples of plain values: what a
    writer in another process is sent)."""
    if not page:
        return ()
    columns = getattr(page, "columns", None)  # tui.gateway.LogPage: read a column at a time
    if isinstance(columns, tuple) and len(columns) == len(ROW_FIELDS):
        return columns
    if getattr(type(page[0]), "_fields", None) == ROW_FIELDS:  # LogRow: one pass in C
        return tuple(zip(*page, strict=True))
    return tuple(tuple(map(get, page)) for get in _GETTERS)


def store_usage(db: Database, profile: str, rows: Sequence[LogRowLike]) -> int:
    """Insert or refresh `rows` in one transaction; how many were not stored before."""
    return store_pages(db, profile, [rows])[0]


def store_pages(db: Database, profile: str, pages: Sequence[Sequence[LogRowLike]]) -> list[int]:
    """Insert or refresh the rows of several pages in one transaction, with their quarter-hour
    totals; per page, how many of its rows were not stored before (nor on an earlier page)."""
    return store_batch(db, prepare_batch(profile, [page_columns(page) for page in pages]))


class Batch(NamedTuple):
    """The rows of several pages made ready to store (prepare_batch): the work that needs no
    database, done by the process that has the pages (a sync's writer child is sent this,
    and only stores it)."""

    profile: str
    chunks: list[list[Any]]  # _upsert's parameters: the profile, then rows in id order
    page_ids: list[Sequence[int]]  # each page's ids (how many of them are new)
    texts: dict[str, str]  # per searched field, its values' characters, lower case
    once: bool  # no id twice in the batch


def prepare_batch(profile: str, pages: Sequence[Columns]) -> Batch:
    """The rows of `pages` (as columns) in id order, as the statements take them."""
    values: list[tuple[Any, ...]] = []
    for columns in pages:
        values.extend(zip(*columns, strict=True))
    # in key order, as SQLite's b-tree takes them best (pages come newest first: one reversed
    # run, which the sort turns round in one pass); the later of two rows with one id wins
    values.sort(key=_first)
    chunks = [
        [profile, *chain.from_iterable(values[at : at + CHUNK])]
        for at in range(0, len(values), CHUNK)
    ]
    texts = {
        name: "".join(set(chain.from_iterable(c[at] for c in pages if c))).lower()  # once each
        for name, at in _FIELD_AT.items()
    }
    once = len({row[0] for row in values}) == len(values)
    page_ids = [columns[0] if columns else () for columns in pages]
    return Batch(profile, chunks, page_ids, texts, once)


def store_batch(db: Database, batch: Batch) -> list[int]:
    """Insert or refresh a batch's rows in one transaction, with their day and quarter-hour
    totals and the alphabets of their searched fields; per page, how many of its rows were
    not stored before (nor on an earlier page)."""
    profile, chunks, page_ids, texts, once = batch
    if not chunks:
        return [0] * len(page_ids)
    span = (profile, chunks[0][1], chunks[-1][-_WIDTH])  # the first and the last row's ids
    with db.write() as conn:
        known = {found[0] for found in conn.execute(_IDS_IN_SPAN, span)}
        quarters: Quarters = {}
        if known:  # rows stored before among these ids: totals worked out here, row by row
            rows = [c[at : at + _WIDTH] for c in chunks for at in range(1, len(c), _WIDTH)]
            latest = {row[0]: row for row in rows}  # a row on two pages: the later one is stored
            _add_quarters(quarters, map(_TOTALLED, latest.values()), 1)
            if replaced := sorted(known.intersection(latest)):
                old = conn.execute(
                    "SELECT ctime, model, prompt_tokens, completion_tokens, fen FROM usage_rows"
                    " WHERE profile = ? AND id IN (SELECT value FROM json_each(?))",
                    (profile, json.dumps(replaced)),
                )
                _add_quarters(quarters, old, -1)
        new = once and not known  # nothing to refresh: inserted, no conflict looked for
        for chunk in chunks:
            conn.execute(_upsert(len(chunk) // _WIDTH, new), chunk)
        if not known:  # all new (a first sync's every batch): SQLite adds up the rows just
            # written (in the app's thread, without holding Python's lock)
            for quarter, model, *sums in conn.execute(_QUARTERS_IN_SPAN, span):
                quarters[quarter, model] = sums
        _write_buckets(conn, profile, quarters)
        _widen_alphabets(conn, profile, texts)
    counts = []
    for ids in page_ids:
        fresh = set(ids) - known
        known |= fresh
        counts.append(len(fresh))
    return counts


_first = itemgetter(0)
_TOTALLED = itemgetter(2, 6, 3, 4, 5)  # time, model, prompt, completion, credits of a row
_FIELD_AT = {"model": 6, "reqid": 8, "ip": 9, "note": 10}  # places in ROW_FIELDS


def _widen_alphabets(conn: sqlite3.Connection, profile: str, texts: dict[str, str]) -> None:
    """Add the characters of `texts` (per searched field) to the profile's alphabets."""
    known = dict(
        conn.execute("SELECT field, chars FROM usage_alphabets WHERE profile = ?", (profile,))
    )
    for name, text in texts.items():
        have = known.get(name, "")
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


_SORT_THREADS = 2  # helper threads SQLite may sort with while it makes an index


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
            conn.execute(f"PRAGMA threads = {_SORT_THREADS}")  # a million rows: 1.0 -> 0.8 s
            try:
                for name in missing:
                    conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {_SYNC_INDEXES[name]}")
            finally:
                conn.execute("PRAGMA threads = 0")


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
