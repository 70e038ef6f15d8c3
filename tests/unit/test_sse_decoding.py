"""Pure decoding of chat streams: ChunkDecoder, and any byte chunking fed through MockTransport.

These add to the real-HTTP tests in test_gateway_stream.py; they never replace them.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import aclosing
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.gateway import (
    ChatEvent,
    ChatParams,
    ContentDelta,
    Finish,
    Gateway,
    GatewayError,
    GatewaySpec,
    GatewayTimeout,
    Malformed,
    Message,
    NetworkError,
    Opened,
    ProtocolError,
    ReasoningDelta,
    Secret,
    ServerError,
    StreamFailed,
    Timeouts,
    UsageInfo,
)
from tui.gateway.stream import MAX_EVENT_BYTES, ChunkDecoder
from tui.gateway.types import RetryPolicy

WHERE = "gw.test"
KEY = "sk-live-mocktransport000000000"
CHUNK_ID = "chatcmpl-abc"
SSE = "text/event-stream"


def feed_all(decoder: ChunkDecoder, items: Iterable[tuple[str, str]]) -> list[ChatEvent]:
    events: list[ChatEvent] = []
    for event, data in items:
        events.extend(decoder.feed(event, data))
    events.extend(decoder.end())
    return events


def chunk(**choice: Any) -> str:
    return json.dumps({"id": CHUNK_ID, "choices": [{"index": 0, **choice}]})


def piece(field: str, text: str) -> str:
    return chunk(delta={field: text}, finish_reason=None)


# ---- ChunkDecoder -------------------------------------------------------------------------


def test_a_plain_sequence_decodes_to_typed_events() -> None:
    usage = json.dumps(
        {"id": CHUNK_ID, "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}
    )
    events = feed_all(
        ChunkDecoder(WHERE),
        [
            ("message", chunk(delta={"role": "assistant", "content": ""}, finish_reason=None)),
            ("message", piece("reasoning_content", "think ")),
            ("message", piece("reasoning", "more ")),
            ("message", piece("content", "Hello")),
            ("message", piece("content", " world")),
            ("message", chunk(delta={}, finish_reason="stop")),
            ("message", usage),
            ("message", "[DONE]"),
            ("message", piece("content", "after done is ignored")),
        ],
    )
    assert events == [
        Opened(CHUNK_ID),
        ReasoningDelta("think "),
        ReasoningDelta("more "),
        ContentDelta("Hello"),
        ContentDelta(" world"),
        Finish("stop"),
        UsageInfo(3, 4, 7),
    ]


def test_an_announced_stream_gives_no_second_opened() -> None:
    events = feed_all(ChunkDecoder(WHERE, announced=True), [("message", piece("content", "x"))])
    assert events[0] == ContentDelta("x") and not any(isinstance(e, Opened) for e in events)


def test_bare_done_finishes_without_a_reason() -> None:
    events = feed_all(ChunkDecoder(WHERE), [("message", piece("content", "a")), ("", "[DONE]")])
    assert events == [Opened(CHUNK_ID), ContentDelta("a"), Finish(None)]


def test_a_finish_reason_then_done_gives_one_finish() -> None:
    events = feed_all(
        ChunkDecoder(WHERE),
        [("message", chunk(delta={"content": "a"}, finish_reason="length")), ("", " [DONE] ")],
    )
    assert events == [Opened(CHUNK_ID), ContentDelta("a"), Finish("length")]


@pytest.mark.parametrize(
    ("event", "data", "said"),
    [
        ("error", '{"error":{"message":"upstream died (request id: 2024x)"}}', "upstream died"),
        ("error", "plain words", "plain words"),
        ("error", "", "no reason given"),
        ("message", '{"error":{"message":"boom","code":502},"choices":[]}', "boom"),
        ("message", '{"error":{"code":"overloaded"}}', "overloaded"),
        ("message", '{"object":"error","message":"model crashed","type":"X"}', "model crashed"),
        ("message", chunk(delta={}, finish_reason="error"), "the model stopped with an error"),
    ],
)
def test_errors_in_the_stream_fail_it_and_keep_the_text(event: str, data: str, said: str) -> None:
    events = feed_all(
        ChunkDecoder(WHERE), [("message", piece("content", "kept")), (event, data), ("", "[DONE]")]
    )
    assert events[:2] == [Opened(CHUNK_ID), ContentDelta("kept")]
    assert len(events) == 3 and isinstance(events[2], StreamFailed)
    error = events[2].error
    assert type(error) is ServerError and error.gateway_message == said and not events[2].cut
    assert str(error) == f"{WHERE} reported an error mid-answer; the text so far is kept."


@pytest.mark.parametrize(
    ("data", "words"),
    [("{not json", "malformed chunk"), ("[1, 2]", "not an object"), ('"text"', "not an object")],
)
def test_unreadable_chunks_are_skipped(data: str, words: str) -> None:
    events = feed_all(
        ChunkDecoder(WHERE),
        [
            ("message", piece("content", "a")),
            ("message", data),
            ("message", piece("content", "b")),
            ("message", "[DONE]"),
        ],
    )
    assert [type(e) for e in events] == [Opened, ContentDelta, Malformed, ContentDelta, Finish]
    malformed = events[2]
    assert isinstance(malformed, Malformed) and type(malformed.error) is ProtocolError
    assert words in str(malformed.error)


def test_deeply_nested_json_is_malformed_not_a_crash() -> None:
    events = feed_all(ChunkDecoder(WHERE), [("message", "[" * 100_000), ("message", "[DONE]")])
    assert [type(e) for e in events] == [Malformed, Finish]


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 9}, UsageInfo(3, 4, 9)),
        ({"prompt_tokens": "3", "completion_tokens": 4}, UsageInfo(3, 4, 7)),
        ({"prompt_tokens": None, "completion_tokens": "x"}, UsageInfo(0, 0, 0)),
        ({"prompt_tokens": 1e999, "completion_tokens": float("nan")}, UsageInfo(0, 0, 0)),
        ({"prompt_tokens": [1], "completion_tokens": {"a": 1}}, UsageInfo(0, 0, 0)),
    ],
)
def test_usage_values_are_read_leniently(usage: dict[str, Any], expected: UsageInfo) -> None:
    data = json.dumps({"choices": [], "usage": usage})
    assert list(ChunkDecoder(WHERE).feed("message", data)) == [expected]


def test_blank_data_is_not_an_answer_but_counts_as_data() -> None:
    decoder = ChunkDecoder(WHERE)
    assert list(decoder.feed("message", "  ")) == []
    (failed,) = decoder.end()
    assert isinstance(failed, StreamFailed) and failed.cut and type(failed.error) is NetworkError


def test_an_empty_body_is_a_protocol_error() -> None:
    (failed,) = ChunkDecoder(WHERE).end()
    assert isinstance(failed, StreamFailed) and failed.cut
    assert type(failed.error) is ProtocolError
    assert str(failed.error) == f"{WHERE} closed the stream without sending any answer."


def test_a_stream_without_a_finish_is_cut_but_a_finished_one_is_not() -> None:
    cut = feed_all(ChunkDecoder(WHERE), [("message", piece("content", "half"))])
    assert isinstance(cut[-1], StreamFailed) and cut[-1].cut
    assert "cut off" in str(cut[-1].error)
    finished = feed_all(ChunkDecoder(WHERE), [("message", chunk(delta={}, finish_reason="stop"))])
    assert finished == [Opened(CHUNK_ID), Finish("stop")]


def test_non_stream_message_shape_is_read_by_the_same_decoder() -> None:
    body = {
        "id": CHUNK_ID,
        "choices": [
            {"message": {"content": "whole", "reasoning_content": "why"}, "finish_reason": "stop"},
            {"message": {"content": "second choice is ignored"}},
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    events = list(ChunkDecoder(WHERE).feed_chunk(body))
    assert events == [
        Opened(CHUNK_ID),
        ReasoningDelta("why"),
        ContentDelta("whole"),
        Finish("stop"),
        UsageInfo(1, 2, 3),
    ]


# ---- MockTransport: the whole stream_chat path, any byte chunking ---------------------------

Body = Callable[[], AsyncIterator[bytes]]


def chunks_of(parts: Sequence[bytes], error: Exception | None = None) -> Body:
    async def body() -> AsyncIterator[bytes]:
        for part in parts:
            yield part
        if error is not None:
            raise error

    return body


def mock_gateway(
    parts: Sequence[bytes] | Body,
    *,
    content_type: str = SSE,
    status: int = 200,
    headers: dict[str, str] | None = None,
    seen: list[httpx2.Request] | None = None,
) -> Gateway:
    body = parts if callable(parts) else chunks_of(list(parts))

    def handler(request: httpx2.Request) -> httpx2.Response:
        if seen is not None:
            seen.append(request)
        all_headers = {"content-type": content_type, **(headers or {})}
        return httpx2.Response(status, headers=all_headers, content=body())

    async def no_sleep(_seconds: float) -> None:
        return None

    spec = GatewaySpec(
        name="mock",
        base_url="http://gw.test/v1",
        api_key=Secret(KEY),
        timeouts=Timeouts(connect=5, read_idle=10, request=10, stream=10),
        retry=RetryPolicy(attempts=2),
    )
    return Gateway(spec, transport=httpx2.MockTransport(handler), sleep=no_sleep)


async def run(gw: Gateway, prompt: str = "hi") -> list[ChatEvent]:
    async with gw, asyncio.timeout(20):
        messages, params = [Message("user", prompt)], ChatParams("m")
        async with aclosing(gw.stream_chat(messages, params)) as events:
            return [event async for event in events]


def sse(*payloads: str, eol: str = "\n") -> bytes:
    return "".join(f"data: {p}{eol}{eol}" for p in payloads).encode()


WIRE = sse(
    chunk(delta={"role": "assistant", "content": ""}, finish_reason=None),
    piece("content", "你好，世界 🌍"),
    piece("content", " done"),
    chunk(delta={}, finish_reason="stop"),
    json.dumps(
        {"id": CHUNK_ID, "choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 2}}
    ),
    "[DONE]",
)
WIRE_EVENTS: list[ChatEvent] = [
    Opened(CHUNK_ID),
    ContentDelta("你好，世界 🌍"),
    ContentDelta(" done"),
    Finish("stop"),
    UsageInfo(2, 2, 4),
]


async def test_one_byte_chunks_give_the_same_events() -> None:
    assert await run(mock_gateway([WIRE[i : i + 1] for i in range(len(WIRE))])) == WIRE_EVENTS


async def test_the_request_asks_for_usage_and_sends_only_role_and_content() -> None:
    seen: list[httpx2.Request] = []
    await run(mock_gateway([WIRE], seen=seen))
    (request,) = seen
    body = json.loads(request.content)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_a_header_request_id_is_announced_once() -> None:
    events = await run(mock_gateway([WIRE], headers={"x-request-id": "req-1"}))
    assert events == [Opened("req-1"), *WIRE_EVENTS[1:]]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
async def test_sse_labelled_as_something_else_is_still_read(content_type: str) -> None:
    assert await run(mock_gateway([WIRE], content_type=content_type)) == WIRE_EVENTS


async def test_a_whole_json_answer_to_a_stream_request_is_read() -> None:
    body = json.dumps(
        {"id": CHUNK_ID, "choices": [{"message": {"content": "whole"}, "finish_reason": "stop"}]}
    ).encode()
    events = await run(mock_gateway([body], content_type="application/json"))
    assert events == [Opened(CHUNK_ID), ContentDelta("whole"), Finish("stop")]


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"<html><body>oops</body></html>", "text/html", "an HTML page instead of JSON"),
        (b"[1, 2]", "application/json", "JSON that is not an object"),
        (b'{"id": "x"}', "application/json", "without any choices"),
        (b"{broken", "application/json", "malformed JSON"),
        (b"[" * 100_000, "application/json", "malformed JSON"),
    ],
    ids=["html", "list", "no-choices", "broken", "deep"],
)
async def test_whole_bodies_that_are_not_answers_fail_clearly(
    body: bytes, content_type: str, words: str
) -> None:
    events = await run(mock_gateway([body], content_type=content_type))
    assert len(events) == 1 and isinstance(events[0], StreamFailed)
    assert type(events[0].error) is ProtocolError and words in str(events[0].error)
    assert "<" not in events[0].error.detail


async def test_a_dropped_connection_keeps_the_text() -> None:
    body = chunks_of([sse(piece("content", "kept"))], httpx2.ReadError("boom"))
    events = await run(mock_gateway(body))
    assert events[:2] == [Opened(CHUNK_ID), ContentDelta("kept")]
    failed = events[-1]
    assert isinstance(failed, StreamFailed) and failed.cut and type(failed.error) is NetworkError
    assert "dropped mid-answer" in str(failed.error)


async def test_a_drop_after_the_answer_finished_is_not_a_failure() -> None:
    finished = sse(piece("content", "all"), chunk(delta={}, finish_reason="stop"))
    events = await run(mock_gateway(chunks_of([finished], httpx2.ReadError("boom"))))
    assert events == [Opened(CHUNK_ID), ContentDelta("all"), Finish("stop")]


async def test_an_idle_read_timeout_is_a_gateway_timeout() -> None:
    body = chunks_of([sse(piece("content", "kept"))], httpx2.ReadTimeout("idle"))
    failed = (await run(mock_gateway(body)))[-1]
    assert isinstance(failed, StreamFailed) and type(failed.error) is GatewayTimeout
    assert "went silent" in str(failed.error)


@pytest.mark.parametrize("content_type", [SSE, "application/json"])
async def test_an_event_too_large_is_a_protocol_error(content_type: str) -> None:
    huge = sse(piece("content", "x" * MAX_EVENT_BYTES))  # 1 MiB is fine: test_gateway_stream
    events = await run(mock_gateway([huge], content_type=content_type))
    failed = events[-1]
    assert isinstance(failed, StreamFailed) and type(failed.error) is ProtocolError
    assert "too large" in str(failed.error)


async def test_invalid_utf8_is_replaced_not_raised() -> None:
    body = b'data: {"id":"x","choices":[{"delta":{"content":"a\xff\xfeb"}}]}\n\ndata: [DONE]\n\n'
    events = await run(mock_gateway([body]))
    assert events == [Opened("x"), ContentDelta("a\ufffd\ufffdb"), Finish(None)]


@pytest.mark.parametrize("content_type", [SSE, "application/json"])
async def test_a_body_that_cannot_be_decompressed_is_a_protocol_error(content_type: str) -> None:
    gw = mock_gateway(
        [b"not gzip at all"], content_type=content_type, headers={"content-encoding": "gzip"}
    )
    failed = (await run(gw))[-1]
    assert isinstance(failed, StreamFailed) and type(failed.error) is ProtocolError
    assert "cannot be decoded" in str(failed.error)


async def test_a_gzipped_stream_is_read() -> None:
    gw = mock_gateway([gzip.compress(WIRE)], headers={"content-encoding": "gzip"})
    assert await run(gw) == WIRE_EVENTS


@pytest.mark.parametrize(
    "body",
    [b"not gzip", b"[" * 100_000, b'{"error": {"message": 1e999}}', b"\xff\xfe"],
    ids=["bad-gzip", "deep", "inf", "not-utf8"],
)
async def test_odd_error_bodies_become_gateway_errors(body: bytes) -> None:
    headers = {"content-encoding": "gzip"} if body == b"not gzip" else {}
    gw = mock_gateway([body], status=400, content_type="application/json", headers=headers)
    failed = (await run(gw))[-1]
    assert isinstance(failed, StreamFailed) and isinstance(failed.error, GatewayError)
    async with mock_gateway([body], status=400, headers=headers) as again:
        with pytest.raises(GatewayError):
            await again.models()


async def test_non_stream_calls_with_an_undecodable_body_raise_protocol_error() -> None:
    gw = mock_gateway(
        [b"not gzip"], content_type="application/json", headers={"content-encoding": "gzip"}
    )
    async with gw:
        with pytest.raises(ProtocolError, match="cannot be decoded"):
            await gw.models()
        with pytest.raises(ProtocolError, match="cannot be decoded"):
            await gw.chat([Message("user", "hi")], ChatParams("m"))


# ---- properties ---------------------------------------------------------------------------

FIELDS = ("content", "reasoning_content", "reasoning")
EOLS = ("\n", "\r\n", "\r")


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[bytes, list[ChatEvent]]:
    """A valid chat stream in varied SSE spellings, and the events it must decode to."""
    pieces = draw(
        st.lists(st.tuples(st.sampled_from(FIELDS), st.text(min_size=1, max_size=8)), max_size=10)
    )
    finish = draw(st.sampled_from(["stop", "length", "content_filter", None]))
    usage = draw(st.none() | st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)))
    payloads: list[Any] = [
        {"id": CHUNK_ID, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    ]
    expected: list[ChatEvent] = [Opened(CHUNK_ID)]
    for field, text in pieces:
        payloads.append({"id": CHUNK_ID, "choices": [{"index": 0, "delta": {field: text}}]})
        expected.append(ContentDelta(text) if field == "content" else ReasoningDelta(text))
    if finish:
        payloads.append({"id": CHUNK_ID, "choices": [{"delta": {}, "finish_reason": finish}]})
        expected.append(Finish(finish))
    if usage:
        payloads.append(
            {
                "id": CHUNK_ID,
                "choices": [],
                "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1]},
            }
        )
        expected.append(UsageInfo(usage[0], usage[1], usage[0] + usage[1]))
    if not finish:
        expected.append(Finish(None))
    payloads.append("[DONE]")
    wire = "".join(draw(spelling(payload)) for payload in payloads)
    return wire.encode(), expected


@st.composite
def spelling(draw: st.DrawFn, payload: Any) -> str:
    """One SSE event carrying `payload`, spelled any way the SSE spec allows."""
    eol = draw(st.sampled_from(EOLS))
    space = draw(st.sampled_from(["", " "]))
    if payload == "[DONE]":
        data = "[DONE]"
    else:
        ascii_only = draw(st.booleans())
        indent = draw(st.sampled_from([None, 0, 2]))
        data = json.dumps(payload, ensure_ascii=ascii_only, indent=indent)
    lines = [f"data:{space}{line}" for line in data.split("\n")]
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from([": keep-alive", ": OPENROUTER PROCESSING", ":"])))
    if draw(st.booleans()):
        lines.insert(
            draw(st.integers(0, len(lines))),
            draw(
                st.sampled_from(
                    ["id: 7", "event: message", "event:message", "retry: 3000", "unknown: x"]
                )
            ),
        )
    blank_lines = eol * draw(st.integers(1, 3))
    return eol.join(lines) + eol + blank_lines


def cut(wire: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(wire), *(c % (len(wire) + 1) for c in cuts)})
    return [wire[a:b] for a, b in zip(points, points[1:], strict=False)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=event_streams(), cuts=st.lists(st.integers(min_value=0), max_size=40))
async def test_any_chunking_of_a_valid_stream_gives_the_same_events(
    stream: tuple[bytes, list[ChatEvent]], cuts: list[int]
) -> None:
    wire, expected = stream
    assert await run(mock_gateway(cut(wire, cuts))) == expected


FRAGMENTS = (
    b"data: ",
    b"data:",
    b"\n",
    b"\r\n",
    b"\r",
    b"\n\n",
    b"[DONE]",
    b"event: error\n",
    b": keep-alive\n\n",
    b'{"id":"x","choices":[{"delta":{"content":"t"}}]}',
    b'{"choices":[{"delta":{"reasoning":"r"},"finish_reason":"stop"}]}',
    b'{"choices":[{"finish_reason":"error"}]}',
    b'{"error":{"message":"m"}}',
    b'{"object":"error"}',
    b'{"choices":[],"usage":{"prompt_tokens":1e999,"completion_tokens":"x"}}',
    b'{"choices":"x","usage":[]}',
    b"[" * 3000,
    b"\xe4\xbd",
    b"\xa0",
    b"<html>",
    b"\x00",
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(st.binary(max_size=40) | st.sampled_from(FRAGMENTS), max_size=25),
    content_type=st.sampled_from([SSE, "application/json", "text/html", "text/plain", ""]),
    encoding=st.sampled_from(["identity", "gzip", "bogus gzip"]),
    status=st.sampled_from([200, 200, 200, 400, 500]),
)
async def test_arbitrary_bytes_only_ever_give_the_layers_own_errors(
    parts: list[bytes], content_type: str, encoding: str, status: int
) -> None:
    headers = {"content-encoding": "gzip"} if "gzip" in encoding else {}
    if encoding == "gzip":
        parts = [gzip.compress(b"".join(parts))]
    events = await run(
        mock_gateway(parts, content_type=content_type, status=status, headers=headers)
    )
    for event in events:
        if isinstance(event, StreamFailed | Malformed):
            assert isinstance(event.error, GatewayError) and str(event.error)
            assert KEY not in event.error.detail
    failures = [e for e in events if isinstance(e, StreamFailed)]
    finishes = [e for e in events if isinstance(e, Finish)]
    assert len(failures) <= 1 and len(finishes) <= 1
    assert failures or finishes  # it finished, failed, or (an error after the finish) both
    if failures:
        assert events[-1] is failures[0]
    assert sum(isinstance(e, Opened) for e in events) <= 1
