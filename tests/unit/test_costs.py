"""Cost per answer over real loopback HTTP: exact credits from the log row (by request id, or by
time, model and tokens), estimates from /models, config prices and averages, then confirmed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import aclosing
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tui import store
from tui.chat.conversation import Settings
from tui.demo import DemoGateway
from tui.gateway import ChatAccumulator, ChatParams, ChatResult, Gateway, Message
from tui.profiles.config import ModelPrice
from tui.spend.costs import (
    CostUpdate,
    Estimator,
    Price,
    apply_costs,
    conversation_cost,
    normalise_request_id,
    prices_from_config,
    prices_from_models,
)
from tui.spend.usage_sync import sync_usage

NOW = 1_763_900_000.0  # the demo fixture's clock: new log rows carry this ctime
P = "demo"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[store.Database]:
    database = store.open_db(tmp_path / "history.db")
    database.clock = lambda: NOW + 3.0  # answers are stored a few seconds after the charge
    yield database
    database.close()


async def streamed(gw: Gateway, model: str, prompt: str = "hello there") -> ChatResult:
    acc = ChatAccumulator()
    params = ChatParams(model=model)
    async with (
        asyncio.timeout(20),
        aclosing(gw.stream_chat([Message("user", prompt)], params)) as events,
    ):
        async for event in events:
            acc.add(event)
    return acc.finish()


def save(db: store.Database, cid: int, result: ChatResult, model: str, **overrides: object) -> int:
    """Store an answer the way the app does: a StreamWriter, then finish()."""
    writer = store.StreamWriter.start(db, cid, model=model)
    writer.append_content(result.content)
    finish: dict[str, object] = {"usage": result.usage, "request_id": result.request_id}
    finish.update(overrides)
    writer.finish("done", **finish)  # type: ignore[arg-type]
    return writer.message_id


def answer(db: store.Database, cid: int, model: str, prompt: int, completion: int) -> int:
    return store.add_message(
        db, cid, "assistant", "…", model=model, prompt_tokens=prompt, completion_tokens=completion
    )


def conversation(db: store.Database, profile: str = P) -> int:
    cid = store.create_conversation(db, Settings(model="m"), profile)
    store.add_message(db, cid, "user", "hello there")
    return cid


def row_for(demo: DemoGateway, reqid: str) -> dict[str, str]:
    return next(r for r in demo.logs if r["reqid"] == reqid)


def cost(db: store.Database, message_id: int) -> tuple[Decimal | None, bool]:
    message = store.get_message(db, message_id)
    assert message is not None
    return message.credits, message.credits_estimated


def test_request_ids_are_normalised() -> None:
    assert normalise_request_id("chatcmpl-AbC123") == "AbC123"
    assert normalise_request_id(" AbC123 ") == "AbC123"
    assert normalise_request_id("") is None and normalise_request_id(None) is None


async def test_a_streamed_answer_gets_the_exact_credits_of_its_log_row(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    cid = conversation(db)
    result = await streamed(gw, "deepseek-chat")
    assert result.request_id and not result.request_id.startswith("chatcmpl-")  # the header's
    streamed_id = save(db, cid, result, "deepseek-chat")
    whole = await gw.chat([Message("user", "again")], ChatParams(model="gpt-4o"))
    # a whole answer is joined by the header's id too (one-api and new-api log that one)
    assert whole.request_id and not whole.request_id.startswith("chatcmpl-")
    whole_id = save(db, cid, whole, "gpt-4o")

    await sync_usage(gw, db, P)
    assert apply_costs(db, P) == CostUpdate(confirmed=2, estimated=0, unpriced=0)
    for message_id, reqid in ((streamed_id, result.request_id), (whole_id, whole.request_id)):
        row = row_for(demo, normalise_request_id(reqid) or "")
        assert cost(db, message_id) == (Decimal(row["fen"]), False)
        stored = db.query_one("SELECT usage_id FROM messages WHERE id = ?", (message_id,))
        assert stored is not None and stored[0] == int(row["id"])
    total, estimated = conversation_cost(db, cid)
    assert total == sum(Decimal(row_for(demo, normalise_request_id(r.request_id) or "")["fen"])
                        for r in (result, whole))  # fmt: skip
    assert not estimated
    assert apply_costs(db, P) == CostUpdate(0, 0, 0)  # nothing left to cost


async def test_an_answer_without_request_id_is_matched_by_time_model_and_tokens(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    cid = conversation(db)
    result = await streamed(gw, "qwen-plus")
    assert result.usage is not None
    decoy = answer(db, cid, "qwen-plus", result.usage.prompt_tokens + 1, 5)  # other tokens
    matched = save(db, cid, result, "qwen-plus", request_id=None)
    db.clock = lambda: NOW + 4.0
    twin = save(db, cid, result, "qwen-plus", request_id=None)  # same tokens, one row only
    await sync_usage(gw, db, P)
    update = apply_costs(db, P)
    row = row_for(demo, demo.logs[0]["reqid"])
    assert cost(db, matched) == (Decimal(row["fen"]), False)
    message = store.get_message(db, matched)
    assert message is not None and message.request_id == row["reqid"]  # filled in from the row
    assert cost(db, twin)[1] is True  # the row is taken: the twin stays an estimate
    assert cost(db, decoy)[1] is True
    assert update == CostUpdate(confirmed=1, estimated=2, unpriced=0)
    assert conversation_cost(db, cid)[1] is True

    db.clock = lambda: NOW + 3600.0  # an answer an hour away from the row is not its answer
    late = save(db, cid, result, "qwen-plus", request_id=None)
    apply_costs(db, P)
    assert cost(db, late)[1] is True


async def test_estimates_from_models_config_and_averages_then_a_row_confirms(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    await sync_usage(gw, db, P)  # the seeded history gives averages per model
    models = await gw.models()
    assert "deepseek-chat" in prices_from_models(models)
    assert "gpt-4o" not in prices_from_models(models)  # the demo gives it no pricing
    cid = conversation(db)
    priced = answer(db, cid, "deepseek-chat", 1000, 500)  # 10 and 20 credits per 1K
    configured = answer(db, cid, "gpt-4o", 1000, 500)
    wildcard = answer(db, cid, "qwen-plus", 2000, 1000)
    averaged = answer(db, cid, "qwen3-thinking", 3000, 1000)  # no price anywhere
    unknown = answer(db, cid, "mystery-model", 10, 10)
    prices = {
        "gpt-4o": ModelPrice(Decimal(50), Decimal(200)),
        "QWEN-*": ModelPrice(Decimal(8), Decimal(8)),
    }

    update = apply_costs(db, P, models=models, prices=prices)
    assert update == CostUpdate(confirmed=0, estimated=4, unpriced=1)
    assert cost(db, priced) == (Decimal(20), True)  # 1000 * 0.01 + 500 * 0.02
    assert cost(db, configured) == (Decimal(150), True)  # 1000 * 0.05 + 500 * 0.2
    assert cost(db, wildcard) == (Decimal(24), True)  # 3000 tokens * 0.008
    rows = [r for r in demo.logs if r["model"] == "qwen3-thinking"]
    per_token = sum(Decimal(r["fen"]) for r in rows) / sum(
        int(r["prompt_tokens"]) + int(r["completion_tokens"]) for r in rows
    )
    assert cost(db, averaged) == (
        (per_token * 4000).quantize(Decimal("0.000001")).normalize(),
        True,
    )
    assert cost(db, unknown) == (None, False)
    total, estimated = conversation_cost(db, cid)
    assert estimated and total == sum(
        cost(db, m)[0] or 0 for m in (priced, configured, wildcard, averaged)
    )

    # an estimate stands until the answer's own row is synced, then the row's credits replace it
    result = await streamed(gw, "deepseek-chat")
    live = save(db, cid, result, "deepseek-chat")
    apply_costs(db, P, models=models)
    assert cost(db, live)[1] is True
    assert (await sync_usage(gw, db, P)).new_rows == 1
    apply_costs(db, P, models=models)
    assert cost(db, live) == (Decimal(demo.logs[0]["fen"]), False)


async def test_only_the_profiles_own_answers_are_costed(
    demo: DemoGateway, gw: Gateway, db: store.Database
) -> None:
    result = await streamed(gw, "deepseek-chat")
    other = save(db, conversation(db, profile="elsewhere"), result, "deepseek-chat")
    await sync_usage(gw, db, P)
    assert apply_costs(db, P) == CostUpdate(0, 0, 0)
    assert cost(db, other) == (None, False)


def test_a_forked_copy_shares_its_originals_row(db: store.Database) -> None:
    from datetime import UTC, datetime

    from tui.gateway import LogRow

    row = LogRow.of(5, "9", datetime.fromtimestamp(NOW, UTC), 40, 60, Decimal(7), "m",
                 Decimal(100), "R1", "", "")  # fmt: skip
    store.store_usage(db, P, [row])
    cid = conversation(db)
    original = answer(db, cid, "m", 40, 60)
    copy_cid = store.fork(db, cid, original)  # before the row confirmed it
    copy = store.messages(db, copy_cid)[-1].id
    assert apply_costs(db, P) == CostUpdate(confirmed=2, estimated=0, unpriced=0)
    assert cost(db, original) == cost(db, copy) == (Decimal(7), False)


def _first_match_as_before(prices: dict[str, Price], model: str) -> Price | None:
    """The config price rule before the pattern index: the exact id, else the first name (in
    the table's order) that fnmatches the id, both lowered."""
    if model in prices:
        return prices[model]
    for pattern, price in prices.items():
        if fnmatchcase(model.lower(), pattern.lower()):
            return price
    return None


NAMES = st.text(alphabet="aAb-*?[]!", min_size=1, max_size=5)


@given(names=st.lists(NAMES, max_size=12, unique=True), models=st.lists(NAMES, max_size=6))
@example(names=["A", "a*"], models=["a", "ab"])  # a plain name before a pattern
@example(names=["a*", "A"], models=["a"])  # a pattern before a plain name
@example(names=["a[", "[!a]", "a[b]"], models=["a[", "b", "ab"])  # brackets, closed or not
def test_a_config_price_is_the_first_name_that_matches_as_before(
    names: list[str], models: list[str]
) -> None:
    prices = {name: Price(Decimal(i), Decimal(i)) for i, name in enumerate(names)}
    estimator = Estimator(None, P, config_prices=prices)
    for model in models + models:  # asked twice: the second answer is remembered
        assert estimator.price(model) == _first_match_as_before(prices, model), model


def test_ten_thousand_config_prices_are_made_only_when_read() -> None:
    made: list[str] = []

    class Counted(dict[str, ModelPrice]):
        def __getitem__(self, model: str) -> ModelPrice:
            price = super().__getitem__(model)
            made.append(model)  # read, so made into a per-token Price
            return price

    config = Counted({f"model-{i}": ModelPrice(Decimal(i), Decimal(2 * i)) for i in range(10_000)})
    config["gpt-4o*"] = ModelPrice(Decimal(3), Decimal(6))
    estimator = Estimator(None, P, config_prices=prices_from_config(config))
    assert made == []
    assert estimator.price("model-42") == Price(Decimal("0.042"), Decimal("0.084"))
    assert estimator.price("GPT-4o-mini") == Price(Decimal("0.003"), Decimal("0.006"))
    assert estimator.price("Model-7") == Price(Decimal("0.007"), Decimal("0.014"))  # any case
    assert estimator.price("unknown") is None
    assert made == ["model-42", "gpt-4o*", "model-7"]
