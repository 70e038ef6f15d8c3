"""Cost per answer: exact credits from usage-log rows, else an estimate until a row confirms it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fnmatch import translate
from typing import Protocol

from ..profiles.config import ModelPrice
from ..store import Database, StoredMessage, UsageRow, credits_per_token, rows_by_reqid, rows_near
from ..store.charges import CostWrite, answers_to_cost, claimed_rows, conversation_cost, write_costs

__all__ = [
    "CostUpdate",
    "Estimator",
    "Price",
    "apply_costs",
    "conversation_cost",
    "normalise_request_id",
    "prices_from_config",
    "prices_from_models",
]

BODY_ID_PREFIX = "chatcmpl-"  # a body id is "chatcmpl-<reqid>"; the header has the bare reqid
MATCH_WINDOW = 120.0  # seconds between an answer's creation and its log row, at most
_ESTIMATE_STEP = Decimal("0.000001")


def normalise_request_id(value: str | None) -> str | None:
    """The bare request id a usage-log row shows, from a header or body id (None if blank)."""
    text = (value or "").strip()
    text = text.removeprefix(BODY_ID_PREFIX)
    return text or None


@dataclass(frozen=True, slots=True)
class Price:
    """Credits per token, for prompt and completion tokens."""

    prompt: Decimal
    completion: Decimal

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        return self.prompt * prompt_tokens + self.completion * completion_tokens


class PricedModel(Protocol):
    """Anything shaped like tui.gateway.Model."""

    @property
    def id(self) -> str: ...
    @property
    def prompt_price(self) -> Decimal | None: ...
    @property
    def completion_price(self) -> Decimal | None: ...


def prices_from_models(models: Iterable[PricedModel]) -> dict[str, Price]:
    """Per-token prices from `/models` (taken as credits), for models that give both."""
    return {
        m.id: Price(m.prompt_price, m.completion_price)
        for m in models
        if m.prompt_price is not None and m.completion_price is not None
    }


def prices_from_config(prices: Mapping[str, ModelPrice]) -> Mapping[str, Price]:
    """Per-token prices from a profile's `prices` table (credits per 1K tokens), each made when
    it is read: an estimate reads one of a config's 10,000."""
    return _PerToken(prices)


class _PerToken(Mapping[str, Price]):
    """A profile's prices per 1K tokens, read as prices per token."""

    __slots__ = ("_per_1k",)

    def __init__(self, per_1k: Mapping[str, ModelPrice]) -> None:
        self._per_1k = per_1k

    def __getitem__(self, model: str) -> Price:
        price = self._per_1k[model]
        return Price(price.prompt / 1000, price.completion / 1000)

    def __iter__(self) -> Iterator[str]:
        return iter(self._per_1k)

    def __len__(self) -> int:
        return len(self._per_1k)


_WILDCARDS = frozenset("*?[")


class _Patterns:
    """The config's price names as case-insensitive fnmatch patterns, the first one in the
    file's order matching: a name without * ? [ by one dict lookup, the others each by its
    compiled pattern (a scan with fnmatch compiled and tried every name: ~0.5 s for the first
    model of a config with 10,000 prices, ~5 ms for each further one)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.plain: dict[str, tuple[int, str]] = {}  # lowered name -> (place, name)
        self.wild: list[tuple[int, Callable[[str], object], str]] = []
        for place, name in enumerate(names):
            lowered = name.lower()
            if _WILDCARDS.isdisjoint(lowered):
                self.plain.setdefault(lowered, (place, name))
            else:
                self.wild.append((place, re.compile(translate(lowered)).match, name))

    def first(self, lowered: str) -> str | None:
        """The first name (in the file's order) that matches the lowered model id."""
        plain = self.plain.get(lowered)
        for place, match, name in self.wild:
            if plain is not None and place > plain[0]:
                break
            if match(lowered):
                return name
        return plain[1] if plain is not None else None


class Estimator:
    """Estimates an answer's credits: `/models` pricing, else the config's price (exact id,
    then a wildcard like "gpt-4o*"), else the model's average credits per token so far (in
    the usage cache `db`; none without one)."""

    def __init__(
        self,
        db: Database | None,
        profile: str,
        model_prices: Mapping[str, Price] | None = None,
        config_prices: Mapping[str, Price] | None = None,
    ) -> None:
        self.db, self.profile = db, profile
        self.model_prices = dict(model_prices or {})
        self.config_prices: Mapping[str, Price] = config_prices or {}  # read, never changed
        self._patterns: _Patterns | None = None  # made at the first id not priced exactly
        self._matched: dict[str, str | None] = {}  # model id -> the config name it matched
        self._averages: dict[str, Decimal | None] = {}

    def price(self, model: str) -> Price | None:
        found = self.model_prices.get(model) or self.config_prices.get(model)
        if found is not None:
            return found
        if model not in self._matched:
            if self._patterns is None:
                self._patterns = _Patterns(self.config_prices)
            self._matched[model] = self._patterns.first(model.lower())
        name = self._matched[model]
        return self.config_prices[name] if name is not None else None

    def estimate(
        self, model: str | None, prompt: int | None, completion: int | None
    ) -> Decimal | None:
        if not model or prompt is None or completion is None:
            return None
        price = self.price(model)
        if price is not None:
            return _tidy(price.cost(prompt, completion))
        if self.db is None:
            return None
        if model not in self._averages:
            self._averages[model] = credits_per_token(self.db, self.profile, model)
        average = self._averages[model]
        return None if average is None else _tidy(average * (prompt + completion))


def _tidy(value: Decimal) -> Decimal:
    """An estimate to six places, without trailing zeros."""
    value = value.quantize(_ESTIMATE_STEP)
    whole = value.to_integral_value()
    return whole.quantize(Decimal(1)) if value == whole else value.normalize()


@dataclass(frozen=True, slots=True)
class CostUpdate:
    """What apply_costs found: answers confirmed by a row, estimated, and left without a cost."""

    confirmed: int
    estimated: int
    unpriced: int


def apply_costs(
    db: Database,
    profile: str,
    *,
    models: Iterable[PricedModel] = (),
    prices: Mapping[str, ModelPrice] | None = None,
    window: float = MATCH_WINDOW,
) -> CostUpdate:
    """Give `profile`'s answers without an exact cost one: the credits of their usage-log row
    (by request id, else created within `window` s of the row, same model and token counts),
    or an estimate (see Estimator) marked as such, replaced once a row confirms it."""
    answers = answers_to_cost(db, profile)
    if not answers:
        return CostUpdate(0, 0, 0)
    estimator = Estimator(db, profile, prices_from_models(models), prices_from_config(prices or {}))
    claimed = claimed_rows(db, profile)
    by_reqid = rows_by_reqid(
        db, profile, [r for m in answers if (r := normalise_request_id(m.request_id))]
    )
    writes: list[CostWrite] = []
    confirmed = estimated = unpriced = 0
    for message in answers:
        reqid = normalise_request_id(message.request_id)
        row = by_reqid.get(reqid) if reqid else None
        if row is None:
            row = _by_time(db, profile, message, window, claimed)
        if row is not None:
            claimed[row.id] = message.created.timestamp()
            confirmed += 1
            writes.append(
                CostWrite(
                    message.id, row.fen, False, row.id, row.reqid or None,
                    row.prompt_tokens, row.completion_tokens,
                )
            )  # fmt: skip
            continue
        guess = estimator.estimate(message.model, message.prompt_tokens, message.completion_tokens)
        if guess is None:
            unpriced += 1
            continue
        estimated += 1
        if message.credits is None or not message.credits_estimated:
            # an answer keeps its first estimate until a log row confirms it: estimating it
            # again from the average so far made a conversation's total drift
            writes.append(CostWrite(message.id, guess, True))
    write_costs(db, writes)
    return CostUpdate(confirmed, estimated, unpriced)


def _by_time(
    db: Database, profile: str, message: StoredMessage, window: float, claimed: dict[int, float]
) -> UsageRow | None:
    """The nearest unclaimed row of the answer's model and exact token counts."""
    if message.model is None or message.prompt_tokens is None:
        return None
    at = message.created.timestamp()
    for row in rows_near(db, profile, at, window, message.model):
        if (
            row.prompt_tokens == message.prompt_tokens
            and row.completion_tokens == message.completion_tokens
            and claimed.get(row.id, at) == at  # unclaimed, or claimed by a forked copy
        ):
            return row
    return None
