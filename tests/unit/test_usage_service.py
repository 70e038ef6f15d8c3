"""The usage service without a screen: when an answer is charged, what a sync after it does
(exact credits from the log, an estimate where no log answers), and an older tokendeck's
made-up demo history dropped once. Real loopback HTTP (the demo gateway), a real SQLite store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.gateway_helpers import make_gateway
from tui import store
from tui.chat.conversation import Settings, Status, Turn
from tui.demo import DemoGateway
from tui.gateway import ChatParams, Gateway, Message, UsageInfo
from tui.profiles.config import ModelPrice, Profile, demo_profile
from tui.profiles.runtime import DEMO_URL_ENV
from tui.spend.costs import CostUpdate
from tui.spend.service import UsageService

P = Profile(name="t", base_url="http://127.0.0.1:1/v1")
NOW = 1_763_900_000.0  # the `demo` fixture's clock


def test_an_answer_is_charged_once_it_has_text_or_counted_tokens() -> None:
    assert Turn("assistant", "Hello").charged
    stopped_early = Turn("assistant", "", status=Status.STOPPED)
    assert not stopped_early.charged  # stopped before a token: nothing billed, no sync
    counted = UsageInfo(prompt_tokens=12, completion_tokens=0, total_tokens=12)
    assert Turn("assistant", "", status=Status.FAILED, usage=counted).charged


async def test_after_an_answer_the_log_is_synced_and_the_answer_gets_its_exact_credits(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    cid = store.create_conversation(db, Settings(model="deepseek-chat"), P.name)
    result = await gw.chat([Message("user", "hello")], ChatParams(model="deepseek-chat"))
    message = store.add_message(db, cid, "assistant", result.content, model="deepseek-chat",
                                request_id=result.request_id)  # fmt: skip

    update = await UsageService().cost_answers(gw, db, P)

    assert update == CostUpdate(confirmed=1, estimated=0, unpriced=0)
    row = next(r for r in demo.logs if r["reqid"] in (result.request_id or ""))
    stored = store.get_message(db, message)
    assert stored is not None and stored.credits == Decimal(row["fen"])
    assert not stored.credits_estimated


async def test_without_a_usage_log_an_answer_is_still_estimated(
    demo: DemoGateway, db: store.Database
) -> None:
    priced = Profile(name="t", base_url=demo.opencodex_base,
                     prices={"m": ModelPrice(Decimal(10), Decimal(20))})  # fmt: skip
    cid = store.create_conversation(db, Settings(model="m"), priced.name)
    store.add_message(db, cid, "assistant", "…", model="m", prompt_tokens=1000,
                      completion_tokens=500)  # fmt: skip
    async with make_gateway(demo, logs=False) as no_log:
        update = await UsageService().cost_answers(no_log, db, priced)  # the sync fails quietly
    assert update == CostUpdate(confirmed=0, estimated=1, unpriced=0)


async def test_no_writable_store_means_nothing_is_synced(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    service = UsageService()
    assert await service.cost_answers(gw, None, P) is None
    before = len(demo.requests)
    db.read_only = True
    assert await service.cost_answers(gw, db, P) is None
    assert len(demo.requests) == before  # the gateway was not asked


async def test_a_sync_reports_rows_fetched_and_cached(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    service = UsageService()
    first = await service.sync(gw, db, P)
    assert first.log.new_rows == len(demo.logs) == first.cached and first.changed
    again = await service.sync(gw, db, P)
    assert again.log.new_rows == 0 and again.cached == first.cached and not again.changed


async def test_an_older_demos_rows_are_dropped_once_and_the_stable_log_is_kept(
    demo: DemoGateway, gw: Gateway, db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older tokendeck's built-in demo made up a log in each process (ids from 6,400,000,
    as the fixed-size history of the `demo` fixture has): such rows are dropped, once. The
    stable log's rows (the built-in demo's now) stay from one run to the next."""
    monkeypatch.delenv(DEMO_URL_ENV, raising=False)
    made_up = demo_profile()
    await UsageService().sync(gw, db, P)  # another profile's cache: never dropped
    await UsageService().sync(gw, db, made_up)  # an older tokendeck's made-up history
    cached = store.count_usage(db, made_up.name)
    assert cached

    service = UsageService()  # a new run
    assert service.forget_old_demo_rows(db, made_up)
    assert store.count_usage(db, made_up.name) == 0
    assert store.count_usage(db, P.name) == cached
    assert not service.forget_old_demo_rows(db, P)  # a real gateway's rows stay

    with DemoGateway(history_rows=None, now=NOW) as stable:
        async with make_gateway(stable) as stable_gw:
            first = await UsageService().sync(stable_gw, db, made_up)
            later = UsageService()  # the next run
            assert not later.forget_old_demo_rows(db, made_up)
            again = await later.sync(stable_gw, db, made_up)
    assert first.log.new_rows == first.cached == len(stable.logs)
    assert again.log.new_rows == 0 and again.cached == first.cached


async def test_a_demo_server_that_outlives_the_app_keeps_its_cache(
    demo: DemoGateway, gw: Gateway, db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_up = demo_profile()
    await UsageService().sync(gw, db, made_up)
    monkeypatch.setenv(DEMO_URL_ENV, demo.url)
    assert not UsageService().forget_old_demo_rows(db, made_up)
    assert store.count_usage(db, made_up.name) == len(demo.logs)
