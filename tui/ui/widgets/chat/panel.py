"""The Chat panel: conversations kept on disk, streamed answers, stop/retry, edit and fork."""

from __future__ import annotations

import asyncio
import re
from contextlib import aclosing
from dataclasses import asdict, replace
from functools import partial
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static, TextArea

from ....base.i18n import N_, _
from ....base.paths import data_dir
from ....base.textfmt import literal
from ....base.turns import in_turns
from ....chat.conversation import Conversation, Settings, Status, Turn
from ....chat.presets import with_template
from ....gateway import (
    ChatAccumulator,
    ContentDelta,
    GatewayError,
    Malformed,
    ReasoningDelta,
    UsageInfo,
)
from ....gateway.families import cost_unit
from ....gateway.types import RetryPolicy
from ....profiles.runtime import spec_for
from ...deck import Deck
from ...messages import AnswerFinished
from .attach import AttachedFiles, edit_draft
from .message import MessageAction, MessageItem
from .preview import CostPreview
from .prompt import PromptInput
from .retry import RetryOffer
from .sidebar import ConversationAction, ConversationList, key_label
from .transcript import Transcript

if TYPE_CHECKING:  # the store (SQLite) is imported after the first frame
    from ....chat.compare_session import CompareSession  # (as above)
    from ....chat.context import Plan
    from ....chat.history import Answer, History
    from ....chat.prompt_input import Attachment
    from ....gateway import Gateway  # httpx2: loaded after the first frame
    from ...screens.compare import CompareOutcome

_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M)
DRAFT_DELAY = 0.3  # seconds of quiet typing before the draft is saved
WIDE = 100  # columns from which the conversation list shows by default
SHARE = 0.008  # seconds of streamed events handled before the event loop gets a turn
COSTED = 40  # latest messages whose credits are read again after an answer
CATCH_UP = 10.0  # seconds between two tries to save what the store refused (a full disk)


class ChatPanel(Vertical):
    BINDINGS = [
        Binding("escape", "stop", N_("Stop"), id="chat.stop"),
        Binding("ctrl+r", "regenerate", N_("Retry"), id="chat.regenerate"),
        Binding("ctrl+o", "params", N_("Params"), id="chat.params"),
        # priority: acted on as it arrives, before keys typed after it reach the input (else a
        # burst "Ctrl+N, text, Enter" at start sent the text before the new chat was opened)
        Binding("ctrl+n", "new_chat", N_("New"), id="chat.new", priority=True),
        Binding("ctrl+l", "toggle_list", N_("Chats"), id="chat.list"),
        Binding("ctrl+f", "search", N_("Search"), id="chat.search"),
        Binding("f7", "compare", N_("Compare"), id="chat.compare", show=False, priority=True),
        Binding("ctrl+t", "copy_answer", N_("Copy answer"), id="chat.copy_answer", show=False),
        Binding("ctrl+g", "copy_code", N_("Copy code"), id="chat.copy_code", show=False),
        Binding("ctrl+b", "attach", N_("Attach a file"), id="chat.attach", show=False),
        Binding("ctrl+s", "editor", N_("Edit in $EDITOR"), id="chat.editor", show=False),
    ]

    streaming: var[bool] = var(False)

    def __init__(self, deck: Deck, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.deck = deck
        self.conversation: Conversation | None = None
        self.editing: Turn | None = None
        self._wide = False  # the terminal is WIDE columns or more (the list shows by default)
        self._draft_timer: Timer | None = None
        self._draft_text: str | None = None  # typed since the last save
        self._saved_files: tuple[Attachment, ...] = ()  # waiting with the draft as last saved
        self._told_left_out: set[int | None] = set()  # conversations told of left-out turns
        self._background = False  # the terminal went away: quit once the answer is stored
        self._compare_gateway: Gateway | None = None  # a comparison's own client


    @property
    def history(self) -> History:
        return self.deck.history

    def compose(self) -> ComposeResult:
        with Horizontal(id="chat-body"):
            yield ConversationList(self.deck.config.keymap.get("chat.list"), id="sidebar")
            with Vertical(id="chat-main"):
                yield Static("", id="chat-settings", markup=False)
                yield Transcript(id="transcript")
                yield RetryOffer(id="retry-offer")
                yield Static("", id="edit-banner", markup=False)
                # kept at hand: the draft is saved from them on unmount, when no query finds them
                self._attached = AttachedFiles(id="attached")
                self._prompt = PromptInput(id="prompt")
                yield self._attached
                yield self._prompt
                yield CostPreview(self.deck, self, id="cost-preview")

    def on_mount(self) -> None:
        deck = self.deck
        MessageItem.cost_unit = deck.profile.unit or (
            # the demo counts credits; its URL is not waited for before the first frame, and
            # another gateway's spec is read without its key (an api_key_cmd is not run here)
            "credits" if deck.profile.demo else cost_unit(spec_for(deck.profile, key=False))
        )
        self._wide = self.app.size.width >= WIDE
        self.query_one(ConversationList).set_class(self._wide, "-shown")
        # The first frame shows a new conversation; what is stored is read just after it.
        self.query_one(Transcript).show([], 0, None, self._hint())
        self._show_settings(self._new_conversation().settings)
        self.call_after_refresh(self._open_stored)
        self.set_interval(CATCH_UP, self.catch_up)

    def _open_stored(self) -> None:
        """The latest stored conversation (or a new one) and its draft, read once: just after
        the first frame, or sooner if a key asks for the conversation before that."""
        if self.conversation is not None:
            return
        prompt = self.query_one(PromptInput)
        typed = prompt.text  # typed ahead of this: kept after the draft, as if typed later
        attached = self.query_one(AttachedFiles)
        waiting = list(attached.files)  # likewise for files attached ahead of it
        recent = self.history.summaries(1)
        loaded = self.history.load(recent[0].id) if recent else None
        if loaded is not None and loaded.id is not None:
            stored = self.history.comparison(loaded.id)  # the chat it was asked in, not it
            if stored is not None:
                parent = stored.parent_id
                loaded = self.history.load(parent) if parent is not None else None
        self._open(loaded or self._new_conversation())
        if typed:
            prompt.insert(typed)
        if waiting:
            attached.restore([*attached.files, *waiting])
        self.watch(self.deck, "model", self._model_changed, init=False)
        self.refresh_bindings()

    def on_unmount(self) -> None:
        self.save_draft()

    def _new_conversation(self) -> Conversation:
        profile = self.deck.profile
        settings = Settings(
            model=self.deck.model,
            system=profile.system_prompt or "",
            temperature=profile.temperature,
            top_p=profile.top_p,
            max_tokens=profile.max_tokens,
            stop=profile.stop,
        )
        return Conversation(settings)

    def activate(self) -> Widget:
        """The widget that should take focus when the panel is shown."""
        return self.query_one(PromptInput)

    @property
    def settings(self) -> Settings:
        assert self.conversation is not None
        return self.conversation.settings

    # ---- opening conversations ---------------------------------------------------------

    async def open_conversation(
        self, conversation: Conversation, focus_message: int | None = None
    ) -> None:
        """Show `conversation` (its tail), its draft and settings; focus a message if asked.
        A comparison opens on the compare screen, the chat staying where it was."""
        stored = self.history.comparison(conversation.id) if conversation.id else None
        if stored is not None:
            from ...screens.compare import CompareScreen  # compare: when asked

            screen = CompareScreen.reopen(stored, self.deck.clock.monotonic)
            screen.export = self.export_file
            self.app.push_screen(screen, self._compared)
            return
        self._open(conversation, focus_message)

    def _open(self, conversation: Conversation, focus_message: int | None = None) -> None:
        if self.conversation is not None:
            self.save_draft()
        self.query_one(RetryOffer).withdraw()
        self._end_edit()
        self.conversation = conversation
        if conversation.settings.model and conversation.settings.model != self.deck.model:
            self.deck.model = conversation.settings.model
        transcript = self.query_one(Transcript)
        transcript.show(
            conversation.turns,
            conversation.earlier,
            lambda count: self.history.older(conversation, count),
            self._hint(),
        )
        prompt = self.query_one(PromptInput)
        prompt.load_text(self.history.draft(conversation.id))
        prompt.move_cursor(prompt.document.end)
        self._saved_files = tuple(self.history.draft_files(conversation.id))
        self.query_one(AttachedFiles).restore(self._saved_files)
        self._show_settings()
        self.refresh_list()
        if focus_message is not None:
            self.call_after_refresh(transcript.select_turn, focus_message)

    def refresh_list(self) -> None:
        current = self.conversation.id if self.conversation else None
        self.query_one(ConversationList).show(
            self.history.summaries(), current, self.deck.clock.now()
        )

    def _hint(self) -> str:
        """The chat's keys as [keymap] made them (the defaults: Esc, Ctrl+R, Ctrl+O, Ctrl+L...)."""
        keymap = self.deck.config.keymap
        defaults = {"stop": "escape", "regenerate": "ctrl+r", "params": "ctrl+o",
                    "list": "ctrl+l", "search": "ctrl+f"}  # fmt: skip
        keys = {name: key_label(keymap.get(f"chat.{name}"), key) for name, key in defaults.items()}
        return _(
            "Type a message and press Enter to send. Ctrl+J inserts a newline, {stop} stops an "
            "answer, {regenerate} retries, {params} sets parameters, F3 picks a model, {list} "
            "lists conversations, {search} searches them, Shift+Tab selects a message to edit or "
            "fork."
        ).format(**keys)

    def _model_changed(self, model: str) -> None:
        if self.conversation is not None and model and model != self.settings.model:
            self.conversation.with_model(model)
            self.history.save_settings(self.conversation)
        self._show_settings()

    def _show_settings(self, first: Settings | None = None) -> None:
        s = first or self.settings
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
        if first is None and not self.history.available:
            parts.append(_("history off"))
        self.query_one("#chat-settings", Static).update(" · ".join(parts))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        self._open_stored()  # a key before the first frame: the conversation first
        if action == "stop":
            return self.streaming or self.editing is not None
        if action == "regenerate":
            return not self.streaming
        return True

    def watch_streaming(self) -> None:
        self.call_after_refresh(self.refresh_bindings)  # the Footer after the answer's frame

    # ---- drafts ------------------------------------------------------------------------

    @on(TextArea.Changed, "#prompt")
    def _draft_changed(self, event: TextArea.Changed) -> None:
        self._draft_text = event.text_area.text
        self.query_one(CostPreview).typed(self._draft_text)
        self._save_soon()

    def _save_soon(self) -> None:
        """Save the draft after DRAFT_DELAY seconds without another change."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self.save_draft)

    def save_draft(self) -> None:
        """Store what was typed and the files attached since the last save (not while an
        earlier message is edited)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if self.conversation is None or self.editing is not None:
            return
        files = tuple(self._attached.files)
        changed = files != self._saved_files
        if self._draft_text is not None or changed:
            text = self._prompt.text if self._draft_text is None else self._draft_text
            self.history.save_draft(self.conversation.id, text, files if changed else None)
            self._draft_text, self._saved_files = None, files

    # ---- sending -----------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        await self.send(event.text)

    async def send(self, text: str) -> None:
        if self.conversation is None:  # Enter came before the stored conversation was read
            self._open_stored()
            text = self.query_one(PromptInput).text  # its draft, then what was typed
        files = self.query_one(AttachedFiles)
        if not text.strip() and not files.files:
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
        if self.editing is not None:
            await self._send_edit(text)
            return
        self.catch_up()  # what the store refused before goes first, in order
        conversation = self.conversation
        assert conversation is not None
        draft_owner = conversation.id
        turn = Turn("user", text.strip() and text, attachments=files.take())
        conversation.turns.append(turn)
        self.history.add_user(conversation, turn)
        self.query_one(Transcript).add(turn)
        self.query_one(PromptInput).clear()
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self.history.save_draft(draft_owner, "", ())
        self.history.save_draft(conversation.id, "", ())
        self._saved_files = ()
        await self._answer()

    async def _answer(self, reuse: Turn | None = None) -> None:
        """Ask for an answer to the conversation so far (into `reuse`'s row when given)."""
        conversation = self.conversation
        assert conversation is not None
        self.streaming = True  # before the turn exists, so nobody sees a finished-looking state
        self.query_one(RetryOffer).withdraw()
        turns = list(conversation.turns)  # what to answer; read whole after the next frame
        turn = Turn("assistant", model=self.settings.model, status=Status.STREAMING)
        if reuse is not None:
            turn.id, turn.position = reuse.id, reuse.position
        conversation.turns.append(turn)
        view = self.query_one(Transcript).add(turn, live=True)
        answer = self.history.start_answer(conversation, turn, asdict(self.settings))
        self._stream(turn, view, conversation, turns, answer)
        self.call_after_refresh(self.refresh_list)  # after the frame that shows the message

    # A description of our own: by default Textual builds one from repr() of every argument,
    # every turn (~20 ms at 5,000 messages before the new message could show).
    @work(group="chat", exclusive=True, exit_on_error=False, description="answer")
    async def _stream(
        self,
        turn: Turn,
        view: MessageItem,
        conversation: Conversation,
        turns: list[Turn],
        answer: Answer,
    ) -> None:
        deck = self.deck
        clock = deck.clock
        started = clock.monotonic()
        acc = ChatAccumulator()
        stopped = False
        first_content = True
        try:
            await self.wait_for_refresh()  # the new message on screen, then the O(n) request
            plan = await self.plan(conversation, turns)  # stored turns read, the oldest cut
            self._tell_left_out(conversation, plan, view)
            events = deck.gateway.stream_chat(plan.messages, self.settings.params())
            async with aclosing(events):
                async for event in in_turns(events, SHARE):  # a burst: keys and frames too
                    acc.add(event)
                    if isinstance(event, ContentDelta):
                        if first_content:
                            first_content = False
                            view.content_started()
                        answer.content(event.text)
                        view.append(literal(event.text))
                    elif isinstance(event, ReasoningDelta):
                        answer.reasoning(event.text)
                        view.add_reasoning(event.text)
                    elif isinstance(event, UsageInfo):
                        turn.usage = event
                    elif isinstance(event, Malformed):
                        self.notify(str(event.error), title=_("Stream"), severity="warning")
        except asyncio.CancelledError:
            stopped = True
            raise
        finally:
            result = acc.finish()
            turn.apply(result, stopped=stopped)
            turn.elapsed = clock.monotonic() - started
            view.finish()
            answer.finish(turn)
            self.streaming = False
            self._finished(turn, view, result.error)

    async def plan(self, conversation: Conversation, turns: list[Turn]) -> Plan:
        """What a request for an answer to `turns` sends (tui.chat.context: the cost preview uses it
        too, so that both agree)."""
        from ....chat.context import plan_request  # first send: not in the first frame

        profile = self.deck.profile
        return await plan_request(
            self.history, self.deck.gateway, conversation, turns,
            cap_tokens=profile.context_tokens, cap_messages=profile.context_messages,
        )  # fmt: skip

    def _tell_left_out(self, conversation: Conversation, plan: Plan, view: MessageItem) -> None:
        """Older turns were left out: say so on the answer, and once per conversation aloud."""
        note = plan.note()
        if not note:
            return
        view.show_meta(note)
        if conversation.id not in self._told_left_out:
            self._told_left_out.add(conversation.id)
            said = _("Older messages are left out so that the request fits: {note}.")
            self.notify(said.format(note=note), title=_("Context"), timeout=8)

    def finish_in_background(self) -> bool:
        """The terminal went away: let the answer being received end (the stream's deadlines
        bound it), store it whole and marked so, then quit. False when none is streaming."""
        if not self.streaming:
            return False
        self._background = True
        return True

    def _finished(self, turn: Turn, view: MessageItem, error: object) -> None:
        if self._background:
            self.history.catch_up()
            self.history.mark_background(turn)
            self.app.exit()
            return
        view.show_meta(view.note)
        self.catch_up()
        if turn.status in (Status.FAILED, Status.CUT) and error is not None:
            title = _("Answer cut off") if turn.status == Status.CUT else _("Answer failed")
            self.notify(
                str(getattr(error, "detail", error)), title=title, severity="error", timeout=8
            )
            if self.is_mounted and isinstance(error, GatewayError):
                self.query_one(RetryOffer).offer(error, cut=turn.status == Status.CUT)
        charged = turn.charged
        if self.is_mounted:  # after the frame that shows the last token
            self.call_after_refresh(self._after_answer, charged)
        self.post_message(AnswerFinished(charged=charged))

    def catch_up(self) -> None:
        """Write the turns kept in memory while the store refused them (a full disk) and show
        them saved; runs after each answer and every CATCH_UP seconds while any wait."""
        history = self.history
        if not history.backlog:
            return
        saved = history.catch_up()
        if not saved:
            return
        done = {id(turn) for turn in saved}
        for item in self.query_one(Transcript).items:
            if id(item.turn) in done:
                item.show_meta(item.note)
        said = _("{count} messages kept in memory are now saved in the history.")
        self.notify(said.format(count=len(saved)), title=_("History"), timeout=5)

    def _after_answer(self, charged: bool) -> None:
        self.refresh_list()
        if charged:
            self._cost_answers()

    @work(group="costs", exclusive=True, exit_on_error=False)
    async def _cost_answers(self) -> None:
        """Have the usage service sync the log and cost the answers; show their credits."""
        from ....store import StoreError  # the store (SQLite) loads after the first frame

        try:
            costed = await self.deck.usage.cost_answers(
                self.deck.gateway, self.history.db, self.deck.profile
            )
        except StoreError as exc:
            self.history.report(exc)  # said once, like every other store problem
            return
        if costed is None:
            return
        recent = self.query_one(Transcript).items[-COSTED:]
        views = [v for v in recent if v.turn.role == "assistant" and not v.live]
        self.history.refresh_costs([v.turn for v in views])
        for view in views:
            view.show_meta(view.note)
        self.refresh_list()

    # ---- comparing models --------------------------------------------------------------

    def action_compare(self) -> None:
        """Send the typed prompt to the models marked in the Models panel, side by side.
        F7 is a priority binding (the prompt's TextArea takes F7 for 'select all'), so it runs
        before the keys typed just ahead of it reach the prompt (a paste, tmux send-keys, a
        fast typist): the prompt is read once they have (they wait in its queue)."""
        self.query_one(PromptInput).call_later(self._compare_typed)

    def _compare_typed(self) -> None:
        from ....chat.compare import MAX_MODELS  # compare: when asked
        from ...screens.compare import CompareScreen  # compare: when asked

        self._open_stored()
        text = self.query_one(PromptInput).text
        models = list(dict.fromkeys(self.deck.marked_models))
        if self.streaming:
            self.notify(_("Wait for the answer to finish, or press Esc to stop it."),
                        severity="warning")  # fmt: skip
        elif not 2 <= len(models) <= MAX_MODELS:
            said = _("Mark 2 to {most} models to compare in the Models panel (F3, then Space "
                     "on each), then press F7 here.")  # fmt: skip
            self.notify(said.format(most=MAX_MODELS), title=_("Compare"), severity="warning")
        elif not text.strip():
            self.notify(_("Type the prompt to compare first."), severity="warning")
        elif self.attached:
            said = _("A comparison sends the typed prompt only, not the files waiting above "
                     "it: send them in the chat, or drop them (palette: “chat: drop attached "
                     "files”) to compare.")  # fmt: skip
            self.notify(said, title=_("Compare"), severity="warning")
        else:
            start = lambda: self._compare_session(models, text)  # noqa: E731
            screen = CompareScreen(models, text, start, self.deck.clock.monotonic)
            screen.export = self.export_file
            self.app.push_screen(screen, self._compared)

    async def _compare_session(self, models: list[str], text: str) -> CompareSession:
        """The comparison of `text` asked in this conversation: each model sent what fits it."""
        from ....chat.compare import Lane  # compare: when asked
        from ....chat.compare_session import CompareSession  # (as above)
        from ....gateway import Gateway  # httpx2: loaded after the first frame
        from ....spend.costs import Estimator, prices_from_config, prices_from_models  # the store

        deck, conversation = self.deck, self.conversation
        assert conversation is not None
        turns = [*conversation.turns, Turn("user", text)]
        lanes = []
        for slot, model in enumerate(models):
            asked = Conversation(
                replace(conversation.settings, model=model), conversation.turns,
                conversation.title, conversation.id, conversation.earlier,
                conversation.stored_texts,
            )  # fmt: skip
            plan = await self.plan(asked, turns)
            conversation.stored_texts = asked.stored_texts  # read once for every model
            lanes.append(Lane(slot, model, plan.messages, plan.tokens))
        # Its own client: a 429 is waited out per model, on screen, not retried unseen.
        gateway = Gateway(replace(deck.gateway.spec, retry=RetryPolicy(attempts=1)))
        self._compare_gateway = gateway
        db, profile = self.history.db, deck.profile
        try:
            listed = await deck.gateway.models()
        except GatewayError:
            listed = []
        estimate = None
        if db is not None:
            estimator = Estimator(db, profile.name, prices_from_models(listed),
                                  prices_from_config(profile.prices))  # fmt: skip
            estimate = estimator.estimate
        cost_answers = None
        if db is not None and deck.gateway.has_logs:  # the log's rows give the billed figures
            cost_answers = partial(deck.usage.cost_answers, deck.gateway, db, profile)
        return CompareSession(
            gateway, lanes, self.settings.params(), db=db, profile=profile.name,
            settings=self.settings, prompt=text, parent_id=conversation.id, estimate=estimate,
            cost_answers=cost_answers, report=self.history.report, clock=deck.clock.monotonic,
        )  # fmt: skip

    async def _compared(self, outcome: CompareOutcome | None) -> None:
        """Back from a comparison: go on with the winner (the prompt and its answer appended
        here; the comparison keeps every answer), else keep the prompt in the input."""
        gateway = self._compare_gateway
        if gateway is not None:
            self._compare_gateway = None
            await gateway.aclose()
        self.refresh_list()
        if outcome is None or not outcome.reopened:
            self.post_message(AnswerFinished(charged=True))  # the balance moved
        if outcome is None or outcome.winner_model is None or self.conversation is None:
            self.query_one(PromptInput).focus()
            return
        conversation = self.conversation
        if outcome.reopened:  # go on in the conversation it was asked in (or a new one)
            parent = outcome.parent_id
            found = self.history.load(parent) if parent is not None else None
            conversation = found or self._new_conversation()
        continued = self.history.continue_with(
            conversation, outcome.comparison_id, outcome.winner_message_id
        )
        prompt = self.query_one(PromptInput)
        if not outcome.reopened:  # the prompt was sent from the input
            prompt.clear()
            self.history.save_draft(conversation.id, "")
        if continued is None:  # no history: go on in memory
            text = outcome.winner_text
            conversation.turns += [Turn("user", outcome.prompt),
                                   Turn("assistant", text, model=outcome.winner_model)]  # fmt: skip
            continued = conversation
        continued.with_model(outcome.winner_model)
        self.history.save_settings(continued)
        self.deck.model = outcome.winner_model
        await self.open_conversation(continued)
        said = _("Going on with {model}; the other answers stay in the comparison.")
        self.notify(said.format(model=outcome.winner_model), timeout=4)
        prompt.focus()

    # ---- editing and forking -----------------------------------------------------------

    def _begin_edit(self, turn: Turn) -> None:
        self.save_draft()
        self.editing = turn
        prompt = self.query_one(PromptInput)
        prompt.load_text(turn.content)
        prompt.move_cursor(prompt.document.end)
        banner = self.query_one("#edit-banner", Static)
        banner.update(
            _(
                "Editing an earlier message: Enter sends it as a new branch (the "
                "original conversation is kept). Esc cancels."
            )
        )
        banner.add_class("-editing")
        prompt.focus()
        self.refresh_bindings()

    def _end_edit(self) -> None:
        if self.editing is None:
            return
        self.editing = None
        self.query_one("#edit-banner", Static).remove_class("-editing")
        if self.conversation is not None:
            self.query_one(PromptInput).load_text(self.history.draft(self.conversation.id))
        self.refresh_bindings()

    async def _send_edit(self, text: str) -> None:
        conversation, turn = self.conversation, self.editing
        assert conversation is not None and turn is not None
        new_id = self.history.fork_with_edit(conversation, turn, text)
        branch = self.history.load(new_id) if new_id is not None else None
        if branch is None:  # no history on disk: branch in memory
            index = conversation.turns.index(turn)
            branch = Conversation(
                conversation.settings, [*conversation.turns[:index], Turn("user", text)]
            )
        await self.open_conversation(branch)  # ends the edit: its banner goes
        self.notify(_("Sent as a new branch; the original conversation is kept."), timeout=3)
        await self._answer()

    async def _fork(self, turn: Turn, answer: bool = False) -> None:
        conversation = self.conversation
        assert conversation is not None
        new_id = self.history.fork(conversation, turn)
        branch = self.history.load(new_id) if new_id is not None else None
        if branch is None:
            index = conversation.turns.index(turn)
            branch = Conversation(conversation.settings, list(conversation.turns[: index + 1]))
        await self.open_conversation(branch)
        self.notify(_("Forked into a new conversation."), timeout=3)
        if answer:
            await self._answer()

    @on(MessageAction)
    async def _message_action(self, event: MessageAction) -> None:
        event.stop()
        turn = event.item.turn
        if event.action == "copy":
            self._copy(
                turn.content,
                _("Copied the message ({count} characters) via OSC 52.").format(
                    count=len(turn.content)
                ),
            )
        elif event.action == "request_id":
            if turn.request_id:
                self.copy_request_id(turn.request_id, _("Selected answer"))
            else:
                said = _("The gateway sent no request id for this answer.")
                self.notify(said, severity="warning")
        elif self.streaming:
            self.notify(
                _("Wait for the answer to finish, or press Esc to stop it."), severity="warning"
            )
        elif event.action == "edit":
            self._begin_edit(turn)
        elif event.action == "fork":
            await self._fork(turn)
        elif event.action == "regenerate":
            await self._regenerate(turn)

    async def _regenerate(self, turn: Turn) -> None:
        conversation = self.conversation
        assert conversation is not None
        if conversation.turns and conversation.turns[-1] is turn:
            await self.action_regenerate()
            return
        index = conversation.turns.index(turn)
        asked = next((t for t in reversed(conversation.turns[:index]) if t.role == "user"), None)
        if asked is not None:
            await self._fork(asked, answer=True)

    # ---- actions -----------------------------------------------------------------------

    def action_stop(self) -> None:
        if self.streaming:
            self.workers.cancel_group(self, "chat")
        elif self.editing is not None:
            self._end_edit()

    async def action_regenerate(self) -> None:
        if self.streaming or self.conversation is None:
            return
        turns = self.conversation.turns
        if not turns:
            self.notify(_("Nothing to retry yet."), severity="information")
            return
        reuse = None
        if turns[-1].role == "assistant":
            reuse = turns.pop()
            self.query_one(Transcript).remove_last()
        await self._answer(reuse)

    async def action_new_chat(self) -> None:
        if self.streaming:
            self.action_stop()
        await self.open_conversation(self._new_conversation())
        self.query_one(PromptInput).focus()

    def on_resize(self) -> None:
        """The terminal grew past WIDE columns (or shrank below): the list shows (or goes) as
        it would have at that width from the start; Ctrl+L still toggles it."""
        wide = self.app.size.width >= WIDE
        if wide == self._wide:
            return
        self._wide = wide
        sidebar = self.query_one(ConversationList)
        sidebar.set_class(wide, "-shown")
        if wide and self.conversation is not None:
            self.refresh_list()

    def action_toggle_list(self) -> None:
        sidebar = self.query_one(ConversationList)
        sidebar.toggle_class("-shown")
        if sidebar.has_class("-shown"):
            self.refresh_list()
            sidebar.options.focus()
        else:
            self.query_one(PromptInput).focus()

    @on(ConversationList.Leave)
    def _leave_list(self) -> None:
        if self.app.size.width < WIDE:  # a narrow screen wants its room back
            self.query_one(ConversationList).remove_class("-shown")
        self.query_one(PromptInput).focus()

    def action_search(self) -> None:
        from ...screens.search import SearchChoice, SearchScreen  # Ctrl+F: not in the 1st frame

        async def opened(choice: SearchChoice | None) -> None:
            if choice is None:
                return
            stored = self.history.load(choice.conversation_id, tail=1)
            if stored is None:
                return
            total = stored.earlier + len(stored.turns)
            found = self.history.load(choice.conversation_id, tail=total - choice.position + 5)
            if found is not None:
                await self.open_conversation(found, focus_message=choice.message_id)

        self.app.push_screen(SearchScreen(self.history), opened)

    @on(ConversationAction)
    async def _conversation_action(self, event: ConversationAction) -> None:
        event.stop()
        from ...screens.dialogs import ConfirmScreen, TextPrompt  # dialogs: when asked

        cid = event.conversation_id
        if event.action == "open":
            if self.streaming:
                self.notify(
                    _("Wait for the answer to finish, or press Esc to stop it."), severity="warning"
                )
                return
            loaded = self.history.load(cid)
            if loaded is not None:
                await self.open_conversation(loaded)
                self.query_one(PromptInput).focus()
        elif event.action == "pin":
            self.history.pin(cid, not event.pinned)
            self.refresh_list()
        elif event.action == "rename":

            def renamed(title: str | None) -> None:
                if title is not None:
                    self.history.rename(cid, title)
                    self.refresh_list()

            self.app.push_screen(TextPrompt(_("Rename conversation"), event.title), renamed)
        elif event.action == "delete":

            async def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                self.history.delete(cid)
                if self.conversation is not None and self.conversation.id == cid:
                    await self.open_conversation(self._new_conversation())
                self.refresh_list()
                self.notify(_("Conversation deleted."), timeout=3)

            question = _("Delete “{title}” and all its messages? This cannot be undone.")
            self.app.push_screen(
                ConfirmScreen(question.format(title=event.title or _("(untitled)")), _("Delete")),
                confirmed,
            )

    def action_params(self) -> None:
        from ...screens.params import ParamsScreen  # Ctrl+O: not in the first frame

        config = self.deck.config
        screen = ParamsScreen(self.settings, config.templates, config.aliases)

        def apply(settings: Settings | None) -> None:
            if settings is not None:
                self._apply_settings(settings, _("Chat parameters updated."), screen.prefix)

        self.app.push_screen(screen, apply)

    def action_template(self, name: str) -> None:
        """Apply [templates.NAME]: its settings to the conversation, its prefix to the draft."""
        config = self.deck.config
        template = config.templates.get(name)
        if template is None or self.conversation is None:
            return
        said = _("Template {name} applied.").format(name=name)
        settings = with_template(self.settings, template, config.aliases)
        self._apply_settings(settings, said, template.prefix)

    def _apply_settings(self, settings: Settings, said: str, prefix: str = "") -> None:
        if self.conversation is None:
            return
        self.conversation.settings = settings
        self.history.save_settings(self.conversation)
        if settings.model and settings.model != self.deck.model:
            self.deck.model = settings.model
        self._show_settings()
        prompt = self.query_one(PromptInput)
        if prefix and not prompt.text.startswith(prefix):
            prompt.load_text(prefix + "\n\n" + prompt.text.lstrip("\n"))
            prompt.move_cursor(prompt.document.end)
        self.notify(said, timeout=2)

    def action_export(self, fmt: str) -> None:
        conversation = self.conversation
        if conversation is None or conversation.id is None:
            self.notify(
                _("Nothing to export yet: this conversation has no messages."), severity="warning"
            )
            return
        self.export_file(conversation.id, fmt)

    def export_file(self, conversation_id: int, fmt: str) -> None:
        """Write a stored conversation (a comparison: with its summary table) to the exports
        folder as Markdown or JSON, and say where."""

        text = self.history.export(conversation_id, fmt)
        if text is None:
            return
        folder = data_dir() / "exports"
        path = folder / f"conversation-{conversation_id}.{fmt}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
        except OSError as exc:
            self.notify(
                _("Could not write {path}: {error}").format(path=path, error=exc.strerror),
                severity="error",
            )
            return
        self.notify(_("Exported to {path}").format(path=path), timeout=6)

    def _last_answer(self) -> str | None:
        if self.conversation is None:
            return None
        for turn in reversed(self.conversation.turns):
            if turn.role == "assistant" and turn.content:
                return turn.content
        return None

    def copy_request_id(self, request_id: str, title: str) -> None:
        """Show and copy an answer's request id (it joins the answer to its usage-log row)."""
        self._copy(
            request_id,
            _("Request id {id} (copied). `tokendeck logs` shows it in the matching row.").format(
                id=request_id
            ),
            title=title,
            timeout=8,
        )

    def _copy(self, text: str, said: str, title: str = "", timeout: float = 3) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(said, title=title, timeout=timeout)

    def action_attach(self) -> None:
        from ...screens.attach import AttachScreen  # attach: when asked

        def attach(file: Attachment | None) -> None:
            if file is not None:
                self.query_one(AttachedFiles).add_paths_read([file])

        self.app.push_screen(AttachScreen(), attach)

    @property
    def attached(self) -> tuple[Attachment, ...]:
        return tuple(self.query_one(AttachedFiles).files)

    @on(AttachedFiles.Changed)
    def _files_changed(self, event: AttachedFiles.Changed) -> None:
        event.stop()
        self.query_one(CostPreview).typed(self.query_one(PromptInput).text)
        self._save_soon()  # the files waiting are kept with the draft, as the text is

    @on(PromptInput.FilesPasted)
    def _files_pasted(self, event: PromptInput.FilesPasted) -> None:
        event.stop()
        self.query_one(AttachedFiles).add_paths(event.paths)

    def action_drop_files(self) -> None:
        dropped = self.query_one(AttachedFiles).take()
        self.notify(_("{count} attached files dropped.").format(count=len(dropped)), timeout=3)

    def action_editor(self) -> None:
        edit_draft(self, self.query_one(PromptInput))

    def action_copy_answer(self) -> None:
        answer = self._last_answer()
        if not answer:
            self.notify(_("No answer to copy yet."), severity="warning")
            return
        self._copy(
            answer,
            _("Copied the last answer ({count} characters) via OSC 52.").format(count=len(answer)),
        )

    def action_copy_code(self) -> None:
        answer = self._last_answer() or ""
        blocks = [m.group(2) for m in _FENCE.finditer(answer)]
        if not blocks:
            self.notify(_("The last answer has no code block."), severity="warning")
            return
        self._copy(
            blocks[-1],
            _("Copied the last code block ({count} lines) via OSC 52.").format(
                count=blocks[-1].count("\n") + 1
            ),
        )
