"""What a chat request sends, by one rule that the request and the cost preview share.

The system prompt, then the conversation's turns with text (never reasoning), the newest kept
and the oldest left out once the estimate would pass what the model can take: its context
length from the gateway's /models (an assumed ASSUMED_WINDOW when the gateway does not say),
less room for the answer (the conversation's max_tokens, else a quarter of the window, at most
ANSWER_CAP), and at most the profile's `context_tokens` / `context_messages`. Stored turns that
are not loaded on screen are read from the store off the event loop, so what is sent never
depends on how far the user has scrolled. No widgets here.
"""

from __future__ import annotations

import asyncio
import re
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol
from weakref import WeakKeyDictionary

from ..base.i18n import _
from ..base.textfmt import number
from ..gateway import GatewayError, Message
from .prompt_input import IMAGE_TOKENS, Attachment, user_message

if TYPE_CHECKING:
    from ..gateway import Model
    from .conversation import Conversation, Turn

MESSAGE_TOKENS = 4  # each message's own overhead (role and separators), as gateways count it
ASSUMED_WINDOW = 128_000  # tokens, for a model whose context length the gateway does not say
ANSWER_SHARE = 4  # without max_tokens, 1/4 of the window is left for the answer ...
ANSWER_CAP = 8_192  # ... but no more than this
MODELS_WAIT = 5.0  # seconds a request waits for /models (once per gateway) before assuming
MODELS_RETRY = 60.0  # seconds before a failed /models is asked again

_WIDE_RUNS = re.compile("[\u2e80-\U0010ffff]+")  # CJK and beyond: about a token a character


def text_tokens(text: str) -> int:
    """A rough token count: about four characters of Latin text, or one CJK character, a token."""
    if text.isascii():
        return (len(text) + 3) // 4
    wide = sum(map(len, _WIDE_RUNS.findall(text)))
    return wide + (len(text) - wide + 3) // 4


def message_tokens(text: str) -> int:
    """The estimate for one message of `text`, its overhead included."""
    return text_tokens(text) + MESSAGE_TOKENS


# ---- the limits ---------------------------------------------------------------------------


class Reason:
    """Which limit left turns out (for the notice)."""

    WINDOW = "window"  # the model's context length, as /models says
    ASSUMED = "assumed"  # the assumed window: /models gave none for the model
    TOKENS = "tokens"  # the profile's context_tokens
    MESSAGES = "messages"  # the profile's context_messages


@dataclass(frozen=True, slots=True)
class Limits:
    """What bounds the context a request sends: the model's window and the profile's caps."""

    window: int | None = None  # the model's context length, when the gateway says
    max_tokens: int | None = None  # the conversation's max_tokens: room kept for the answer
    cap_tokens: int | None = None  # the profile's context_tokens
    cap_messages: int | None = None  # the profile's context_messages

    def _window(self) -> int:
        if self.window is not None:
            return self.window
        return self.cap_tokens if self.cap_tokens is not None else ASSUMED_WINDOW

    @property
    def reserve(self) -> int:
        """Tokens kept free for the answer."""
        if self.max_tokens is not None:
            return self.max_tokens
        return min(self._window() // ANSWER_SHARE, ANSWER_CAP)

    @property
    def budget(self) -> int:
        """Tokens the request may take."""
        if self.window is None and self.cap_tokens is not None:
            return self.cap_tokens  # the profile says what to send for a model of unknown size
        budget = max(self._window() - self.reserve, 0)
        return budget if self.cap_tokens is None else min(budget, self.cap_tokens)

    def token_reason(self) -> str:
        if self.cap_tokens is not None and self.cap_tokens <= self.budget:
            return Reason.TOKENS
        return Reason.WINDOW if self.window is not None else Reason.ASSUMED


# ---- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """What one request sends, and what it leaves out."""

    messages: list[Message]
    tokens: int  # the estimate of what is sent
    sent: int  # turns sent (the system prompt not counted)
    total: int  # turns with text in the conversation
    limits: Limits
    model: str = ""
    reason: str | None = None  # a Reason when turns were left out

    @property
    def dropped(self) -> int:
        return self.total - self.sent

    def note(self) -> str:
        """The short remark for the answer's meta line; '' when everything was sent."""
        if not self.dropped:
            return ""
        limits = self.limits
        fields = {"sent": number(self.sent), "total": number(self.total), "model": self.model}
        if self.reason == Reason.MESSAGES:
            text = _("sent the last {sent} of {total} messages (context_messages = {limit})")
            return text.format(limit=number(limits.cap_messages or 0), **fields)
        if self.reason == Reason.TOKENS:
            text = _("sent the last {sent} of {total} messages (context_tokens = {limit})")
            return text.format(limit=number(limits.cap_tokens or 0), **fields)
        if self.reason == Reason.ASSUMED:
            text = _(
                "sent the last {sent} of {total} messages ({window} tokens assumed for {model})"
            )
            return text.format(window=number(ASSUMED_WINDOW), **fields)
        text = _("sent the last {sent} of {total} messages ({model} takes {window} tokens)")
        return text.format(window=number(limits.window or 0), **fields)


def plan(
    system: str,
    texts: Sequence[Message],
    limits: Limits,
    model: str = "",
    tokens: Sequence[int] | None = None,
) -> Plan:
    """The system prompt and the newest of `texts` that fit `limits` (the newest always);
    `tokens`: each text's message_tokens when already counted."""
    used = message_tokens(system) if system else 0
    budget, most = limits.budget, limits.cap_messages
    start, reason = len(texts), None
    while start > 0:
        cost = message_tokens(texts[start - 1].content) if tokens is None else tokens[start - 1]
        kept = len(texts) - start
        if kept and most is not None and kept >= most:
            reason = Reason.MESSAGES
            break
        if kept and used + cost > budget:
            reason = limits.token_reason()
            break
        used += cost
        start -= 1
    messages = [Message("system", system)] if system else []
    messages += texts[start:]
    return Plan(messages, used, len(texts) - start, len(texts), limits, model, reason)


# ---- stored turns not loaded ----------------------------------------------------------------

# (position, role, content) of stored messages with text or files, and their files if any
Row = tuple[int, str, str] | tuple[int, str, str, tuple[Attachment, ...]]
Rows = list[Row]


class Earlier:
    """The text of a conversation's stored turns before its first loaded one, read once."""

    def __init__(self, rows: Rows, upto: int) -> None:
        self.upto = upto  # read before this position
        self.positions = [row[0] for row in rows]
        self.messages = [
            sent_message(row[1], row[2], row[3] if len(row) > 3 else ())
            for row in rows
        ]
        self.tokens = [sent_tokens(m) for m in self.messages]

    def before(self, position: int | None) -> Texts:
        """The messages stored before `position` (all of them when it is None)."""
        end = len(self.positions) if position is None else bisect_left(self.positions, position)
        return Texts(self.messages[:end], self.tokens[:end])


class TextSource(Protocol):
    """Where stored turns are read from (History): off the event loop."""

    async def texts_before(self, conversation_id: int, position: int) -> Rows | None: ...


async def earlier_texts(source: TextSource, conversation: Conversation) -> Earlier | None:
    """The stored turns before the loaded ones, read once per conversation (None: none)."""
    turns = conversation.turns
    first = turns[0].position if turns else None
    if conversation.id is None or conversation.earlier <= 0 or first is None:
        return None
    found = conversation.stored_texts
    if not isinstance(found, asyncio.Future) or found.done() and not _covers(found, first):
        found = asyncio.ensure_future(_read(source, conversation.id, first))
        conversation.stored_texts = found
    earlier: Earlier | None = await asyncio.shield(found)
    return earlier


def _covers(found: asyncio.Future[Earlier | None], first: int) -> bool:
    earlier = found.result()
    return earlier is None or earlier.upto >= first


async def _read(source: TextSource, conversation_id: int, before: int) -> Earlier | None:
    rows = await source.texts_before(conversation_id, before)
    if rows is None:
        return None
    return await asyncio.to_thread(Earlier, rows, before)  # ~1 MB counted beside the loop


class Texts(NamedTuple):
    messages: list[Message]
    tokens: list[int]  # message_tokens of each


def sent_message(role: str, content: str, files: Sequence[Attachment] = ()) -> Message:
    """What a turn sends: its text, with its files (text blocks, image parts) when it has any."""
    return user_message(content, files, role) if files else Message(role, content)


def sent_tokens(message: Message) -> int:
    return message_tokens(message.content) + IMAGE_TOKENS * len(message.images)


def turn_tokens(turn: Turn) -> int:
    """message_tokens of a turn's text (and files), counted once per text."""
    memo = turn.token_memo
    if memo is None or memo[0] is not turn.content:
        count = sent_tokens(sent_message(turn.role, turn.content, turn.attachments))
        memo = turn.token_memo = (turn.content, count)
    return memo[1]


def texts_of(turns: Sequence[Turn], earlier: Earlier | None) -> Texts:
    """Every turn with text or files, stored ones first (`turns`: the loaded ones, in order)."""
    first = turns[0].position if turns else None
    texts = earlier.before(first) if earlier is not None else Texts([], [])
    for turn in turns:
        if turn.content or turn.attachments:
            texts.messages.append(sent_message(turn.role, turn.content, turn.attachments))
            texts.tokens.append(turn_tokens(turn))
    return texts


# ---- the models' context lengths ------------------------------------------------------------


class ModelWindows:
    """Context lengths from one gateway's /models: fetched once (the Models panel's list is
    learnt too), asked again after a failure at most once a minute."""

    def __init__(self) -> None:
        self.known: dict[str, int | None] | None = None
        self._fetch: asyncio.Future[None] | None = None
        self._failed = 0.0
        self._slow = False  # the pending fetch has already made a request wait in vain

    def learn(self, models: Sequence[Model]) -> None:
        self.known = {m.id: m.context_length for m in models}

    def get(self, model: str) -> int | None:
        return None if self.known is None else self.known.get(model)

    async def window(
        self, fetch: Callable[[], Awaitable[Sequence[Model]]], model: str, wait: float = MODELS_WAIT
    ) -> int | None:
        """The model's context length; fetched first if not known yet (None: not said)."""
        if self.known is None and time.monotonic() - self._failed >= MODELS_RETRY:
            if self._fetch is None or self._fetch.done():
                self._fetch = asyncio.ensure_future(self._load(fetch))
                self._slow = False
            if not self._slow:  # a slow /models holds one request only, not each one
                try:
                    await asyncio.wait_for(asyncio.shield(self._fetch), wait)
                except TimeoutError:
                    self._slow = True  # it goes on; later requests use it once it is there
        return self.get(model)

    async def _load(self, fetch: Callable[[], Awaitable[Sequence[Model]]]) -> None:
        try:
            self.learn(await fetch())
        except GatewayError:
            self._failed = time.monotonic()


_windows: WeakKeyDictionary[object, ModelWindows] = WeakKeyDictionary()


def windows_for(gateway: object) -> ModelWindows:
    """The context lengths of `gateway`'s models (one registry per Gateway object)."""
    found = _windows.get(gateway)
    if found is None:
        found = _windows[gateway] = ModelWindows()
    return found


# ---- both together ---------------------------------------------------------------------------


class ModelSource(Protocol):
    async def models(self) -> list[Model]: ...


async def plan_request(
    source: TextSource,
    gateway: ModelSource,
    conversation: Conversation,
    turns: Sequence[Turn],
    *,
    cap_tokens: int | None = None,
    cap_messages: int | None = None,
) -> Plan:
    """What a request for an answer to `turns` (the loaded ones, the newest last) sends: the one
    rule for the request and the cost preview alike."""
    settings = conversation.settings
    window, earlier = await asyncio.gather(
        windows_for(gateway).window(gateway.models, settings.model),
        earlier_texts(source, conversation),
    )
    limits = Limits(window, settings.max_tokens, cap_tokens, cap_messages)
    texts = texts_of(turns, earlier)
    return plan(settings.system, texts.messages, limits, settings.model, texts.tokens)
