"""Gateway families over real loopback HTTP (the demo in each family's dialect): new-api logs by
key in its three versions and by access token, one-api's user log, LiteLLM's key info and spend
logs, the billed cost OpenRouter and LiteLLM state, and hostile balance answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import aclosing, contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.gateway_helpers import RecordingSleep
from tui import store
from tui.chat.conversation import Settings
from tui.demo import DEMO_KEY, DemoGateway, Fault
from tui.demo.families import ACCESS_TOKEN
from tui.gateway import (
    AuthError,
    ChatAccumulator,
    ChatParams,
    Gateway,
    GatewaySpec,
    Message,
    OutOfCredits,
    Secret,
)
from tui.gateway.errors import BadRequest, NoBalanceEndpoint, NoUsageLog
from tui.gateway.types import RetryPolicy, Timeouts
from tui.spend.costs import apply_costs
from tui.spend.usage_sync import sync_usage

NOW = 1_763_900_000.0
CENT = Decimal(100)
PARAMS = ChatParams("gpt-4o-mini")
HELLO = [Message("user", "Explain Python decorators with an example")]


def gateway(base: str, **spec: Any) -> Gateway:
    spec.setdefault("api_key", Secret(DEMO_KEY))
    return Gateway(
        GatewaySpec(
            name=spec.pop("name", "t"), base_url=base,
            timeouts=Timeouts(connect=5, read_idle=10, request=10, stream=15),
            retry=RetryPolicy(attempts=3, backoff=0.5), **spec,
        ),
        sleep=RecordingSleep(), jitter=lambda: 0.0,
    )  # fmt: skip


def usd(row: dict[str, str]) -> Decimal:
    """A ledger row's credits in the unit (USD) the family states: 100 credits a unit."""
    return Decimal(row["fen"]) / CENT


# ---- new-api: the key's own log -------------------------------------------------------------


@pytest.mark.parametrize("version", ["query", "bearer", "paged"])
async def test_newapi_key_log_rows_in_usd_with_request_ids(version: str) -> None:
    with DemoGateway(now=NOW, history_rows=250, balance_dialect="newapi-token",
                     newapi_version=version) as demo:  # fmt: skip
        async with gateway(demo.v1_base, logs="newapi") as gw:
            rows = await gw.usage_logs(0, 5)
            pages = [p async for p in gw.iter_usage_logs(page_size=100)]
        wire = demo.logs
    assert [r.fen for r in rows] == [usd(w) for w in wire[:5]]
    assert [r.model for r in rows] == [w["model"] for w in wire[:5]]
    assert [r.prompt_tokens for r in rows] == [int(w["prompt_tokens"]) for w in wire[:5]]
    # older versions have no request_id in the row; the newer ones carry X-Oneapi-Request-Id's
    assert [r.reqid for r in rows] == [
        "" if version == "query" else w["reqid"] for w in wire[:5]
    ]
    every = [r for page in pages for r in page]
    # "bearer" answers the newest 100 (new-api's MaxRecentItems); the others every row
    assert len(every) == (100 if version == "bearer" else 250)
    assert len({r.id for r in every}) == len(every)
    assert [r.fen for r in every] == [usd(w) for w in wire[: len(every)]]


async def test_newapi_ids_stay_put_when_new_rows_arrive() -> None:
    """new-api numbers rows 1, 2 ... from the newest: the cache needs ids that do not move."""
    with DemoGateway(now=NOW, history_rows=30, balance_dialect="newapi-token") as demo:
        async with gateway(demo.v1_base, logs="newapi") as gw:
            before = await gw.usage_logs(0, 10)
            await gw.chat(HELLO, PARAMS)
            after = await gw.usage_logs(0, 11)
    assert [r.id for r in after[1:]] == [r.id for r in before]
    assert after[0].id > before[0].id


async def test_newapi_log_syncs_into_the_cache_and_costs_answers_exactly(
    tmp_path: Path,
) -> None:
    with DemoGateway(now=NOW, history_rows=120, balance_dialect="newapi-token") as demo:
        async with gateway(demo.v1_base, logs="newapi") as gw:
            db = store.open_db(tmp_path / "h.db")
            first = await sync_usage(gw, db, "t")
            result = await gw.chat(HELLO, PARAMS)
            conv = store.create_conversation(db, Settings(model="gpt-4o-mini"), "t")
            answer = store.add_message(db, conv, "assistant", "x", model="gpt-4o-mini",
                                       request_id=result.request_id, prompt_tokens=1,
                                       completion_tokens=1)  # fmt: skip
            second = await sync_usage(gw, db, "t")
            apply_costs(db, "t")
        charged = demo.logs[0]
    assert (first.new_rows, second.new_rows) == (120, 1)
    assert result.request_id == charged["reqid"]  # the X-Oneapi-Request-Id header
    stored = store.get_message(db, answer)
    assert stored is not None
    assert stored.credits == usd(charged) and not stored.credits_estimated
    db.close()


async def test_newapi_key_log_refusal_with_http_200_is_said_in_its_words() -> None:
    with DemoGateway(now=NOW, history_rows=5, balance_dialect="newapi-token",
                     newapi_version="query") as demo:  # fmt: skip
        async with gateway(demo.v1_base, logs="newapi", api_key=Secret("sk-wrong")) as gw:
            with pytest.raises(AuthError) as caught:
                await gw.usage_logs(0, 5)
    assert "无效的令牌" in caught.value.detail
    assert "HTTP" not in caught.value.message


async def test_newapi_and_oneapi_user_logs_with_an_access_token() -> None:
    with DemoGateway(now=NOW, history_rows=35, balance_dialect="newapi-token") as demo:
        async with gateway(demo.v1_base, logs="newapi-user", access_token=Secret(ACCESS_TOKEN),
                           user_id="9") as gw:  # fmt: skip
            newapi = [r async for page in gw.iter_usage_logs(page_size=10) for r in page]
        async with gateway(demo.v1_base, logs="newapi-user", access_token=Secret(ACCESS_TOKEN),
                           ) as gw:  # fmt: skip
            with pytest.raises(AuthError) as no_user:  # new-api wants New-Api-User
                await gw.usage_logs(0, 5)
        wire = demo.logs
    with DemoGateway(now=NOW, history_rows=35, balance_dialect="oneapi") as demo:
        async with gateway(demo.v1_base, logs="oneapi-user",
                           access_token=Secret(ACCESS_TOKEN)) as gw:  # fmt: skip
            oneapi = [r async for page in gw.iter_usage_logs(page_size=10) for r in page]
        pages = [p for m, p in demo.requests if p == "/api/log/self"]
    assert [r.fen for r in newapi] == [usd(w) for w in wire]
    assert "New-Api-User" in no_user.value.detail
    assert len(oneapi) == 35 and len(pages) == 4  # one-api pages hold 10 rows
    assert [r.id for r in oneapi] == [int(w["id"]) for w in demo.logs]  # its ids are real


@pytest.mark.parametrize(("dialect", "user"), [("newapi-token", "9"), ("oneapi", None)])
async def test_user_balance_with_an_access_token(dialect: str, user: str | None) -> None:
    with DemoGateway(now=NOW, history_rows=20, balance_dialect=dialect) as demo:
        async with gateway(demo.v1_base, balance_dialect="newapi-user",
                           access_token=Secret(ACCESS_TOKEN), user_id=user) as gw:  # fmt: skip
            found = await gw.balance()
        snap = demo.ledger.snapshot()
    assert (found.dialect, found.unit) == ("newapi-user", "USD")
    assert found.remaining == Decimal(snap.balance) / CENT
    assert found.used == Decimal(snap.used) / CENT


async def test_a_profile_without_a_usage_log_is_a_config_problem() -> None:
    with DemoGateway(now=NOW, history_rows=5, balance_dialect="newapi-token") as demo:
        async with gateway(demo.v1_base) as gw:
            assert not gw.has_logs
            with pytest.raises(NoUsageLog) as caught:
                await gw.usage_logs(0, 5)
    assert caught.value.exit_code == 3
    assert "no usage log" in caught.value.message


# ---- LiteLLM --------------------------------------------------------------------------------


@pytest.mark.parametrize("budget", [True, False])
async def test_litellm_key_info_is_the_balance(budget: bool) -> None:
    with DemoGateway(now=NOW, history_rows=40, balance_dialect="litellm",
                     litellm_budget=budget) as demo:  # fmt: skip
        async with gateway(demo.v1_base) as gw:
            found = await gw.balance()
        snap = demo.ledger.snapshot()
    assert found.dialect == "litellm" and found.unit == "USD"
    assert found.used == Decimal(snap.used) / CENT
    if budget:
        assert found.remaining == Decimal(snap.balance) / CENT
    else:
        assert found.unlimited and found.remaining is None


async def test_litellm_spend_logs_and_the_header_cost(tmp_path: Path) -> None:
    with DemoGateway(now=NOW, history_rows=40, balance_dialect="litellm") as demo:
        async with gateway(demo.v1_base, logs="litellm", balance_dialect="litellm") as gw:
            whole = await gw.chat(HELLO, PARAMS)
            acc = ChatAccumulator()
            async with aclosing(gw.stream_chat(HELLO, PARAMS)) as events:
                async for event in events:
                    acc.add(event)
            streamed = acc.finish()
            rows = [r async for page in gw.iter_usage_logs() for r in page]
        wire = demo.logs
    # the header states the billed price of a whole answer; a stream's is not known up front
    assert whole.billed_cost == usd(wire[1])
    assert streamed.billed_cost is None
    assert whole.request_id == "chatcmpl-" + wire[1]["reqid"]  # the id its spend logs show
    assert [r.fen for r in rows] == [usd(w) for w in wire]
    assert [r.reqid for r in rows[:2]] == [wire[0]["reqid"], wire[1]["reqid"]]


async def test_litellm_without_a_key_says_the_profile_has_none() -> None:
    with DemoGateway(now=NOW, history_rows=5, balance_dialect="litellm") as demo:
        async with gateway(demo.v1_base, api_key=None, balance_dialect="litellm") as gw:
            with pytest.raises(AuthError) as caught:
                await gw.balance()
    assert "has none" in caught.value.message


# ---- OpenRouter's usage.cost ----------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
async def test_openrouter_states_the_billed_cost(stream: bool) -> None:
    with DemoGateway(now=NOW, history_rows=5, balance_dialect="openrouter") as demo:
        async with gateway(demo.v1_base) as gw:
            if stream:
                acc = ChatAccumulator()
                async with aclosing(gw.stream_chat(HELLO, PARAMS)) as events:
                    async for event in events:
                        acc.add(event)
                result = acc.finish()
            else:
                result = await gw.chat(HELLO, PARAMS)
        charged = demo.logs[0]
    assert result.billed_cost == usd(charged) and result.billed_cost > 0


# ---- no balance endpoint, remembered --------------------------------------------------------


async def test_balance_none_asks_nothing() -> None:
    with DemoGateway(now=NOW, history_rows=5) as demo:
        async with gateway(demo.v1_base, balance_dialect="none") as gw:
            with pytest.raises(NoBalanceEndpoint) as caught:
                await gw.balance()
        assert demo.requests == []
    assert caught.value.exit_code == 13
    assert "offers no balance endpoint" in caught.value.message


async def test_no_balance_endpoint_is_found_once_then_remembered() -> None:
    with DemoGateway(now=NOW, history_rows=5, balance_dialect="openai-hk") as demo:
        async with gateway(demo.v1_base, name="nobal") as gw:
            with pytest.raises(NoBalanceEndpoint):
                await gw.balance()
            asked = len(demo.requests)
            assert gw.retries == 0  # a missing endpoint is not retried
        async with gateway(demo.v1_base, name="nobal") as gw:  # the next start
            with pytest.raises(NoBalanceEndpoint) as again:
                await gw.balance()
        assert len(demo.requests) == asked  # nothing asked the second time
    assert asked > 0 and "found so today" in again.value.message


# ---- hostile balance answers and error text --------------------------------------------------


@contextmanager
def fake(routes: dict[str, tuple[int, Any]], seen: list[str] | None = None) -> Iterator[str]:
    """A loopback server answering `routes` (path -> (status, JSON or text)), 404 elsewhere;
    the paths asked are appended to `seen`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if seen is not None:
                seen.append(self.path)
            status, body = routes.get(self.path.split("?")[0], (404, {"error": "not found"}))
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str)
                             else "application/json")  # fmt: skip
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("dialect", ["newapi-token", "deepseek"])
async def test_a_mount_prefix_is_kept_for_root_endpoints(dialect: str) -> None:
    with DemoGateway(now=NOW, history_rows=5, balance_dialect=dialect, mount="/gw") as demo:
        async with gateway(demo.v1_base, balance_dialect=dialect) as gw:
            found = await gw.balance()
        paths = [p for _m, p in demo.requests]
    assert found.remaining is not None and found.remaining > 0
    assert all(p.startswith("/gw/") for p in paths)


async def test_deepseek_keeps_its_second_currency() -> None:
    body = {"is_available": True, "balance_infos": [
        {"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00",
         "topped_up_balance": "100.00"},
        {"currency": "USD", "total_balance": "2.50", "granted_balance": "0.00",
         "topped_up_balance": "2.50"}]}  # fmt: skip
    with fake({"/user/balance": (200, body)}) as url:
        async with gateway(url + "/v1", balance_dialect="deepseek") as gw:
            found = await gw.balance()
    assert (found.remaining, found.unit) == (Decimal("110.00"), "CNY")
    assert found.also == ((Decimal("2.50"), "USD"),)


@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        ({"error": {"message": "insufficient quota", "type": "insufficient_quota"}},
         OutOfCredits, "Out of credits"),
        ({"success": False, "message": "无效的令牌"}, AuthError, "rejected the API key"),
    ],
)  # fmt: skip
async def test_a_balance_error_with_http_200_names_no_invented_status(
    body: dict[str, Any], kind: type, said: str
) -> None:
    with fake({"/v1/dashboard/billing/subscription": (200, body),
               "/v1/dashboard/billing/usage": (200, body)}) as url:  # fmt: skip
        async with gateway(url + "/v1", balance_dialect="oneapi") as gw:
            with pytest.raises(kind) as caught:
                await gw.balance()
    assert said in caught.value.message
    assert "HTTP" not in caught.value.message and caught.value.status == 200


async def test_gateway_error_text_is_one_line() -> None:
    said = ("litellm.BadRequestError: OpenAIException - bad model\nReceived Model Group=x\n"
            "Available Model Group Fallbacks=None\n\nDocs: https://docs.litellm.ai/docs/\n")
    body = {"error": {"message": said, "type": None, "param": None, "code": "400"}}
    with fake({"/v1/models": (400, body)}) as url:
        async with gateway(url + "/v1") as gw:
            with pytest.raises(BadRequest) as caught:
                await gw.models()
    assert "\n" not in caught.value.detail
    assert "Received Model Group=x" in caught.value.detail


async def test_no_connected_db_for_a_wrong_key_says_check_the_key() -> None:
    body = {"error": {"message": "No connected db.", "type": "no_db_connection",
                      "param": None, "code": "400"}}  # fmt: skip
    with fake({"/v1/models": (400, body)}) as url:
        async with gateway(url + "/v1") as gw:
            with pytest.raises(AuthError) as caught:
                await gw.models()
    assert "check the key" in caught.value.message and caught.value.status == 400


async def test_max_input_tokens_is_the_context_length() -> None:
    body = {"object": "list", "data": [{"id": "m", "object": "model", "created": 1,
                                        "owned_by": "x", "max_input_tokens": 32768}]}
    with fake({"/v1/models": (200, body)}) as url:
        async with gateway(url + "/v1") as gw:
            models = await gw.models()
    assert models[0].context_length == 32768


async def test_a_refused_chat_fault_still_charges_nothing() -> None:
    """The demo's faults work in every family (a 402 before any charge)."""
    with DemoGateway(now=NOW, history_rows=5, balance_dialect="litellm") as demo:
        demo.add_fault(Fault("status", status=402))
        async with gateway(demo.v1_base) as gw:
            with pytest.raises(OutOfCredits):
                await gw.chat(HELLO, PARAMS)
        assert len(demo.logs) == 5


def test_newapi_rows_that_move_no_money_are_left_out_and_refunds_count_back() -> None:
    from tui.gateway.adapters.usagelogs import newapi_row

    base = {"created_at": 1_763_900_000, "model_name": "m", "prompt_tokens": 3,
            "completion_tokens": 4, "request_id": "r1"}  # fmt: skip
    spent = newapi_row({**base, "id": 1, "type": 2, "quota": 250_000}, "gw")
    refund = newapi_row({**base, "id": 2, "type": 6, "quota": 50_000}, "gw")
    topup = newapi_row({**base, "id": 3, "type": 1, "quota": 5_000_000}, "gw")
    assert spent is not None and spent.fen == Decimal("0.5") and spent.reqid == "r1"
    assert refund is not None and refund.fen == Decimal("-0.1") and refund.id != spent.id
    assert topup is None  # a top-up is not spend


async def test_litellm_models_take_prices_and_context_from_model_info() -> None:
    from tui.demo.catalog import MODELS

    with DemoGateway(now=NOW, history_rows=5, balance_dialect="litellm") as demo:
        async with gateway(demo.v1_base, balance_dialect="litellm") as gw:
            models = {m.id: m for m in await gw.models()}
    for entry in MODELS:
        got = models[entry.id]
        assert got.prompt_price == Decimal(str(entry.in_price / 100 / 1000))
        assert got.completion_price == Decimal(str(entry.out_price / 100 / 1000))
        assert got.context_length == entry.context_length


async def test_detection_takes_no_retries_from_a_request_running_meanwhile() -> None:
    """Balance detection tries each endpoint once; a request of another task at the same time
    (a chat being answered, the model list) keeps the profile's retries."""
    import asyncio

    with DemoGateway(now=NOW, history_rows=5, balance_dialect="openai-hk") as demo:
        demo.add_fault(Fault("status", endpoint="models", status=503))
        async with gateway(demo.v1_base, name="meanwhile") as gw:
            detection = asyncio.ensure_future(gw.balance())
            await asyncio.sleep(0)  # detection has sent its first request
            listed = await gw.models()
            with pytest.raises(NoBalanceEndpoint):
                await detection
            retried = gw.retries
    assert listed and retried == 1  # the 503 was retried although detection ran


async def test_older_newapi_rows_alike_within_one_second_are_each_kept(tmp_path: Path) -> None:
    """An older new-api (no request_id) lists two answers alike in every field in the same
    second: both are stored, and a second sync (which reads that second again) adds none."""
    row = {"type": 2, "created_at": 1_763_900_000, "model_name": "gpt-4o-mini", "quota": 1500,
           "prompt_tokens": 12, "completion_tokens": 30, "token_name": "default"}  # fmt: skip
    older = {**row, "created_at": 1_763_899_999, "quota": 900}
    log = {"success": True, "message": "", "data": [row, dict(row), older]}
    with fake({"/api/log/token": (200, log)}) as url:
        async with gateway(url + "/v1", logs="newapi") as gw:
            first = await gw.usage_logs(0, 10)
            again = await gw.usage_logs(0, 10)
            db = store.open_db(tmp_path / "h.db")
            synced = await sync_usage(gw, db, "t")
            resynced = await sync_usage(gw, db, "t")
    assert len({r.id for r in first}) == 3
    assert [r.id for r in again] == [r.id for r in first]  # ids do not move between reads
    assert (synced.new_rows, resynced.new_rows) == (3, 0)
    assert store.count_usage(db, "t") == 3
    assert store.usage_totals(db, "t").credits == Decimal(3900) / 500_000
    db.close()
