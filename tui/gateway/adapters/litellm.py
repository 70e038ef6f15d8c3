"""LiteLLM proxy: `GET /key/info` for the caller's own key (spend in USD, `max_budget` null = no
cap). Its answers carry the response id its spend logs show; the billed cost of a non-streamed
answer comes in the `x-litellm-response-cost` header."""

from __future__ import annotations

from typing import Any

from ..types import Balance
from .base import Adapter, Call, dec


class LiteLLM(Adapter):
    name = "litellm"
    unit = "USD"
    calls = (Call("GET", "/key/info", at_root=True),)
    body_id_first = True  # /spend/logs keys rows by the answer's id (chatcmpl-…)

    def parse(self, payloads: list[Any]) -> Balance | None:
        body = payloads[0]
        info = body.get("info") if isinstance(body, dict) else None
        if not isinstance(info, dict) or "spend" not in info:
            return None
        spent, cap = dec(info.get("spend")), dec(info.get("max_budget"))
        if cap is None:  # no budget on this key: nothing runs out
            return Balance(self.name, None, used=spent, unlimited=True, unit="USD",
                           currency="USD")  # fmt: skip
        left = cap - (spent or 0)
        return Balance(self.name, left, used=spent, total=cap, unit="USD", currency="USD")
