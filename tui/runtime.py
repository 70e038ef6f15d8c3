"""From a profile to a live gateway: GatewaySpec building, and the built-in demo gateway."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from .config import Profile
from .gateway.secret import Secret
from .gateway.types import GatewaySpec
from .i18n import _

if TYPE_CHECKING:
    from .demo import DemoGateway

DEMO_URL_ENV = (
    "TOKENDECK_DEMO_URL"  # use a running `tokendeck demo-server` instead of one in-process
)


def spec_for(profile: Profile, demo_url: str | None = None) -> GatewaySpec:
    """The GatewaySpec for `profile`; a demo profile needs the demo gateway's URL."""
    if profile.demo:
        from .demo import DEMO_KEY

        if not demo_url:
            raise ValueError("a demo profile needs the demo gateway's URL")
        return GatewaySpec(
            name=profile.name,
            base_url=f"{demo_url}/api/v1",
            api_key=Secret(DEMO_KEY),
            logs_url=f"{demo_url}/openai/sk/log",
            create_url=f"{demo_url}/openai/sk/create",
            balance_dialect="opencodex",
            label=_("the DEMO gateway"),
        )
    return GatewaySpec(
        name=profile.name,
        base_url=profile.base_url,
        api_key=profile.key(),
        logs_url=profile.logs_url,
        create_url=profile.create_url,
        balance_dialect=profile.balance,
        adapter=profile.adapter,
    )


class DemoHandle(AbstractContextManager["DemoHandle"]):
    """The demo gateway for a demo profile: a running one named by $TOKENDECK_DEMO_URL, or one
    started in-process on an ephemeral loopback port (stopped on exit)."""

    def __init__(self, **options: Any) -> None:
        self.url = os.environ.get(DEMO_URL_ENV, "").rstrip("/") or None
        self.server: DemoGateway | None = None
        self._options = options

    def __enter__(self) -> DemoHandle:
        if self.url is None:
            from .demo import DemoGateway

            self.server = DemoGateway(**self._options).start()
            self.url = self.server.url
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()


def demo_for(profile: Profile, **options: Any) -> AbstractContextManager[DemoHandle | None]:
    """A context that runs the demo gateway if `profile` needs it (else yields None)."""
    return DemoHandle(**options) if profile.demo else nullcontext(None)
