"""Credits and money as people read them: every amount carries its unit, and units never mix."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ..base.i18n import _
from ..base.localefmt import money
from ..base.textfmt import number

if TYPE_CHECKING:
    from ..gateway.types import Balance
    from ..profiles.config import Profile

CREDITS = "credits"
Number = Decimal | int


def unit_places(unit: str) -> int | None:
    """Decimal places an amount in `unit` is shown with: cents for USD and CNY, the number's
    own otherwise (credits are whole)."""
    return 2 if unit in ("USD", "CNY") else None


def in_unit(amount: Number, unit: str) -> str:
    """`amount` with the places of its unit: 12.35 for USD (not 12.3456), 1,234 credits."""
    return number(amount, unit_places(unit))


def also_text(balance: Balance) -> str:
    """" + 2.00 USD": the account's balance in its other currencies (DeepSeek)."""
    return "".join(f" + {in_unit(amount, unit)} {unit}" for amount, unit in balance.also)


def unit_label(unit: str) -> str:
    """A unit as the reader says it: the gateway's "credits" in their language, a currency
    or a unit a profile names as written."""
    return _("credits") if unit == CREDITS else unit


class UnitMismatch(ValueError):
    """Amounts in two different units were combined or compared."""

    def __init__(self, left: str, right: str) -> None:
        super().__init__(
            _("cannot combine {left} with {right}: convert one first").format(
                left=left, right=right
            )
        )
        self.units = (left, right)


@dataclass(frozen=True, slots=True)
class Amount:
    """A Decimal in a named unit ("credits", "CNY" ...). Adding, subtracting or comparing two
    amounts needs one unit; scaling takes a plain number."""

    value: Decimal
    unit: str = CREDITS

    def _same(self, other: Amount) -> None:
        if not isinstance(other, Amount):
            raise TypeError(f"an Amount cannot be combined with {type(other).__name__}")
        if other.unit != self.unit:
            raise UnitMismatch(self.unit, other.unit)

    def __add__(self, other: Amount) -> Amount:
        self._same(other)
        return Amount(self.value + other.value, self.unit)

    def __radd__(self, other: object) -> Amount:
        if other == 0:  # so that sum(amounts) works
            return self
        return NotImplemented

    def __sub__(self, other: Amount) -> Amount:
        self._same(other)
        return Amount(self.value - other.value, self.unit)

    def __neg__(self) -> Amount:
        return Amount(-self.value, self.unit)

    def __mul__(self, factor: Number) -> Amount:
        if isinstance(factor, Amount | float | bool):
            raise TypeError("an Amount is scaled by an int or a Decimal")
        return Amount(self.value * factor, self.unit)

    __rmul__ = __mul__

    def __lt__(self, other: Amount) -> bool:
        self._same(other)
        return self.value < other.value

    def __le__(self, other: Amount) -> bool:
        self._same(other)
        return self.value <= other.value

    def __gt__(self, other: Amount) -> bool:
        self._same(other)
        return self.value > other.value

    def __ge__(self, other: Amount) -> bool:
        self._same(other)
        return self.value >= other.value

    def __str__(self) -> str:
        return format_amount(self)


def credits(value: Number | str) -> Amount:
    return Amount(Decimal(value), CREDITS)


@dataclass(frozen=True, slots=True)
class Rate:
    """What credits are worth: `credits_per_unit` credits make 1 `currency`."""

    credits_per_unit: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.credits_per_unit <= 0:
            raise ValueError("credits_per_unit must be above 0")

    def to_money(self, amount: Amount) -> Amount:
        if amount.unit != CREDITS:
            raise UnitMismatch(amount.unit, CREDITS)
        return Amount(amount.value / self.credits_per_unit, self.currency)

    def to_credits(self, amount: Amount) -> Amount:
        if amount.unit != self.currency:
            raise UnitMismatch(amount.unit, self.currency)
        return Amount(amount.value * self.credits_per_unit, CREDITS)


def rate_for(profile: Profile) -> Rate | None:
    """The profile's rate, when it sets credits_per_unit and currency."""
    if profile.credits_per_unit is None or not profile.currency:
        return None
    return Rate(profile.credits_per_unit, profile.currency)


def format_amount(amount: Amount, places: int | None = None) -> str:
    """ "1,234.5 credits", "¥12.35"; money has 2 places, or 2 significant digits below 0.01."""
    value = amount.value
    if amount.unit == CREDITS:
        return _("{amount} credits").format(amount=number(value, places))
    if places is None and value and abs(value) < Decimal("0.01"):
        step = Decimal(1).scaleb(value.adjusted() - 1)  # two significant digits
        shown = number(value.quantize(step, ROUND_HALF_UP))
    else:
        step = Decimal(1).scaleb(-(2 if places is None else places))
        shown = number(value.quantize(step, ROUND_HALF_UP), 2 if places is None else places)
    return money(shown, amount.unit)


MONEY_UNITS = ("USD", "CNY", "EUR")


def log_unit(profile: Profile) -> str | None:
    """The money a profile's usage log counts in when it is money, not credits: a new-api,
    one-api or LiteLLM log is in USD (`unit = "USD"`, as `config init` saves it). None for
    credits (and for credits with a `credits_per_unit` rate)."""
    unit = profile.unit
    return unit if unit in MONEY_UNITS and profile.credits_per_unit is None else None


def spend_text(value: Decimal, profile: Profile, *, estimated: bool = False) -> str:
    """An amount of the usage log as the profile counts it: "1.29 USD" for a log in money,
    else credits (with their worth in money when the profile gives a rate)."""
    unit = log_unit(profile)
    if unit is None:
        return credits_text(value, rate_for(profile), estimated=estimated)
    text = format_amount(Amount(value, unit))
    return ("≈" + text) if estimated else text


def credits_text(value: Decimal, rate: Rate | None = None, *, estimated: bool = False) -> str:
    """Credits, with their worth in money when the rate is known; ≈ marks an estimate."""
    amount = credits(value)
    text = format_amount(amount)
    if rate is not None:
        text = _("{credits} ({money})").format(
            credits=text, money=format_amount(rate.to_money(amount))
        )
    return ("≈" + text) if estimated else text
