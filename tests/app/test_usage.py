"""The Usage panel by keys against the demo gateway: cached rows, sync, sort, filters, views,
time ranges, export, orphan charges and the header's budget warnings."""

from __future__ import annotations

import csv
import json
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from textual.widgets import Input, Static

from tests.helpers import FIXED_NOW, make_app, screen_text, wait_for
from tui.base.clock import FrozenClock
from tui.base.textfmt import number
from tui.demo import DEMO_KEY, DemoGateway, Fault
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import DEMO_URL_ENV, spec_for
from tui.spend.money import Rate, credits_text
from tui.spend.usage_export import LOG_FIELDS
from tui.ui.app import TokenDeck
from tui.ui.widgets.status import StatusBar
from tui.ui.widgets.usage import UsagePanel
from tui.ui.widgets.usage.table import WindowTable

HOLD = 30.0  # bounds a hang only: a held thread is released by the test


def panel(app: TokenDeck) -> UsagePanel:
    return app.screen.query_one(UsagePanel)


def rows(app: TokenDeck) -> WindowTable:
    return app.screen.query_one("#usage-table", WindowTable)


def text_of(app: TokenDeck, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def cells(table: WindowTable, index: int) -> dict[str, Any]:
    line = table.line(index)
    assert line is not None
    return line.cells


def notices(app: TokenDeck) -> str:
    return "\n".join(n.message for n in app._notifications)


async def totals(pilot: Any) -> str:
    """The totals line, once it adds up what the table shows (it is summed in a thread)."""
    usage = panel(pilot.app)
    await wait_for(pilot, lambda: usage.totals_shown == usage.row_query())
    return text_of(pilot.app, "#usage-totals")


async def open_usage(pilot: Any) -> UsagePanel:
    await wait_for(pilot, lambda: pilot.app.balance is not None)  # the app has settled
    await pilot.app.workers.wait_for_complete()
    await pilot.press("f4")
    usage = panel(pilot.app)
    await wait_for(pilot, lambda: usage.loaded)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return usage


async def test_rows_come_from_the_cache_sorted_and_filtered_by_keys(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    logs = demo.logs
    async with app.run_test(size=(80, 24)) as pilot:
        await open_usage(pilot)
        table = rows(app)
        assert table.row_count == len(logs) == 3000
        assert table.window_size < 500  # only a window of the rows is held
        assert cells(table, 0)["reqid"] == logs[0]["reqid"]  # newest first
        credits = sum(Decimal(r["fen"]) for r in logs)
        assert "3,000/3,000 rows" in await totals(pilot)
        assert number(credits) in text_of(app, "#usage-totals")

        await pilot.press("end")
        assert table.cursor == 2999 and cells(table, 2999)["reqid"] == logs[-1]["reqid"]
        await pilot.press("home", "down", "down", "pagedown")
        assert table.cursor > 2

        await pilot.press("s")  # by model, A..Z
        models = sorted(r["model"] for r in logs)
        assert cells(table, 0)["model"] == models[0]
        assert cells(table, 2999)["model"] == models[-1]
        await pilot.press("s", "s", "s")  # in, out, credits: most first
        top = max(logs, key=lambda r: (int(r["fen"]), int(r["id"])))
        assert cells(table, 0)["reqid"] == top["reqid"]
        await pilot.press("S")  # reversed: least first
        assert cells(table, 0)["credits"] == number(min(int(r["fen"]) for r in logs))

        model = logs[0]["model"]
        await pilot.press("slash", *model, "enter")
        expected = [r for r in logs if model in r["model"]]
        assert f"{len(expected):,}/3,000 rows" in await totals(pilot)  # counted in a thread
        assert table.row_count == len(expected)
        assert table.has_focus
        await pilot.press("slash", "ctrl+u", *"no-such-thing", "enter")
        assert "0/3,000 rows" in await totals(pilot)
        assert table.row_count == 0


async def test_searched_rows_come_first_and_their_count_after(
    demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Words are searched in a thread: the matching rows are shown as soon as the first are
    found, the totals line stays dimmed until the count is taken, then both agree."""
    from tui.store import usage_view
    from tui.ui.widgets.usage.sources import FIRST

    app = make_app(demo, tmp_path)
    logs = demo.logs
    fields = ("model", "reqid", "ip", "note")
    expected = [r for r in logs if any("gpt" in r[f].lower() for f in fields)]
    assert len(expected) > FIRST  # more than the first rows read
    gate = threading.Event()
    real = usage_view.query_totals

    def held(*args: Any) -> Any:
        assert gate.wait(HOLD)
        return real(*args)

    async with app.run_test(size=(80, 24)) as pilot:
        usage = await open_usage(pilot)
        table = rows(app)
        monkeypatch.setattr(usage_view, "query_totals", held)
        await pilot.press("slash", *"GPT")
        await wait_for(pilot, lambda: table.source.query.text == "GPT" and table.window_size > 0)
        assert cells(table, 0)["reqid"] == expected[0]["reqid"]  # newest match first
        assert table.row_count == FIRST  # the rows found so far: the count is not taken yet
        assert usage.totals_shown is None
        assert app.screen.query_one("#usage-totals").has_class("-stale")
        assert "3,000/3,000 rows" in text_of(app, "#usage-totals")  # the previous totals
        await pilot.press("enter", "end")
        assert table.cursor == FIRST - 1
        gate.set()
        assert f"{len(expected):,}/3,000 rows" in await totals(pilot)
        assert table.row_count == len(expected)
        assert not app.screen.query_one("#usage-totals").has_class("-stale")
        assert table.cursor == FIRST - 1  # the count came: the cursor stays
        await pilot.press("end")
        assert cells(table, table.cursor)["reqid"] == expected[-1]["reqid"]


async def test_views_and_time_ranges_add_up_to_the_log(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    logs = demo.logs
    async with app.run_test(size=(80, 24)) as pilot:
        usage = await open_usage(pilot)
        report = app.screen.query_one("#usage-report", WindowTable)
        credits = sum(int(r["fen"]) for r in logs)

        await pilot.press("2")  # by day (TZ is UTC in tests)
        days = Counter(
            datetime.fromtimestamp(int(r["ctime"]), UTC).date().isoformat() for r in logs
        )
        assert report.row_count == len(days)
        first = cells(report, 0)
        assert first["key"] == min(days) and first["requests"] == number(days[min(days)])
        assert f"{number(credits)} credits" in text_of(app, "#usage-totals")
        assert "Credits per day" in text_of(app, "#usage-chart")

        await pilot.press("v", "v")  # by model
        by_model = Counter(r["model"] for r in logs)
        assert usage.view == "model" and report.row_count == len(by_model)
        top = max(by_model, key=lambda m: sum(int(r["fen"]) for r in logs if r["model"] == m))
        assert cells(report, 0)["key"] == top

        await pilot.press("v")  # balance
        figures = text_of(app, "#usage-figures")
        assert f"Credits left: {number(int(logs[0]['yufen']))} credits" in figures
        assert "Burn rate" in figures and "Runs out about" in figures
        assert "█" in text_of(app, "#usage-chart")

        await pilot.press("1", "t")  # rows of today (the frozen clock's day, UTC)
        midnight = datetime(2025, 11, 23, tzinfo=UTC).timestamp()
        today = [r for r in logs if int(r["ctime"]) >= midnight]
        assert usage.range == "today" and rows(app).row_count == len(today)
        assert "today" in text_of(app, "#usage-range")
        await pilot.press("t", "t", "t")
        assert usage.range == "all" and rows(app).row_count == 3000

        await pilot.press("T", "ctrl+u", *"2025-11-10..2025-11-17", "enter")
        inside = [r for r in logs if 1_762_732_800 <= int(r["ctime"]) < 1_763_337_600]
        assert rows(app).row_count == len(inside)
        assert "2025-11-10 to 2025-11-17" in text_of(app, "#usage-range")
        await pilot.press("T", "ctrl+u", *"last tuesday", "enter")  # refused, range kept
        assert rows(app).row_count == len(inside)


async def test_export_the_filtered_rows_to_csv_and_json(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    logs = demo.logs
    model = logs[0]["model"]
    expected = [r for r in logs if model in r["model"]]
    async with app.run_test(size=(80, 24)) as pilot:
        usage = await open_usage(pilot)
        await pilot.press("slash", *model, "enter", "e")
        prompt = app.screen.query_one("#prompt-input", Input)
        assert prompt.value.endswith(".csv") and "/tokendeck/exports/usage-" in prompt.value
        target = tmp_path / "out" / "usage.csv"
        await pilot.press("ctrl+u", *str(target), "enter")
        await wait_for(pilot, lambda: "does not exist" in screen_text(app))  # never silently
        await pilot.press("y")
        await wait_for(pilot, lambda: usage.exported is not None)
        assert usage.exported == (target, len(expected))
        with target.open(newline="") as handle:
            table = list(csv.reader(handle))
        assert table[0] == list(LOG_FIELDS)
        assert [row[7] for row in table[1:]] == [r["reqid"] for r in expected]
        said = f"Exported {number(len(expected))} rows to {target}"
        await wait_for(pilot, lambda: said in notices(app))

        target = tmp_path / "usage.json"
        await pilot.press("e", "ctrl+u", *str(target), "enter")
        await wait_for(pilot, lambda: usage.exported == (target, len(expected)))
        data = json.loads(target.read_text())
        assert [r["request_id"] for r in data] == [r["reqid"] for r in expected]
        assert sum(r["credits"] for r in data) == sum(int(r["fen"]) for r in expected)

        await pilot.press("e", "ctrl+u", *"/proc/no/such/place.csv", "enter")
        await wait_for(pilot, lambda: "does not exist" in screen_text(app))  # asked first
        await pilot.press("y")
        await wait_for(pilot, lambda: "Could not export to /proc/no/such/place.csv" in notices(app))


async def test_orphan_charges_are_flagged_and_filtered(demo: DemoGateway, tmp_path: Path) -> None:
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"hi", "enter")
        chat: Any = app.screen.query_one("#chat-panel")
        await wait_for(pilot, lambda: len(chat.conversation.turns) == 2 and not chat.streaming)
        await app.workers.wait_for_complete()
        mine = demo.logs[0]
        # a request made with the same key, bypassing tokendeck
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"{demo.opencodex_base}/chat/completions",
                headers={"Authorization": f"Bearer {DEMO_KEY}"},
                json={"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]},
            )
        assert answer.status_code == 200
        stranger = demo.logs[0]
        assert stranger["reqid"] != mine["reqid"]
        usage = await open_usage(pilot)
        table = rows(app)
        assert cells(table, 0)["reqid"] == stranger["reqid"]
        assert cells(table, 0)["orphan"] == "!" and table.line(0).mark  # type: ignore[union-attr]
        assert cells(table, 1)["reqid"] == mine["reqid"] and not cells(table, 1)["orphan"]
        assert not any(cells(table, i)["orphan"] for i in range(2, 40))  # before tokendeck
        await pilot.press("o")
        await totals(pilot)  # orphans are found in a thread
        assert usage.orphans and table.row_count == 1
        assert "orphans only" in text_of(app, "#usage-range")
        assert stranger["ip"] in screen_text(app)
        await pilot.press("o")
        await totals(pilot)
        assert table.row_count == 3002


async def test_cached_rows_show_at_once_and_stay_when_the_sync_fails(
    demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEMO_URL_ENV, demo.url)  # a demo that outlives the app: keep its cache
    first = make_app(demo, tmp_path)
    async with first.run_test(size=(80, 24)) as pilot:
        await open_usage(pilot)
        assert rows(first).row_count == 3000
    demo.add_fault(Fault("status", endpoint="logs", status=500, times=-1))
    again = make_app(demo, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        assert rows(again).row_count == 3000  # before any sync finished
        usage = panel(again)
        await wait_for(pilot, lambda: usage.loaded)
        status = text_of(again, "#usage-status")
        assert status.startswith("Could not sync the usage log:")
        assert "Showing the cached rows." in status
        assert rows(again).row_count == 3000


def budget_app(demo: DemoGateway, tmp: Path, **limits: Decimal) -> TokenDeck:
    profile = replace(demo_profile(), **limits)
    config = Config(path=tmp / "config.toml", data={"cursor_blink": False})
    return TokenDeck(
        config=config, profile=profile, spec=spec_for(profile, demo.url), demo=True,
        clock=FrozenClock(FIXED_NOW),
    )  # fmt: skip


async def test_the_header_warns_over_a_budget_and_below_the_low_balance(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = budget_app(demo, tmp_path, daily_budget=Decimal(10), low_balance=Decimal(10**9))
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: app.balance is not None)
        assert "low balance" in status.text("warning")
        assert "low balance" in screen_text(app).splitlines()[0]
        await open_usage(pilot)  # the cache now holds today's rows
        await wait_for(pilot, lambda: "over daily budget" in status.text("warning"))
        await pilot.press("5")
        assert "over the daily budget" in text_of(app, "#usage-figures")
        await pilot.press("f5", "r")
        await wait_for(pilot, lambda: "over the daily budget" in text_of(app, "#balance-details"))

    calm = budget_app(demo, tmp_path, monthly_budget=Decimal(10**9))
    async with calm.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: calm.balance is not None)
        await open_usage(pilot)
        assert not calm.screen.query_one(StatusBar).text("warning")


async def test_money_is_shown_beside_credits_when_the_profile_says_what_they_are_worth(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = budget_app(demo, tmp_path, credits_per_unit=Decimal(100))
    app.profile = replace(app.profile, currency="CNY")
    credits = sum(int(r["fen"]) for r in demo.logs)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_usage(pilot)
        rate = Rate(Decimal(100), "CNY")
        assert credits_text(Decimal(credits), rate) in await totals(pilot)
        await pilot.press("4")
        assert "CNY" in screen_text(app)  # the money column's title
