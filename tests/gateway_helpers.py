"""Gateways for tests: a real Gateway on the demo, with a recording fake sleep for retries."""

from __future__ import annotations

from tui.demo import DEMO_KEY, DemoGateway
from tui.gateway import Gateway, GatewaySpec, Secret, Timeouts
from tui.gateway.types import RetryPolicy


class RecordingSleep:
    """A fake `asyncio.sleep` for retries: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_gateway(
    demo: DemoGateway | None,
    *,
    base_url: str | None = None,
    key: str = DEMO_KEY,
    logs: bool = True,
    balance_dialect: str = "auto",
    timeouts: Timeouts | None = None,
    retry: RetryPolicy | None = None,
    sleep: RecordingSleep | None = None,
) -> Gateway:
    assert base_url or demo
    spec = GatewaySpec(
        name="t",
        base_url=base_url or (demo.opencodex_base if demo else ""),
        api_key=Secret(key),
        logs_url=demo.logs_url if demo and logs else None,
        create_url=demo.create_url if demo and logs else None,
        balance_dialect=balance_dialect,
        timeouts=timeouts or Timeouts(connect=5, read_idle=10, request=10, stream=15),
        retry=retry or RetryPolicy(attempts=3, backoff=0.5),
    )
    return Gateway(spec, sleep=sleep or RecordingSleep(), jitter=lambda: 0.0)
