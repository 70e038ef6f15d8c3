"""Usage cache: migrations to schema v2 and v3, sync over real loopback HTTP (full, incremental, cut
short, log moving underneath), windowed queries in every order and filter, orphan charges, exact
totals, groupings, burn rate, run-out and the export formats."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.store_helpers import old_db
from tui import store
from tui.chat.conversation import Settings
from tui.demo import DemoGateway
from tui.gateway import ChatParams, Gateway, LogRow, Message
from tui.spend import usage_sync
from tui.spend.usage_export import LOG_FIELDS, json_value, log_record, write_rows
from tui.spend.usage_sync import SyncResult, sync_usage
from tui.store import schema as store_schema
from tui.store import usage_view as store_view
from tui.store.usage_view import RowQuery, query_totals, window

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_763_900_000.0  # the demo fixture's clock
HANG_GUARD = 30.0  # bounds a hang only; no assertion depends on elapsed time
P = "demo"


def wire(row: LogRow | store.UsageRow) -> dict[str, str]:
    """A row as the demo's log shows it (all strings)."""
    return {
        "id": str(row.id), "user_id": row.user_id, "ctime": str(int(row.ctime.timestamp())),
        "prompt_tokens": str(row.prompt_tokens), "completion_tokens": str(row.completion_tokens),
        "fen": str(row.fen), "model": row.model, "yufen": str(row.yufen), "reqid": row.reqid,
        "ip": row.ip, "note": row.note,
    }  # fmt: skip


def log_requests(demo: DemoGateway) -> int:
    return sum(1 for _m, path in demo.requests if path.endswith("/openai/sk/log"))


async def sync(gw: Gateway, db: store.Database, **kw: Any) -> SyncResult:
    async with asyncio.timeout(HANG_GUARD):
        return await sync_usage(gw, db, P, **kw)


async def chat(gw: Gateway, model: str = "gpt-4o-mini") -> None:
    await gw.chat([Message("user", "hello")], ChatParams(model=model))


def test_money_truth_modules_never_import_textual() -> None:
    modules = (
        "tui.store, tui.spend.usage_sync, tui.spend.costs, tui.spend.money, tui.spend.budgets,"
        " tui.cli.usage_cmds"
    )
    code = f"import sys, {modules}; print('textual' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# ---- schema v2 -----------------------------------------------------------------------------


def test_migration_from_v1_keeps_conversations_and_adds_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    with old_db(path, 1) as old:  # a database made by the version before the cache
        cid = store.create_conversation(old, Settings(model="m"), P)
        store.add_message(old, cid, "user", "keep me")
        mid = store.add_message(old, cid, "assistant", "answer", credits=Decimal("1.5"))
        assert old.conn.execute("PRAGMA user_version").fetchone()[0] == 1
    with store.open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == store_schema.target_version()
        assert [m.content for m in store.messages(db, cid)] == ["keep me", "answer"]
        assert store.get_message(db, mid).credits == Decimal("1.5")  # type: ignore[union-attr]
        assert store.search(db, "keep")[0].message_id == mid - 1
        tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"usage_rows", "sync_state"} <= tables
        indexes = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"usage_rows_time", "usage_rows_reqid"} <= indexes
        columns = {r[1] for r in db.query("PRAGMA table_info(messages)")}
        assert "usage_id" in columns
        assert store.fork(db, cid, mid) != cid  # copying messages still works


def test_rows_are_stored_once_by_profile_and_id(db: store.Database) -> None:
    row = LogRow.of(7, "9", datetime.fromtimestamp(NOW, UTC), 10, 20, Decimal("0.25"), "m",
                 Decimal("99.75"), "abc", "1.2.3.4", "")  # fmt: skip
    assert store.store_usage(db, P, [row]) == 1
    assert store.store_usage(db, P, [row]) == 0  # seen twice, stored once
    assert store.store_usage(db, "other", [row]) == 1  # another profile has its own rows
    assert store.usage_rows(db, P) == [store.UsageRow(*(getattr(row, f) for f in wire(row)))]
    stored = db.query_one(
        "SELECT fen, yufen, typeof(ctime) FROM usage_rows WHERE profile = ?", (P,)
    )
    assert tuple(stored) == ("0.25", "99.75", "real")  # type: ignore[arg-type]
    assert store.newest_id(db, P) == 7 and store.newest_id(db, "nobody") is None


# ---- sync over loopback HTTP ----------------------------------------------------------------


async def test_first_sync_takes_everything_then_only_the_new_row(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    progress: list[SyncResult] = []
    first = await sync(gw, db, on_page=progress.append)
    assert first.new_rows == 3000 == store.count_usage(db, P)
    assert first.pages == len(progress) and progress[-1].new_rows == 3000
    assert first.newest_id == int(demo.logs[0]["id"])
    assert [wire(r) for r in store.usage_rows(db, P)] == demo.logs  # every field, newest first
    assert store.last_synced(db, P) is not None

    await chat(gw)
    before = log_requests(demo)
    second = await sync(gw, db)
    assert second == SyncResult(new_rows=1, pages=1, newest_id=int(demo.logs[0]["id"]))
    assert log_requests(demo) - before == 1  # one page was enough
    assert [wire(r) for r in store.usage_rows(db, P)] == demo.logs

    assert (await sync(gw, db)).new_rows == 0


async def test_a_concurrent_sync_stores_each_row_once_and_hears_every_page(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    """Eight pages in flight, pages overlapping by one row, several pages to a transaction:
    each row is stored once, and the progress names every page in order."""
    progress: list[SyncResult] = []
    result = await sync(gw, db, concurrency=8, on_page=progress.append)
    assert [p.pages for p in progress] == list(range(1, result.pages + 1))
    assert [p.new_rows for p in progress] == sorted(p.new_rows for p in progress)
    assert result.new_rows == progress[-1].new_rows == 3000 == store.count_usage(db, P)
    # no page fetched twice; only requests already in flight when the last page came are extra
    assert result.pages <= log_requests(demo) < result.pages + 8
    assert [wire(r) for r in store.usage_rows(db, P)] == demo.logs
    assert store.complete_id(db, P) == int(demo.logs[0]["id"])
    assert (await sync(gw, db, concurrency=8)).new_rows == 0


def test_pages_stored_together_count_a_row_once(db: store.Database) -> None:
    rows = [
        LogRow.of(i, "9", datetime.fromtimestamp(NOW - i, UTC), 1, 2, Decimal(1), "m",
               Decimal(100 - i), f"r{i}", "1.2.3.4", "")
        for i in range(10, 0, -1)
    ]  # fmt: skip
    assert store.store_usage(db, P, rows[3:5]) == 2
    # the pages overlap by one row, and two rows were stored before
    assert store.store_pages(db, P, [rows[:4], rows[3:7], rows[6:]]) == [3, 2, 3]
    assert store.store_pages(db, P, []) == []
    assert store.count_usage(db, P) == 10


async def test_a_sync_cut_short_is_completed_by_the_next(
    demo: DemoGateway, gw: Gateway, db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Stop(Exception):
        pass

    def stop_after_two(progress: SyncResult) -> None:
        if progress.pages == 2:
            raise Stop

    # a page a transaction: pages queued by the time the first is stored would all go into
    # one batch of up to BATCH_ROWS rows, and the cut would come after all of them
    monkeypatch.setattr(usage_sync, "BATCH_ROWS", 300)
    with pytest.raises(Stop):
        await sync(gw, db, on_page=stop_after_two, concurrency=1)
    stored = store.count_usage(db, P)
    assert 0 < stored < 3000 and store.complete_id(db, P) is None
    again = await sync(gw, db)  # the newest rows are there, but the older ones are not
    assert again.new_rows == 3000 - stored
    assert [wire(r) for r in store.usage_rows(db, P)] == demo.logs


async def test_a_failed_page_keeps_what_was_stored(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    from tui.demo import Fault
    from tui.gateway import ServerError

    demo.add_fault(Fault("envelope_error", endpoint="logs"))
    with pytest.raises(ServerError):
        await sync(gw, db)
    assert store.count_usage(db, P) == 0
    assert (await sync(gw, db)).new_rows == 3000


async def test_pages_fetched_before_the_log_moved_are_fetched_again(
    demo: DemoGateway, gw: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 2 answers before page 1, and two new requests land in between: every row of page
    1 moves down two places, past the one-row overlap, so a row would fall between the two
    pages without the check."""
    before = demo.logs
    real = gw.usage_logs
    stride = 99  # pages of 100 overlap by one row
    page2_done = asyncio.Event()

    async def out_of_order(start: int = 0, limit: int = 300) -> list[LogRow]:
        if start == stride:
            await page2_done.wait()
        rows = await real(start, limit)
        if start == 2 * stride and not page2_done.is_set():
            await chat(gw)
            await chat(gw)
            page2_done.set()
        return rows

    monkeypatch.setattr(gw, "usage_logs", out_of_order)
    rows: list[LogRow] = []
    async with asyncio.timeout(HANG_GUARD):
        async for page in gw.iter_usage_logs(page_size=100, concurrency=4):
            rows.extend(page)
    assert len(demo.logs) == 3002
    assert [wire(r) for r in rows] == before


# ---- queries ------------------------------------------------------------------------------


async def test_windows_counts_and_totals_match_the_gateway(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    await sync(gw, db)
    logs = demo.logs
    since = datetime.fromtimestamp(NOW - 7 * 86_400, UTC)
    wanted = [r for r in logs if r["model"] == "gpt-4o" and int(r["ctime"]) >= since.timestamp()]
    assert store.count_usage(db, P, since=since, model="gpt-4o") == len(wanted)
    window = store.usage_rows(db, P, since=since, model="gpt-4o", limit=5, offset=3)
    assert [wire(r) for r in window] == wanted[3:8]
    totals = store.usage_totals(db, P, since=since, model="gpt-4o")
    assert totals.requests == len(wanted)
    assert totals.credits == sum(Decimal(r["fen"]) for r in wanted)
    assert totals.tokens == sum(
        int(r["prompt_tokens"]) + int(r["completion_tokens"]) for r in wanted
    )
    assert store.usage_models(db, P) == sorted({r["model"] for r in logs})


async def test_groupings_by_day_week_and_model_add_up(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    await sync(gw, db)
    logs = demo.logs
    keys = {
        "day": lambda t: t.date().isoformat(),
        "week": lambda t: "{}-W{:02d}".format(*t.isocalendar()[:2]),
        "model": None,
    }
    for by, key in keys.items():
        expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for r in logs:
            when = datetime.fromtimestamp(int(r["ctime"]), UTC)
            sums = expected[r["model"] if key is None else key(when)]
            for i, field in enumerate(("prompt_tokens", "completion_tokens", "fen")):
                sums[i] += int(r[field])
            sums[3] += 1
        buckets = store.usage_by(db, P, by, tz=UTC)  # type: ignore[arg-type]
        got = {b.key: [b.totals.prompt_tokens, b.totals.completion_tokens,
                       int(b.totals.credits), b.totals.requests] for b in buckets}  # fmt: skip
        assert got == expected
        if by == "model":
            credits = [b.totals.credits for b in buckets]
            assert credits == sorted(credits, reverse=True)
        else:
            assert [b.key for b in buckets] == sorted(got)
            assert all(b.start is not None and b.start.isoformat() <= b.key for b in buckets)
    with pytest.raises(ValueError):
        store.usage_by(db, P, "hour")  # type: ignore[arg-type]


# ---- balance, burn rate, run-out ------------------------------------------------------------

T = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)


def spend(db: store.Database, days_ago: list[float], fen: int, last_balance: int) -> None:
    """One row per entry, `fen` credits each, the balance walking down to `last_balance`."""
    rows = []
    for i, ago in enumerate(sorted(days_ago, reverse=True)):
        left = last_balance + fen * (len(days_ago) - 1 - i)
        rows.append(LogRow.of(i + 1, "9", T - timedelta(days=ago), 100, 50, Decimal(fen), "m",
                           Decimal(left), f"r{i}", "", ""))  # fmt: skip
    store.store_usage(db, P, rows)


def test_burn_rate_and_run_out_on_a_known_history(db: store.Database) -> None:
    spend(db, [d + 0.5 for d in range(10)], fen=100, last_balance=1000)  # 100 a day for 10 days
    assert store.burn_rate(db, P, T) == Decimal(100)  # 700 credits in the last 7 days
    assert store.latest_balance(db, P) == Decimal(1000)
    assert store.projected_run_out(db, P, T) == T + timedelta(days=10)
    assert store.projected_run_out(db, P, T, balance=Decimal(250)) == T + timedelta(days=2.5)
    assert store.burn_rate(db, P, T + timedelta(days=30)) == 0
    assert store.projected_run_out(db, P, T + timedelta(days=30)) is None  # nothing spent lately
    assert store.run_out_date(Decimal(0), Decimal(5), T) == T


def test_a_young_account_is_averaged_over_its_own_age(db: store.Database) -> None:
    spend(db, [1.5, 0.5], fen=150, last_balance=300)
    assert store.burn_rate(db, P, T) == Decimal(200)  # 300 credits over 1.5 days
    spend_db_empty = store.burn_rate(db, "nobody", T)
    assert spend_db_empty == 0 and store.projected_run_out(db, "nobody", T) is None


def test_balance_series_is_oldest_first_and_thinned(db: store.Database) -> None:
    spend(db, [float(d) for d in range(1, 101)], fen=10, last_balance=0)
    series = store.balance_series(db, P)
    assert len(series) == 100 and series[0][1] == Decimal(990) and series[-1][1] == 0
    assert [t for t, _v in series] == sorted(t for t, _v in series)
    thin = store.balance_series(db, P, max_points=10)
    assert len(thin) == 10 and thin[0] == series[0] and thin[-1] == series[-1]
    recent = store.balance_series(db, P, since=T - timedelta(days=5, hours=1))
    assert [v for _t, v in recent] == [Decimal(40), Decimal(30), Decimal(20), Decimal(10), 0]


def test_sqlite_holds_decimal_text_not_floats(db: store.Database) -> None:
    rows = [LogRow.of(i, "9", datetime.fromtimestamp(NOW + i, UTC), 1, 1, Decimal("0.1"), "m",
                   Decimal("0.3"), "", "", "") for i in range(1, 4)]  # fmt: skip
    store.store_usage(db, P, rows)
    assert store.usage_totals(db, P).credits == Decimal("0.3")  # 0.1 * 3 in floats is not
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO usage_rows (profile, id, ctime) VALUES ('demo', 1, 0)")


# ---- the Usage table's windows: sort, filter, orphans, exact totals ----------------------------


def seeded(db: store.Database, n: int = 2000) -> list[LogRow]:
    """n rows with a few credits that have fractions, models and IPs that vary."""
    rows = [
        LogRow.of(i, "9", T - timedelta(minutes=n - i), i % 97, i % 13,
               Decimal(i % 50) + (Decimal("0.25") if i % 400 == 0 else 0),
               ("gpt-4o", "Qwen-Max", "deepseek")[i % 3],
               Decimal(10**6 - i), f"req{i:05d}", ("10.0.0.1", "10.0.0.2")[i % 2],
               "retry" if i % 250 == 0 else "")
        for i in range(1, n + 1)
    ]  # fmt: skip
    store.store_usage(db, P, rows)
    return rows


def shown(db: store.Database, q: RowQuery, total: int) -> list[int]:
    """Every row id the query shows, read window by window as the table reads them."""
    ids: list[int] = []
    for offset in range(0, total, 70):
        ids += [s.row.id for s in window(db, P, q, offset, 70, total=total)]
    return ids


@pytest.mark.parametrize("plan", ["ordered", "scan"])
def test_windows_in_every_order_and_filter_match_python(
    db: store.Database, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searched words are read along the order's index, or (past a time budget, here at once)
    by one pass over the table and a sort: the same rows in the same order either way."""
    if plan == "scan":
        monkeypatch.setattr(store_view, "SEARCH_BUDGET", -1.0)
        monkeypatch.setattr(store_view, "SEARCH_STEPS", 1)
    rows = seeded(db)
    keys = {
        "time": lambda r: (r.ctime, r.id), "model": lambda r: (r.model, r.ctime, r.id),
        "prompt": lambda r: (r.prompt_tokens, r.id), "credits": lambda r: (r.fen, r.id),
        "balance": lambda r: (r.yufen, r.id), "ip": lambda r: (r.ip, r.id),
        "reqid": lambda r: (r.reqid, r.id),
    }  # fmt: skip
    for text, keep in (("", lambda r: True), ("QWEN 10.0.0.2", lambda r: r.model == "Qwen-Max"
                       and r.ip == "10.0.0.2"), ("retry", lambda r: r.note == "retry"),
                       ("100%_", lambda r: False)):  # fmt: skip
        wanted = [r for r in rows if keep(r)]
        q = RowQuery(text=text)
        totals = query_totals(db, P, q)
        assert totals.requests == len(wanted)
        assert totals.credits == sum((r.fen for r in wanted), Decimal(0))  # exact fractions
        assert totals.prompt_tokens == sum(r.prompt_tokens for r in wanted)
        for sort, key in keys.items():
            for descending in (True, False):
                expected = [r.id for r in sorted(wanted, key=key, reverse=descending)]
                assert shown(db, q.sorted_by(sort, descending), len(wanted)) == expected
    since = T - timedelta(minutes=300)
    only = RowQuery(model="deepseek", since=since)
    wanted = [r for r in rows if r.model == "deepseek" and r.ctime >= since]
    assert query_totals(db, P, only).requests == len(wanted) > 0
    with pytest.raises(ValueError):
        RowQuery().sorted_by("nonsense", True)


def test_orphans_are_unclaimed_rows_since_the_first_claimed_one(db: store.Database) -> None:
    seeded(db, 50)
    assert not any(s.orphan for s in window(db, P, RowQuery(), 0, 50))  # no answers yet
    cid = store.create_conversation(db, Settings(model="m"), P)
    by_body_id = store.add_message(db, cid, "assistant", "a", request_id="chatcmpl-req00030")
    store.add_message(db, cid, "assistant", "b", request_id="req00040")
    by_time = store.add_message(db, cid, "assistant", "c")
    db.conn.execute("UPDATE messages SET usage_id = 45 WHERE id = ?", (by_time,))
    other = store.create_conversation(db, Settings(model="m"), "another-profile")
    store.add_message(db, other, "assistant", "d", request_id="req00035")  # not this profile's
    assert by_body_id and store_view.orphan_anchor(db, P) == 30
    flags = {s.row.id: s.orphan for s in window(db, P, RowQuery(), 0, 50)}
    assert [i for i, orphan in flags.items() if orphan] == sorted(
        set(range(31, 51)) - {40, 45}, reverse=True
    )
    orphans = RowQuery(orphans=True)
    assert query_totals(db, P, orphans).requests == 18
    assert all(s.orphan for s in window(db, P, orphans, 0, 50))


def test_sql_groupings_equal_the_row_by_row_ones(db: store.Database) -> None:
    seeded(db)  # some credits have fractions: SQLite's float sum must not be used
    for by in store.GROUPINGS:
        assert store.usage_by(db, P, by) == store.usage_by(db, P, by, tz=UTC)  # TZ=UTC here
    store.forget_usage(db, P)
    spend(db, [d + 0.5 for d in range(10)], fen=100, last_balance=1000)  # whole credits
    for by in store.GROUPINGS:
        assert store.usage_by(db, P, by) == store.usage_by(db, P, by, tz=UTC)
    picked = store.usage_by(db, P, "model", pattern="M*")
    assert [b.key for b in picked] == ["m"] and picked[0].totals.requests == 10
    assert store.usage_by(db, P, "model", pattern="x*") == []


def test_migration_from_v2_adds_sortable_credit_copies(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    with old_db(path, 2) as old:
        old.conn.execute(
            "INSERT INTO usage_rows (profile, id, ctime, fen, yufen) VALUES"
            " ('demo', 1, 0, '9', '100'), ('demo', 2, 1, '10.5', '89.5')"
        )
    with store.open_db(path) as db:
        by_credits = window(db, P, RowQuery().sorted_by("credits", True), 0, 5)
        assert [s.row.fen for s in by_credits] == [Decimal("10.5"), Decimal(9)]  # not as text


def test_exported_rows_are_the_cli_formats(db: store.Database) -> None:
    seeded(db, 30)
    batches = list(store_view.iter_query(db, P, RowQuery(text="gpt"), chunk=4))
    flat = [r for batch in batches for r in batch]
    assert len(batches) == 3 and len(flat) == 10
    out = io.StringIO()
    assert write_rows(batches, out, "json") == 10
    expected = json.dumps([log_record(r) for r in flat], indent=2, default=json_value)
    assert out.getvalue() == expected + "\n"
    empty = io.StringIO()
    assert write_rows([], empty, "json") == 0 and empty.getvalue() == "[]\n"
    table = io.StringIO()
    write_rows(batches, table, "csv")
    lines = list(csv.reader(io.StringIO(table.getvalue())))
    assert lines[0] == list(LOG_FIELDS) and len(lines) == 11
    assert lines[1][LOG_FIELDS.index("request_id")] == flat[0].reqid


_SYNC_INDEX_COLUMNS = {
    "usage_rows_reqid": ["profile", "reqid"],
    "usage_rows_model": ["profile", "model", "ctime"],
}


def _sync_indexes(db: store.Database) -> set[str]:
    """Which of the request-id and model indexes are there (as the schema makes them)."""
    found = {
        name: [c[2] for c in db.conn.execute(f"PRAGMA index_info('{name}')").fetchall()]
        for name in _SYNC_INDEX_COLUMNS
    }
    for name, columns in found.items():
        assert columns in ([], _SYNC_INDEX_COLUMNS[name])
    return {name for name, columns in found.items() if columns}


def _has_sync_indexes(db: store.Database) -> bool:
    return _sync_indexes(db) == set(_SYNC_INDEX_COLUMNS)


async def test_a_first_sync_makes_the_request_id_index_at_its_end(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    """A first sync stores its rows without the request-id index and makes it at the end,
    also when the sync is cut short; the model index is kept up as rows come. One cut short
    by a crash (the indexes gone) has them made by the next sync. Rows looked up by request
    id or model read the same."""
    during: list[set[str]] = []
    await sync(gw, db, on_page=lambda _p: during.append(_sync_indexes(db)))
    assert during and all(found == {"usage_rows_model"} for found in during)
    assert _has_sync_indexes(db)
    during.clear()
    await chat(gw)
    await sync(gw, db, on_page=lambda _p: during.append(_sync_indexes(db)))
    assert during == [set(_SYNC_INDEX_COLUMNS)]  # a later sync keeps both
    model = demo.logs[7]["model"]
    by_model = [wire(r) for r in store.usage_rows(db, P, model=model)]
    assert by_model == [row for row in demo.logs if row["model"] == model]

    reqid = demo.logs[5]["reqid"]
    assert store.rows_by_reqid(db, P, [reqid])[reqid].reqid == reqid
    store.forget_usage(db, P)

    class Stop(Exception):
        pass

    def stop(_progress: SyncResult) -> None:
        raise Stop

    with pytest.raises(Stop):
        await sync(gw, db, on_page=stop)
    assert _has_sync_indexes(db)  # made although the sync was cut short

    with db.write() as conn:  # a crash in the middle of a first sync
        conn.execute("DROP INDEX usage_rows_reqid")
        conn.execute("DROP INDEX usage_rows_model")
    await sync(gw, db)
    assert _has_sync_indexes(db)
