"""Typed values the gateway layer hands out: specs, chat events, models, balances, log rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from .errors import GatewayError
from .secret import Secret


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long to wait, in seconds: to connect, between reads, for a request, for a stream."""

    connect: float = 10.0
    read_idle: float = 60.0  # longest silence between two reads
    request: float = 60.0  # whole non-streamed request
    stream: float = 600.0  # whole streamed answer; keep-alives do not extend it
    stall: float = 90.0  # longest time without new answer or reasoning text in a stream


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a request the gateway refused for a while."""

    attempts: int = 3  # first try included
    backoff: float = 0.5  # first delay; doubles each time, with jitter
    max_delay: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After is reported, not slept through


@dataclass(frozen=True, slots=True)
class GatewaySpec:
    """Where a gateway is and how to talk to it: what the gateway layer needs from a profile."""

    name: str
    base_url: str
    api_key: Secret | None = None
    logs_url: str | None = None
    create_url: str | None = None
    balance_dialect: str = "auto"
    label: str | None = None  # how messages name the gateway; its host when None
    adapter: Mapping[str, Any] | None = None  # a declarative adapter table (see adapters.custom)
    logs: str | None = None  # the usage-log family (families.LOG_FAMILIES); None: openai-hk's
    access_token: Secret | None = None  # a new-api / one-api user's access token (user logs)
    user_id: str | None = None  # new-api's New-Api-User header, with the access token
    software: str | None = None  # what the gateway runs, as the probe found it ("litellm")
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message as sent to the gateway."""

    role: str
    content: str
    images: tuple[str, ...] = ()  # data: URLs, sent as image_url content parts

    def wire(self) -> dict[str, Any]:
        """The message as sent: role and content only (never reasoning); with images, the
        content is OpenAI's list of parts: the text, then one image_url part per image."""
        if not self.images:
            return {"role": self.role, "content": self.content}
        parts: list[dict[str, Any]] = []
        if self.content:
            parts.append({"type": "text", "text": self.content})
        parts += [{"type": "image_url", "image_url": {"url": url}} for url in self.images]
        return {"role": self.role, "content": parts}


@dataclass(frozen=True, slots=True)
class ChatParams:
    """The model and sampling settings of a chat request."""

    model: str
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()


# ---- streamed chat events -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opened:
    """The gateway accepted the request; the request id if it told us one."""

    request_id: str | None


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """A piece of the answer's text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning, shown apart from the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class UsageInfo:
    """The tokens an answer used, as the gateway counted them."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    # what the gateway says it billed for this answer, in its money (OpenRouter's `usage.cost`,
    # LiteLLM's `x-litellm-response-cost`): the exact price, not an estimate; None if not said
    cost: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The gateway finished the answer; `reason` is its finish_reason (None after a bare [DONE])."""

    reason: str | None


@dataclass(frozen=True, slots=True)
class Malformed:
    """A chunk that could not be read was skipped; the stream goes on."""

    error: GatewayError


@dataclass(frozen=True, slots=True)
class StreamFailed:
    """The stream ended badly (error chunk, cut, timeout, dropped); text so far stays valid."""

    error: GatewayError
    cut: bool = False


ChatEvent = Opened | ContentDelta | ReasoningDelta | UsageInfo | Finish | Malformed | StreamFailed


@dataclass(slots=True)
class ChatResult:
    """A whole answer: its text, reasoning, usage and how it ended."""

    content: str = ""
    reasoning: str = ""
    usage: UsageInfo | None = None
    finish_reason: str | None = None
    finished: bool = False
    request_id: str | None = None
    error: GatewayError | None = None
    cut: bool = False
    warnings: list[GatewayError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.finished and self.error is None

    @property
    def billed_cost(self) -> Decimal | None:
        """The price the gateway stated for this answer (its own money), or None."""
        return self.usage.cost if self.usage is not None else None


class ChatAccumulator:
    """Folds chat events into a ChatResult (used by the CLI, the app and storage alike)."""

    def __init__(self) -> None:
        self.result = ChatResult()
        self._content: list[str] = []
        self._reasoning: list[str] = []

    def add(self, event: ChatEvent) -> None:
        result = self.result
        match event:
            case ContentDelta(text):
                self._content.append(text)
            case ReasoningDelta(text):
                self._reasoning.append(text)
            case UsageInfo():
                result.usage = event
            case Finish(reason):
                result.finish_reason = reason
                result.finished = True
            case Opened(request_id):
                result.request_id = request_id
            case Malformed(error):
                result.warnings.append(error)
            case StreamFailed(error, cut):
                result.error = error
                result.cut = cut

    def finish(self) -> ChatResult:
        self.result.content = "".join(self._content)
        self.result.reasoning = "".join(self._reasoning)
        return self.result


# ---- models, balance, logs ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Model:
    """One entry of the gateway's /models."""

    id: str
    owned_by: str = ""
    created: datetime | None = None
    context_length: int | None = None
    prompt_price: Decimal | None = None  # per token, in the gateway's unit
    completion_price: Decimal | None = None
    max_output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    """Credit left, in the gateway's own unit; None where the dialect does not say."""

    dialect: str
    remaining: Decimal | None
    used: Decimal | None = None
    total: Decimal | None = None
    unlimited: bool = False
    unit: str = "credits"
    currency: str | None = None
    fetched_at: datetime | None = None
    # the same account's balance in other currencies (DeepSeek: USD beside CNY)
    also: tuple[tuple[Decimal, str], ...] = ()


class LogRow(NamedTuple):
    """One usage-log row: the time as unix seconds and the credits as exact decimal text, as
    they are stored and written out; `ctime`, `fen` and `yufen` make the datetime and the
    Decimals when asked for.

    A named tuple of plain values, not a frozen dataclass of datetimes and Decimals: a first
    sync reads a million rows and stores them, and makes neither (a row cost ~4 µs more).
    `LogRow.of` makes one from a datetime and Decimals.
    """

    id: int
    user_id: str
    seconds: float  # when the request was made, in unix seconds
    prompt_tokens: int
    completion_tokens: int
    fen_text: str  # credits spent: plain decimal text, as format(Decimal, "f") writes it
    model: str
    yufen_text: str  # credits left after this request (the same form)
    reqid: str
    ip: str
    note: str

    @classmethod
    def of(
        cls, id: int, user_id: str, ctime: datetime, prompt_tokens: int,
        completion_tokens: int, fen: Decimal, model: str, yufen: Decimal, reqid: str, ip: str,
        note: str,
    ) -> LogRow:  # fmt: skip
        """A row from its time as a datetime and its credits as Decimals."""
        return cls(
            id, user_id, ctime.timestamp(), prompt_tokens, completion_tokens, format(fen, "f"),
            model, format(yufen, "f"), reqid, ip, note,
        )  # fmt: skip

    @property
    def ctime(self) -> datetime:
        """When the request was made (UTC)."""
        return datetime.fromtimestamp(self.seconds, UTC)

    @property
    def fen(self) -> Decimal:
        """Credits spent."""
        return Decimal(self.fen_text)

    @property
    def yufen(self) -> Decimal:
        """Credits left after this request."""
        return Decimal(self.yufen_text)


class LogPage(list[LogRow]):
    """A page of rows read a column at a time (openai-hk's usual page: every field text, its
    numbers digits without leading zeros), with its columns: `columns[f][r] == page[r][f]`
    and `texts[f][r] == str(page[r][f])`. A writer of text (`logs --format csv`) takes the
    gateway's own texts from it instead of making them again from the rows, a million times
    over. Otherwise a list of LogRow like any page; the columns describe the rows it was made
    with, not rows put in later (nothing changes a page in place)."""

    __slots__ = ("columns", "texts")

    def __init__(
        self, columns: tuple[Sequence[Any], ...], texts: tuple[Sequence[str], ...],
        rows: Iterable[LogRow] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(map(_log_row, zip(*columns, strict=True)) if rows is None else rows)
        self.columns, self.texts = columns, texts

    def after(self, start: int) -> LogPage:
        """The page without its first `start` rows (their columns too)."""
        return LogPage(
            tuple(c[start:] for c in self.columns), tuple(t[start:] for t in self.texts),
            self[start:],
        )


_log_row = partial(tuple.__new__, LogRow)  # a LogRow from an iterable, without a Python call
