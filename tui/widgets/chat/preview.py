"""The cost preview under the chat input: what sending now would cost (the context so far plus
the prompt being typed, at the credits per token this model has cost), updated as you type."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from textual.timer import Timer
from textual.widgets import Static

from ...i18n import _
from ...textfmt import number

if TYPE_CHECKING:
    from ...app import TokenDeck
    from ...conversation import Turn
    from ...costs import Estimator

DEBOUNCE = 0.25  # seconds of quiet typing before the estimate is worked out again
_WIDE = 0x2E80  # from here on (CJK and beyond) a character is about one token


def text_tokens(text: str) -> int:
    """A rough token count: about four characters of Latin text, or one CJK character, a token."""
    wide = sum(1 for ch in text if ord(ch) >= _WIDE)
    return wide + (len(text) - wide + 3) // 4


def context_tokens(turns: Sequence[Turn], system: str = "") -> int:
    """Tokens the conversation so far sends again: the last answer's own counts (exact), plus
    what came after it; estimated from the text where the gateway gave no counts."""
    for index in range(len(turns) - 1, -1, -1):
        usage = turns[index].usage
        if usage is not None:
            after = turns[index + 1 :]
            return (
                usage.prompt_tokens
                + usage.completion_tokens
                + sum(text_tokens(t.content) for t in after)
            )
    return text_tokens(system) + sum(text_tokens(t.content) for t in turns)


class CostPreview(Static):
    """`next send ≈ 1,234 tokens · ≈ 12.3 credits`, shown while the prompt holds text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
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
        from ...costs import Estimator, prices_from_config

        deck = cast("TokenDeck", self.app)
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
        deck = cast("TokenDeck", self.app)
        panel = self.screen.query("#chat-panel").first()
        conversation = getattr(panel, "conversation", None)
        if conversation is None:
            return
        model = conversation.settings.model
        turns = conversation.turns
        self.set_class(bool(self._text.strip()), "-shown")
        if not model or not self._text.strip():
            return
        tokens = context_tokens(turns, conversation.settings.system) + text_tokens(self._text)
        estimator = self._estimator(deck.profile.name, model, len(turns))
        credits: Decimal | None = None
        if estimator is not None:
            credits = estimator.estimate(model, tokens, 0)
        if credits is None:
            text = _("next send ≈ {tokens} tokens · no price known yet for {model}").format(
                tokens=number(tokens), model=model
            )
        else:
            text = _("next send ≈ {tokens} tokens · ≈ {credits} credits").format(
                tokens=number(tokens), credits=number(credits, 2 if credits < 100 else 0)
            )
        self.update(text)
