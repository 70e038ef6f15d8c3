"""Streamed chat through `Gateway.stream_chat` against the demo gateway over real loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass

import httpx2
import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tui.demo import DEMO_KEY, DemoGateway, Fault
from tui.demo.answers import UTF8_ANSWER, big_line_piece
from tui.gateway import (
    ChatAccumulator,
    ChatEvent,
    ChatParams,
    ChatResult,
    ContentDelta,
    Finish,
    Gateway,
    GatewayTimeout,
    Malformed,
    Message,
    NetworkError,
    Opened,
    ProtocolError,
    ReasoningDelta,
    ServerError,
    StreamFailed,
    Timeouts,
    UsageInfo,
)

PROMPT = "Explain Python decorators with an example"
MODEL = "gpt-4o-mini"
HANG_GUARD = 20.0  # bounds a hang only; no assertion depends on elapsed time


@dataclass
class Run:
    events: list[ChatEvent]
    result: ChatResult

    def of(self, kind: type) -> list[ChatEvent]:
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def failure(self) -> StreamFailed:
        failures = self.of(StreamFailed)
        assert len(failures) == 1 and self.events[-1] is failures[0], self.events
        failure = failures[0]
        assert isinstance(failure, StreamFailed)
        return failure

    @property
    def pieces(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, ContentDelta)]


async def stream(
    gw: Gateway,
    prompt: str = PROMPT,
    *,
    model: str = MODEL,
    history: Sequence[Message] = (),
    max_tokens: int | None = None,
) -> Run:
    messages = [*history, Message("user", prompt)]
    params = ChatParams(model, max_tokens=max_tokens)
    async with asyncio.timeout(HANG_GUARD), aclosing(gw.stream_chat(messages, params)) as events:
        collected = [event async for event in events]
    acc = ChatAccumulator()
    for event in collected:
        acc.add(event)
    return Run(collected, acc.finish())


def chat_posts(demo: DemoGateway) -> int:
    return sum(path.endswith("/chat/completions") for _method, path in demo.requests)


def assert_clean(run: Run, reason: str | None = "stop") -> None:
    assert run.of(StreamFailed) == [] and run.of(Malformed) == []
    assert run.of(Finish) == [Finish(reason)]
    assert run.result.ok and run.result.error is None and not run.result.cut


# ---- streams that carry the same text as a plain stream ---------------------------------


async def test_plain_stream_events_match_the_log_row_and_the_non_stream_answer(
    demo: DemoGateway, gw: Gateway
) -> None:
    run = await stream(gw)
    row = demo.logs[0]
    assert run.events[0] == Opened(row["reqid"])
    assert_clean(run)
    assert len(run.pieces) > 20 and run.result.reasoning == ""
    # Finish, then the usage-only chunk (choices []), then [DONE] which yields nothing.
    assert isinstance(run.events[-2], Finish) and isinstance(run.events[-1], UsageInfo)
    prompt_tokens, completion_tokens = int(row["prompt_tokens"]), int(row["completion_tokens"])
    assert run.result.usage == UsageInfo(
        prompt_tokens, completion_tokens, prompt_tokens + completion_tokens
    )
    assert completion_tokens == len(run.pieces)
    whole = await gw.chat([Message("user", PROMPT)], ChatParams(MODEL))
    assert whole.content == run.result.content
    assert whole.usage == run.result.usage and whole.finish_reason == "stop"


@pytest.mark.parametrize(
    "kind", ["comments", "sse_fields", "crlf", "nospace", "multiline_data", "usage_unasked"]
)
async def test_stream_shapes_give_exactly_the_plain_text(
    demo: DemoGateway, gw: Gateway, kind: str
) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault(kind))
    shaped = await stream(gw)
    assert_clean(shaped)
    assert shaped.result.content == plain.result.content
    assert shaped.pieces == plain.pieces
    assert shaped.result.usage == plain.result.usage is not None
    assert shaped.events[0] == Opened(demo.logs[0]["reqid"])


async def test_no_usage_gives_the_text_without_usage(demo: DemoGateway, gw: Gateway) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault("no_usage"))
    run = await stream(gw)
    assert_clean(run)
    assert run.result.content == plain.result.content
    assert run.of(UsageInfo) == [] and run.result.usage is None


async def test_utf8_split_inside_characters_decodes_to_the_non_stream_answer(
    demo: DemoGateway, gw: Gateway
) -> None:
    demo.add_fault(Fault("utf8_split", times=2))
    run = await stream(gw)
    whole = await gw.chat([Message("user", PROMPT)], ChatParams(MODEL))
    assert_clean(run)
    assert run.result.content == whole.content == UTF8_ANSWER
    assert "你好，世界 🌍🚀" in run.result.content and "👨‍👩‍👧‍👦 🇭🇰" in run.result.content
    assert "\ufffd" not in run.result.content


async def test_max_tokens_ends_with_length(gw: Gateway) -> None:
    plain = await stream(gw)
    run = await stream(gw, max_tokens=5)
    assert_clean(run, "length")
    assert run.pieces == plain.pieces[:5]


# ---- reasoning ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["deepseek-reasoner", "qwen3-thinking"])
async def test_reasoning_arrives_as_reasoning_deltas_before_the_content(
    gw: Gateway, model: str
) -> None:
    run = await stream(gw, model=model)
    assert_clean(run)
    kinds = [type(e) for e in run.events if isinstance(e, ReasoningDelta | ContentDelta)]
    first_content = kinds.index(ContentDelta)
    assert first_content > 5 and set(kinds[:first_content]) == {ReasoningDelta}
    assert ReasoningDelta not in kinds[first_content:]
    whole = await gw.chat([Message("user", PROMPT)], ChatParams(model))
    assert run.result.reasoning == whole.reasoning and "Let me think" in whole.reasoning
    assert run.result.content == whole.content


async def test_models_without_reasoning_give_no_reasoning_deltas(gw: Gateway) -> None:
    run = await stream(gw, model="deepseek-chat")
    assert run.of(ReasoningDelta) == [] and run.result.content


async def test_follow_up_after_reasoning_never_sends_reasoning_back(
    demo: DemoGateway, gw: Gateway
) -> None:
    model = "deepseek-reasoner"
    first = await stream(gw, model=model)
    assert first.result.reasoning
    history = [Message("user", PROMPT), Message("assistant", first.result.content)]
    follow = await stream(gw, "And how do class decorators differ?", model=model, history=history)
    assert_clean(follow)
    assert follow.result.content and follow.result.content != first.result.content
    # The check is real: the demo refuses history that carries reasoning_content.
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {DEMO_KEY}"}) as client:
        refused = await client.post(
            demo.opencodex_base + "/chat/completions",
            json={
                "model": model,
                "messages": [
                    {"role": "user", "content": PROMPT},
                    {
                        "role": "assistant",
                        "content": first.result.content,
                        "reasoning_content": first.result.reasoning,
                    },
                    {"role": "user", "content": "And?"},
                ],
            },
        )
    assert refused.status_code == 400


# ---- endings ------------------------------------------------------------------------------


async def test_clean_done_finishes_with_stop(gw: Gateway) -> None:
    run = await stream(gw)
    assert_clean(run, "stop")
    assert run.result.finish_reason == "stop"


async def test_a_one_mebibyte_line_arrives_whole(demo: DemoGateway, gw: Gateway) -> None:
    # One delta of 1 MiB is one SSE event of more than 1 MiB (httpx2's default cap).
    demo.add_fault(Fault("big_line"))
    run = await stream(gw)
    assert_clean(run, "stop")
    assert run.result.content == big_line_piece()


@pytest.mark.parametrize("kind", ["cut", "reset"])
async def test_cut_and_reset_fail_as_cut_and_keep_the_text(
    demo: DemoGateway, gw: Gateway, kind: str
) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault(kind, after=3))
    run = await stream(gw)
    failure = run.failure
    assert failure.cut and type(failure.error) is NetworkError
    assert "cut off" in str(failure.error) or "dropped" in str(failure.error)
    assert "text so far is kept" in str(failure.error)
    assert run.pieces == plain.pieces[:3]
    assert run.result.content == "".join(plain.pieces[:3])
    assert run.of(Finish) == [] and not run.result.finished and run.result.cut
    assert demo.logs[0]["completion_tokens"] == "3"


@pytest.mark.parametrize("reason", ["length", "content_filter", "insufficient_system_resource"])
async def test_finish_reasons_are_reported(demo: DemoGateway, gw: Gateway, reason: str) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault("finish", finish_reason=reason))
    run = await stream(gw)
    assert_clean(run, reason)
    assert run.result.finish_reason == reason
    assert run.result.content == plain.result.content


async def test_done_only_finishes_without_a_reason_and_without_error(
    demo: DemoGateway, gw: Gateway
) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault("done_only"))
    run = await stream(gw)
    assert_clean(run, None)
    assert run.events[-1] == Finish(None)
    assert run.result.content == plain.result.content and run.result.usage == plain.result.usage


# ---- errors inside or instead of the stream -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("error_chunk", "upstream provider error"),
        ("event_error", "stream interrupted by upstream"),
        ("object_error", "model crashed"),
    ],
)
async def test_mid_stream_errors_keep_the_text(
    demo: DemoGateway, gw: Gateway, kind: str, said: str
) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault(kind, after=3))
    run = await stream(gw)
    failure = run.failure
    assert not failure.cut and type(failure.error) is ServerError
    assert failure.error.gateway_message == said
    assert said in failure.error.detail and "text so far is kept" in str(failure.error)
    assert run.result.content == "".join(plain.pieces[:3]) and run.pieces == plain.pieces[:3]
    assert run.of(Finish) == [] and not run.result.ok


async def test_json_error_with_200_on_a_stream_request_fails_with_its_message(
    demo: DemoGateway, gw: Gateway
) -> None:
    demo.add_fault(Fault("json_200_error"))
    run = await stream(gw)
    error = run.failure.error
    assert type(error) is ServerError and error.gateway_message == "upstream model overloaded"
    assert "upstream model overloaded" in error.detail
    assert run.result.content == "" and chat_posts(demo) == 1


async def test_malformed_chunk_is_skipped_and_the_rest_arrives(
    demo: DemoGateway, gw: Gateway
) -> None:
    plain = await stream(gw)
    demo.add_fault(Fault("malformed_json", after=3))
    run = await stream(gw)
    malformed = run.of(Malformed)
    assert len(malformed) == 1
    assert isinstance(malformed[0], Malformed) and type(malformed[0].error) is ProtocolError
    assert "malformed chunk" in str(malformed[0].error)
    deltas = [e for e in run.events if isinstance(e, ContentDelta | Malformed)]
    assert deltas.index(malformed[0]) == 3
    assert run.of(StreamFailed) == [] and run.of(Finish) == [Finish("stop")]
    assert run.result.content == plain.result.content and len(run.result.warnings) == 1


async def test_empty_200_is_a_clear_protocol_error(demo: DemoGateway, gw: Gateway) -> None:
    demo.add_fault(Fault("empty_200"))
    run = await stream(gw)
    error = run.failure.error
    assert type(error) is ProtocolError
    assert str(error) == f"{gw.where} answered with an empty body (HTTP 200)."
    assert run.result.content == ""


async def test_html_502_is_a_sentence_never_raw_html(demo: DemoGateway) -> None:
    sleep = RecordingSleep()
    async with make_gateway(demo, sleep=sleep) as gw:
        demo.add_fault(Fault("html_502", times=-1))
        run = await stream(gw)
    error = run.failure.error
    assert type(error) is ServerError and error.status == 502
    assert str(error) == f"{gw.where} had a server error (HTTP 502) — retry later."
    for text in (str(error), error.detail, repr(error)):
        assert "<" not in text and "nginx" not in text
    assert error.gateway_message is None
    assert chat_posts(demo) == 3 and len(sleep.delays) == 2  # 502 is retried, then reported


# ---- time ---------------------------------------------------------------------------------


async def test_stall_longer_than_the_stream_deadline_times_out(demo: DemoGateway) -> None:
    demo.add_fault(Fault("stall", seconds=30))
    async with make_gateway(demo, timeouts=Timeouts(read_idle=10, stream=0.5)) as gw:
        run = await stream(gw)
    failure = run.failure
    assert type(failure.error) is GatewayTimeout and failure.cut
    assert "longer than the answer deadline" in str(failure.error)
    assert run.result.content == ""


async def test_keep_alives_never_extend_the_stream_deadline(demo: DemoGateway) -> None:
    demo.add_fault(Fault("keepalive_only", seconds=5))
    async with make_gateway(demo, timeouts=Timeouts(read_idle=10, stream=0.5)) as gw:
        run = await stream(gw)
    failure = run.failure
    assert type(failure.error) is GatewayTimeout and failure.cut
    assert "longer than the answer deadline" in str(failure.error)
    assert isinstance(run.events[0], Opened)  # the header's request id; nothing was charged
    assert run.of(ContentDelta) == [] and run.result.content == ""


async def test_read_idle_shorter_than_a_stall_times_out(demo: DemoGateway) -> None:
    demo.add_fault(Fault("stall", seconds=30))
    async with make_gateway(demo, timeouts=Timeouts(read_idle=0.5, stream=15)) as gw:
        run = await stream(gw)
    failure = run.failure
    assert type(failure.error) is GatewayTimeout and failure.cut
    assert "went silent" in str(failure.error)


async def test_cancelling_a_dripping_stream_ends_the_task(demo: DemoGateway, gw: Gateway) -> None:
    demo.add_fault(Fault("drip", seconds=60))
    first_piece = asyncio.Event()
    seen: list[ChatEvent] = []

    async def consume() -> None:
        messages, params = [Message("user", PROMPT)], ChatParams(MODEL)
        async with aclosing(gw.stream_chat(messages, params)) as events:
            async for event in events:
                seen.append(event)
                if isinstance(event, ContentDelta):
                    first_piece.set()

    task = asyncio.create_task(consume())
    async with asyncio.timeout(HANG_GUARD):
        await first_piece.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()
    assert [e for e in seen if isinstance(e, ContentDelta)] == [seen[-1]]
    assert not any(isinstance(e, StreamFailed | Finish) for e in seen)
    # The gateway stays usable after the cancelled stream.
    demo.clear_faults()
    assert_clean(await stream(gw))


async def test_stopping_early_closes_the_stream_and_the_gateway_goes_on(
    demo: DemoGateway, gw: Gateway
) -> None:
    messages, params = [Message("user", PROMPT)], ChatParams(MODEL)
    async with asyncio.timeout(HANG_GUARD), aclosing(gw.stream_chat(messages, params)) as events:
        async for event in events:
            if isinstance(event, ContentDelta):
                break
    assert_clean(await stream(gw))
    assert chat_posts(demo) == 2
