"""One profile at a glance: balance, today's spend, burn rate and days left (dashboard, status)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Profile
    from .gateway.types import Balance
    from .store import Database

MONEY_UNITS = ("USD", "CNY", "EUR")


@dataclass(frozen=True, slots=True)
class Figures:
    """What a profile row shows; None where it is not known (no logs, no balance endpoint)."""

    profile: str
    balance: Decimal | None = None
    unlimited: bool = False
    unit: str = "credits"
    today: Decimal | None = None  # credits spent since local midnight (usage cache)
    burn: Decimal | None = None  # credits a day, over the last 7 days
    days_left: Decimal | None = None
    error: str | None = None


def balance_in_credits(balance: Balance, profile: Profile) -> Decimal | None:
    """The balance in the usage log's credits: as is, or money times `credits_per_unit`."""
    if balance.remaining is None or balance.unlimited:
        return None
    money = balance.currency or (balance.unit if balance.unit in MONEY_UNITS else None)
    if money is None:
        return balance.remaining
    if profile.credits_per_unit is not None and profile.currency == money:
        return balance.remaining * profile.credits_per_unit
    return None  # money, but no rate to credits: days left cannot be told


def figures(
    profile: Profile,
    balance: Balance | None,
    db: Database | None,
    now: datetime,
    error: str | None = None,
) -> Figures:
    """The row for `profile`, from its balance and the usage cache in `db` (if any)."""
    from .budgets import period_start
    from .store import burn_rate, count_usage, usage_totals

    today = burn = days = None
    if db is not None and count_usage(db, profile.name):
        today = usage_totals(db, profile.name, since=period_start(now, "day")).credits
        burn = burn_rate(db, profile.name, now)
    left = balance_in_credits(balance, profile) if balance is not None else None
    if left is not None and burn:
        days = max(Decimal(0), left / burn)
    return Figures(
        profile=profile.name,
        balance=None if balance is None else balance.remaining,
        unlimited=bool(balance and balance.unlimited),
        unit=profile.unit or (balance.unit if balance is not None else "credits"),
        today=today,
        burn=burn,
        days_left=days,
        error=error,
    )
