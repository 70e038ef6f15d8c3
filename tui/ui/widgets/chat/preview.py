"""The cost preview under the chat input: what sending now would cost (what the request would
send — tui.chat.context's rule, the same as the request's — at the credits per token this model has
cost), updated as you type."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from textual import work
from textual.timer import Timer
from textual.widgets import Static

from ....base.i18n import _
from ....base.textfmt import approx, number
from ....chat.conversation import Conversation, Turn
from ....spend.money import unit_label
from ...deck import Deck
from .message import MessageItem

if TYPE_CHECKING:
    from ....chat.context import Plan
    from ....chat.prompt_input import Attachment
    from ....spend.costs import Estimator

DEBOUNCE = 0.25  # seconds of quiet typing before the estimate is worked out again


class Chat(Protocol):
    """What the preview reads of the chat panel: the conversation, the message being edited, and
    what a request would send (the panel's own rule)."""

    conversation: Conversation | None
    editing: Turn | None

    @property
    def attached(self) -> tuple[Attachment, ...]: ...  # files the next message carries

    async def plan(self, conversation: Conversation, turns: list[Turn]) -> Plan: ...


class CostPreview(Static):
    """`next send ≈ 1,234 tokens · ≈ 12.3 credits`, shown while the prompt holds text."""

    def __init__(self, deck: Deck, chat: Chat, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.deck, self.chat = deck, chat
        self._text = ""
        self._timer: Timer | None = None
        # per profile, model and number of turns: an answer syncs the usage log, so prices
        # are looked up again after each one (and not on every key)
        self._estimators: dict[tuple[str, str, int], Estimator] = {}

    def typed(self, text: str) -> None:
        """The prompt changed: work the estimate out once typing pauses."""
        self._text = text
        if self._timer is not None:
            self._timer.stop()
        if not text.strip():  # shown only while there is something to send
            self.set_class(False, "-shown")
            return
        self._timer = self.set_timer(DEBOUNCE, self.refresh_estimate)

    def _estimator(self, profile: str, model: str, turns: int) -> Estimator | None:
        from ....spend.costs import Estimator, prices_from_config  # SQLite: after 1st frame

        deck = self.deck
        key = (profile, model, turns)
        found = self._estimators.get(key)
        if found is None:
            db = deck.history.db
            if db is None:
                return None
            found = Estimator(db, profile, config_prices=prices_from_config(deck.profile.prices))
            self._estimators = {key: found}
        return found

    def refresh_estimate(self) -> None:
        self.set_class(bool(self._text.strip()), "-shown")
        if self._text.strip():
            self._estimate(self._text)

    @work(group="preview", exclusive=True, exit_on_error=False, description="cost preview")
    async def _estimate(self, typed: str) -> None:
        deck, panel = self.deck, self.chat
        conversation = panel.conversation
        if conversation is None or not conversation.settings.model:
            return
        model = conversation.settings.model
        turns = conversation.turns
        if panel.editing is not None and panel.editing in turns:  # sent as a new branch
            turns = turns[: turns.index(panel.editing)]
        plan = await panel.plan(
            conversation, [*turns, Turn("user", typed, attachments=panel.attached)]
        )
        tokens = plan.tokens
        estimator = self._estimator(deck.profile.name, model, len(conversation.turns))
        credits: Decimal | None = None
        if estimator is not None:
            credits = estimator.estimate(model, tokens, 0)
        fields = {"tokens": number(tokens), "model": model, "sent": number(plan.sent)}
        fields["total"] = number(plan.total)
        if credits is not None:
            fields["credits"] = approx(credits)  # "0.000123" USD, not "0.00"
            fields["unit"] = unit_label(MessageItem.cost_unit)  # USD at new-api, LiteLLM ...
        # older messages left out: how many are sent (short: the line is one row at 80 columns)
        if plan.dropped and credits is None:
            text = _(
                "next send ≈ {tokens} tokens ({sent} of {total} messages) · no price known yet"
            )
        elif plan.dropped:
            text = _(
                "next send ≈ {tokens} tokens ({sent} of {total} messages) · ≈ {credits} {unit}"
            )
        elif credits is None:
            text = _("next send ≈ {tokens} tokens · no price known yet for {model}")
        else:
            text = _("next send ≈ {tokens} tokens · ≈ {credits} {unit}")
        if typed == self._text:  # not typed on meanwhile
            self.update(text.format(**fields))
