"""Usage cache at scale (issue 22): day and quarter-hour buckets that always add up to the
rows, the migrations to schemas 7 and 8, sort indexes made on demand, a sync that never runs
ahead of its store, a filter that is a model filter, and logs written as the pages come."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
from collections import defaultdict
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.store_helpers import old_db
from tui import store
from tui.demo import DEMO_KEY
from tui.gateway import Gateway, GatewaySpec, LogRow, Secret
from tui.gateway.client import RecentIds
from tui.profiles.config import demo_profile
from tui.spend import usage_sync, usage_writer
from tui.store import schema as store_schema
from tui.store import usage_view as store_view
from tui.store.usage import alphabets
from tui.store.usage_stats import bucketed
from tui.store.usage_view import (
    RowQuery,
    count_query,
    ensure_sort_index,
    query_totals,
    sort_indexed,
    window,
)

P = "hk"
T0 = datetime(2026, 3, 1, 7, 13, 20, tzinfo=UTC).timestamp()
MODELS = ("gpt-4o", "gpt-4o-mini", "deepseek-chat", "Qwen-Max")


@pytest.fixture
def db(tmp_path: Path) -> Any:
    with store.open_db(tmp_path / "t.db") as opened:
        yield opened


def made_rows(n: int, seed: int, first_id: int = 1) -> list[LogRow]:
    rng = random.Random(seed)
    rows, t = [], T0
    for i in range(n):
        t += rng.choice((7, 61, 400, 3000))  # some quarter hours hold many rows, some none
        fen = Decimal(rng.randint(0, 90))
        if rng.random() < 0.05:
            fen += Decimal("0.25")  # a fraction: its bucket is added up from the rows
        rows.append(LogRow.of(first_id + i, "9", datetime.fromtimestamp(t, UTC),
                           rng.randint(1, 900), rng.randint(1, 90), fen, rng.choice(MODELS),
                           Decimal(10**6 - i), f"r{i:05x}", "10.0.0.1", ""))  # fmt: skip
    return rows


def by_hand(rows: Sequence[LogRow], key: str, since: float | None, until: float | None) -> dict:
    found: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for r in rows:
        t = r.ctime.timestamp()
        if (since is not None and t < since) or (until is not None and t >= until):
            continue
        k = {"model": r.model, "day": r.ctime.astimezone().date().isoformat(), "": ""}[key]
        found[k][0] += 1
        found[k][1] += r.prompt_tokens
        found[k][2] += r.completion_tokens
        found[k][3] += r.fen
    return dict(found)


def as_lists(totals: dict[str, store.Totals]) -> dict:
    return {
        k: [t.requests, t.prompt_tokens, t.completion_tokens, t.credits]
        for k, t in totals.items()
    }


def test_buckets_add_up_to_the_rows_in_any_range_after_refreshes(db: store.Database) -> None:
    rows = made_rows(600, seed=3)
    store.store_pages(db, P, [rows[:250], rows[240:]])  # overlapping pages
    # the gateway answers some rows again with other values (a later time, model, credits)
    moved = [r._replace(seconds=r.seconds + 5 * 3600, model="moved", fen_text=str(r.fen + 1))
             for r in rows[100:130]]  # fmt: skip
    store.store_usage(db, P, moved)
    final = {r.id: r for r in rows} | {r.id: r for r in moved}
    truth = sorted(final.values(), key=lambda r: r.id)
    store.store_usage(db, "other", made_rows(50, seed=9))  # another profile stays apart
    rng = random.Random(5)
    first, last = truth[0].ctime.timestamp(), max(r.ctime.timestamp() for r in truth)
    ranges: list[tuple[float | None, float | None]] = [(None, None), (first + 1, None)]
    for _ in range(25):
        a, b = sorted(rng.uniform(first - 900, last + 900) for _ in range(2))
        ranges += [(a, b), (a, None), (None, b), (a, a + rng.uniform(0, 1000))]
    for since, until in ranges:
        s = None if since is None else datetime.fromtimestamp(since, UTC)
        u = None if until is None else datetime.fromtimestamp(until, UTC)
        for key in ("model", "day", ""):
            found, exact = bucketed(db, P, key, since=s, until=u)
            expected = by_hand(truth, key, since, until)
            if exact:
                assert as_lists(found) == expected
            else:  # counts and tokens still exact; credits are added up from the rows
                assert {k: v[:3] for k, v in as_lists(found).items()} == {
                    k: v[:3] for k, v in expected.items()
                }
        total = by_hand(truth, "", since, until).get("", [0, 0, 0, Decimal(0)])
        assert store.count_usage(db, P, since=s, until=u) == total[0]
        assert store.usage_totals(db, P, since=s, until=u).credits == total[3]
        report = store.usage_by(db, P, "model", since=s, until=u)
        expected_models = by_hand(truth, "model", since, until)
        assert {b.key: b.totals.credits for b in report} == {
            k: v[3] for k, v in expected_models.items()
        }


def test_forgetting_a_profile_forgets_its_buckets_and_alphabets(db: store.Database) -> None:
    store.store_usage(db, P, made_rows(40, seed=1))
    assert store.count_usage(db, P) == 40 and alphabets(db, P)["model"]
    store.forget_usage(db, P)
    assert store.count_usage(db, P) == 0 and store.usage_by(db, P, "model") == []
    assert alphabets(db, P) == {}


def test_alphabets_hold_every_character_of_the_searched_fields(db: store.Database) -> None:
    rows = made_rows(30, seed=2)
    store.store_usage(db, P, rows)
    chars = alphabets(db, P)
    assert set(chars["model"]) == set("".join(r.model for r in rows).lower())
    assert set(chars["reqid"]) == set("".join(r.reqid for r in rows))
    assert chars["note"] == ""


def test_later_rows_widen_the_alphabets_only_with_characters_not_seen(
    db: store.Database,
) -> None:
    rows = made_rows(30, seed=5)
    store.store_usage(db, P, rows)
    before = alphabets(db, P)
    store.store_usage(db, P, [rows[0]._replace(id=10**9)])  # nothing new
    assert alphabets(db, P) == before
    store.store_usage(db, P, [rows[1]._replace(id=10**9 + 1, model="Zq-模型", note="é")])
    after = alphabets(db, P)
    assert set(after["model"]) == set(before["model"]) | set("zq-模型")
    assert after["note"] == "é" and after["reqid"] == before["reqid"]


def test_migration_to_v8_fills_buckets_and_drops_the_sort_indexes(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    rows = made_rows(120, seed=4)
    with old_db(path, 6) as old:  # the version before the buckets
        old.conn.executemany(
            "INSERT INTO usage_rows (profile, id, user_id, ctime, prompt_tokens,"
            " completion_tokens, fen, model, yufen, reqid, ip, note, fen_n, yufen_n)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(P, r.id, r.user_id, r.ctime.timestamp(), r.prompt_tokens, r.completion_tokens,
              format(r.fen, "f"), r.model, format(r.yufen, "f"), r.reqid, r.ip, r.note,
              float(r.fen), float(r.yufen)) for r in rows],
        )  # fmt: skip
        old.conn.commit()
        assert sort_indexed(old, "prompt")
    with store.open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == (
            store_schema.target_version()
        ) >= 8
        days = db.query_one("SELECT sum(requests) FROM usage_days WHERE profile = ?", (P,))
        assert days is not None and days[0] == len(rows)
        assert not sort_indexed(db, "prompt") and not sort_indexed(db, "credits")
        assert sort_indexed(db, "time") and sort_indexed(db, "model")
        found, _exact = bucketed(db, P, "model")
        assert {k: v[:3] for k, v in as_lists(found).items()} == {
            k: v[:3] for k, v in by_hand(rows, "model", None, None).items()
        }
        assert store.usage_totals(db, P).credits == sum(r.fen for r in rows)
        assert set(alphabets(db, P)["model"]) == set("".join(r.model for r in rows).lower())


def test_a_sort_without_its_index_reads_right_and_makes_it_once(db: store.Database) -> None:
    rows = made_rows(200, seed=6)
    store.store_usage(db, P, rows)
    q = RowQuery().sorted_by("prompt", True)
    expected = [r.id for r in sorted(rows, key=lambda r: (-r.prompt_tokens, -r.id))][:20]
    assert not sort_indexed(db, "prompt")
    assert [s.row.id for s in window(db, P, q, 0, 20)] == expected  # a scan, still right
    ensure_sort_index(db, "prompt")
    assert sort_indexed(db, "prompt")
    assert [s.row.id for s in window(db, P, q, 0, 20)] == expected
    assert count_query(db, P, q) == 200 and query_totals(db, P, q).requests == 200


def test_recent_ids_drop_the_rows_pages_repeat_and_forget_old_pages() -> None:
    rows = made_rows(10, seed=7)
    seen = RecentIds(2)
    assert seen.fresh(rows[0:4]) == rows[0:4]
    assert seen.fresh(rows[3:6] + rows[5:6]) == rows[4:6]  # the overlap and a repeat dropped
    assert seen.fresh(rows[6:8]) == rows[6:8]
    # three pages on, the first page's ids are forgotten (the store keeps one copy by id)
    assert seen.fresh(rows[0:1] + rows[5:7]) == rows[0:1]


def test_recent_ids_of_overlapping_pages() -> None:
    rows = made_rows(12, seed=8)
    seen = RecentIds(3)
    assert seen.fresh(rows[0:4]) == rows[0:4]
    assert seen.fresh(rows[3:7]) == rows[4:7]  # the usual page: its first row the overlap
    assert seen.fresh(rows[6:7] + rows[2:3] + rows[7:9]) == rows[7:9]  # a repeat further in
    assert seen.fresh(rows[8:10] + rows[9:10]) == rows[9:10]  # the overlap and a repeat
    assert seen.fresh(rows[10:12]) == rows[10:12]


class Endless:
    """A usage log source that makes pages as fast as they are asked for."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.made = 0

    async def iter_usage_logs(self, **_kw: Any) -> AsyncGenerator[Sequence[LogRow], None]:
        for p in range(self.pages):
            self.made += 1
            yield made_rows(300, seed=p, first_id=10**6 - 300 * (p + 1))
            await asyncio.sleep(0)


async def test_a_sync_never_runs_far_ahead_of_its_store(
    db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a gateway faster than the disk: what is fetched and not yet stored stays bounded
    # (a million rows used to pile up in memory, 550 MB)
    source = Endless(60)
    ahead: list[int] = []  # at each store: pages made but not yet stored
    stored = [0]
    real = usage_writer.store_batch

    def slow_store(db: store.Database, batch: Any) -> list[int]:
        ahead.append(source.made - stored[0])
        stored[0] += len(batch.page_ids)
        return real(db, batch)

    monkeypatch.setattr(usage_writer, "store_batch", slow_store)
    # stored by the thread (whose stores this test sees); a child process is fed the same way
    result = await usage_sync.sync_usage(source, db, P, process_after=10**9)  # type: ignore[arg-type]
    assert result.pages == 60 and store.count_usage(db, P) == 60 * 300
    # the queue, the batches given to the writer, and a page in the source's hand
    bound = usage_sync.QUEUE_PAGES + usage_sync.STORING * usage_sync.BATCH_ROWS // 300 + 2
    assert max(ahead) <= bound


class Recording(io.StringIO):
    """stdout that notes how many log pages the gateway had served at each write."""

    def __init__(self, served: Any) -> None:
        super().__init__()
        self.served, self.at = served, []

    def write(self, text: str) -> int:
        self.at.append(self.served())
        return super().write(text)


async def test_logs_as_csv_are_written_as_the_pages_come(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every row was held until the last page came (a million rows: 800 MB)
    from tui.cli import gateway_cmds

    def served() -> int:
        return sum(1 for _m, path in demo.requests if path.endswith("/openai/sk/log"))

    out = Recording(served)
    monkeypatch.setattr(gateway_cmds.sys, "stdout", out)
    args = argparse.Namespace(action=None, since=None, until=None, limit=0, format="csv",
                              json=False, model=None)  # fmt: skip
    spec = GatewaySpec("t", demo.opencodex_base, Secret(DEMO_KEY), logs_url=demo.logs_url)
    async with Gateway(spec) as gw:
        assert await gateway_cmds.logs(gw, args, demo_profile()) == 0
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert [r[0] for r in rows[1:]] == [r["id"] for r in demo.logs]  # every row, in order, once
    assert out.at[0] < served()  # the first rows went out before the last page was asked for


def matches(row: LogRow, text: str) -> bool:
    """LIKE '%word%' on model, request id, IP or note, every word (any case of ASCII)."""
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    fields = [f.translate(fold) for f in (row.model, row.reqid, row.ip, row.note)]
    return all(any(w.translate(fold) in f for f in fields) for w in text.split())


@pytest.mark.parametrize(
    "text",
    ["gpt-4o-", "GPT-4O", "gpt mini", "qwen", "Max", "4o", "a1", "10.0", "r00", "zzz", "-", "o-m"],
)
def test_words_only_model_names_can_hold_are_a_model_filter(db: store.Database, text: str) -> None:
    rows = made_rows(400, seed=8)
    store.store_usage(db, P, rows)
    q = RowQuery(text=text).sorted_by("model", False)
    expected = [r for r in rows if matches(r, text)]
    models = store_view.searched_models(db, P, q)
    if text in ("gpt-4o-", "GPT-4O", "gpt mini", "qwen", "Max", "zzz", "o-m", "-", "4o"):
        # hex request ids, dotted IPs and empty notes cannot hold these: a model filter
        assert models == sorted({r.model for r in expected})
        assert store_view.indexed(db, P, q)
    if text in ("a1", "10.0", "r00"):
        assert models is None  # request ids or IPs may hold them: a pass over the rows
    assert count_query(db, P, q) == len(expected)
    assert query_totals(db, P, q).credits == sum(r.fen for r in expected)
    shown = [s.row.id for s in window(db, P, q, 0, 500)]
    assert sorted(shown) == sorted(r.id for r in expected)
    assert [s.row.model for s in window(db, P, q, 0, 500)] == sorted(r.model for r in expected)


def _log_row(ident: int, when: datetime, text: str) -> LogRow:
    return LogRow.of(ident, "9", when, 10, 20, Decimal("1.50"), text, Decimal(-3), text, text, text)


def test_a_csv_batch_written_in_one_go_reads_as_row_by_row(monkeypatch: Any) -> None:
    """RowWriter writes a batch through a buffer and turns the rows' CRLF ends into LF: a
    field's own CR, LF or CRLF stays in the field (quoted), no row is split, and the bytes are
    those of the row-by-row writer (csv_writer on each row's cells)."""
    from tui.spend.usage_export import RowWriter, csv_cell, csv_writer, log_record

    when = datetime(2025, 3, 9, 6, 59, 58, tzinfo=UTC)
    texts = ["gpt-4o", "a\r\nb", "=1+1", "x\ry", "p\nq", "\r\n", "", '"q"']
    plain_rows = [_log_row(i, when + timedelta(seconds=i), "gpt-4o") for i in range(5)]
    odd_rows = [_log_row(i, when + timedelta(seconds=7 * i), t) for i, t in enumerate(texts)]
    for batch in (plain_rows, odd_rows):
        out, expected = io.StringIO(newline=""), io.StringIO(newline="")
        writer = RowWriter(out, "csv")
        writer.write(batch)
        assert writer.close() == len(batch)
        plain = csv_writer(expected)
        plain.writerow(list(log_record(batch[0])))
        for row in batch:
            plain.writerow([csv_cell(v) for v in log_record(row).values()])
        assert out.getvalue() == expected.getvalue()
        back = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
        assert len(back) == len(batch) + 1
        assert [r[2] for r in back[1:]] == [csv_cell(r.model) for r in batch]


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Kathmandu", "America/New_York", "Australia/Lord_Howe", "Europe/Paris"]
)
def test_csv_local_times_are_astimezone_isoformat(zone: str, monkeypatch: Any) -> None:
    """The CSV's times, made from each quarter hour's text, are what
    datetime.astimezone().isoformat() writes: across DST changes (also Lord Howe's half hour),
    odd offsets (Kathmandu's +05:45, old local mean times) and fractions of a second."""
    import time

    from tui.spend.usage_export import _LocalTimes

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        times = _LocalTimes()
        rng = random.Random(7)
        stamps = sorted(rng.randrange(-2_000_000_000, 2_000_000_000) for _ in range(3000))
        stamps += range(1_741_400_000, 1_741_700_000, 97)  # March 2025's changes
        stamps += range(1_743_800_000, 1_744_000_000, 89)  # Lord Howe's April change
        for stamp in stamps:
            for when in (datetime.fromtimestamp(stamp, UTC),
                         datetime.fromtimestamp(stamp + 0.5, UTC)):  # fmt: skip
                assert times.iso(when) == when.astimezone().isoformat()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
