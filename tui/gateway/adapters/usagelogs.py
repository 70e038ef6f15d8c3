"""Usage logs beyond openai-hk's: new-api's and one-api's per-request rows (by key or by a
user's access token) and LiteLLM's spend logs, as LogRows in the profile's money.

Each family gives its rows newest first, page by page (`pages`); the ids are made stable where
the gateway numbers rows by their place in the answer (new-api does): the cache keys rows by id.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from ...base.i18n import _
from ..errors import AuthError, GatewayError, NetworkError, ProtocolError
from ..types import LogRow
from .base import Client, dec
from .newapi import QUOTA_PER_USD, user_headers

CONSUME, REFUND = 2, 6  # new-api / one-api log types that move money (1 top-up, 3 manage ...)
NEWAPI_PAGE = 100  # new-api caps page_size at 100
ONEAPI_PAGE = 10  # one-api's ITEMS_PER_PAGE: its pages have a fixed size


class LogFamily:
    """One way of reading a key's usage log."""

    name: ClassVar[str]
    unit: ClassVar[str] = "USD"
    made_ids: ClassVar[bool] = True  # ids from stable_id (time-ordered), not the gateway's

    def seen_before(self, row_id: int, stop_at_id: int) -> bool:
        """Whether a row is as old as the newest one a finished sync saw: the sync can stop.
        Made ids order by the second only, so the newest second is read again (rows are stored
        by id: a row seen twice is stored once)."""
        if self.made_ids:
            return row_id // 1000 < stop_at_id // 1000
        return row_id <= stop_at_id

    def pages(self, client: Client, page_size: int) -> AsyncGenerator[list[LogRow], None]:
        """Pages of rows, newest first, until the log ends."""
        raise NotImplementedError

    async def rows(self, client: Client, start: int, limit: int) -> list[LogRow]:
        """Rows start .. start+limit-1 counted from the newest."""
        found: list[LogRow] = []
        async for page in self.pages(client, min(max(limit, 1), NEWAPI_PAGE)):
            found.extend(page)
            if len(found) >= start + limit:
                break
        return found[start : start + limit]


def _succeeded(payload: Any, where: str) -> Any:
    """The `data` of a `{success, message, data}` answer; `success: false` (HTTP 200) raised
    in the gateway's own words."""
    if not isinstance(payload, dict) or "success" not in payload:
        raise ProtocolError(
            _("{where} answered without the expected {{success, data}} shape.").format(where=where)
        )
    if payload.get("success") is not True:
        said = str(payload.get("message") or _("no reason given"))
        raise AuthError(
            _("{where} refused to show the usage log: {said}").format(where=where, said=said),
            status=200,
            gateway_message=said,
        )
    return payload.get("data")


def _items(data: Any, where: str) -> tuple[list[Any], int | None]:
    """(rows, total) of a list or a `{items, total}` page."""
    if data is None:
        return [], None
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        total = data.get("total")
        return data["items"], total if isinstance(total, int) else None
    if isinstance(data, dict) and data.get("items") is None and "total" in data:
        return [], 0
    raise ProtocolError(_("{where} sent usage logs that are not a list.").format(where=where))


def stable_id(when: int, *parts: object) -> int:
    """An id that orders like the row's time and stays the same on every read: new-api numbers
    the rows of each answer 1, 2, 3 ... from the newest, so its ids move as rows arrive.
    Rows alike in every field within one second are told apart by `newapi_row`'s `repeats`."""
    digest = zlib.crc32("|".join(str(p) for p in parts).encode()) % 1000
    return when * 1000 + digest


def newapi_row(
    row: Any,
    where: str,
    *,
    real_ids: bool = False,
    repeats: dict[tuple[object, ...], int] | None = None,
) -> LogRow | None:
    """A new-api / one-api log row as a LogRow in USD (None for rows that move no money).
    `repeats` counts the rows of one page of the log alike in every field so far: an older
    new-api row has no request_id, so two requests alike within one second are alike in all
    the id is made of; the second one's id also takes its place among them (the first's id is
    as before). Counted within a page, so a row seen again on the next page because new rows
    pushed the log down keeps its id and is stored once."""
    if not isinstance(row, dict):
        raise ProtocolError(_("{where} sent a usage-log row that is not an object.").format(
            where=where))  # fmt: skip
    kind = row.get("type")
    if kind not in (CONSUME, REFUND):
        return None
    created, quota = dec(row.get("created_at")), dec(row.get("quota"))
    if created is None or quota is None:
        raise ProtocolError(
            _("{where} sent a usage-log row without created_at or quota.").format(where=where)
        )
    when = int(created)
    cost = quota / QUOTA_PER_USD * (-1 if kind == REFUND else 1)
    reqid = str(row.get("request_id") or "")
    prompt, completion = _count(row.get("prompt_tokens")), _count(row.get("completion_tokens"))
    model = str(row.get("model_name") or "")
    ident = dec(row.get("id"))
    parts: tuple[object, ...] = (reqid, model, quota, prompt, completion, kind)
    seen = 0
    if repeats is not None:
        seen = repeats.get((when, *parts), 0)
        repeats[(when, *parts)] = seen + 1
    return LogRow.of(
        id=int(ident) if real_ids and ident is not None else
        stable_id(when, *parts, seen) if seen else stable_id(when, *parts),
        user_id=str(row.get("user_id") or row.get("username") or ""),
        ctime=datetime.fromtimestamp(when, UTC),
        prompt_tokens=prompt,
        completion_tokens=completion,
        fen=cost,
        model=model,
        yufen=Decimal(0),  # new-api keeps no balance after each request
        reqid=reqid,
        ip=str(row.get("ip") or ""),
        note=str(row.get("token_name") or ""),
    )  # fmt: skip


def _count(value: Any) -> int:
    number = dec(value)
    return int(number) if number is not None else 0


def _rows(items: list[Any], where: str, *, real_ids: bool = False) -> list[LogRow]:
    """The rows that move money, in the gateway's order (newest first)."""
    repeats: dict[tuple[object, ...], int] = {}
    made = (newapi_row(item, where, real_ids=real_ids, repeats=repeats) for item in items)
    return [r for r in made if r]


class NewApiKeyLogs(LogFamily):
    """new-api's `GET /api/log/token` for the key itself. Newer versions take the key as Bearer
    (some page it with `p` / `page_size` into `{items, total}`); older ones take `?key=sk-…`
    and answer every row at once. The version is found on the first read and kept."""

    name = "newapi"
    PATH = "/api/log/token"

    def __init__(self) -> None:
        self.by_query: dict[str, bool] = {}  # base URL -> the key goes in ?key= (old versions)

    async def _fetch(self, client: Client, page: int, size: int) -> Any:
        base = client.spec.base_url
        params: dict[str, str | int] = {"p": page, "page_size": size}
        if base in self.by_query and not self.by_query[base]:
            return await client.fetch_json("GET", self.PATH, at_root=True, params=params)
        if base not in self.by_query:  # the first read: a Bearer version, or an older one
            try:
                payload = await client.fetch_json("GET", self.PATH, at_root=True, params=params)
            except NetworkError:
                raise
            except GatewayError:
                payload = None  # an older version wants ?key= (it fails without one)
            if isinstance(payload, dict) and payload.get("success") is True:
                self.by_query[base] = False
                return payload
        key = client.spec.api_key
        if key is None:
            raise AuthError(_("{where} shows a key's usage log only to the key itself, and this "
                              "profile has none.").format(where=client.where))  # fmt: skip
        payload = await client.fetch_json(
            "GET", self.PATH, at_root=True, params={"key": key.reveal()}
        )
        self.by_query[base] = True
        return payload

    async def pages(self, client: Client, page_size: int) -> AsyncGenerator[list[LogRow], None]:
        size = min(page_size, NEWAPI_PAGE)
        page, seen = 1, 0
        while True:
            payload = await self._fetch(client, page, size)
            items, total = _items(_succeeded(payload, client.where), client.where)
            yield _rows(items, client.where)
            seen += len(items)
            paged = isinstance(payload.get("data"), dict)
            if not paged or len(items) < size or (total is not None and seen >= total):
                return  # a plain list is every row the gateway shows
            page += 1


class UserLogs(LogFamily):
    """A user's own log with an access token: new-api (`New-Api-User` header, 1-based pages of
    `{items, total}`) or one-api (0-based pages of 10 rows, a plain list)."""

    PATH = "/api/log/self"
    first_page: ClassVar[int]
    page_size: ClassVar[int | None]  # None: the gateway's own
    real_ids: ClassVar[bool]

    async def pages(self, client: Client, page_size: int) -> AsyncGenerator[list[LogRow], None]:
        headers = user_headers(client)
        size = self.page_size or page_size
        page = self.first_page
        while True:
            params: dict[str, str | int] = {"p": page}
            if self.page_size is None:
                params["page_size"] = min(size, NEWAPI_PAGE)
            payload = await client.fetch_json(
                "GET", self.PATH, at_root=True, params=params, headers=headers
            )
            items, _total = _items(_succeeded(payload, client.where), client.where)
            yield _rows(items, client.where, real_ids=self.real_ids)
            if len(items) < min(size, NEWAPI_PAGE):
                return
            page += 1


class NewApiUserLogs(UserLogs):
    name = "newapi-user"
    first_page = 1
    page_size = None
    real_ids = False  # new-api numbers rows by their place


class OneApiUserLogs(UserLogs):
    name = "oneapi-user"
    made_ids = False
    first_page = 0
    page_size = ONEAPI_PAGE
    real_ids = True



class LiteLLMSpendLogs(LogFamily):
    """LiteLLM's `GET /spend/logs?api_key=…`: the key's requests, newest first, spend in USD
    (needs LiteLLM's database; without one it answers HTTP 500)."""

    name = "litellm"
    PATH = "/spend/logs"

    async def pages(self, client: Client, page_size: int) -> AsyncGenerator[list[LogRow], None]:
        key = client.spec.api_key
        params: dict[str, str | int] = {"api_key": key.reveal()} if key else {}
        payload = await client.fetch_json("GET", self.PATH, at_root=True, params=params)
        if not isinstance(payload, list):
            raise ProtocolError(
                _("{where} sent spend logs that are not a list.").format(where=client.where)
            )
        yield [litellm_row(item, client.where) for item in payload]  # newest first


def litellm_row(row: Any, where: str) -> LogRow:
    if not isinstance(row, dict) or not row.get("request_id") or "spend" not in row:
        raise ProtocolError(
            _("{where} sent a spend-log row without request_id or spend.").format(where=where)
        )
    started = _iso(row.get("startTime"), where)
    reqid = str(row["request_id"]).removeprefix("chatcmpl-")  # as answers' ids are joined
    spend = dec(row.get("spend"))
    if spend is None:
        raise ProtocolError(_("{where} sent a spend that is not a number.").format(where=where))
    return LogRow.of(
        id=stable_id(int(started.timestamp()), reqid),
        user_id=str(row.get("user") or ""),
        ctime=started,
        prompt_tokens=_count(row.get("prompt_tokens")),
        completion_tokens=_count(row.get("completion_tokens")),
        fen=spend,
        model=str(row.get("model_group") or row.get("model") or ""),
        yufen=Decimal(0),
        reqid=reqid,
        ip=str(row.get("requester_ip_address") or ""),
        note="",
    )


def _iso(value: Any, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ProtocolError(
            _("{where} sent a row time that cannot be read: {value!r}.").format(
                where=where, value=str(value)[:40]
            )
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


LOG_READERS: dict[str, type[LogFamily]] = {
    f.name: f for f in (NewApiKeyLogs, NewApiUserLogs, OneApiUserLogs, LiteLLMSpendLogs)
}
