"""one-api / new-api: the billing pair `/dashboard/billing/subscription` + `.../usage`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..types import Balance
from .base import Adapter, Call, dec

UNLIMITED = Decimal(100000000)  # hard_limit_usd of an unlimited token


class OneApi(Adapter):
    """The OpenAI-era billing pair; usage comes in 1/100 of the unit."""

    name = "oneapi"
    unit = "USD"
    calls = (
        Call("GET", "/dashboard/billing/subscription"),
        Call("GET", "/dashboard/billing/usage"),
    )

    def parse(self, payloads: list[Any]) -> Balance | None:
        subscription, usage = payloads
        if not isinstance(subscription, dict) or "hard_limit_usd" not in subscription:
            return None
        limit = dec(subscription.get("hard_limit_usd"))
        used_cents = dec(usage.get("total_usage")) if isinstance(usage, dict) else None
        used = used_cents / 100 if used_cents is not None else None
        if limit is None or limit >= UNLIMITED:
            return Balance(self.name, None, used=used, unlimited=True, unit="USD", currency="USD")
        remaining = limit - used if used is not None else None
        return Balance(self.name, remaining, used=used, total=limit, unit="USD", currency="USD")
