"""Compare models: one request sent to several models at once, each answer's stats and cost.

No Textual here: the app's compare screen and `tokendeck compare` drive the same engine. Each
model is a lane; lanes stream concurrently (at most `concurrency` at a time), each keeps its
time to first token, tokens, tokens per second and cost — estimated while it streams, replaced
by the billed figure once the gateway states it (`usage.cost`) or the usage log's row for its
request id arrives (`bill`). A lane that fails keeps its error and the others go on; a rate
limit (429) or a busy gateway (5xx) before any text is waited out for that lane alone, as its
Retry-After says.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from ..base.turns import in_turns
from ..gateway.errors import GatewayError, OutOfCredits, RateLimited
from ..gateway.types import (
    ChatAccumulator,
    ChatEvent,
    ChatParams,
    ChatResult,
    ContentDelta,
    Finish,
    Message,
    Opened,
    ReasoningDelta,
    UsageInfo,
)

MIN_MODELS, MAX_MODELS = 2, 4
CONCURRENCY = 4  # requests streaming at once, at most
ATTEMPTS = 3  # per model, the first included, for a 429 / 5xx before any answer
MAX_WAIT = 60.0  # seconds: a longer Retry-After is reported, not waited
BACKOFF = 1.0  # seconds before retrying a 5xx that gave no Retry-After (doubles)
BILL_TRIES = 4  # looks for the usage-log rows after the last answer ended
BILL_PAUSE = 0.5  # seconds between them
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Seconds of buffered events all lanes together handle before the event loop gets a turn (each
# lane its part): after a pause (the process waited for a core) every stream has a burst to read
# at once, and four of them handled in one go held the screen and keys for 100 ms and more
# (bench/compare.py).
SHARE = 0.008


class LaneState(StrEnum):
    QUEUED = "queued"  # waiting for a free request slot
    WAITING = "waiting"  # rate limited: waiting for Retry-After before trying again
    ASKING = "asking"  # request sent, nothing back yet
    STREAMING = "streaming"
    DONE = "done"
    STOPPED = "stopped"  # stopped by the user; partial text kept
    CUT = "cut"  # the stream ended before the gateway finished
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        return self in _ENDED


_ENDED = frozenset({LaneState.DONE, LaneState.STOPPED, LaneState.CUT, LaneState.FAILED})


class ChatSource(Protocol):
    """What the engine needs from tui.gateway.Gateway."""

    def stream_chat(self, messages: Sequence[Message], params: ChatParams) -> Any: ...


Estimate = Callable[[str, int, int], Decimal | None]  # model, prompt, completion -> credits
Bill = Callable[[Sequence["Lane"]], Awaitable[dict[int, Decimal]]]  # lanes -> {slot: billed}
Changed = Callable[["Lane", ChatEvent | None], None]


@dataclass(eq=False)
class Lane:
    """One model's answer in a comparison, and its figures as they stand."""

    slot: int
    model: str
    messages: Sequence[Message] = ()  # what is sent (each model may get its own cut)
    prompt_estimate: int = 0  # prompt tokens estimated from the text, until usage says
    state: LaneState = LaneState.QUEUED
    deltas: int = 0  # content and reasoning pieces so far (about a token each)
    sent_at: float | None = None  # the (last) request sent
    first_at: float | None = None  # the first piece of answer
    last_at: float | None = None  # the latest piece
    ended_at: float | None = None
    retry_at: float | None = None  # while WAITING: when the next try goes
    attempts: int = 0
    estimate: Decimal | None = None
    billed: Decimal | None = None  # what the gateway charged: its statement or its log row
    result: ChatResult = field(default_factory=ChatResult)
    acc: ChatAccumulator = field(default_factory=ChatAccumulator, repr=False)
    pieces: list[str] = field(default_factory=list, repr=False)  # the answer text, as it came

    @property
    def text(self) -> str:
        """The answer's text so far."""
        return "".join(self.pieces)

    @property
    def ttft(self) -> float | None:
        """Seconds from the request to the first piece of answer."""
        if self.first_at is None or self.sent_at is None:
            return None
        return max(0.0, self.first_at - self.sent_at)

    @property
    def tokens(self) -> int:
        """Completion tokens: the gateway's count when it gave one, else the pieces so far."""
        usage = self.result.usage
        return usage.completion_tokens if usage is not None else self.deltas

    @property
    def prompt_tokens(self) -> int:
        usage = self.result.usage
        return usage.prompt_tokens if usage is not None else self.prompt_estimate

    def tokens_per_s(self, now: float | None = None) -> float | None:
        """Tokens per second from the first piece to the last (or `now` while streaming)."""
        if self.first_at is None:
            return None
        end = self.last_at if self.state.ended or now is None else now
        span = (end or self.first_at) - self.first_at
        return self.tokens / span if span > 0 and self.tokens > 1 else None

    @property
    def cost(self) -> Decimal | None:
        return self.billed if self.billed is not None else self.estimate

    @property
    def cost_estimated(self) -> bool:
        return self.billed is None and self.estimate is not None

    @property
    def request_id(self) -> str | None:
        return self.result.request_id

    @property
    def finish_reason(self) -> str | None:
        return self.result.finish_reason

    @property
    def error(self) -> GatewayError | None:
        return self.result.error

    @property
    def charged(self) -> bool:
        """The gateway may have charged for it: some answer came, or usage was counted."""
        return bool(self.deltas or self.result.usage)


class Comparison:
    """Streams one request to 2-4 models at once. `run()` returns when every lane ended;
    `stop(slot)` stops one lane, `stop()` all; `changed(lane, event)` is told of each step."""

    def __init__(
        self,
        gateway: ChatSource,
        lanes: Sequence[Lane],
        params: ChatParams,
        *,
        estimate: Estimate | None = None,
        bill: Bill | None = None,
        changed: Changed | None = None,
        concurrency: int = CONCURRENCY,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.gateway = gateway
        self.lanes = list(lanes)
        self.params = params
        self.estimate = estimate
        self.bill = bill
        self.changed = changed
        self.clock = clock
        self.sleep = sleep
        self.limit = asyncio.Semaphore(max(1, concurrency))
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._ended = asyncio.Event()  # a lane ended since the last billing
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    async def run(self) -> None:
        """Stream every lane to its end, then find what each was billed."""
        self._running = True
        try:
            async with asyncio.TaskGroup() as group:
                for lane in self.lanes:
                    self._tasks[lane.slot] = group.create_task(self._lane(lane))
                biller = group.create_task(self._billing()) if self.bill else None
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)
                if biller is not None:
                    self._ended.set()
                    await biller
        finally:
            self._running = False

    def stop(self, slot: int | None = None) -> None:
        """Stop one lane (or every lane still going); the text so far is kept."""
        for lane in self.lanes:
            if (slot is None or lane.slot == slot) and not lane.state.ended:
                task = self._tasks.get(lane.slot)
                if task is not None:
                    task.cancel()

    def _tell(self, lane: Lane, event: ChatEvent | None = None) -> None:
        if self.changed is not None:
            self.changed(lane, event)

    # ---- one lane ------------------------------------------------------------------------

    async def _lane(self, lane: Lane) -> None:
        try:
            while True:
                async with self.limit:
                    await self._stream(lane)
                wait = self._retry_wait(lane)
                if wait is None:
                    break
                lane.state, lane.retry_at = LaneState.WAITING, self.clock() + wait
                self._tell(lane)
                await self.sleep(wait)
                lane.retry_at = None
        except asyncio.CancelledError:
            lane.state = LaneState.STOPPED
        finally:
            self._end(lane)

    async def _stream(self, lane: Lane) -> None:
        lane.attempts += 1
        lane.acc = ChatAccumulator()
        lane.state, lane.sent_at = LaneState.ASKING, self.clock()
        self._tell(lane)
        events = self.gateway.stream_chat(lane.messages, _with_model(self.params, lane.model))
        async with aclosing(events):
            async for event in in_turns(events, SHARE / len(self.lanes)):
                self._take(lane, event)

    def _take(self, lane: Lane, event: ChatEvent) -> None:
        lane.acc.add(event)
        if isinstance(event, ContentDelta | ReasoningDelta):
            now = self.clock()
            if lane.first_at is None:
                lane.first_at = now
                lane.state = LaneState.STREAMING
            lane.last_at = now
            lane.deltas += 1
            if isinstance(event, ContentDelta):
                lane.pieces.append(event.text)
            self._estimate(lane)
        elif isinstance(event, UsageInfo):
            lane.result.usage = event
            if event.cost is not None:  # the gateway stated its price (OpenRouter, LiteLLM)
                lane.billed = event.cost
            self._estimate(lane)
        elif isinstance(event, Opened):
            lane.result.request_id = event.request_id
        elif isinstance(event, Finish):
            lane.result.finish_reason = event.reason
        self._tell(lane, event)

    def _estimate(self, lane: Lane) -> None:
        """The lane's cost until the gateway's figure is in; none for a request that got no
        answer and no usage (refused: nothing was billed, as a chat answer that failed so)."""
        if self.estimate is None:
            return
        if lane.deltas or lane.result.usage is not None:
            lane.estimate = self.estimate(lane.model, lane.prompt_tokens, lane.tokens)
        else:
            lane.estimate = None

    def _retry_wait(self, lane: Lane) -> float | None:
        """Seconds to wait before asking again, when the gateway refused for now (429, 5xx)
        before any answer came and tries are left; None when the lane is over."""
        error = lane.acc.result.error
        if error is None or lane.deltas or lane.attempts >= ATTEMPTS:
            return None
        if isinstance(error, OutOfCredits) or error.status not in RETRY_STATUSES:
            return None
        after = error.retry_after if isinstance(error, RateLimited) else None
        if after is None:
            return BACKOFF * 2 ** (lane.attempts - 1)
        return after if after <= MAX_WAIT else None

    def _end(self, lane: Lane) -> None:
        stopped = lane.state == LaneState.STOPPED
        result = lane.acc.finish()
        result.usage = result.usage or lane.result.usage
        result.request_id = result.request_id or lane.result.request_id
        lane.result = result
        lane.ended_at = self.clock()
        if stopped:
            pass
        elif result.error is not None:
            lane.state = LaneState.CUT if result.cut else LaneState.FAILED
        else:
            lane.state = LaneState.DONE
        self._estimate(lane)
        self._ended.set()
        self._tell(lane)

    # ---- billed costs --------------------------------------------------------------------

    async def _billing(self) -> None:
        """Look up the billed cost of the lanes that ended, each time some did; after the last,
        a few more times while rows are missing (a log may lag its answers)."""
        assert self.bill is not None
        tries = 0
        while True:
            await self._ended.wait()
            self._ended.clear()
            over = all(lane.state.ended for lane in self.lanes)
            await self._bill_once()
            if over:
                if not self._unbilled() or tries >= BILL_TRIES:
                    return
                tries += 1
                await self.sleep(BILL_PAUSE)
                self._ended.set()

    def _unbilled(self) -> list[Lane]:
        return [
            lane
            for lane in self.lanes
            if lane.state.ended and lane.billed is None and lane.charged and lane.request_id
        ]

    async def _bill_once(self) -> None:
        lanes = self._unbilled()
        if not lanes or self.bill is None:
            return
        try:
            found = await self.bill(lanes)
        except GatewayError:
            return  # no usage log to read: the estimates stand
        for lane in lanes:
            if lane.slot in found:
                lane.billed = found[lane.slot]
                self._tell(lane)


def _with_model(params: ChatParams, model: str) -> ChatParams:
    return ChatParams(model, params.temperature, params.top_p, params.max_tokens, params.stop)


def lanes_for(
    models: Sequence[str], messages: Sequence[Message], prompt_estimate: int = 0
) -> list[Lane]:
    """One lane per model, each sent the same messages."""
    return [Lane(i, m, messages, prompt_estimate) for i, m in enumerate(models)]


def check_models(models: Sequence[str]) -> list[str]:
    """The models to compare, each once, in the order given; ValueError unless 2-4 remain."""
    unique = list(dict.fromkeys(m.strip() for m in models if m.strip()))
    if not MIN_MODELS <= len(unique) <= MAX_MODELS:
        raise ValueError(len(unique))
    return unique
