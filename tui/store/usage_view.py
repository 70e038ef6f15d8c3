"""Filtered, sorted windows over the usage cache, exact totals in SQL, and orphan charges."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .db import Database, open_db
from .errors import StoreError
from .usage import _COLUMNS, UsageRow, alphabets, row_from_sql, usage_models, where
from .usage_stats import Totals, count_usage, sum_rows, usage_totals

# Sort keys the Usage table offers, as columns of usage_rows (credits sort by their numeric
# copies fen_n and yufen_n). Each has an index from schema v3, so a window is cheap.
SORTS: dict[str, str] = {
    "time": "ctime",
    "model": "model",
    "prompt": "prompt_tokens",
    "completion": "completion_tokens",
    "credits": "fen_n",
    "balance": "yufen_n",
    "ip": "ip",
    "reqid": "reqid",
}

# The sorts whose index is made the first time the table is sorted so (ensure_sort_index):
# kept up to date by every sync they cost more than the rows themselves (schema 7 dropped
# them). Time, model and request id keep theirs (the sync's own order, the model filter,
# answers' costs and orphans).
SORT_INDEXES: dict[str, tuple[str, str]] = {
    "prompt": ("usage_rows_prompt", "prompt_tokens"),
    "completion": ("usage_rows_completion", "completion_tokens"),
    "credits": ("usage_rows_fen", "fen_n"),
    "balance": ("usage_rows_yufen", "yufen_n"),
    "ip": ("usage_rows_ip", "ip"),
}


def sort_indexed(db: Database, sort: str) -> bool:
    """Whether a window in this order is read over an index (else the index is made first)."""
    if sort not in SORT_INDEXES:
        return True
    found = db.query_one(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (SORT_INDEXES[sort][0],)
    )
    return found is not None


def ensure_sort_index(db: Database, sort: str) -> None:
    """Make the index a sort needs (once: ~1 s for a million rows; a write). Raises StoreError
    for a database that cannot be written (the window is then read without it)."""
    if sort_indexed(db, sort):
        return
    name, column = SORT_INDEXES[sort]
    with db.write() as conn:
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON usage_rows(profile, {column})")


def make_sort_index(path: Path, sort: str) -> None:
    """ensure_sort_index through a connection of this thread's own (for a reading thread);
    nothing when the database cannot be written."""
    with suppress(StoreError), open_db(path, recover=False) as db:
        ensure_sort_index(db, sort)


# Log rows an answer of this profile claims: by the row id costing wrote, or by request id
# (a body id "chatcmpl-X" names the row X).
_OWN = "FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.profile IS ?"
_CLAIMED_IDS = f"SELECT m.usage_id {_OWN} AND m.usage_id IS NOT NULL"
_CLAIMED_REQIDS = (
    "SELECT CASE WHEN substr(m.request_id, 1, 9) = 'chatcmpl-' THEN substr(m.request_id, 10)"
    f" ELSE m.request_id END {_OWN} AND m.request_id IS NOT NULL AND m.request_id != ''"
)


_SEARCHED = ("model", "reqid", "ip", "note")


@dataclass(frozen=True, slots=True)
class RowQuery:
    """What the Usage table shows: a time window, a model, words, orphans only, an order."""

    since: datetime | None = None
    until: datetime | None = None
    model: str | None = None
    text: str = ""  # every word must occur in model, request id, IP or note (any case)
    orphans: bool = False  # only rows no local answer accounts for
    sort: str = "time"
    descending: bool = True

    def sorted_by(self, sort: str, descending: bool) -> RowQuery:
        if sort not in SORTS:
            raise ValueError(f"cannot sort usage rows by {sort!r}")
        return replace(self, sort=sort, descending=descending)

    def same_rows(self, other: RowQuery) -> bool:
        """Whether `other` shows the same rows (perhaps in another order)."""
        return replace(self, sort=other.sort, descending=other.descending) == other

    @property
    def searched(self) -> bool:
        """Whether words are searched (a pass over every row, no index)."""
        return bool(self.text.split())

    @property
    def cheap_count(self) -> bool:
        """Whether counting the rows takes an index alone (no words, no orphans)."""
        return not self.searched and not self.orphans


@dataclass(frozen=True, slots=True)
class ShownRow:
    """A cached row and whether it is an orphan charge."""

    row: UsageRow
    orphan: bool


def orphan_anchor(db: Database, profile: str) -> int | None:
    """The id of the oldest row a local answer claims. Rows before it predate tokendeck's
    use of this key; unclaimed rows from it on were charged elsewhere. None: no claims yet."""
    found = [
        row[0]
        for sql in (
            f"SELECT min(id) FROM usage_rows WHERE profile = ? AND id IN ({_CLAIMED_IDS})",
            f"SELECT min(id) FROM usage_rows WHERE profile = ? AND reqid IN ({_CLAIMED_REQIDS})",
        )
        if (row := db.query_one(sql, (profile, profile))) is not None and row[0] is not None
    ]
    return int(min(found)) if found else None


def _orphan_expr(profile: str, anchor: int | None) -> tuple[str, list[Any]]:
    if anchor is None:
        return "0", []
    return (
        f"(id >= ? AND id NOT IN ({_CLAIMED_IDS}) AND reqid NOT IN ({_CLAIMED_REQIDS}))",
        [anchor, profile, profile],
    )


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _word_fields(db: Database, profile: str, word: str) -> tuple[list[str], list[str]]:
    """Where a searched word can occur: the models it occurs in (it is matched against each
    model name here, as LIKE would: any case of ASCII letters), and the other fields it may
    occur in (request id, IP, note: those whose alphabet holds every character of the word;
    a request id of hex digits cannot hold "gpt-4o-")."""
    chars = alphabets(db, profile)
    needed = set(word.lower())
    may = [name for name in _SEARCHED if needed <= set(chars.get(name, needed))]
    models: list[str] = []
    if "model" in may:
        folded = word.translate(_ASCII_LOWER)
        models = [m for m in usage_models(db, profile) if folded in m.translate(_ASCII_LOWER)]
    return models, [name for name in may if name != "model"]


def searched_models(db: Database, profile: str, q: RowQuery) -> list[str] | None:
    """The models whose rows a query with searched words shows, when the words can occur in
    model names only (then the query is a model filter, read over the model index and counted
    from the buckets); None when some word may occur in another field (or no word is
    searched, or orphans are shown)."""
    if not q.searched or q.orphans:
        return None
    allowed: set[str] | None = None if q.model is None else {q.model}
    for word in q.text.split():
        models, others = _word_fields(db, profile, word)
        if others:
            return None
        allowed = set(models) if allowed is None else allowed & set(models)
    return sorted(allowed or ())


def counted_at_once(db: Database, profile: str, q: RowQuery) -> bool:
    """Whether the query's count comes from the buckets (no pass over the rows): no words
    searched, or words that can occur in model names only; no orphans."""
    return q.cheap_count or searched_models(db, profile, q) is not None


def indexed(db: Database, profile: str, q: RowQuery) -> bool:
    """Whether the query's first rows and count are read over indexes and buckets at once
    (else in a thread: words searched in the request ids, orphans, a sort without its index
    yet)."""
    return sort_indexed(db, q.sort) and counted_at_once(db, profile, q)


def _where(db: Database, profile: str, q: RowQuery) -> tuple[str, list[Any]]:
    clause, params = where(profile, q.since, q.until, q.model)
    for word in q.text.split():
        models, others = _word_fields(db, profile, word)
        like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        parts = [f"model IN ({', '.join('?' * len(models))})"] if models else []
        params.extend(models)
        parts += [f"{c} LIKE ? ESCAPE '\\'" for c in others]
        params.extend([like] * len(others))
        clause += f" AND ({' OR '.join(parts) or '0'})"
    if q.orphans:
        expr, more = _orphan_expr(profile, orphan_anchor(db, profile))
        clause += f" AND {expr}"
        params.extend(more)
    return clause, params


def _order(q: RowQuery) -> str:
    way = "DESC" if q.descending else "ASC"
    then = f"ctime {way}, " if q.sort == "model" else ""  # index (profile, model, ctime)
    return f"{SORTS[q.sort]} {way}, {then}id {way}"


# An ordered window over searched words walks an index in the sort order and reads each row
# it passes: cheap when matches are dense, but a sparse match (or one sorted to the far end)
# walks the whole table that way, a row lookup at a time. After this long the window is read
# the other way instead: one pass over the table in key order, then a sort of the matches.
SEARCH_BUDGET = 0.008  # seconds
SEARCH_STEPS = 2000  # SQLite VM steps between looks at the clock


def window_ids(
    db: Database, profile: str, q: RowQuery, offset: int, limit: int, total: int | None = None
) -> list[int]:
    """The ids of `limit` rows from the `offset`-th in the query's order. Given the `total` the
    query shows, a window in the second half is read backwards (still returned in order)."""
    clause, params = _where(db, profile, q)
    backwards = total is not None and offset > total // 2
    if backwards:
        assert total is not None
        end = min(total, offset + limit)
        offset, limit = total - end, end - offset
        q = replace(q, descending=not q.descending)
    args = (*params, max(0, limit), max(0, offset))
    ordered = f"SELECT id FROM usage_rows WHERE {clause} ORDER BY {_order(q)} LIMIT ? OFFSET ?"
    if not q.searched:
        ids = [r[0] for r in db.query(ordered, args)]
    else:
        ids = _searched_ids(db, ordered, clause, q, args)
    return ids[::-1] if backwards else ids


def _searched_ids(
    db: Database, ordered: str, clause: str, q: RowQuery, args: tuple[Any, ...]
) -> list[int]:
    deadline = time.perf_counter() + SEARCH_BUDGET
    db.conn.set_progress_handler(lambda: time.perf_counter() > deadline, SEARCH_STEPS)
    try:
        return [r[0] for r in db.query(ordered, args)]
    except StoreError as exc:
        if not _interrupted(exc.__cause__):
            raise
    finally:
        db.conn.set_progress_handler(None, 0)
    keys = ", ".join(dict.fromkeys(("id", "ctime", SORTS[q.sort])))
    scan = (
        f"WITH hit AS MATERIALIZED (SELECT {keys} FROM usage_rows WHERE {clause})"
        f" SELECT id FROM hit ORDER BY {_order(q)} LIMIT ? OFFSET ?"
    )
    return [r[0] for r in db.query(scan, args)]


def _interrupted(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT
        or str(exc) == "interrupted"
    )


def rows_of(db: Database, profile: str, ids: list[int]) -> list[ShownRow]:
    """The rows with these ids, in this order, each with its orphan flag."""
    if not ids:
        return []
    expr, more = _orphan_expr(profile, orphan_anchor(db, profile))
    rows = db.query(
        f"SELECT {_COLUMNS}, {expr} AS orphan FROM usage_rows WHERE profile = ?"
        f" AND id IN ({', '.join('?' * len(ids))})",
        (*more, profile, *ids),
    )
    place = {row_id: i for i, row_id in enumerate(ids)}
    shown = sorted(rows, key=lambda r: place[r["id"]])
    return [ShownRow(row_from_sql(r), bool(r["orphan"])) for r in shown]


def window(
    db: Database, profile: str, q: RowQuery, offset: int, limit: int, total: int | None = None
) -> list[ShownRow]:
    """`limit` rows from the `offset`-th in the query's order, each with its orphan flag.
    Given the `total` the query shows, a window in the second half is read backwards."""
    return rows_of(db, profile, window_ids(db, profile, q, offset, limit, total))


def count_query(db: Database, profile: str, q: RowQuery) -> int:
    """How many rows the query shows (from the quarter-hour buckets unless words are searched
    or orphans shown)."""
    if q.cheap_count:
        return count_usage(db, profile, since=q.since, until=q.until, model=q.model)
    models = searched_models(db, profile, q)
    if models is not None:
        return sum(count_usage(db, profile, since=q.since, until=q.until, model=m) for m in models)
    clause, params = _where(db, profile, q)
    row = db.query_one(f"SELECT count(*) FROM usage_rows WHERE {clause}", params)
    return int(row[0]) if row else 0


def query_totals(db: Database, profile: str, q: RowQuery) -> Totals:
    """How many rows the query shows, with their tokens and exact credits."""
    if q.cheap_count:
        return usage_totals(db, profile, since=q.since, until=q.until, model=q.model)
    models = searched_models(db, profile, q)
    if models is not None:
        total = Totals()
        for m in models:
            found = usage_totals(db, profile, since=q.since, until=q.until, model=m)
            total.requests += found.requests
            total.prompt_tokens += found.prompt_tokens
            total.completion_tokens += found.completion_tokens
            total.credits += found.credits
        return total
    clause, params = _where(db, profile, q)
    return sum_rows(db, clause, params)


def iter_query(
    db: Database, profile: str, q: RowQuery, chunk: int = 2000
) -> Iterator[list[UsageRow]]:
    """Every row the query shows, in its order, `chunk` rows at a time (for export)."""
    clause, params = _where(db, profile, q)
    cursor = db.conn.execute(
        f"SELECT {_COLUMNS} FROM usage_rows WHERE {clause} ORDER BY {_order(q)}", params
    )
    try:
        while batch := cursor.fetchmany(chunk):
            yield [row_from_sql(r) for r in batch]
    finally:
        cursor.close()
