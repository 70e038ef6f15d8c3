"""The gateway client: one pooled AsyncClient per profile, retries, deadlines, typed results."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import aclosing, contextmanager, suppress
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime
from itertools import takewhile
from operator import itemgetter
from typing import Any

import httpx2

from .. import __version__
from ..base.i18n import _
from ..base.tasks import ended
from . import adapters, families
from .adapters import Adapter, LogFamily
from .errors import (
    AuthError,
    GatewayError,
    GatewayTimeout,
    NetworkError,
    NoBalanceEndpoint,
    NoKeyCreation,
    NoUsageLog,
    OutOfCredits,
    ProtocolError,
    Unreachable,
    UnusableKey,
)
from .families import NONE, offers
from .logs import check_page, unwrap
from .models import parse_models
from .responses import billed_cost_header, error_fields, error_for, error_in_body, parse_json
from .secret import header_safe, redact
from .stream import ChunkDecoder, events_from_response
from .types import (
    Balance,
    ChatAccumulator,
    ChatEvent,
    ChatParams,
    ChatResult,
    GatewaySpec,
    LogPage,
    LogRow,
    Message,
    Model,
    Opened,
    StreamFailed,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# attempts per request in this task (detection: one, an endpoint a gateway lacks is no failure);
# per task, so a chat streaming meanwhile keeps the profile's retries
_TRIES: ContextVar[int | None] = ContextVar("tokendeck_gateway_tries", default=None)


@contextmanager
def single_tries() -> Iterator[None]:
    """Requests made inside (in this task) are tried once: no retry of a 404 or a 500."""
    token = _TRIES.set(1)
    try:
        yield
    finally:
        _TRIES.reset(token)
# how gateways answer a request without a key (LiteLLM: HTTP 500 in plain text)
NO_KEY_STATUSES = frozenset({400, 401, 403, 500})
Sleep = Callable[[float], Awaitable[None]]


class Gateway:
    """Talks to one gateway profile. Use as `async with Gateway(spec) as gw:`."""

    def __init__(
        self,
        spec: GatewaySpec,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.spec = spec
        url = httpx2.URL(spec.base_url)
        self.origin = f"{url.scheme}://{url.netloc.decode()}"
        self.root = gateway_root(spec.base_url)  # where /api/..., /user/... live
        self.where = spec.label or url.netloc.decode() or spec.base_url
        self.offers = offers(spec)
        self.logs_url = self.offers.logs_url
        self.create_url = self.offers.create_url
        self.custom = adapters.custom_from(spec.adapter, f"profiles.{spec.name}.adapter")
        reader = adapters.LOG_READERS.get(spec.logs or "")
        self.log_reader: LogFamily | None = reader() if reader is not None else None
        self.detected: Adapter | None = None  # the family whose balance answered last
        self._stated: list[Model] | None = None  # the last model list (stated_prices)
        self.retries = 0  # retries made so far (for the UI and tests)
        # told before each automatic retry: what failed and how long until the next try
        self.on_retry: Callable[[GatewayError, float], None] | None = None
        self._sleep = sleep
        self._jitter = jitter
        t = spec.timeouts
        headers = {"User-Agent": f"tokendeck/{__version__}", "Accept": "application/json"}
        self._unusable_key = False  # a key no header can carry: every request says so
        if spec.api_key:
            key = spec.api_key.reveal().strip()
            if header_safe(key):
                headers["Authorization"] = f"Bearer {key}"
            else:
                self._unusable_key = True
        self._client = httpx2.AsyncClient(
            headers=headers,
            timeout=httpx2.Timeout(t.read_idle, connect=t.connect, pool=t.connect),
            limits=httpx2.Limits(max_connections=16, max_keepalive_connections=8),
            transport=transport,
            follow_redirects=True,
            trust_env=False,
        )

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def __repr__(self) -> str:
        return f"Gateway({self.spec.name!r}, {self.spec.base_url!r})"

    # ---- requests with retries ----------------------------------------------------------

    def url(self, path: str, *, at_origin: bool = False, at_root: bool = False) -> str:
        """`path` under the base URL, the origin, or the gateway's root (`at_root`: the base
        URL without its API version, so a gateway mounted under a prefix keeps it)."""
        if at_root:
            return self.root + path
        return (self.origin if at_origin else self.spec.base_url.rstrip("/")) + path

    @property
    def host(self) -> str:
        return httpx2.URL(self.spec.base_url).host

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        idempotent: bool = True,
        stream: bool = False,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """A 2xx response (open, if `stream`), after bounded retries; else a GatewayError."""
        policy = self.spec.retry
        if self._unusable_key:
            raise UnusableKey(
                _(
                    "The API key of profile {name} holds a character that cannot be sent in an "
                    "HTTP header (a line break or control character); copy the key again."
                ).format(name=self.spec.name)
            )
        attempts = _TRIES.get() or policy.attempts  # for HTTP answers (detection: one)
        attempt = 0
        while True:
            attempt += 1
            request = self._client.build_request(
                method, url, json=json, params=params, headers=headers
            )
            try:
                response = await self._client.send(request, stream=stream)
            except httpx2.DecodingError:  # a body in a Content-Encoding it does not follow
                raise ProtocolError(
                    _("{where} answered with a body that cannot be decoded.").format(
                        where=self.where
                    )
                ) from None
            except httpx2.TransportError as exc:
                error = self._transport_error(exc)
                nothing_sent = isinstance(
                    exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout
                )
                if attempt >= policy.attempts or not (nothing_sent or idempotent):
                    raise error from None
                await self._backoff(attempt, None, error)
                continue
            if response.is_success:
                return response
            body = await self._drain(response)
            error = self._redacted(
                error_for(response.status_code, response.headers, body, self.where)
            )
            if self.spec.api_key is None and response.status_code in NO_KEY_STATUSES:
                raise AuthError(
                    _("{where} wants an API key, and this profile has none — set api_key "
                      "(or api_key_env) in the profile.").format(where=self.where),
                    status=response.status_code, gateway_message=error.gateway_message,
                )  # fmt: skip
            retry_after = getattr(error, "retry_after", None)
            if (
                response.status_code not in RETRY_STATUSES
                or isinstance(error, OutOfCredits)
                or attempt >= attempts
                or (retry_after is not None and retry_after > policy.max_retry_after)
            ):
                raise error
            await self._backoff(attempt, retry_after, error)

    async def _drain(self, response: httpx2.Response) -> bytes:
        try:
            return await response.aread()
        except (httpx2.TransportError, httpx2.DecodingError):
            return b""
        finally:
            await response.aclose()

    async def _backoff(self, attempt: int, retry_after: float | None, error: GatewayError) -> None:
        policy = self.spec.retry
        if retry_after is None:
            delay = min(policy.max_delay, policy.backoff * 2 ** (attempt - 1))
            delay *= 0.5 + self._jitter()  # full jitter around the nominal delay
        else:
            delay = retry_after + 0.05 * self._jitter()
        self.retries += 1
        if self.on_retry is not None:
            self.on_retry(error, delay)
        await self._sleep(delay)

    def _transport_error(self, exc: httpx2.TransportError) -> GatewayError:
        where = self.where
        if isinstance(exc, httpx2.ConnectTimeout | httpx2.ConnectError):
            return Unreachable(
                _("Cannot reach {where} — check your network and the base URL.").format(where=where)
            )
        if isinstance(exc, httpx2.TimeoutException):
            return GatewayTimeout(
                _("{where} did not answer in time — retry later.").format(where=where)
            )
        return NetworkError(
            _("The connection to {where} failed — retry later.").format(where=where)
        )

    def _redacted(self, error: GatewayError) -> GatewayError:
        secrets = [self.spec.api_key]
        error.message = redact(error.message, secrets)
        error.args = (error.message,)
        if error.gateway_message:
            error.gateway_message = redact(error.gateway_message, secrets)
        return error

    def _unwrap(self, payload: Any) -> Any:
        """The data of an openai-hk envelope; its error, which may echo the key, redacted."""
        try:
            return unwrap(payload, self.where)
        except GatewayError as exc:
            raise self._redacted(exc) from None

    async def _json(
        self, method: str, url: str, *, json: Any = None, idempotent: bool = True
    ) -> Any:
        """The decoded JSON of a whole request, under the request deadline."""
        payload, _headers = await self._json_and_headers(
            method, url, json=json, idempotent=idempotent
        )
        return payload

    async def _json_and_headers(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        idempotent: bool = True,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, httpx2.Headers]:
        """The decoded JSON of a whole request and the response headers."""
        try:
            async with asyncio.timeout(self.spec.timeouts.request):
                response = await self._send(
                    method, url, json=json, idempotent=idempotent, params=params,
                    headers=headers,
                )  # fmt: skip
                body = response.content
        except TimeoutError:
            raise GatewayTimeout(
                _("{where} did not answer within {seconds:.0f} s.").format(
                    where=self.where, seconds=self.spec.timeouts.request
                )
            ) from None
        payload = parse_json(
            body, response.headers.get("content-type", ""), self.where, response.status_code
        )
        message, kind = error_fields(payload)
        if message is not None:  # an error object with HTTP 2xx: its words, not a made-up status
            raise self._redacted(
                error_in_body(response.status_code, message, kind, self.where, response.headers)
            )
        return payload, response.headers

    # ---- chat ---------------------------------------------------------------------------

    def _chat_body(
        self, messages: Sequence[Message], params: ChatParams, *, stream: bool
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": params.model,
            "messages": [m.wire() for m in messages],
            "stream": stream,
        }
        if params.temperature is not None:
            body["temperature"] = params.temperature
        if params.top_p is not None:
            body["top_p"] = params.top_p
        if params.max_tokens is not None:
            body["max_tokens"] = params.max_tokens
        if params.stop:
            body["stop"] = list(params.stop)
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def chat(self, messages: Sequence[Message], params: ChatParams) -> ChatResult:
        """A whole (non-streamed) answer; raises GatewayError."""
        payload, headers = await self._json_and_headers(
            "POST",
            self.url("/chat/completions"),
            json=self._chat_body(messages, params, stream=False),
            idempotent=False,
        )
        if isinstance(payload, dict) and "error_des" in payload and "choices" not in payload:
            self._unwrap(payload)  # openai-hk's envelope: a non-zero error in its own words
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("choices"), list)
            or not payload["choices"]
        ):
            raise ProtocolError(_("{where} answered without any choices.").format(where=self.where))
        decoder = ChunkDecoder(self.where, cost=billed_cost_header(headers))
        acc = ChatAccumulator()
        for event in decoder.feed_chunk(payload):
            acc.add(event)
        result = acc.finish()
        # the id the usage log shows: a header's (X-Oneapi-Request-Id, LiteLLM's call id) else the
        # body's
        result.request_id = (
            self.adapter.request_id(headers) or result.request_id or decoder.request_id
        )
        result.finished = True
        if result.error is not None:
            raise result.error
        return result

    async def stream_chat(
        self, messages: Sequence[Message], params: ChatParams
    ) -> AsyncGenerator[ChatEvent, None]:
        """Chat events as the answer streams. Never raises a GatewayError: failures are events.

        Use with `contextlib.aclosing` so that stopping early closes the connection at once.
        A request is retried only before the gateway answered (it may charge once it has).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.spec.timeouts.stream
        body = self._chat_body(messages, params, stream=True)
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._send(
                    "POST", self.url("/chat/completions"), json=body, idempotent=False, stream=True
                )
        except GatewayError as exc:
            yield StreamFailed(exc)
            return
        except TimeoutError:
            yield StreamFailed(
                GatewayTimeout(
                    _("{where} did not start answering in time.").format(where=self.where)
                )
            )
            return
        try:
            header_id = self.adapter.request_id(response.headers)
            if header_id:
                yield Opened(header_id)
            async for event in events_from_response(
                response,
                self.where,
                deadline,
                announced=bool(header_id),
                stall=self.spec.timeouts.stall,
            ):
                if isinstance(event, StreamFailed):
                    event = StreamFailed(self._redacted(event.error), event.cut)
                yield event
        finally:
            await response.aclose()

    # ---- models, balance, logs, keys ----------------------------------------------------

    async def models(self) -> list[Model]:
        payload = await self._json("GET", self.url("/models"))
        found = parse_models(payload, self.where)
        if self.adapter.name == "litellm" or families.states_prices(self.spec):
            from .models import with_model_info  # its prices and limits are in /model/info

            with suppress(GatewayError):
                info = await self.fetch_json("GET", "/model/info", at_root=True)
                found = with_model_info(found, info)
        if self._stated is None or found:
            self._stated = found
        return found

    async def stated_prices(self) -> list[Model]:
        """The models with the per-token prices the gateway itself states (LiteLLM's
        `/model/info`, USD), for estimates; listed once per Gateway (again by `models()`).
        Empty, with no request, for a gateway that states none; and when the list fails."""
        if not (self.adapter.name == "litellm" or families.states_prices(self.spec)):
            return []
        if self._stated is None:
            try:
                await self.models()
            except GatewayError:
                return []
        return list(self._stated or ())

    @property
    def detected_dialect(self) -> str | None:
        return self.detected.name if self.detected is not None else None

    @property
    def adapter(self) -> Adapter:
        """The family this gateway speaks: the configured one (a declarative one first), the
        detected one, the one its host is known for, else a generic one."""
        if self.custom is not None:
            return self.custom
        name = self.spec.balance_dialect
        if name and name not in ("auto", adapters.CUSTOM) and name in adapters.ADAPTERS:
            return adapters.ADAPTERS[name]
        if self.detected is not None:
            return self.detected
        return adapters.for_host(httpx2.URL(self.spec.base_url).host) or adapters.GENERIC

    async def fetch_json(
        self,
        method: str,
        path: str,
        *,
        at_origin: bool = False,
        at_root: bool = False,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The JSON answer of `path` (relative to the base URL, the origin or the root; or a
        whole URL), with query `params` and extra `headers` (which may replace the key's)."""
        whole = path.startswith(("http://", "https://"))
        url = path if whole else self.url(path, at_origin=at_origin, at_root=at_root)
        payload, _headers = await self._json_and_headers(
            method, url, json=json, params=params, headers=headers
        )
        return payload

    async def balance(self, dialect: str | None = None, *, fresh: bool = False) -> Balance:
        """Credit left, detecting the gateway's balance dialect unless one is given. A gateway
        with no balance endpoint (`balance = "none"`, or found so in the last day unless
        `fresh`: the user asked) raises NoBalanceEndpoint without a request."""
        name = dialect or self.spec.balance_dialect
        if name == NONE:
            raise NoBalanceEndpoint(self._no_balance_sentence())
        if self.custom is not None and name in ("auto", adapters.CUSTOM, self.custom.name):
            return await self._balance_strict(self.custom)
        if name and name != "auto":
            return await self._balance_strict(adapters.get(name))
        if self.detected is not None:
            result = await self._balance_with(self.detected)
            if result is not None:
                return result
        if not fresh and families.no_balance_known(self.spec.name, self.spec.base_url):
            raise NoBalanceEndpoint(self._no_balance_sentence(remembered=True))
        result = await self.detect_balance()
        families.remember_no_balance(self.spec.name, self.spec.base_url, result is None)
        if result is None:
            raise NoBalanceEndpoint(self._no_balance_sentence())
        return result

    async def detect_balance(self) -> Balance | None:
        """Try each family's balance endpoint once (no retries: a missing endpoint is not a
        failure); the first that answers in its shape is this gateway's. None when every one
        said it has no such endpoint; a gateway that only failed for now raises that."""
        host = httpx2.URL(self.spec.base_url).host
        last: GatewayError | None = None
        transient = False
        with single_tries():
            for candidate in adapters.candidates(host, self.logs_url is not None):
                try:
                    result = await self._balance_with(candidate)
                except (ProtocolError, GatewayTimeout) as exc:
                    last, transient = exc, transient or isinstance(exc, GatewayTimeout)
                    continue
                except Unreachable:
                    raise  # the host itself: another endpoint cannot help
                except GatewayError as exc:
                    if exc.status in (404, 405, 400, 500, 501, 502, 503) or exc.status is None:
                        last, transient = exc, transient or exc.status in (502, 503)
                        continue
                    raise
                if result is not None:
                    self.detected = candidate
                    return result
        if transient and last is not None:
            raise last
        return None

    def _no_balance_sentence(self, *, remembered: bool = False) -> str:
        if self.spec.balance_dialect == NONE:
            said = _('{where} offers no balance endpoint (balance = "none" in the profile).')
            return said.format(where=self.where)
        if remembered:
            return _(
                "{where} offers no balance endpoint (found so today; `tokendeck probe` asks again)."
            ).format(where=self.where)
        return _("{where} offers no balance endpoint.").format(where=self.where)

    async def _balance_with(self, adapter: Adapter) -> Balance | None:
        """`adapter`'s reading of the balance, timed; None when the answer is not in its shape."""
        now = datetime.now(UTC)
        result = await adapter.balance(self)
        return None if result is None else _with_time(result, now)

    async def _balance_strict(self, adapter: Adapter) -> Balance:
        result = await self._balance_with(adapter)
        if result is None:
            raise ProtocolError(
                _("{where} did not answer in the '{dialect}' balance shape.").format(
                    where=self.where, dialect=adapter.name
                )
            )
        return result

    def _logs_url(self) -> str:
        if not self.logs_url:
            raise NoUsageLog(
                _(
                    "{where}: this profile has no usage log configured — run `tokendeck probe` "
                    "to find one (or set logs in the profile)."
                ).format(where=self.where)
            )
        return self.logs_url

    @property
    def has_logs(self) -> bool:
        """Whether this gateway has a usage-log endpoint to read."""
        return self.offers.usage_log

    async def usage_logs(self, start: int = 0, limit: int = 300) -> list[LogRow]:
        """One page of usage logs, newest first: a declarative adapter's log endpoint, a log
        family's (new-api, one-api, LiteLLM), else openai-hk's `POST /openai/sk/log` at
        `logs_url`."""
        check_page(start, limit)
        if self.custom is not None and self.custom.has_logs:
            return await self.custom.usage_logs(self, start, limit)
        if self.log_reader is not None:
            return await self.log_reader.rows(self, start, limit)
        return await adapters.ADAPTERS["openai-hk"].usage_logs(self, start, limit)

    def log_endpoint(self) -> str:
        """The usage-log URL (NoUsageLog when the profile has none)."""
        return self._logs_url()

    def unwrap(self, payload: Any) -> Any:
        """The data of an openai-hk style envelope; its error, which may echo the key, redacted."""
        return self._unwrap(payload)

    async def iter_usage_logs(
        self, *, page_size: int = 300, concurrency: int = 4, stop_at_id: int | None = None,
        fetch: Callable[[int, int], Awaitable[list[LogRow]]] | None = None,
    ) -> AsyncGenerator[list[LogRow], None]:  # fmt: skip
        """Every usage-log row, newest first, in pages, deduplicated by id. Stops at the first
        row whose id is <= `stop_at_id`. `fetch(start, limit)` gets a page instead of
        usage_logs (gateway/pagehelper.py: in a second process), except a log family's.

        Pages are fetched through a sliding window: the first page alone (an incremental sync
        usually needs no more), then up to 2, 4 ... `concurrency` requests in flight, the next
        one started as soon as the oldest arrives. Pages overlap by one row, so a page that no
        longer joins its predecessor (new rows pushed the log down between two out-of-order
        fetches) is noticed and fetched again, one at a time: no row is skipped. (If even that
        does not join, rows were removed from the log, and the page is taken as it is.)
        """
        check_page(0, page_size)
        if self.log_reader is not None and not (self.custom and self.custom.has_logs):
            async for page in self._family_pages(self.log_reader, page_size, stop_at_id):
                yield page
            return
        get = fetch or self.usage_logs
        limit = max(1, concurrency)
        stride = page_size - 1 if page_size > 1 else 1
        seen = RecentIds(2 * limit + 2)
        pending: deque[tuple[int, asyncio.Task[list[LogRow]]]] = deque()
        next_start, window = 0, 1
        last_id: int | None = None  # the oldest row of the previous page
        refetched = -1  # a page fetched again after its predecessor is taken as it is
        done = False

        def launch() -> None:
            nonlocal next_start
            while len(pending) < window:
                task = asyncio.ensure_future(get(next_start, page_size))
                pending.append((next_start, task))
                next_start += stride

        try:
            launch()
            while pending:
                start, task = pending.popleft()
                page = await task
                joins = stride == page_size or last_id is None or not page or page[0].id >= last_id
                if not joins and start != refetched:  # fetched before the log moved: again
                    await _cancel(pending)
                    next_start, window, refetched = start, 1, start
                    launch()
                    continue
                fresh: list[LogRow] = page
                if stop_at_id is not None and page and min(map(_row_id, page)) <= stop_at_id:
                    fresh = list(takewhile(lambda row: row.id > stop_at_id, page))
                    done = True
                fresh = seen.fresh(fresh)
                done = done or len(page) < page_size  # a short page is the last one
                if done:
                    await _settle(pending)  # already asked: let them end, count them
                    if fresh:
                        yield fresh
                    return
                last_id = page[-1].id
                window = min(limit, window * 2)
                launch()  # before yielding, so the consumer's work overlaps the requests
                if fresh:
                    yield fresh
        finally:
            await _cancel(pending)

    async def _family_pages(
        self, reader: LogFamily, page_size: int, stop_at_id: int | None
    ) -> AsyncGenerator[list[LogRow], None]:
        """A log family's pages one after another (their paging is the gateway's own), rows
        deduplicated by id, until a row the last sync already saw."""
        seen = RecentIds(4)
        async with aclosing(reader.pages(self, page_size)) as pages:
            async for page in pages:
                fresh: list[LogRow] = []
                done = False
                for row in page:
                    if stop_at_id is not None and reader.seen_before(row.id, stop_at_id):
                        done = True
                        break
                    fresh.append(row)
                fresh = seen.fresh(fresh)
                if fresh:
                    yield fresh
                if done:
                    return

    async def create_key(self) -> str:
        """A new API key from openai-hk `GET /openai/sk/create` (the caller shows it once)."""
        url = self.create_url
        if not url:
            raise NoKeyCreation(
                _("{where} has no key-creation endpoint configured.").format(where=self.where)
            )
        data = self._unwrap(await self._json("GET", url, idempotent=False))
        key = data.get("apikey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            raise ProtocolError(_("{where} did not return a new key.").format(where=self.where))
        return key


def gateway_root(base_url: str) -> str:
    """The base URL without its trailing API version (`/v1`, `/api/v1`): where a gateway
    mounted under `/something` keeps `/something/api/usage/token/` or `/user/balance`."""
    root = base_url.rstrip("/")
    for tail in ("/v1", "/api"):
        root = root.removesuffix(tail)
    return root


_row_id = itemgetter(0)  # LogRow.id, without a Python call


class RecentIds:
    """The ids of the rows of the last `pages` pages handed on, to drop a row a page repeats.

    Pages of a log read newest first repeat rows only of the pages just before them (they
    overlap by a row, or the log moved down between two requests), so a million rows need not
    be remembered (a set of them all took ~60 MB); a row repeated from further back is stored
    once by id anyway.
    """

    def __init__(self, pages: int) -> None:
        self._pages: deque[list[int]] = deque()
        self._keep = max(1, pages)
        self._ids: set[int] = set()  # the ids of every page kept

    def fresh(self, page: Sequence[LogRow]) -> list[LogRow]:
        """The rows of `page` not seen before (nor earlier on the page), and remember them."""
        seen = self._ids
        ids = list(map(_row_id, page))
        # the usual page repeats only its first row, the previous page's last (pages overlap)
        lead = 1 if ids and ids[0] in seen else 0
        if seen.isdisjoint(ids[lead:]) and len(set(ids)) == len(ids):
            # a LogPage keeps its columns (the CSV is written from them)
            fresh = page.after(lead) if type(page) is LogPage else list(page[lead:])
            ids = ids[lead:]
        else:
            fresh, ids = [], []
            for row in page:
                if row.id not in seen:
                    seen.add(row.id)
                    fresh.append(row)
                    ids.append(row.id)
        seen.update(ids)
        self._pages.append(ids)
        if len(self._pages) > self._keep:
            seen.difference_update(self._pages.popleft())
        return fresh


async def _settle(pending: deque[tuple[int, asyncio.Task[list[LogRow]]]]) -> None:
    """Wait for page requests already sent but no longer needed; their failures do not matter."""
    for _start, task in pending:
        with suppress(GatewayError):
            await task
    pending.clear()


async def _cancel(pending: deque[tuple[int, asyncio.Task[list[LogRow]]]]) -> None:
    """Cancel page requests no longer wanted and wait until they are gone."""
    await ended(*(task for _start, task in pending))  # their outcome no longer matters
    pending.clear()


def _with_time(result: Balance, now: datetime) -> Balance:

    return replace(result, fetched_at=now)
