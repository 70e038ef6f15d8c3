"""One profile at a glance: balance, today's spend, burn rate and days left (dashboard, status):
the row itself, light enough for `tokendeck status`; tui.spend.service works it out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..gateway.types import Balance
    from ..profiles.config import Profile

from .money import MONEY_UNITS, log_unit


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
    family: str | None = None  # the balance dialect that answered
    no_balance: str | None = None  # the gateway offers no balance endpoint: said so, no error
    # where today/burn/days_left come from: "log" (exact usage-log rows), "balance" (estimated
    # from balance readings: the gateway keeps no log; in the balance's unit), None (nowhere)
    basis: str | None = None


def balance_in_credits(balance: Balance, profile: Profile) -> Decimal | None:
    """The balance in the usage log's credits: as is, or money times `credits_per_unit`."""
    if balance.remaining is None or balance.unlimited:
        return None
    money = balance.currency or (balance.unit if balance.unit in MONEY_UNITS else None)
    if money is None:
        return balance.remaining
    if profile.credits_per_unit is not None and profile.currency == money:
        return balance.remaining * profile.credits_per_unit
    if money is not None and log_unit(profile) == money:
        return balance.remaining  # the log counts in that money too (new-api, LiteLLM: USD)
    return None  # money, but no rate to credits: days left cannot be told
