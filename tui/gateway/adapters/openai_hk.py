"""openai-hk: no balance endpoint (the newest usage-log row's `yufen` is the balance), paged
usage logs `POST /openai/sk/log`, key creation `GET /openai/sk/create`."""

from __future__ import annotations

from typing import Any

from ..families import OPENAI_HK_HOST
from ..logs import Texts, read_page, usual_page
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
        read = await self.read_page(client, start, limit)
        return usual_page(read) if isinstance(read, tuple) else read

    async def read_page(self, client: Client, start: int, limit: int) -> Texts | list[LogRow]:
        """usage_logs without making the rows of a usual page: its texts (logs.read_page)."""
        body = {"start": start, "limit": limit}
        payload = await client.fetch_json("POST", client.log_endpoint(), json=body)
        return read_page(client.unwrap(payload), client.where)

    def parse(self, payloads: list[Any]) -> Balance | None:
        return Balance(self.name, payloads[0])
