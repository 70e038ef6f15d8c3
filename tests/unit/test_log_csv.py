"""`tokendeck logs --format csv` made from the gateway's raw fields (issue 22): the CSV of a
LogRow (unix seconds, credits as decimal text) is byte for byte the CSV of its record (its
datetime and Decimals through log_record and csv_cell, a csv.writer row by row), as the cache's
rows (UsageRow) are still written; and --since/--until compare unix seconds exactly as the
datetimes compare."""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tui.base.times import first_whole_second
from tui.cli import gateway_cmds
from tui.demo import DEMO_KEY
from tui.gateway import Gateway, GatewaySpec, LogRow, Secret
from tui.gateway.client import RecentIds
from tui.gateway.logs import parse_row, parse_rows
from tui.gateway.types import LogPage
from tui.profiles.config import demo_profile
from tui.spend.usage_export import RowWriter, csv_cell, csv_writer, log_record
from tui.store.usage import UsageRow

ZONES = ("UTC", "Asia/Shanghai", "Asia/Kathmandu", "America/New_York", "Australia/Lord_Howe")
T = 1_743_900_000  # April 2025: Lord Howe's and others' offsets change around it
FORMULAS = ("=SUM(A1)", "+1", "-x", "@cmd", "\tx", "\rx")


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.delenv("TZ")
    time.tzset()


def gateway_row(i: int, ctime: Any, fen: Any, yufen: Any, text: str = "gpt-4o") -> LogRow:
    """A row as openai-hk sends it (string fields), read as a sync reads it."""
    return parse_row({
        "id": str(1000 + i), "user_id": "9", "ctime": ctime, "prompt_tokens": str(i),
        "completion_tokens": "7", "fen": fen, "model": text, "yufen": yufen,
        "reqid": text, "ip": text, "note": text,
    })  # fmt: skip


def tricky_rows() -> list[LogRow]:
    credits: list[Any] = ["12", "1.500", "0.10", "-5", "-0.25", "1e2", "2.5E-3", "1E+3", "007",
                          "0", "0.000", "-0", 3, 0.5, "  4.20 ", "", None,
                          "123456789012345678901234.5"]  # fmt: skip
    texts = ["gpt-4o", *FORMULAS, "a,b", '"q"', "p\nq", "a\r\nb", "", "模型", "o'k", " sp"]
    rows = []
    for i in range(60):
        fen, yufen = credits[i % len(credits)], credits[(i * 7 + 3) % len(credits)]
        text = texts[i % len(texts)]
        stamp = T - 37 * i
        ctime: Any = str(stamp) if i % 3 else f"{stamp}.75"  # a fraction: the gateway's own
        rows.append(gateway_row(i, ctime, fen, yufen, text))
    # rows of the other families: a datetime (with microseconds) and Decimals
    rows += [
        LogRow.of(2000 + i, "", datetime.fromtimestamp(T - 900 * i, UTC)
                  + timedelta(microseconds=(0, 1, 250_000, 999_999)[i % 4]),
                  1, 2, Decimal(("0.0100", "-3", "5E+1", "1.23456789")[i % 4]), "m",
                  Decimal("-0.50"), "r", "", "")
        for i in range(12)
    ]  # fmt: skip
    return rows


def per_record_csv(rows: list[Any], left: bool) -> str:
    """The CSV as it was made: each row's record, csv_cell on each value, a row at a time."""
    out = io.StringIO(newline="")
    writer = csv_writer(out)
    writer.writerow(list(log_record(rows[0])))
    for row in rows:
        writer.writerow([csv_cell(v) for v in log_record(row, left=left).values()])
    return out.getvalue()


def written(rows: list[Any], left: bool, batch: int = 300) -> str:
    out = io.StringIO(newline="")
    writer = RowWriter(out, "csv", left=left)
    for at in range(0, len(rows), batch):
        writer.write(rows[at : at + batch])
    assert writer.close() == len(rows)
    return out.getvalue()


def cached(row: LogRow) -> UsageRow:
    """The row as the cache reads it back: a datetime and Decimals, not the raw fields."""
    return UsageRow(row.id, row.user_id, row.ctime, row.prompt_tokens, row.completion_tokens,
                    row.fen, row.model, row.yufen, row.reqid, row.ip, row.note)  # fmt: skip


@pytest.mark.parametrize("left", [True, False])
def test_raw_field_csv_is_the_per_record_csv_of_tricky_rows(zone: str, left: bool) -> None:
    rows = tricky_rows()
    assert {r.fen_text for r in rows} >= {"1.500", "100", "0.0025", "-0.25", "7"}  # normalised
    assert any(type(r.seconds) is float and r.seconds % 1 for r in rows)  # fractional times
    expected = per_record_csv(rows, left)
    assert written(rows, left) == expected
    assert written(rows, left, batch=7) == expected
    assert written(rows, left, batch=1) == expected  # each odd field in a batch of its own
    assert written([cached(r) for r in rows], left) == expected  # the Usage panel's export
    lines = expected.split("\n")
    assert lines[2].split(",")[5:7] == (["1.5", "0"] if left else ["1.5", ""])  # 1.500, 0.000
    assert "'=SUM(A1)" in expected and "'-x" in expected and ",-5," in expected


def test_raw_field_csv_across_quarter_hours_and_offset_changes(zone: str) -> None:
    rng = random.Random(22)
    stamps = sorted((rng.randrange(-2_000_000_000, 2_000_000_000) for _ in range(500)),
                    reverse=True)  # fmt: skip
    stamps += range(1_744_000_000, 1_743_800_000, -67)  # newest first, as the log comes
    stamps += range(1_741_700_000, 1_741_400_000, -89)  # March 2025's changes
    rows = [gateway_row(i, str(s), str(i % 50), str(10**6 - i)) for i, s in enumerate(stamps)]
    assert written(rows, True) == per_record_csv(rows, True)
    rows.reverse()  # oldest first, as the Usage panel may sort them
    assert written(rows, True) == per_record_csv(rows, True)


def usual_page(stamps: list[int], texts: list[str], first: int) -> LogPage:
    """Rows `first`.. of a log as openai-hk sends them (newest first), read as the listing
    reads them: a LogPage."""
    page = parse_rows([{
        "id": str(10**6 - i), "user_id": "9", "ctime": str(stamps[i]),
        "prompt_tokens": str(i * 7), "completion_tokens": str(i % 3), "fen": str(i % 4),
        "model": texts[i % len(texts)], "yufen": str(10**9 - i),
        "reqid": texts[(i + 1) % len(texts)], "ip": texts[(i + 2) % len(texts)],
        "note": texts[(i + 3) % len(texts)],
    } for i in range(first, min(first + 300, len(stamps)))], "gw")  # fmt: skip
    assert isinstance(page, LogPage)
    return page


@pytest.mark.parametrize("left", [True, False])
def test_a_page_read_a_column_at_a_time_is_written_from_its_texts(zone: str, left: bool) -> None:
    """The listing's usual pages (LogPage) are written from the gateway's own texts: the same
    bytes as each row's record, across quarter hours and offset changes, with formula
    starts, quotes, commas, line ends and zeros, and after the pages' overlaps are dropped."""
    texts = ["gpt-4o", *FORMULAS, "a,b", '"q"', "p\nq", "a\r\nb", "", "模型", "o'k", " sp"]
    stamps = [*range(1_744_000_000, 1_743_800_000, -677),
              *range(1_741_700_000, 1_741_400_000, -891)]  # fmt: skip
    plain = ["gpt-4o", "", "9.9.9.9"]  # pages without a field to quote or guard
    seen = RecentIds(2)
    pages = [
        seen.fresh(usual_page(stamps, texts if at % 598 else plain, at))
        for at in range(0, len(stamps), 299)  # pages overlap by a row, as the log's
    ]
    assert all(isinstance(p, LogPage) for p in pages)
    rows = [row for p in pages for row in p]
    out = io.StringIO(newline="")
    writer = RowWriter(out, "csv", left=left)
    for page in pages:
        writer.write(page)
    assert writer.close() == len(rows) == len(stamps)
    assert out.getvalue() == per_record_csv(rows, left)
    assert "'=SUM(A1)" in out.getvalue() and ",0," in out.getvalue()


def test_a_mixed_batch_is_written_from_each_rows_own_fields() -> None:
    rows = tricky_rows()[:20]
    mixed = [cached(r) if i % 2 else r for i, r in enumerate(rows)]
    assert written(mixed, True) == per_record_csv(rows, True)


@pytest.mark.parametrize("micro", [0, 1, 500_000, 999_999])
@pytest.mark.parametrize("base", [T, 253_402_214_400])  # and 9999-12-31 (a float's ulp: 30 µs)
def test_since_and_until_compare_seconds_as_the_datetimes_compare(base: int, micro: int) -> None:
    rows = [gateway_row(i, str(base - i), "1", "2") for i in range(40)]
    rows += [LogRow.of(100 + i, "", datetime.fromtimestamp(base - 40, UTC)
                       + timedelta(microseconds=m), 0, 0, Decimal(1), "m", Decimal(2), "", "", "")
             for i, m in enumerate((999_999, 500_001, 500_000, 499_999, 1, 0))]  # fmt: skip
    # seconds between microseconds (a row's datetime rounds them)
    rows += [LogRow(200 + i, "", base - 40 + f, 0, 0, "1", "m", "2", "", "", "")
             for i, f in enumerate((0.4999996, 0.0000004, 0.9999996, 0.0000006))]  # fmt: skip
    rows.sort(key=lambda r: -r.seconds)
    for back in (0, 5, 20, 40, 41):
        bound = datetime.fromtimestamp(base - back, UTC) + timedelta(microseconds=micro)
        for since, until in ((bound, None), (None, bound), (bound - timedelta(seconds=9), bound)):
            kept, done = gateway_cmds._kept(rows, since, until, None, 0)
            expected = []
            for row in rows:
                if since and row.ctime < since:
                    break
                if until and row.ctime >= until:
                    continue
                expected.append(row)
            assert [r.id for r in kept] == [r.id for r in expected], (since, until)
            assert done == any(since and r.ctime < since for r in rows)


def test_first_whole_second_is_exact_far_from_now() -> None:
    for when in (datetime(9999, 12, 31, 0, 0, 0, 1, tzinfo=UTC),
                 datetime(1900, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC),
                 datetime(2025, 4, 6, 1, 0, tzinfo=UTC)):  # fmt: skip
        whole = first_whole_second(when)
        assert datetime.fromtimestamp(whole, UTC) >= when
        assert datetime.fromtimestamp(whole - 1, UTC) < when


async def test_logs_since_until_as_csv_keep_the_rows_between(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = sorted({int(r["ctime"]) for r in demo.logs})
    since, until = times[len(times) // 3], times[2 * len(times) // 3]
    out = io.StringIO()
    monkeypatch.setattr(gateway_cmds.sys, "stdout", out)
    args = argparse.Namespace(
        action=None, since=datetime.fromtimestamp(since, UTC).isoformat(),
        until=datetime.fromtimestamp(until, UTC).isoformat(), limit=None, format="csv",
        json=False, model=None,
    )  # fmt: skip
    spec = GatewaySpec("t", demo.opencodex_base, Secret(DEMO_KEY), logs_url=demo.logs_url)
    async with Gateway(spec) as gw:
        assert await gateway_cmds.logs(gw, args, demo_profile()) == 0
    ids = [line.split(",")[0] for line in out.getvalue().splitlines()[1:]]
    assert ids == [r["id"] for r in demo.logs if since <= int(r["ctime"]) < until]
    assert ids  # the window holds rows
