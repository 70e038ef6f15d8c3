"""The standard-library transport of one-shot CLI commands, and the kept-alive one of many-page
`logs`, answer exactly as httpx2's own: the same results, the same errors (and exit codes) and
the same retries, over real HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tui.demo import DemoGateway, Fault
from tui.gateway import Balance, Gateway, GatewayError, Timeouts
from tui.gateway.keepalive import KeptAliveTransport
from tui.gateway.oneshot import OneShotTransport

Call = Callable[[Gateway], Awaitable[Any]]


def _models(gw: Gateway) -> Awaitable[Any]:
    return gw.models()


def _balance(gw: Gateway) -> Awaitable[Any]:
    return gw.balance()


def _logs(gw: Gateway) -> Awaitable[Any]:
    return gw.usage_logs(0, 50)


async def _outcome(demo: DemoGateway, call: Call, faults: list[Fault], transport: Any) -> Any:
    """What `call` gives (or the error it raises, and the retry delays) with these faults."""
    for fault in faults:
        demo.add_fault(fault)
    sleep = RecordingSleep()
    timeouts = Timeouts(connect=2, read_idle=0.5, request=1, stream=5)
    spec = make_gateway(demo, timeouts=timeouts).spec
    async with Gateway(spec, transport=transport, sleep=sleep, jitter=lambda: 0.0) as gw:
        try:
            result: Any = await call(gw)
            if isinstance(result, Balance):
                result = replace(result, fetched_at=None)
        except GatewayError as exc:
            result = (type(exc).__name__, exc.exit_code, exc.status, exc.message)
    return result, sleep.delays


CASES = [
    ("ok", _models, []),
    ("ok", _balance, []),
    ("ok", _logs, []),
    ("401", _models, [Fault("status", "models", status=401)]),
    ("402", _balance, [Fault("status", "balance", status=402)]),
    ("429 then ok", _models, [Fault("status", "models", status=429,
                                    headers={"retry-after-ms": "50"})]),
    ("500 always", _models, [Fault("status", "models", status=500, times=-1)]),
    ("html 502", _balance, [Fault("html_502", "balance")]),
    ("empty 200", _models, [Fault("empty_200", "models")]),
    ("error in a 200", _models, [Fault("json_200_error", "models")]),
    ("malformed json", _models, [Fault("malformed_json", "models")]),
    ("envelope error", _logs, [Fault("envelope_error", "logs")]),
    ("stall", _models, [Fault("stall", "models", seconds=3, times=-1)]),
]  # fmt: skip


@pytest.mark.parametrize("kind", [OneShotTransport, KeptAliveTransport])
@pytest.mark.parametrize(("name", "call", "faults"), CASES, ids=[c[0] for c in CASES])
async def test_same_outcome_as_httpx2(
    demo: DemoGateway, name: str, call: Call, faults: list[Fault], kind: type
) -> None:
    expected = await _outcome(demo, call, faults, None)
    demo.clear_faults()
    got = await _outcome(demo, call, faults, kind())
    assert got == expected


@pytest.mark.parametrize("kind", [OneShotTransport, KeptAliveTransport])
async def test_nothing_listening_is_a_network_error(kind: type) -> None:
    spec = make_gateway(None, base_url="http://127.0.0.1:9/v1").spec
    async with Gateway(spec, transport=kind(), sleep=RecordingSleep()) as gw:
        with pytest.raises(GatewayError) as caught:
            await gw.models()
    assert caught.value.exit_code == 7
    assert "Cannot reach" in caught.value.message
