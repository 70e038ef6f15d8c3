"""A comparison as the app and `tokendeck compare` run it: the engine, every answer saved in the
history as it streams (one comparison conversation), and the billed costs read back from the
answers the usage log confirmed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..gateway.types import ChatEvent, ChatParams, ContentDelta, ReasoningDelta
from ..store import Database, StoreError, StreamWriter, get_message
from ..store.comparisons import save_figures, start_comparison
from .compare import Bill, ChatSource, Comparison, Estimate, Lane, LaneState

CostAnswers = Callable[[], Awaitable[object]]  # sync the usage log, cost the stored answers
Report = Callable[[StoreError], None]

_STATUS = {
    LaneState.DONE: "done",
    LaneState.STOPPED: "stopped",
    LaneState.CUT: "cut",
    LaneState.FAILED: "failed",
}


class CompareSession:
    """Runs `lanes` and keeps them in the history (when there is a writable one). `changed` is
    told of each step after it is saved."""

    def __init__(
        self,
        gateway: ChatSource,
        lanes: Sequence[Lane],
        params: ChatParams,
        *,
        db: Database | None,
        profile: str | None,
        settings: Any,
        prompt: str,
        parent_id: int | None = None,
        estimate: Estimate | None = None,
        cost_answers: CostAnswers | None = None,
        changed: Callable[[Lane, ChatEvent | None], None] | None = None,
        report: Report | None = None,
        concurrency: int | None = None,
        **engine: Any,
    ) -> None:
        self.db = db if db is not None and not db.read_only else None
        self._report = report
        self.changed = changed  # told of each step, after it is saved
        self._cost_answers = cost_answers
        self.conversation_id: int | None = None
        self.unit = "credits"  # what the costs are counted in (the caller knows the profile)
        self.message_ids: dict[int, int] = {}
        self._writers: dict[int, StreamWriter] = {}
        self._failed = False
        if self.db is not None:
            self._start(profile, settings, prompt, [lane.model for lane in lanes], parent_id)
        bill: Bill | None = self._bill if cost_answers is not None and self.db else None
        if concurrency is not None:
            engine["concurrency"] = concurrency
        self.comparison = Comparison(
            gateway, lanes, params, estimate=estimate, bill=bill, changed=self._step, **engine
        )

    @property
    def lanes(self) -> list[Lane]:
        return self.comparison.lanes

    async def run(self) -> None:
        await self.comparison.run()

    def stop(self, slot: int | None = None) -> None:
        self.comparison.stop(slot)

    # ---- saving --------------------------------------------------------------------------

    def _guard(self, action: Callable[[], object]) -> None:
        try:
            action()
        except StoreError as exc:
            self._said(exc)

    def _said(self, error: StoreError) -> None:
        if not self._failed:  # said once; the comparison goes on in memory
            self._failed = True
            if self._report is not None:
                self._report(error)

    def _start(
        self, profile: str | None, settings: Any, prompt: str, models: list[str],
        parent_id: int | None,
    ) -> None:  # fmt: skip
        db = self.db
        assert db is not None

        def start() -> None:
            cid, ids = start_comparison(
                db, profile=profile, settings=settings, prompt=prompt, models=models,
                parent_id=parent_id,
            )  # fmt: skip
            self.conversation_id = cid
            for slot, message_id in enumerate(ids):
                self.message_ids[slot] = message_id
                self._writers[slot] = StreamWriter(db, message_id)

        self._guard(start)

    def _step(self, lane: Lane, event: ChatEvent | None) -> None:
        writer = self._writers.get(lane.slot)
        if writer is not None and not writer.finished:
            if isinstance(event, ContentDelta):
                self._guard(lambda: writer.append_content(event.text))
            elif isinstance(event, ReasoningDelta):
                self._guard(lambda: writer.append_reasoning(event.text))
            elif event is None and lane.state.ended:
                self._finish(lane, writer)
        if self.changed is not None:
            self.changed(lane, event)

    def _finish(self, lane: Lane, writer: StreamWriter) -> None:
        assert self.db is not None
        db, result = self.db, lane.result
        error = result.error.detail if result.error is not None else None
        self._guard(lambda: writer.finish(
            _STATUS[lane.state], usage=result.usage, request_id=result.request_id,
            finish_reason=result.finish_reason, error=error,
            credits=lane.cost, credits_estimated=lane.cost_estimated,
        ))  # fmt: skip
        seconds = None
        if lane.first_at is not None and lane.last_at is not None:
            seconds = lane.last_at - lane.first_at
        message_id = writer.message_id
        self._guard(lambda: save_figures(db, message_id, ttft=lane.ttft, seconds=seconds))

    # ---- billed costs --------------------------------------------------------------------

    async def _bill(self, lanes: Sequence[Lane]) -> dict[int, Decimal]:
        """Sync the usage log and cost the stored answers (the request id joins each to its
        row); what the answers of `lanes` were billed."""
        assert self._cost_answers is not None and self.db is not None
        try:
            await self._cost_answers()
            return billed(self.db, {lane.slot: self.message_ids.get(lane.slot) for lane in lanes})
        except StoreError as exc:  # the estimates stand; said once
            self._said(exc)
            return {}


def billed(db: Database, messages: Mapping[int, int | None]) -> dict[int, Decimal]:
    """{slot: credits} of the stored answers whose cost a usage-log row confirmed."""
    found: dict[int, Decimal] = {}
    for slot, message_id in messages.items():
        stored = get_message(db, message_id) if message_id is not None else None
        if stored is not None and stored.credits is not None and not stored.credits_estimated:
            found[slot] = stored.credits
    return found

