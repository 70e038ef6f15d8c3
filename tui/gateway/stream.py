"""Streamed chat completions: SSE events in, typed chat events out, edge cases handled."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2

from ..base.i18n import _
from .adapters.base import dec
from .errors import GatewayError, GatewayTimeout, NetworkError, ProtocolError, ServerError
from .httpx2_sse import AnyTypeEventSource
from .logs import unwrap
from .responses import clean_message, error_fields, parse_json
from .types import (
    ChatEvent,
    ContentDelta,
    Finish,
    Malformed,
    Opened,
    ReasoningDelta,
    StreamFailed,
    UsageInfo,
)

_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(held: str, text: str) -> tuple[str, str]:
    """(text to give, high surrogate to hold back): UTF-16 pairs that a gateway cut across two
    deltas become whole characters again; a surrogate left alone becomes U+FFFD."""
    text = held + text
    if not _SURROGATE.search(text):
        return text, ""
    held = text[-1] if "\ud800" <= text[-1] <= "\udbff" else ""
    if held:
        text = text[:-1]
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"), held


# One SSE event may carry a whole answer in one line (a 1 MiB delta, as some gateways send a
# non-streamed answer "streamed" in one piece); httpx2's 1 MiB default refused those. The
# cap still bounds what a broken stream that never ends its event can make us hold.
MAX_EVENT_BYTES = 32 * 1024 * 1024


class ChunkDecoder:
    """Turns SSE events of a chat stream into chat events; pure, so it is tested byte by byte."""

    def __init__(self, where: str, *, announced: bool = False, cost: str | None = None) -> None:
        self.where = where
        self.cost = cost  # the billed cost a response header stated (LiteLLM), if any
        self.announced = announced  # an Opened event was already given
        self.done = False  # [DONE] seen, or a fatal error
        self.finished = False  # a finish_reason seen
        self.request_id: str | None = None
        self.seen_data = False
        self._held = {"content": "", "reasoning": ""}  # a high surrogate awaiting its pair

    def feed(self, event: str, data: str) -> Iterator[ChatEvent]:
        if self.done:
            return
        self.seen_data = True
        if event == "error":
            self.done = True
            yield StreamFailed(self._error_from(data))
            return
        if data.strip() == "[DONE]":
            self.done = True
            if not self.finished:
                self.finished = True
                yield Finish(None)
            return
        if not data.strip():
            return
        try:
            chunk = json.loads(data)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            yield Malformed(
                ProtocolError(
                    _(
                        "{where} sent a malformed chunk; it was skipped, so a few words may be "
                        "missing."
                    ).format(where=self.where)
                )
            )
            return
        if not isinstance(chunk, dict):
            yield Malformed(
                ProtocolError(
                    _("{where} sent a chunk that is not an object; it was skipped.").format(
                        where=self.where
                    )
                )
            )
            return
        yield from self.feed_chunk(chunk)

    def feed_chunk(self, chunk: dict[str, Any]) -> Iterator[ChatEvent]:
        message, _kind = error_fields(chunk)
        if message is not None:
            self.done = True
            yield StreamFailed(self._midstream(message))
            return
        if self.request_id is None and isinstance(chunk.get("id"), str):
            self.request_id = chunk["id"]
            if not self.announced:
                self.announced = True
                yield Opened(self.request_id)
        choices = chunk.get("choices") or []
        if isinstance(choices, list):
            for choice in choices[:1]:
                yield from self._choice(choice)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            yield usage_info(usage, self.cost)

    def _choice(self, choice: Any) -> Iterator[ChatEvent]:
        if not isinstance(choice, dict):
            return
        delta = choice.get("delta") or choice.get("message") or {}
        if isinstance(delta, dict):
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                reasoning = self._whole("reasoning", reasoning)
                if reasoning:
                    yield ReasoningDelta(reasoning)
            content = delta.get("content")
            if isinstance(content, str) and content:
                content = self._whole("content", content)
                if content:
                    yield ContentDelta(content)
        reason = choice.get("finish_reason")
        if reason == "error":
            self.done = True
            yield StreamFailed(self._midstream(_("the model stopped with an error")))
        elif isinstance(reason, str) and reason and not self.finished:
            self.finished = True
            yield Finish(reason)

    def _whole(self, field: str, text: str) -> str:
        text, self._held[field] = _join_surrogates(self._held[field], text)
        return text

    def end(self) -> Iterator[ChatEvent]:
        """Events owed when the body ends: a cut-off report if the gateway never finished."""
        if not self.done and not self.finished:
            self.done = True
            if not self.seen_data:
                yield StreamFailed(
                    ProtocolError(
                        _("{where} closed the stream without sending any answer.").format(
                            where=self.where
                        )
                    ),
                    cut=True,
                )
                return
            yield StreamFailed(
                NetworkError(
                    _(
                        "The answer was cut off: {where} closed the stream before finishing. "
                        "The text so far is kept."
                    ).format(where=self.where)
                ),
                cut=True,
            )

    def _error_from(self, data: str) -> GatewayError:
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError):
            payload = None
        message, _kind = error_fields(payload)
        if message is None:
            message = clean_message(data) if data.strip() else _("no reason given")
        return self._midstream(message)

    def _midstream(self, message: str) -> GatewayError:
        return ServerError(
            _("{where} reported an error mid-answer; the text so far is kept.").format(
                where=self.where
            ),
            gateway_message=message,
        )


def usage_info(usage: dict[str, Any], cost: Any = None) -> UsageInfo:
    """Token counts, and the billed cost when the gateway states one (OpenRouter's
    `usage.cost` in credits = USD; `cost` from a header such as LiteLLM's)."""
    prompt = _int(usage.get("prompt_tokens"))
    completion = _int(usage.get("completion_tokens"))
    total = _int(usage.get("total_tokens")) or prompt + completion
    billed = dec(usage.get("cost") if cost is None else cost)
    return UsageInfo(prompt, completion, total, billed if billed is None or billed >= 0 else None)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 parses as inf
        return 0


async def events_from_response(
    response: httpx2.Response,
    where: str,
    deadline: float,
    *,
    announced: bool = False,
    stall: float | None = None,
) -> AsyncIterator[ChatEvent]:
    """Chat events from an open 2xx streaming response, until the answer ends or fails.

    The caller closes the response. `deadline` (loop time) bounds the whole answer: keep-alive
    comments reset httpx's idle timeout but never this one. `stall` (seconds) bounds the time
    without new answer or reasoning text: a gateway that sends only keep-alives is stopped.
    """
    decoder = ChunkDecoder(where, announced=announced)
    content_type = response.headers.get("content-type", "").lower()
    if "json" in content_type or "html" in content_type:
        async for event in _whole_body(response, where, deadline, decoder):
            yield event
        return
    source_type = httpx2.EventSource if "event-stream" in content_type else AnyTypeEventSource
    source = source_type(response, max_event_size=MAX_EVENT_BYTES).__aiter__()
    clock = asyncio.get_running_loop().time
    progress_by = clock() + stall if stall else deadline  # new text must come by then
    while not decoder.done:
        try:
            async with asyncio.timeout_at(min(deadline, progress_by)):
                sse = await anext(source)
        except StopAsyncIteration:
            break
        except Exception as exc:  # noqa: BLE001 - every transport failure becomes an event
            if decoder.finished:  # the answer is whole; only [DONE] or usage went missing
                break
            if isinstance(exc, TimeoutError) and stall and progress_by < deadline:
                yield StreamFailed(_stalled(where, stall), cut=True)
                return
            yield StreamFailed(_transport_error(exc, where), cut=True)
            return
        for event in decoder.feed(sse.event, sse.data):
            if stall and isinstance(event, ContentDelta | ReasoningDelta) and event.text:
                progress_by = clock() + stall
            yield event
    for event in decoder.end():
        yield event


async def _whole_body(
    response: httpx2.Response, where: str, deadline: float, decoder: ChunkDecoder
) -> AsyncIterator[ChatEvent]:
    """A streamed request answered by a whole body: an error, or a non-streamed answer."""
    try:
        async with asyncio.timeout_at(deadline):
            body = await response.aread()
    except Exception as exc:  # noqa: BLE001
        yield StreamFailed(_transport_error(exc, where), cut=True)
        return
    if body.lstrip().startswith((b"data:", b":", b"event:")):  # SSE labelled as JSON
        sse_response = httpx2.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=body,
            request=response.request,
        )
        try:
            for sse in httpx2.EventSource(sse_response, max_event_size=MAX_EVENT_BYTES):
                for event in decoder.feed(sse.event, sse.data):
                    yield event
        except httpx2.SSEError as exc:
            yield StreamFailed(_transport_error(exc, where), cut=True)
            return
        for event in decoder.end():
            yield event
        return
    content_type = response.headers.get("content-type", "").lower()
    try:
        payload = parse_json(body, content_type, where, response.status_code)
    except ProtocolError as exc:
        yield StreamFailed(exc)
        return
    if not isinstance(payload, dict):
        yield StreamFailed(
            ProtocolError(
                _("{where} answered with JSON that is not an object.").format(where=where)
            )
        )
        return
    if "error_des" in payload and payload.get("error") not in (0, "0", None, False):
        try:  # openai-hk's envelope with a non-zero error: its own words, classified
            unwrap(payload, where)
        except GatewayError as exc:
            yield StreamFailed(exc)
            return
    message, _kind = error_fields(payload)
    if message is not None:
        yield StreamFailed(
            ServerError(
                _("{where} answered with an error instead of an answer.").format(where=where),
                gateway_message=message,
            )
        )
        return
    if not payload.get("choices"):
        yield StreamFailed(
            ProtocolError(_("{where} answered without any choices.").format(where=where))
        )
        return
    for event in decoder.feed_chunk(payload):
        yield event
    for event in decoder.end():
        yield event


def _stalled(where: str, seconds: float) -> GatewayError:
    return GatewayTimeout(
        _(
            "{where} sent no new text for {seconds} s (only keep-alives), so the answer was "
            "stopped; the text so far is kept."
        ).format(where=where, seconds=f"{seconds:g}")
    )


def _transport_error(exc: BaseException, where: str) -> GatewayError:
    """The user's sentence for a failure while reading a stream."""
    if isinstance(exc, TimeoutError):
        return GatewayTimeout(
            _("{where} took longer than the answer deadline; the text so far is kept.").format(
                where=where
            )
        )
    if isinstance(exc, httpx2.TimeoutException):
        return GatewayTimeout(
            _("{where} went silent mid-answer; the text so far is kept.").format(where=where)
        )
    if isinstance(exc, httpx2.DecodingError):
        return ProtocolError(
            _("{where} sent a body that cannot be decoded; the text so far is kept.").format(
                where=where
            )
        )
    if isinstance(exc, httpx2.SSEError):
        return ProtocolError(
            _("{where} sent an event too large to read; the text so far is kept.").format(
                where=where
            )
        )
    if isinstance(exc, httpx2.TransportError | httpx2.StreamError | OSError):
        return NetworkError(
            _("The connection to {where} dropped mid-answer; the text so far is kept.").format(
                where=where
            )
        )
    raise exc
