"""Providers with their own balance endpoint: OpenRouter, DeepSeek, Moonshot, SiliconFlow."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from ..types import Balance
from .base import Adapter, Call, Client, data_of, dec


class OpenRouter(Adapter):
    """`GET /key`: `data: {limit, limit_remaining, usage, ...}` in USD; no limit = unlimited.
    The body's `id` (`gen-…`) is the generation id OpenRouter's own records show."""

    name = "openrouter"
    hosts = ("openrouter.ai",)
    unit = "USD"
    calls = (Call("GET", "/key"),)
    body_id_first = True

    def parse(self, payloads: list[Any]) -> Balance | None:
        data = data_of(payloads[0])
        if "limit_remaining" not in data and "usage" not in data:
            return None
        limit = dec(data.get("limit"))
        return Balance(
            self.name,
            dec(data.get("limit_remaining")) if limit is not None else None,
            used=dec(data.get("usage")),
            total=limit,
            unlimited=limit is None,
            unit="USD",
            currency="USD",
        )


class DeepSeek(Adapter):
    """`GET /user/balance`: `{is_available, balance_infos: [{currency, total_balance, ...}]}`."""

    name = "deepseek"
    hosts = ("deepseek.com",)
    unit = "CNY"
    calls = (Call("GET", "/user/balance", at_root=True),)

    def parse(self, payloads: list[Any]) -> Balance | None:
        body = payloads[0]
        infos = body.get("balance_infos") if isinstance(body, dict) else None
        if not isinstance(infos, list):
            return None
        amounts = [
            (dec(info.get("total_balance")) or Decimal(0), str(info.get("currency") or "CNY"))
            for info in infos
            if isinstance(info, dict)
        ] or [(Decimal(0), "CNY")]
        (remaining, currency), also = amounts[0], tuple(amounts[1:])  # each currency kept
        return Balance(self.name, remaining, unit=currency, currency=currency, also=also)


class Moonshot(Adapter):
    """`GET /users/me/balance`: `{data: {available_balance, voucher_balance, cash_balance}}`;
    the answer does not say its currency: USD at the international site (moonshot.ai), CNY
    at moonshot.cn and elsewhere."""

    name = "moonshot"
    hosts = ("moonshot.cn", "moonshot.ai")
    unit = "CNY"
    calls = (Call("GET", "/users/me/balance"),)

    async def balance(self, client: Client) -> Balance | None:
        found = await super().balance(client)
        host = getattr(client, "host", "")
        if found is not None and (host == "moonshot.ai" or host.endswith(".moonshot.ai")):
            return replace(found, unit="USD", currency="USD")
        return found

    def parse(self, payloads: list[Any]) -> Balance | None:
        data = data_of(payloads[0])
        if "available_balance" not in data:
            return None
        return Balance(self.name, dec(data.get("available_balance")), unit="CNY", currency="CNY")


class SiliconFlow(Adapter):
    """`GET /user/info`: `{data: {balance, chargeBalance, totalBalance}}`, CNY strings."""

    name = "siliconflow"
    hosts = ("siliconflow.cn", "siliconflow.com")
    unit = "CNY"
    calls = (Call("GET", "/user/info"),)

    def parse(self, payloads: list[Any]) -> Balance | None:
        data = data_of(payloads[0])
        if "totalBalance" not in data and "balance" not in data:
            return None
        total = dec(data.get("totalBalance"))
        remaining = total if total is not None else dec(data.get("balance"))
        return Balance(self.name, remaining, unit="CNY", currency="CNY")
