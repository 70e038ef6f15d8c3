"""openai-hk: no balance endpoint (the newest usage-log row's `yufen` is the balance), paged
usage logs `POST /openai/sk/log`, key creation `GET /openai/sk/create`."""

from __future__ import annotations

from typing import Any

from ..families import OPENAI_HK_HOST
from ..types import Balance
from .base import Adapter, Client


class OpenAiHk(Adapter):
    name = "openai-hk"
    hosts = (OPENAI_HK_HOST,)
    has_logs = True
    creates_keys = True

    async def balance(self, client: Client) -> Balance | None:
        rows = await client.openai_hk_logs(0, 1)
        return self.parse([rows[0].yufen if rows else None])

    def parse(self, payloads: list[Any]) -> Balance | None:
        return Balance(self.name, payloads[0])
