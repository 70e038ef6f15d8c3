"""Gateway adapters over real loopback HTTP: one interface per family, declarative adapters from
TOML (an endpoint shape no code knows), request ids, and the exact join of a chat to its row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tui import store
from tui.chat.conversation import Settings
from tui.demo import DEMO_KEY, DemoGateway, Fault
from tui.gateway import (
    ChatAccumulator,
    ChatParams,
    Gateway,
    GatewaySpec,
    Message,
    ProtocolError,
    Secret,
    ServerError,
    adapters,
)
from tui.gateway.adapters import AdapterSpecError, lookup, parse_custom
from tui.profiles.config import ConfigError, load
from tui.profiles.runtime import spec_for
from tui.spend.costs import apply_costs, normalise_request_id
from tui.spend.usage_sync import sync_usage

NOW = 1_763_900_000.0
WALLET = {
    "name": "wallet",
    "unit": "CNY",
    "currency": "CNY",
    "balance": {"path": "/custom/wallet", "origin": True, "remaining": "result.wallet.left",
                "used": "result.wallet.spent"},
}  # fmt: skip
USAGE = {
    "method": "POST", "path": "/custom/usage", "origin": True,
    "body": {"offset": "{start}", "count": "{limit}"}, "rows": "result.items",
    "id": "rid", "time": "at", "model": "model", "prompt_tokens": "tokens.in",
    "completion_tokens": "tokens.out", "cost": "cost", "request_id": "trace", "ip": "from",
    "scale": 100,
}  # fmt: skip


def custom_gateway(demo: DemoGateway, table: dict[str, Any]) -> Gateway:
    """A gateway of profile `w` at the demo, described only by the adapter `table`."""
    spec = GatewaySpec(name="w", base_url=demo.url + "/v1", api_key=Secret(DEMO_KEY), adapter=table)
    return Gateway(spec, sleep=RecordingSleep(), jitter=lambda: 0.0)


# ---- the interface -------------------------------------------------------------------------


def test_every_family_is_one_adapter_behind_one_interface() -> None:
    assert adapters.KNOWN == (
        "opencodex", "oneapi", "newapi-token", "openrouter", "deepseek", "moonshot",
        "siliconflow", "litellm", "newapi-user", "openai-hk",
    )  # fmt: skip
    for adapter in adapters.ADAPTERS.values():
        assert isinstance(adapter, adapters.Adapter) and adapter.unit
    hk = adapters.get("openai-hk")
    assert hk.has_logs and hk.creates_keys
    assert adapters.for_host("api.deepseek.com") is adapters.get("deepseek")
    assert [a.name for a in adapters.candidates("www.openai-hk.com", True)] == ["openai-hk"]
    assert adapters.candidates("openrouter.ai", False)[0].name == "openrouter"
    assert "openai-hk" not in [a.name for a in adapters.candidates("gw.example", False)]
    with pytest.raises(ValueError, match="unknown balance dialect"):
        adapters.get("nope")


def test_request_ids_come_from_each_familys_header_or_body() -> None:
    headers = httpx2.Headers({"X-Oneapi-Request-Id": " abc123 ", "X-Request-Id": "other"})
    assert adapters.get("opencodex").request_id(headers) == "abc123"
    assert adapters.GENERIC.request_id(httpx2.Headers({"x-request-id": "r-9"})) == "r-9"
    assert adapters.GENERIC.request_id(httpx2.Headers({})) is None
    # OpenRouter's own records use the body's generation id (gen-…), never a proxy header
    assert adapters.get("openrouter").request_id(headers) is None


async def test_a_streamed_chat_takes_the_body_id_when_the_family_says_so(
    demo: DemoGateway,
) -> None:
    async with make_gateway(demo, balance_dialect="openrouter") as gw:
        acc = ChatAccumulator()
        async with aclosing(gw.stream_chat([Message("user", "hi")], ChatParams("gpt-4o"))) as ev:
            async for event in ev:
                acc.add(event)
    result = acc.finish()
    assert result.request_id == "chatcmpl-" + demo.logs[0]["reqid"]


# ---- declarative adapters ------------------------------------------------------------------


async def test_a_custom_toml_adapter_reads_a_balance_from_an_unseen_shape(
    demo: DemoGateway,
) -> None:
    async with custom_gateway(demo, WALLET) as gw:
        got = await gw.balance()
    assert got.dialect == "wallet" and got.unit == "CNY" and got.currency == "CNY"
    assert got.remaining == Decimal(demo.balance) / 100
    assert got.used == Decimal(sum(int(r["fen"]) for r in demo.logs)) / 100
    assert got.fetched_at is not None
    assert demo.requests == [("GET", "/custom/wallet")]  # no guessing, no other endpoint


async def test_a_bad_json_path_names_the_missing_field(demo: DemoGateway) -> None:
    table = {**WALLET, "balance": {**WALLET["balance"], "remaining": "result.purse.left"}}
    async with custom_gateway(demo, table) as gw:
        with pytest.raises(ProtocolError) as caught:
            await gw.balance()
    message = str(caught.value)
    assert "'result.purse.left'" in message and "'result.purse' is missing" in message
    assert "balance.remaining" in message and "[profiles.w.adapter]" in message


async def test_a_custom_adapter_reads_usage_logs_in_its_own_shape(
    demo: DemoGateway, tmp_path: Path
) -> None:
    async with custom_gateway(demo, {**WALLET, "logs": USAGE}) as gw:
        assert gw.has_logs and gw.logs_url is None
        page = await gw.usage_logs(0, 5)
        first = demo.logs[0]
        assert [r.id for r in page] == [int(r["id"]) for r in demo.logs[:5]]
        assert page[0].fen == Decimal(first["fen"]) and page[0].reqid == first["reqid"]
        assert page[0].prompt_tokens == int(first["prompt_tokens"])
        assert int(page[0].ctime.timestamp()) == int(first["ctime"])
        db = store.open_db(tmp_path / "t.db")
        try:
            synced = await sync_usage(gw, db, "w")
        finally:
            db.close()
    assert synced.new_rows == len(demo.logs)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"unit": "CNY"}, "balance"),
        ({"balance": {"path": "/x"}}, "balance.remaining"),
        ({"balance": {"path": "x", "remaining": "a"}}, "balance.path"),
        ({"balance": {"remaining": "a"}}, "balance.path"),
        ({"balance": {"path": "/x", "remaining": "a", "method": "PUT"}}, "balance.method"),
        ({"balance": {"path": "/x", "remaining": "a", "scale": 0}}, "balance.scale"),
        ({"balance": {"path": "/x", "remaining": "a", "remain": "b"}}, "balance.remain"),
        ({**WALLET, "logs": {"path": "/u", "id": "id", "time": "t"}}, "logs.cost"),
        ({**WALLET, "colour": "red"}, "colour"),
    ],
)
def test_bad_adapter_tables_name_the_key(table: dict[str, Any], key: str) -> None:
    with pytest.raises(AdapterSpecError) as caught:
        parse_custom(table, "profiles.x.adapter")
    assert caught.value.key == key


def test_json_paths_walk_objects_and_lists() -> None:
    payload = {"data": {"infos": [{"total": "3.5"}]}}
    assert lookup(payload, "data.infos.0.total") == (True, "3.5", "")
    assert lookup(payload, "data.infos.-1.total") == (True, "3.5", "")
    assert lookup(payload, "data.infos.1.total") == (False, None, "data.infos.1")
    assert lookup(payload, "data.nope") == (False, None, "data.nope")


def test_the_config_takes_an_adapter_table_and_reports_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[profiles.wallet]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "k"\n\n'
        '[profiles.wallet.adapter]\nunit = "CNY"\n\n'
        '[profiles.wallet.adapter.balance]\npath = "/custom/wallet"\norigin = true\n'
        'remaining = "result.wallet.left"\n'
    )
    path.chmod(0o600)
    profile = load(path).profile("wallet")
    spec = spec_for(profile)
    assert spec.adapter is not None and spec.adapter["balance"]["origin"] is True
    path.write_text(path.read_text().replace("origin = true", "origin = true\nscale = -1"))
    with pytest.raises(ConfigError) as caught:
        load(path)
    error = caught.value
    assert error.key == "profiles.wallet.adapter.balance.scale" and error.line == 11
    assert "must be a number above 0" in str(error)


def test_balance_custom_needs_an_adapter_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.x]\nbase_url = "https://gw.example/v1"\nbalance = "custom"\n')
    with pytest.raises(ConfigError, match="needs an"):
        load(path)


async def test_a_failing_custom_endpoint_is_a_gateway_error(demo: DemoGateway) -> None:
    demo.add_fault(Fault("status", endpoint="wallet", status=500, times=-1))
    async with custom_gateway(demo, WALLET) as gw:
        with pytest.raises(ServerError):
            await gw.balance()
    assert demo.requests.count(("GET", "/custom/wallet")) == gw.spec.retry.attempts


# ---- request ids join chats to log rows ----------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Iterator[store.Database]:
    database = store.open_db(tmp_path / "history.db")
    database.clock = lambda: NOW + 3.0
    yield database
    database.close()


async def test_a_chats_request_id_appears_in_the_usage_row_it_matches(
    demo: DemoGateway, db: store.Database
) -> None:
    async with make_gateway(demo) as gw:
        acc = ChatAccumulator()
        async with aclosing(gw.stream_chat([Message("user", "hi")], ChatParams("gpt-4o"))) as ev:
            async for event in ev:
                acc.add(event)
        result = acc.finish()
        cid = store.create_conversation(db, Settings(model="gpt-4o"), "t")
        writer = store.StreamWriter.start(db, cid, model="gpt-4o")
        writer.append_content(result.content)
        writer.finish("done", usage=result.usage, request_id=result.request_id)
        await sync_usage(gw, db, "t")
    apply_costs(db, "t")
    message = store.get_message(db, writer.message_id)
    assert message is not None and message.request_id == result.request_id
    row = db.query_one(
        "SELECT id, reqid, fen FROM usage_rows WHERE profile = 't' AND reqid = ?",
        (normalise_request_id(result.request_id),),
    )
    assert row is not None and row[1] == result.request_id == demo.logs[0]["reqid"]
    linked = db.query_one("SELECT usage_id, credits FROM messages WHERE id = ?", (message.id,))
    assert linked is not None and linked[0] == row[0]
    assert Decimal(str(linked[1])) == Decimal(row[2])
