"""What a gateway offers is decided in one place (tui.gateway.families.offers) from a profile's
settings; the Gateway and the profiles dashboard both read it."""

from __future__ import annotations

import pytest

from tui.gateway import Gateway, GatewaySpec
from tui.gateway.families import Offers, offers
from tui.profiles.config import Profile, demo_profile
from tui.profiles.runtime import spec_for

LOG_TABLE = {"logs": {"path": "/api/log", "rows": "data", "id": "id"}}


@pytest.mark.parametrize(
    ("spec", "log", "keys"),
    [
        (GatewaySpec("plain", "https://api.example.com/v1"), False, False),
        (GatewaySpec("hk", "https://www.openai-hk.com/v1"), True, True),  # known by its host
        (GatewaySpec("hk-user", "https://me@api.openai-hk.com:8443/v1"), True, True),
        (GatewaySpec("log", "https://x.example/v1", logs_url="https://x.example/sk/log"),
         True, True),  # a key-creation URL beside the log's  # fmt: skip
        (GatewaySpec("keys", "https://x.example/v1", create_url="https://x.example/new"),
         False, True),  # fmt: skip
        (GatewaySpec("custom", "https://x.example/v1", adapter=LOG_TABLE), True, False),
    ],
    ids=lambda v: v.name if isinstance(v, GatewaySpec) else None,
)
def test_what_a_gateway_offers(spec: GatewaySpec, log: bool, keys: bool) -> None:
    found = offers(spec)
    assert (found.usage_log, found.key_creation) == (log, keys)


def test_the_openai_hk_endpoints_are_at_the_origin() -> None:
    found = offers(GatewaySpec("hk", "https://me@www.openai-hk.com/v1"))
    assert found == Offers("https://www.openai-hk.com/openai/sk/log",
                           "https://www.openai-hk.com/openai/sk/create")  # fmt: skip


async def test_the_gateway_uses_what_offers_decides() -> None:
    for spec in (GatewaySpec("hk", "https://www.openai-hk.com/v1"),
                 GatewaySpec("plain", "https://api.example.com/v1")):  # fmt: skip
        async with Gateway(spec) as gw:
            assert (gw.logs_url, gw.create_url) == (offers(spec).logs_url, offers(spec).create_url)
            assert gw.has_logs == offers(spec).usage_log


def test_a_profiles_offers_are_read_without_its_key() -> None:
    asked = Profile(name="p", base_url="https://www.openai-hk.com/v1", api_key_cmd="false")
    spec = spec_for(asked, key=False)  # the command that prints the key is not run
    assert spec.api_key is None and offers(spec).usage_log
    demo = offers(spec_for(demo_profile(), "http://127.0.0.1:9", key=False))
    assert demo.usage_log and demo.key_creation
