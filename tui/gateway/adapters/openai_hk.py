"""openai-hk: no balance endpoint (the newest usage-log row's `yufen` is the balance), paged
usage logs `POST /openai/sk/log`, key creation `GET /openai/sk/create`."""

from __future__ import annotations

from typing import Any

from ..families import OPENAI_HK_HOST
from ..logs import parse_rows
from ..types import Balance, LogRow
from .base import Adapter, Client


class OpenAiHk(Adapter):
    name = "openai-hk"
    hosts = (OPENAI_HK_HOST,)
    has_logs = True
    creates_keys = True

    async def balance(self, client: Client) -> Balance | None:
        rows = await self.usage_logs(client, 0, 1)
        return self.parse([rows[0].yufen if rows else None])

    async def usage_logs(self, client: Client, start: int, limit: int) -> list[LogRow]:
        """One page of the log at the client's log endpoint: `{start, limit}` in, enveloped
        string rows out (also the shape of a `logs_url` of no known family)."""
        body = {"start": start, "limit": limit}
        payload = await client.fetch_json("POST", client.log_endpoint(), json=body)
        return parse_rows(client.unwrap(payload), client.where)

    def parse(self, payloads: list[Any]) -> Balance | None:
        return Balance(self.name, payloads[0])
