"""Compare models: one prompt's answers streaming side by side (columns from 120 columns wide,
tabs below), each with time to first token, tokens/s, tokens and cost; stop one or all, pick
the winner to continue the conversation with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from ...base.i18n import N_, _
from ...base.safe import terminal_safe
from ...base.textfmt import number, truncate
from ...chat.compare import Lane, LaneState
from ...chat.compare_report import lane_of_stored
from ...chat.compare_session import CompareSession
from ...chat.conversation import Status, Turn
from ...chat.history import turn_of
from ...gateway import ChatEvent, ContentDelta, ReasoningDelta
from ...spend.money import unit_label
from ...store.comparisons import StoredComparison
from ..gcfreeze import freeze_long_lived, thaw
from ..widgets.chat.message import MessageAction, MessageItem, literal
from ..widgets.chat.transcript import Transcript
from ..widgets.footer import SteadyFooter

WIDE = 120  # columns from which the answers stand side by side
# Each column's answer is laid out at most this often while it streams (a chat answer: 20 times
# a second): four answers at once then cost the frames of about one (bench/compare.py).
COLUMN_FRAME = 1 / 8
TICK = 0.25  # seconds between two refreshes of the figures while answers stream
# Every this many ticks, what the answers laid out so far (cached lines, blocks) is taken out of
# the cyclic collector's sight: four answers' worth of it made a full collection strike
# mid-stream for ~25 ms (bench/compare.py, with and without the collector). Thawed on leaving.
FREEZE_TICKS = 4
Start = Callable[[], Awaitable[CompareSession]]

_STATUS = {
    LaneState.DONE: Status.DONE,
    LaneState.STOPPED: Status.STOPPED,
    LaneState.CUT: Status.CUT,
    LaneState.FAILED: Status.FAILED,
}


@dataclass(frozen=True)
class CompareOutcome:
    """How the screen was left: the comparison kept in the history, and the winner if one was
    picked (its stored answer and model)."""

    comparison_id: int | None
    winner_message_id: int | None = None
    winner_model: str | None = None
    winner_text: str = ""
    prompt: str = ""
    parent_id: int | None = None  # a reopened comparison: the conversation it was asked in
    reopened: bool = False


def figures(lane: Lane, now: float) -> tuple[str, str]:
    """A lane's figures on two short lines: time to first token and tokens/s (or its state),
    then tokens and cost (≈ while estimated, "billed" once the gateway's figure is in)."""
    speed: list[str] = []
    if lane.ttft is not None:
        speed.append(_("first token {seconds:.2f} s").format(seconds=lane.ttft))
    rate = lane.tokens_per_s(now)
    if rate is not None:
        speed.append(_("{rate:.0f} tok/s").format(rate=rate))
    if lane.state not in (LaneState.STREAMING, LaneState.DONE) or not speed:
        speed.insert(0, state_text(lane, now))
    amounts: list[str] = []
    if lane.deltas or lane.result.usage:
        amounts.append(_("{count} tokens").format(count=number(lane.tokens)))
    if lane.cost is not None:
        amount, unit = number(lane.cost), unit_label(MessageItem.cost_unit)  # the profile's
        amounts.append(
            _("≈{amount} {unit}").format(amount=amount, unit=unit)
            if lane.cost_estimated
            else _("{amount} {unit} billed").format(amount=amount, unit=unit)
        )
    return " · ".join(speed), " · ".join(amounts)


def state_text(lane: Lane, now: float) -> str:
    if lane.state == LaneState.WAITING and lane.retry_at is not None:
        wait = max(0.0, lane.retry_at - now)
        return _("rate limited — asking again in {seconds:.0f} s").format(seconds=wait)
    return {
        LaneState.QUEUED: _("queued"),
        LaneState.ASKING: _("asking…"),
        LaneState.STREAMING: _("streaming…"),
        LaneState.DONE: _("done"),
        LaneState.STOPPED: _("stopped"),
        LaneState.CUT: _("cut off"),
        LaneState.FAILED: _("failed"),
    }.get(lane.state, "")


class AnswerTranscript(Transcript):
    """One compared answer: its text can be selected, copied, its reasoning and request id
    shown — not edited, forked or regenerated (a chat's actions: they are done after picking
    it), so that e, f and r are the screen's keys (e exports) and the footer does not offer
    them."""

    CHAT_ONLY = ("edit", "fork", "regenerate")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_edit" or (
            action == "act" and parameters and parameters[0] in self.CHAT_ONLY
        ):
            return False
        return super().check_action(action, parameters)


class CompareColumn(Vertical):
    """One model's answer: its figures on top, the answer in a transcript below."""

    def __init__(self, lane: Lane, turn: Turn | None = None, **kwargs: object) -> None:
        """A streaming answer, or (`turn`) one read back from the history."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.lane = lane
        self.stored = turn is not None
        self.turn = turn or Turn("assistant", model=lane.model, status=Status.STREAMING)
        self.view: MessageItem | None = None
        self.winner = False
        self._shown = ""

    def compose(self) -> ComposeResult:
        yield Static("", classes="compare-head", markup=False)
        yield AnswerTranscript(classes="compare-answer")

    def on_mount(self) -> None:
        transcript = self.query_one(Transcript)
        transcript.frame = COLUMN_FRAME
        transcript.show([], 0, None, "")
        self.view = transcript.add(self.turn, live=not self.stored)
        self.show_figures(0.0)

    def take(self, event: ChatEvent | None) -> None:
        view = self.view
        if view is None:
            return
        if isinstance(event, ContentDelta):
            if not self.turn.content and not view.source:
                view.content_started()
            view.append(literal(event.text))
        elif isinstance(event, ReasoningDelta):
            view.add_reasoning(event.text)
        elif event is None and self.lane.state.ended and view.live:
            self.turn.apply(self.lane.result, stopped=self.lane.state == LaneState.STOPPED)
            self.turn.status = _STATUS[self.lane.state]
            self._costs()
            view.finish()
            self.query_one(Transcript).flush()
        elif event is None and not view.live:
            self._costs()  # the billed figure arrived
            view.show_meta(view.note)

    def _costs(self) -> None:
        self.turn.credits = self.lane.cost
        self.turn.credits_estimated = self.lane.cost_estimated

    def show_figures(self, now: float) -> None:
        lane = self.lane
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(("★ " if self.winner else "") + terminal_safe(lane.model), style="bold")
        speed, amounts = figures(lane, now)
        head.append("\n" + speed + "\n" + amounts)
        if head.plain != self._shown:
            self._shown = head.plain
            self.query_one(".compare-head", Static).update(head, layout=False)  # fixed size


class CompareScreen(Screen[CompareOutcome]):
    """Escape stops every answer (then closes); x stops the shown one; ←/→ or 1-4 choose an
    answer; w (or Enter) continues the conversation with it."""

    CSS_PATH = "compare.tcss"
    BINDINGS = [
        Binding("escape", "stop_all", N_("Stop all"), id="compare.stop_all"),
        Binding("escape", "close", N_("Close"), id="compare.close"),
        Binding("x", "stop_one", N_("Stop this"), id="compare.stop_one"),
        Binding("left", "move(-1)", N_("Previous"), id="compare.previous", show=False),
        Binding("right", "move(1)", N_("Next"), id="compare.next", show=False),
        Binding("w,enter", "winner", N_("Continue with this"), id="compare.winner"),
        Binding("e", "export", N_("Export"), id="compare.export"),
        Binding("1", "pick(0)", show=False),
        Binding("2", "pick(1)", show=False),
        Binding("3", "pick(2)", show=False),
        Binding("4", "pick(3)", show=False),
    ]

    def __init__(
        self,
        models: list[str],
        prompt: str,
        start: Start | None,
        clock: Callable[[], float],
        stored: StoredComparison | None = None,
    ) -> None:
        """A new comparison (`start` makes its session), or a stored one shown again."""
        super().__init__()
        self.models = models
        self.prompt = prompt
        self._start = start
        self.clock = clock
        self.stored = stored
        self.export: Callable[[int, str], None] | None = None  # (conversation id, "md")
        self.session: CompareSession | None = None
        self.current = 0
        self.columns: list[CompareColumn] = []
        self._ticks = 0

    def compose(self) -> ComposeResult:
        title = truncate(" ".join(self.prompt.split()), 200)
        yield Static("⚖ " + title, id="compare-title", markup=False)
        yield Static("", id="compare-tabs")
        yield Horizontal(id="compare-columns")
        yield SteadyFooter()

    @classmethod
    def reopen(cls, stored: StoredComparison, clock: Callable[[], float]) -> CompareScreen:
        models = [a.message.model or "" for a in stored.answers]
        return cls(models, stored.prompt.content, None, clock, stored)

    async def on_mount(self) -> None:
        self._layout(self.size.width)
        if self.stored is None:
            self.run_comparison()
            return
        self.columns = [
            CompareColumn(lane_of_stored(answer), turn_of(answer.message),
                          classes="compare-column")
            for answer in self.stored.answers
        ]  # fmt: skip
        for column in self.columns:
            column.winner = any(a.winner and a.slot == column.lane.slot
                                for a in self.stored.answers)  # fmt: skip
        await self.query_one("#compare-columns").mount_all(self.columns)
        self._layout(self.size.width)
        self._tick()
        self.refresh_bindings()

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    @property
    def running(self) -> bool:
        return self.session is not None and self.session.comparison.running

    @property
    def wide(self) -> bool:
        return self.size.width >= WIDE

    # ---- running ---------------------------------------------------------------------------

    @work(group="compare", exclusive=True, exit_on_error=False, description="compare")
    async def run_comparison(self) -> None:
        assert self._start is not None
        session = await self._start()
        self.session = session
        self.columns = [CompareColumn(lane, classes="compare-column") for lane in session.lanes]
        await self.query_one("#compare-columns").mount_all(self.columns)
        self._layout(self.size.width)
        session.changed = self._changed
        ticker = self.set_interval(TICK, self._tick)
        try:
            await session.run()
        finally:
            ticker.stop()
            self._tick()
            self.refresh_bindings()

    def _changed(self, lane: Lane, event: ChatEvent | None) -> None:
        if not self.is_mounted:  # left while answers were still being stopped
            return
        if lane.slot < len(self.columns):
            column = self.columns[lane.slot]
            column.take(event)
            if event is None:  # a change of state, or the billed figure: at once
                column.show_figures(self.clock())
                self._tabs()
                self.refresh_bindings()

    def _tick(self) -> None:
        now = self.clock()
        for column in self.columns:
            column.show_figures(now)
        self._tabs()
        self._ticks += 1
        if self._ticks % FREEZE_TICKS == 0:
            freeze_long_lived()

    def on_unmount(self) -> None:
        thaw()  # the answers shown here may be garbage now

    # ---- layout ----------------------------------------------------------------------------

    def _layout(self, width: int) -> None:
        """Side by side from WIDE columns; below that one answer at a time, under tabs."""
        wide = width >= WIDE
        self.query_one("#compare-tabs").display = not wide
        for i, column in enumerate(self.columns):
            column.display = wide or i == self.current
            column.set_class(i == self.current and wide, "-current")
        self._tabs()

    def _tabs(self) -> None:
        if self.wide or not self.columns:
            return
        line = Text(no_wrap=True, overflow="ellipsis")
        for i, column in enumerate(self.columns):
            lane = column.lane
            mark = {LaneState.DONE: "✓", LaneState.FAILED: "✗", LaneState.CUT: "✗",
                    LaneState.STOPPED: "■"}.get(lane.state, "…")  # fmt: skip
            label = f" {i + 1} {('★' if column.winner else '')}{terminal_safe(lane.model)} {mark} "
            line.append(label, style="reverse bold" if i == self.current else "")
        self.query_one("#compare-tabs", Static).update(line, layout=False)  # one line

    # ---- keys --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        lane = self._lane()
        if action == "stop_all":
            return self.running
        if action == "close":
            return not self.running
        if action == "stop_one":
            return lane is not None and not lane.state.ended
        if action == "winner":
            return lane is not None and lane.state.ended and bool(lane.text)
        if action in ("move", "pick"):
            return len(self.columns) > 1
        if action == "export":
            return self.export is not None and self._comparison_id() is not None and (
                not self.running
            )
        return True

    def _lane(self) -> Lane | None:
        if 0 <= self.current < len(self.columns):
            return self.columns[self.current].lane
        return None

    def action_move(self, step: int) -> None:
        self.action_pick((self.current + step) % max(1, len(self.columns)))

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.columns):
            self.current = index
            self._layout(self.size.width)
            self.columns[index].query_one(Transcript).focus()
            self.refresh_bindings()

    def _comparison_id(self) -> int | None:
        if self.stored is not None:
            return self.stored.conversation_id
        return self.session.conversation_id if self.session is not None else None

    def action_export(self) -> None:
        """The comparison as Markdown, its summary table first, in the exports folder."""
        cid = self._comparison_id()
        if self.export is not None and cid is not None:
            self.export(cid, "md")

    def action_stop_one(self) -> None:
        lane = self._lane()
        if self.session is not None and lane is not None:
            self.session.stop(lane.slot)

    def action_stop_all(self) -> None:
        if self.session is not None:
            self.session.stop()

    def action_close(self) -> None:
        """Leave without a winner: the comparison stays in the history."""
        if self.session is not None:
            self.session.stop()
        self.dismiss(self._outcome())

    def action_winner(self) -> None:
        lane = self._lane()
        if lane is None or not lane.state.ended or not lane.text:
            return
        if self.session is not None:
            self.session.stop()  # the others: what they said so far is kept
        self.columns[self.current].winner = True
        self.dismiss(self._outcome(lane))

    def _outcome(self, winner: Lane | None = None) -> CompareOutcome:
        if self.stored is not None:
            stored = self.stored
            if winner is None:
                return CompareOutcome(stored.conversation_id, parent_id=stored.parent_id)
            answer = next(a for a in stored.answers if a.slot == winner.slot)
            return CompareOutcome(
                stored.conversation_id, answer.message.id, winner.model, winner.text,
                self.prompt, stored.parent_id, reopened=True,
            )  # fmt: skip
        session = self.session
        cid = session.conversation_id if session is not None else None
        if winner is None or session is None:
            return CompareOutcome(cid)
        return CompareOutcome(
            cid, session.message_ids.get(winner.slot), winner.model, winner.text, self.prompt
        )

    @on(MessageAction)
    def _message_action(self, event: MessageAction) -> None:
        event.stop()
        if event.action == "copy":
            self.app.copy_to_clipboard(event.item.turn.content)
            said = _("Copied the message ({count} characters) via OSC 52.")
            self.notify(said.format(count=len(event.item.turn.content)), timeout=3)
