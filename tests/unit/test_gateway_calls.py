"""Gateway calls over real loopback HTTP: models, balance dialects, logs, keys, retries, errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tui.demo import DEMO_HK_KEY, DEMO_KEY, MODELS, DemoGateway, Fault
from tui.demo.errors import status_error
from tui.gateway import (
    AuthError,
    BadRequest,
    Balance,
    ChatAccumulator,
    ChatEvent,
    ChatParams,
    ChatResult,
    Gateway,
    GatewayError,
    LogRow,
    Message,
    NetworkError,
    NotFound,
    OutOfCredits,
    ProtocolError,
    RateLimited,
    Secret,
    ServerError,
    StreamFailed,
    Unreachable,
)
from tui.gateway.errors import NoBalanceEndpoint, NoKeyCreation, NoUsageLog

NOW = 1_763_900_000.0
PROMPT = "Explain Python decorators with an example"
MODEL = "gpt-4o-mini"
HANG_GUARD = 20.0  # bounds a hang only; no assertion depends on elapsed time
QUOTA_BODY = json.dumps(
    {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota"}}
)


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
async def gw(demo: DemoGateway, sleep: RecordingSleep) -> AsyncIterator[Gateway]:
    async with make_gateway(demo, sleep=sleep) as gateway:
        yield gateway


async def stream(gw: Gateway, prompt: str = PROMPT) -> tuple[list[ChatEvent], ChatResult]:
    messages, params = [Message("user", prompt)], ChatParams(MODEL)
    async with asyncio.timeout(HANG_GUARD), aclosing(gw.stream_chat(messages, params)) as events:
        collected = [event async for event in events]
    acc = ChatAccumulator()
    for event in collected:
        acc.add(event)
    return collected, acc.finish()


async def chat(gw: Gateway, prompt: str = PROMPT) -> ChatResult:
    async with asyncio.timeout(HANG_GUARD):
        return await gw.chat([Message("user", prompt)], ChatParams(MODEL))


async def stream_error(gw: Gateway) -> GatewayError:
    """The error a failing stream reports as its only (and last) event."""
    events, _result = await stream(gw)
    failures = [e for e in events if isinstance(e, StreamFailed)]
    assert len(failures) == 1 and events[-1] is failures[0], events
    return failures[0].error


def count(demo: DemoGateway, suffix: str) -> int:
    return sum(path.endswith(suffix) for _method, path in demo.requests)


def assert_no_key(error: BaseException, key: str = DEMO_KEY) -> None:
    assert isinstance(error, GatewayError)
    for text in (
        str(error),
        repr(error),
        error.message,
        error.detail,
        error.gateway_message or "",
        *map(str, error.args),
    ):
        assert key not in text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- non-streamed chat --------------------------------------------------------------------


async def test_chat_matches_the_stream(demo: DemoGateway, gw: Gateway) -> None:
    whole = await chat(gw)
    _events, streamed = await stream(gw)
    assert whole.ok and whole.finish_reason == "stop" and whole.error is None
    assert whole.content == streamed.content and whole.usage == streamed.usage
    row = demo.logs[1]  # the non-stream request's row; the stream's is newest
    assert whole.usage is not None
    assert whole.usage.completion_tokens == int(row["completion_tokens"])
    assert whole.request_id is not None and row["reqid"] in whole.request_id


async def test_chat_raises_on_a_json_error_with_200(demo: DemoGateway, gw: Gateway) -> None:
    demo.add_fault(Fault("json_200_error"))
    with pytest.raises(ServerError) as caught:
        await chat(gw)
    assert caught.value.gateway_message == "upstream model overloaded"
    assert "upstream model overloaded" in caught.value.detail


@pytest.mark.parametrize(
    ("kind", "said"),
    [("error_chunk", "upstream provider error"), ("object_error", "model crashed")],
)
async def test_chat_raises_on_error_bodies(
    demo: DemoGateway, gw: Gateway, kind: str, said: str
) -> None:
    demo.add_fault(Fault(kind))
    with pytest.raises(ServerError) as caught:
        await chat(gw)
    assert caught.value.gateway_message == said


async def test_chat_with_a_malformed_body_is_a_protocol_error(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    demo.add_fault(Fault("malformed_json"))
    with pytest.raises(ProtocolError) as caught:
        await chat(gw)
    assert str(caught.value) == f"{gw.where} answered with malformed JSON (HTTP 200)."
    assert count(demo, "/chat/completions") == 1 and sleep.delays == []


async def test_chat_cut_after_the_gateway_answered_is_not_retried(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    demo.add_fault(Fault("cut"))
    with pytest.raises(NetworkError):
        await chat(gw)
    assert count(demo, "/chat/completions") == 1 and sleep.delays == []


# ---- retries ------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [True, False])
async def test_a_500_is_retried_once_then_the_answer_is_complete(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep, streamed: bool
) -> None:
    plain = await chat(gw)
    demo.add_fault(Fault("status", status=500))
    result = (await stream(gw))[1] if streamed else await chat(gw)
    assert result.ok and result.content == plain.content
    assert gw.retries == 1 and sleep.delays == [pytest.approx(0.25)]
    assert count(demo, "/chat/completions") == 3


@pytest.mark.parametrize("streamed", [True, False])
async def test_429_retry_after_ms_is_honoured(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep, streamed: bool
) -> None:
    demo.add_fault(Fault("status", status=429, headers={"retry-after-ms": "150"}))
    result = (await stream(gw))[1] if streamed else await chat(gw)
    assert result.ok and result.content
    assert sleep.delays == [pytest.approx(0.15)] and gw.retries == 1


async def test_429_with_a_long_retry_after_is_reported_at_once(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    demo.add_fault(Fault("status", status=429, headers={"retry-after": "3600"}, times=2))
    error = await stream_error(gw)
    assert type(error) is RateLimited and error.retry_after == 3600
    assert str(error) == f"Rate limited by {gw.where} (HTTP 429) — retry in 3600 s."
    with pytest.raises(RateLimited) as caught:
        await chat(gw)
    assert caught.value.retry_after == 3600
    assert sleep.delays == [] and gw.retries == 0
    assert count(demo, "/chat/completions") == 2


async def test_429_insufficient_quota_is_out_of_credits_and_not_retried(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    demo.add_fault(Fault("status", status=429, body=QUOTA_BODY))
    error = await stream_error(gw)
    assert type(error) is OutOfCredits and error.status == 429
    assert error.gateway_message == "You exceeded your current quota"
    assert count(demo, "/chat/completions") == 1 and sleep.delays == []
    demo.add_fault(Fault("status", status=429, body=QUOTA_BODY))
    with pytest.raises(OutOfCredits):
        await chat(gw)
    assert count(demo, "/chat/completions") == 2 and sleep.delays == []


async def test_retry_after_as_an_http_date(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    demo.add_fault(Fault("status", status=429, headers={"retry-after": when}))
    _events, result = await stream(gw)
    assert result.ok and len(sleep.delays) == 1
    assert 5 < sleep.delays[0] <= 10  # the date's whole seconds, less the time already gone


async def test_connect_errors_give_network_error_after_bounded_attempts(
    sleep: RecordingSleep,
) -> None:
    base = f"http://127.0.0.1:{closed_port()}/api/v1"
    async with make_gateway(None, base_url=base, sleep=sleep) as gw:
        error = await stream_error(gw)
        assert type(error) is Unreachable and "Cannot reach" in str(error)
        assert sleep.delays == [pytest.approx(0.25), pytest.approx(0.5)]
        with pytest.raises(NetworkError):
            await gw.models()
        assert len(sleep.delays) == 4 and gw.retries == 4


@pytest.mark.parametrize("kind", ["cut", "reset", "error_chunk"])
async def test_a_stream_is_never_retried_once_the_gateway_answered(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep, kind: str
) -> None:
    demo.add_fault(Fault(kind, after=2))
    await stream_error(gw)
    assert count(demo, "/chat/completions") == 1
    assert sleep.delays == [] and gw.retries == 0


async def test_models_is_retried_on_503(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    demo.add_fault(Fault("status", endpoint="models", status=503))
    models = await gw.models()
    assert len(models) == len(MODELS)
    assert count(demo, "/models") == 2 and gw.retries == 1 and len(sleep.delays) == 1


async def test_models_cut_mid_body_is_retried_because_get_is_idempotent(
    demo: DemoGateway, gw: Gateway, sleep: RecordingSleep
) -> None:
    demo.add_fault(Fault("cut", endpoint="models"))
    assert len(await gw.models()) == len(MODELS)
    assert count(demo, "/models") == 2 and len(sleep.delays) == 1


# ---- error mapping, and the key never shows ------------------------------------------------

CASES: list[tuple[int, type[GatewayError], bool]] = [
    (400, BadRequest, False),
    (401, AuthError, False),
    (402, OutOfCredits, False),
    (403, AuthError, False),
    (404, NotFound, False),
    (429, RateLimited, True),
    (500, ServerError, True),
    (502, ServerError, True),
    (503, ServerError, True),
]
FORBIDDEN = json.dumps({"error": {"message": "Access denied", "type": "permission_denied"}})


def said_for(status: int) -> str:
    """What the demo's error body for `status` says (403: our own body, see FORBIDDEN)."""
    return "Access denied" if status == 403 else str(status_error(status)["error"]["message"])


async def _fail(gw: Gateway, endpoint: str) -> GatewayError:
    if endpoint == "stream":
        return await stream_error(gw)
    with pytest.raises(GatewayError) as caught:
        await (chat(gw) if endpoint == "chat" else gw.models())
    return caught.value


@pytest.mark.parametrize("endpoint", ["stream", "chat", "models"])
@pytest.mark.parametrize(("status", "kind", "retried"), CASES)
async def test_status_errors_are_mapped(
    demo: DemoGateway,
    gw: Gateway,
    sleep: RecordingSleep,
    endpoint: str,
    status: int,
    kind: type[GatewayError],
    retried: bool,
) -> None:
    body = FORBIDDEN if status == 403 else None
    fault_endpoint = "models" if endpoint == "models" else "chat"
    demo.add_fault(Fault("status", endpoint=fault_endpoint, status=status, body=body, times=-1))
    error = await _fail(gw, endpoint)
    assert type(error) is kind and error.status == status
    assert gw.where in str(error) and f"HTTP {status}" in str(error)
    assert error.gateway_message == said_for(status) and said_for(status) in error.detail
    if status == 400:
        assert str(error) == f"{gw.where} refused the request (HTTP 400): {said_for(400)}"
    assert_no_key(error)
    suffix = "/models" if endpoint == "models" else "/chat/completions"
    assert count(demo, suffix) == (3 if retried else 1)
    assert len(sleep.delays) == (2 if retried else 0)


@pytest.mark.parametrize("endpoint", ["chat", "models"])
async def test_html_and_empty_bodies_are_sentences_without_html(
    demo: DemoGateway, gw: Gateway, endpoint: str
) -> None:
    demo.add_fault(Fault("html_502", endpoint=endpoint, times=-1))
    error = await _fail(gw, endpoint)
    assert type(error) is ServerError and error.gateway_message is None
    assert str(error) == f"{gw.where} had a server error (HTTP 502) — retry later."
    assert "<" not in error.detail and "nginx" not in repr(error)
    demo.clear_faults()
    demo.add_fault(Fault("empty_200", endpoint=endpoint))
    error = await _fail(gw, endpoint)
    assert type(error) is ProtocolError
    assert str(error) == f"{gw.where} answered with an empty body (HTTP 200)."


async def test_default_403_insufficient_user_quota_is_out_of_credits(
    demo: DemoGateway, gw: Gateway
) -> None:
    demo.add_fault(Fault("status", status=403))  # one-api's "user quota is not enough"
    error = await stream_error(gw)
    assert type(error) is OutOfCredits and error.status == 403


@pytest.mark.parametrize("endpoint", ["stream", "chat", "models"])
@pytest.mark.parametrize("status", [200, 400, 401, 500])
async def test_a_key_echoed_by_the_gateway_is_redacted(
    demo: DemoGateway, gw: Gateway, endpoint: str, status: int
) -> None:
    body = json.dumps({"error": {"message": f"Invalid key {DEMO_KEY} for this model"}})
    fault_endpoint = "models" if endpoint == "models" else "chat"
    demo.add_fault(Fault("status", endpoint=fault_endpoint, status=status, body=body, times=-1))
    error = await _fail(gw, endpoint)
    assert_no_key(error)
    assert error.gateway_message == f"Invalid key {Secret(DEMO_KEY).masked()} for this model"
    assert DEMO_KEY not in repr(gw.spec) + repr(gw)


async def test_a_wrong_key_is_an_auth_error_that_hides_the_key(demo: DemoGateway) -> None:
    wrong = "sk-live-wrongwrongwrongwrong0001"
    async with make_gateway(demo, key=wrong) as gw:
        error = await stream_error(gw)
        assert type(error) is AuthError and error.status == 401
        assert_no_key(error, wrong)
        with pytest.raises(AuthError) as caught:
            await gw.balance()
        assert_no_key(caught.value, wrong)


# ---- models -------------------------------------------------------------------------------


async def test_models_are_parsed(gw: Gateway) -> None:
    models = await gw.models()
    assert [m.id for m in models] == sorted((m.id for m in MODELS), key=str.lower)
    by_id = {m.id: m for m in models}
    for info in MODELS:
        model = by_id[info.id]
        assert model.owned_by == info.owned_by
        assert model.created == datetime.fromtimestamp(info.created, UTC)
        assert model.context_length == info.context_length
        if info.context_length is None:
            assert model.prompt_price is model.completion_price is None
        else:
            assert model.prompt_price == Decimal(info.in_price) / 1000
            assert model.completion_price == Decimal(info.out_price) / 1000
    assert by_id["deepseek-chat"].prompt_price == Decimal("0.01")
    assert by_id["gemini-1.5-flash"].context_length == 1_000_000


# ---- balance ------------------------------------------------------------------------------


def ledger(demo: DemoGateway) -> tuple[Decimal, Decimal, Decimal]:
    """(balance, used, granted) in credits, from the demo's public handles."""
    balance = Decimal(demo.balance)
    used = Decimal(sum(int(row["fen"]) for row in demo.logs))
    return balance, used, balance + used


def expected_balance(dialect: str, demo: DemoGateway) -> Balance:
    b, u, g = ledger(demo)
    hundred = Decimal(100)
    usd: dict[str, Any] = {"unit": "USD", "currency": "USD"}
    return {
        "opencodex": Balance("opencodex", b, used=u),
        "oneapi": Balance("oneapi", b / hundred, used=u / hundred, total=g / hundred, **usd),
        "newapi-token": Balance(
            "newapi-token", b / hundred, used=u / hundred, total=g / hundred, **usd
        ),
        "openrouter": Balance(
            "openrouter", b / hundred, used=u / hundred, total=g / hundred, **usd
        ),
        "deepseek": Balance("deepseek", b / hundred, unit="CNY", currency="CNY"),
        "moonshot": Balance("moonshot", b / hundred, unit="CNY", currency="CNY"),
        "siliconflow": Balance("siliconflow", b / hundred, unit="CNY", currency="CNY"),
        "openai-hk": Balance("openai-hk", b),
    }[dialect]


# Where each family's base URL sits on its host (balance paths are relative to it or the origin).
BASES = {
    "opencodex": "/api/v1",
    "oneapi": "/v1",
    "newapi-token": "/v1",
    "openrouter": "/api/v1",
    "deepseek": "",
    "moonshot": "/v1",
    "siliconflow": "/v1",
    "openai-hk": "/v1",
}


def same_balance(got: Balance, want: Balance) -> None:
    assert got.fetched_at is not None and got.fetched_at.tzinfo is not None
    fields = ("dialect", "remaining", "used", "total", "unlimited", "unit", "currency")
    assert {f: getattr(got, f) for f in fields} == {f: getattr(want, f) for f in fields}


@pytest.mark.parametrize("dialect", list(BASES))
async def test_balance_dialects_are_detected(dialect: str) -> None:
    with DemoGateway(now=NOW, balance_dialect=dialect) as demo:
        async with make_gateway(demo, base_url=demo.url + BASES[dialect]) as gw:
            got = await gw.balance()
            same_balance(got, expected_balance(dialect, demo))
            assert not got.unlimited and gw.detected_dialect == dialect
            if dialect == "openai-hk":
                assert got.remaining == Decimal(demo.logs[0]["yufen"]) == demo.balance
            before = len(demo.requests)
            same_balance(await gw.balance(), expected_balance(dialect, demo))
            calls = 2 if dialect == "oneapi" else 1  # the detected dialect is asked at once
            assert len(demo.requests) - before == calls


async def test_balance_follows_spending(demo: DemoGateway, gw: Gateway) -> None:
    first = await gw.balance()
    await chat(gw)
    second = await gw.balance()
    assert first.remaining is not None and second.remaining is not None
    spent = Decimal(demo.logs[0]["fen"])
    assert second.remaining == first.remaining - spent == demo.balance


@pytest.mark.parametrize("how", ["spec", "argument"])
async def test_an_explicit_dialect_skips_detection(how: str) -> None:
    with DemoGateway(now=NOW, balance_dialect="deepseek") as demo:
        spec_dialect = "deepseek" if how == "spec" else "auto"
        async with make_gateway(demo, base_url=demo.url, balance_dialect=spec_dialect) as gw:
            got = await (gw.balance() if how == "spec" else gw.balance("deepseek"))
            same_balance(got, expected_balance("deepseek", demo))
            assert demo.requests == [("GET", "/user/balance")]
            with pytest.raises(NotFound):
                await gw.balance("moonshot")
            with pytest.raises(ValueError, match="unknown balance dialect"):
                await gw.balance("no-such-dialect")


async def test_no_balance_endpoint_and_no_logs_is_said_so_plainly() -> None:
    with DemoGateway(now=NOW, balance_dialect="openai-hk") as demo:
        async with make_gateway(demo, base_url=demo.openai_hk_base, logs=False) as gw:
            with pytest.raises(NoBalanceEndpoint) as caught:
                await gw.balance()
    error = caught.value
    assert str(error) == f"{gw.where} offers no balance endpoint."
    assert "check the base URL" not in error.detail
    assert "<" not in error.detail and DEMO_KEY not in error.detail
    assert not any(path.startswith("/openai/") for _m, path in demo.requests)


# ---- openai-hk usage logs -----------------------------------------------------------------


def expected_row(row: dict[str, str]) -> LogRow:
    return LogRow.of(
        id=int(row["id"]),
        user_id=row["user_id"],
        ctime=datetime.fromtimestamp(int(row["ctime"]), UTC),
        prompt_tokens=int(row["prompt_tokens"]),
        completion_tokens=int(row["completion_tokens"]),
        fen=Decimal(row["fen"]),
        model=row["model"],
        yufen=Decimal(row["yufen"]),
        reqid=row["reqid"],
        ip=row["ip"],
        note=row["note"],
    )


@pytest.mark.parametrize(
    ("start", "limit"), [(-1, 10), (0, 0), (0, 301), (0, -5), (True, 10), (0, 10.5), ("0", 10)]
)
async def test_usage_logs_validates_before_any_request(
    demo: DemoGateway, gw: Gateway, start: Any, limit: Any
) -> None:
    with pytest.raises(ValueError):
        await gw.usage_logs(start, limit)
    with pytest.raises(ValueError):
        async for _page in gw.iter_usage_logs(page_size=limit if start == 0 else 301):
            pass
    assert demo.requests == []


@pytest.mark.parametrize(("start", "limit"), [(0, 300), (0, 1), (150, 7), (2900, 300), (3000, 5)])
async def test_usage_log_pages_match_the_gateway(
    demo: DemoGateway, gw: Gateway, start: int, limit: int
) -> None:
    rows = await gw.usage_logs(start, limit)
    assert rows == [expected_row(r) for r in demo.logs[start : start + limit]]
    assert len(rows) == max(0, min(limit, 3000 - start))
    for row in rows:
        assert type(row.id) is int and type(row.prompt_tokens) is int
        assert type(row.fen) is Decimal and type(row.yufen) is Decimal
        assert row.ctime.tzinfo is not None and row.ctime.utcoffset() == timedelta(0)


async def test_usage_logs_envelope_error_with_200_raises(demo: DemoGateway, gw: Gateway) -> None:
    demo.add_fault(Fault("envelope_error", endpoint="logs"))
    with pytest.raises(ServerError) as caught:
        await gw.usage_logs(0, 10)
    assert caught.value.gateway_message == "系统繁忙" and caught.value.status == 200


async def test_usage_logs_with_a_wrong_key_is_an_auth_error(demo: DemoGateway) -> None:
    wrong = "hk-wrongwrongwrongwrong01"
    async with make_gateway(demo, key=wrong) as gw:
        with pytest.raises(AuthError) as caught:
            await gw.usage_logs(0, 10)
    assert caught.value.gateway_message == "apikey无效"
    assert_no_key(caught.value, wrong)


async def test_a_key_echoed_in_an_envelope_error_is_redacted(
    demo: DemoGateway, gw: Gateway
) -> None:
    body = json.dumps({"data": None, "error": 401, "error_des": f"apikey无效: {DEMO_KEY}"})
    demo.add_fault(Fault("status", endpoint="logs", status=200, body=body, times=-1))
    with pytest.raises(AuthError) as caught:
        await gw.usage_logs(0, 10)
    assert_no_key(caught.value)
    demo.add_fault(Fault("status", endpoint="create", status=200, body=body))
    with pytest.raises(AuthError) as caught:
        await gw.create_key()
    assert_no_key(caught.value)


async def collect_logs(gw: Gateway, **kw: Any) -> list[LogRow]:
    rows: list[LogRow] = []
    async with asyncio.timeout(HANG_GUARD):
        async for page in gw.iter_usage_logs(**kw):
            assert page
            rows.extend(page)
    return rows


async def test_iter_usage_logs_gives_every_row_once_in_order(
    demo: DemoGateway, gw: Gateway
) -> None:
    rows = await collect_logs(gw)
    assert rows == [expected_row(r) for r in demo.logs]
    assert len(rows) == 3000 == len({r.id for r in rows})


async def test_iter_usage_logs_dedups_rows_shifted_by_a_new_request(
    demo: DemoGateway, gw: Gateway
) -> None:
    before = [expected_row(r) for r in demo.logs]
    rows: list[LogRow] = []
    pages = 0
    async with asyncio.timeout(HANG_GUARD):
        async for page in gw.iter_usage_logs(page_size=100):
            pages += 1
            rows.extend(page)
            if pages == 1:
                await chat(gw)  # a new newest row: every later row moves one place down
    assert len(demo.logs) == 3001
    assert rows == before


async def test_iter_usage_logs_stops_at_a_known_id(demo: DemoGateway, gw: Gateway) -> None:
    logs = demo.logs
    rows = await collect_logs(gw, stop_at_id=int(logs[450]["id"]))
    assert rows == [expected_row(r) for r in logs[:450]]
    assert count(demo, "/openai/sk/log") == 3


async def test_iter_usage_logs_reports_a_failed_page_as_the_gateway_error(
    demo: DemoGateway, gw: Gateway
) -> None:
    demo.add_fault(Fault("envelope_error", endpoint="logs"))
    with pytest.raises(ServerError):
        await collect_logs(gw)


async def test_iter_usage_logs_with_page_latency_and_concurrency() -> None:
    with DemoGateway(now=NOW, history_rows=1000, page_latency=0.02) as demo:
        async with make_gateway(demo) as gw:
            rows = await collect_logs(gw, page_size=50, concurrency=4)
        assert rows == [expected_row(r) for r in demo.logs]


async def test_logs_and_keys_need_their_endpoints(demo: DemoGateway) -> None:
    async with make_gateway(demo, logs=False) as gw:
        with pytest.raises(NoUsageLog, match="no usage log configured") as caught:
            await gw.usage_logs(0, 10)
        assert caught.value.exit_code == 3  # a configuration matter
        with pytest.raises(NoKeyCreation, match="no key-creation endpoint") as missing:
            await gw.create_key()
        assert missing.value.exit_code == 3  # a configuration matter too (was 9, protocol)
    assert demo.requests == []


async def test_create_key_gives_a_working_hk_key(demo: DemoGateway) -> None:
    async with make_gateway(demo, key=DEMO_HK_KEY) as gw:
        key = await gw.create_key()
    assert key.startswith("hk-") and key != DEMO_HK_KEY
    assert demo.requests == [("GET", "/openai/sk/create")]
    async with make_gateway(demo, key=key) as fresh:
        assert await fresh.usage_logs(0, 2) == [expected_row(r) for r in demo.logs[:2]]
        assert (await fresh.balance("openai-hk")).remaining == demo.balance


async def test_balance_detection_stops_at_an_unreachable_host(sleep: RecordingSleep) -> None:
    """Each balance dialect is a path on the same host: when the host cannot be reached at
    all, the first attempt says so (after its own retries), not a tour of every dialect that
    ends in "no known balance endpoint"."""
    base = f"http://127.0.0.1:{closed_port()}/v1"
    async with make_gateway(None, base_url=base, sleep=sleep) as gw:
        with pytest.raises(Unreachable) as caught:
            await gw.balance()
        assert "Cannot reach" in caught.value.message
        assert gw.retries == 2
