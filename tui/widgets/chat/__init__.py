"""The Chat panel: transcript, streamed answers, stop/retry, parameters and OSC 52 copy."""

from __future__ import annotations

import asyncio
import re
from contextlib import aclosing
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Markdown, Static

from ...conversation import Conversation, Settings, Status, Turn
from ...gateway import (
    ChatAccumulator,
    ContentDelta,
    Malformed,
    RateLimited,
    ReasoningDelta,
    UsageInfo,
)
from ...i18n import _
from ...messages import AnswerFinished
from .message import MessageView, literal
from .prompt import PromptInput

if TYPE_CHECKING:
    from ...app import TokenDeck

_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)


class ChatPanel(Vertical):
    BINDINGS = [
        Binding("escape", "stop", _("Stop"), id="chat.stop"),
        Binding("ctrl+r", "regenerate", _("Retry"), id="chat.regenerate"),
        Binding("ctrl+o", "params", _("Params"), id="chat.params"),
        Binding("ctrl+n", "new_chat", _("New"), id="chat.new"),
        Binding("ctrl+t", "copy_answer", _("Copy answer"), id="chat.copy_answer", show=False),
        Binding("ctrl+g", "copy_code", _("Copy code"), id="chat.copy_code", show=False),
    ]

    streaming: var[bool] = var(False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.conversation: Conversation | None = None
        self._countdown: Timer | None = None

    @property
    def deck(self) -> TokenDeck:
        return cast("TokenDeck", self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="chat-settings", markup=False)
        with VerticalScroll(id="transcript"):
            yield Static(self._hint(), id="empty-hint", markup=False)
        yield PromptInput(id="prompt")

    def _hint(self) -> str:
        return _(
            "Type a message and press Enter to send. Ctrl+J inserts a newline, Esc stops an "
            "answer, Ctrl+R retries, Ctrl+O sets parameters, F3 picks a model."
        )

    def on_mount(self) -> None:
        self.conversation = Conversation(self._default_settings())
        self.query_one("#transcript").anchor()
        self.watch(self.deck, "model", self._model_changed)

    def _default_settings(self) -> Settings:
        profile = self.deck.profile
        return Settings(
            model=self.deck.model,
            system=profile.system_prompt or "",
            temperature=profile.temperature,
            top_p=profile.top_p,
            max_tokens=profile.max_tokens,
            stop=profile.stop,
        )

    def activate(self) -> None:
        self.query_one(PromptInput).focus()

    @property
    def settings(self) -> Settings:
        assert self.conversation is not None
        return self.conversation.settings

    def _model_changed(self, model: str) -> None:
        if self.conversation is not None and model and model != self.settings.model:
            self.conversation.with_model(model)
        self._show_settings()

    def _show_settings(self) -> None:
        s = self.settings
        parts = [s.model or _("no model — press F3 to pick one")]
        if s.temperature is not None:
            parts.append(f"temperature {s.temperature:g}")
        if s.top_p is not None:
            parts.append(f"top_p {s.top_p:g}")
        if s.max_tokens is not None:
            parts.append(f"max_tokens {s.max_tokens}")
        if s.stop:
            parts.append(_("{count} stop sequences").format(count=len(s.stop)))
        if s.system:
            parts.append(_("system prompt set"))
        self.query_one("#chat-settings", Static).update(" · ".join(parts))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.streaming
        if action == "regenerate":
            return not self.streaming
        return True

    def watch_streaming(self) -> None:
        self.refresh_bindings()

    # ---- sending -----------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        await self.send(event.text)

    async def send(self, text: str) -> None:
        if not text.strip():
            return
        if self.streaming:
            self.notify(
                _(
                    "An answer is still streaming: wait, or press Esc to stop it. Your "
                    "message stays in the input."
                ),
                severity="warning",
            )
            return
        if not self.settings.model:
            self.notify(_("Pick a model first: press F3 and Enter on one."), severity="warning")
            return
        assert self.conversation is not None
        turn = Turn("user", text)
        self.conversation.turns.append(turn)
        await self._mount(MessageView(turn))
        self.query_one(PromptInput).clear()
        await self._answer()

    async def _mount(self, view: MessageView) -> None:
        transcript = self.query_one("#transcript", VerticalScroll)
        hint = transcript.query("#empty-hint")
        if hint:
            await hint.remove()
        await transcript.mount(view)
        transcript.anchor()

    async def _answer(self) -> None:
        assert self.conversation is not None
        self.streaming = True  # before the turn exists, so nobody sees a finished-looking state
        history = self.conversation.history()
        turn = Turn("assistant", model=self.settings.model, status=Status.STREAMING)
        self.conversation.turns.append(turn)
        view = MessageView(turn)
        await self._mount(view)
        self._stream(turn, view, history)

    @work(group="chat", exclusive=True, exit_on_error=False)
    async def _stream(self, turn: Turn, view: MessageView, history: list[object]) -> None:
        deck = self.deck
        clock = deck.clock
        started = clock.monotonic()
        stream = Markdown.get_stream(view.body)
        acc = ChatAccumulator()
        stopped = False
        first_content = True
        try:
            events = deck.gateway.stream_chat(history, self.settings.params())  # type: ignore[arg-type]
            async with aclosing(events):
                async for event in events:
                    acc.add(event)
                    if isinstance(event, ContentDelta):
                        if first_content:
                            first_content = False
                            view.content_started()
                        await stream.write(literal(event.text))
                    elif isinstance(event, ReasoningDelta):
                        view.add_reasoning(event.text)
                    elif isinstance(event, UsageInfo):
                        turn.usage = event
                    elif isinstance(event, Malformed):
                        self.notify(str(event.error), title=_("Stream"), severity="warning")
        except asyncio.CancelledError:
            stopped = True
            raise
        finally:
            await stream.stop()
            result = acc.finish()
            turn.apply(result, stopped=stopped)
            turn.elapsed = clock.monotonic() - started
            self.streaming = False
            self._finished(turn, view, result.error)

    def _finished(self, turn: Turn, view: MessageView, error: object) -> None:
        view.show_meta()
        if turn.status in (Status.FAILED, Status.CUT) and error is not None:
            title = _("Answer cut off") if turn.status == Status.CUT else _("Answer failed")
            self.notify(
                str(getattr(error, "detail", error)), title=title, severity="error", timeout=8
            )
            if isinstance(error, RateLimited) and error.retry_after:
                self._start_countdown(view, error.retry_after)
        self.post_message(AnswerFinished(charged=bool(turn.content or turn.usage)))

    def _start_countdown(self, view: MessageView, seconds: float) -> None:
        remaining = [max(1, round(seconds))]

        def tick() -> None:
            if not view.is_attached:
                self._stop_countdown()
                return
            remaining[0] -= 1
            if remaining[0] <= 0:
                view.show_meta(_("ready: press Ctrl+R to retry"))
                self._stop_countdown()
                return
            view.show_meta(_("retry possible in {seconds} s").format(seconds=remaining[0]))

        view.show_meta(_("retry possible in {seconds} s").format(seconds=remaining[0]))
        self._stop_countdown()
        self._countdown = self.set_interval(1, tick)

    def _stop_countdown(self) -> None:
        if self._countdown is not None:
            self._countdown.stop()
            self._countdown = None

    # ---- actions -----------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.streaming:
            self.workers.cancel_group(self, "chat")

    async def action_regenerate(self) -> None:
        if self.streaming or self.conversation is None:
            return
        self._stop_countdown()
        turns = self.conversation.turns
        if not turns:
            self.notify(_("Nothing to retry yet."), severity="information")
            return
        if turns[-1].role == "assistant":
            turns.pop()
            views = self.query(MessageView)
            if views:
                await views.last().remove()
        await self._answer()

    async def action_new_chat(self) -> None:
        if self.streaming:
            self.action_stop()
        self.conversation = Conversation(self._default_settings())
        transcript = self.query_one("#transcript", VerticalScroll)
        await transcript.remove_children()
        await transcript.mount(Static(self._hint(), id="empty-hint", markup=False))
        self._show_settings()
        self.activate()

    def action_params(self) -> None:
        from ...screens.params import ParamsScreen

        def apply(settings: Settings | None) -> None:
            if settings is None or self.conversation is None:
                return
            self.conversation.settings = settings
            if settings.model and settings.model != self.deck.model:
                self.deck.model = settings.model
            self._show_settings()
            self.notify(_("Chat parameters updated."), timeout=2)

        self.app.push_screen(ParamsScreen(self.settings), apply)

    def _last_answer(self) -> str | None:
        if self.conversation is None:
            return None
        for turn in reversed(self.conversation.turns):
            if turn.role == "assistant" and turn.content:
                return turn.content
        return None

    def action_copy_answer(self) -> None:
        answer = self._last_answer()
        if not answer:
            self.notify(_("No answer to copy yet."), severity="warning")
            return
        self.app.copy_to_clipboard(answer)
        self.notify(
            _("Copied the last answer ({count} characters) via OSC 52.").format(count=len(answer)),
            timeout=3,
        )

    def action_copy_code(self) -> None:
        answer = self._last_answer() or ""
        blocks = [m.group(2) for m in _FENCE.finditer(answer)]
        if not blocks:
            self.notify(_("The last answer has no code block."), severity="warning")
            return
        self.app.copy_to_clipboard(blocks[-1])
        self.notify(
            _("Copied the last code block ({count} lines) via OSC 52.").format(
                count=blocks[-1].count("\n") + 1
            ),
            timeout=3,
        )
