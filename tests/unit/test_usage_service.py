"""The usage service without a screen: when an answer is charged, what a sync after it does
(exact credits from the log, an estimate where no log answers), and the demo's made-up history
forgotten once per run. Real loopback HTTP (the demo gateway), a real SQLite store."""

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


async def test_the_in_process_demos_history_is_forgotten_once_per_run(
    demo: DemoGateway, gw: Gateway, db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DEMO_URL_ENV, raising=False)
    made_up = demo_profile()
    await UsageService().sync(gw, db, P)  # another profile's cache: never forgotten
    await UsageService().sync(gw, db, made_up)  # last run's made-up history
    cached = store.count_usage(db, made_up.name)
    assert cached

    service = UsageService()  # a new run
    assert service.forget_made_up_history(db, made_up)
    assert store.count_usage(db, made_up.name) == 0
    assert store.count_usage(db, P.name) == cached
    await service.sync(gw, db, made_up)
    assert not service.forget_made_up_history(db, made_up)  # once per run
    assert store.count_usage(db, made_up.name) == cached
    assert not service.forget_made_up_history(db, P)  # a real gateway's rows stay


async def test_a_demo_server_that_outlives_the_app_keeps_its_cache(
    demo: DemoGateway, gw: Gateway, db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_up = demo_profile()
    await UsageService().sync(gw, db, made_up)
    monkeypatch.setenv(DEMO_URL_ENV, demo.url)
    assert not UsageService().forget_made_up_history(db, made_up)
    assert store.count_usage(db, made_up.name) == len(demo.logs)
