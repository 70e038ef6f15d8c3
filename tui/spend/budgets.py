"""Spending budgets: today's and this month's credits (local time) against a profile's limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Literal

from ..base.i18n import _
from ..profiles.config import Profile
from ..store import Database, usage_totals
from .money import spend_text

Period = Literal["day", "month"]


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """One budget: its period, limit, what was spent since the period began."""

    period: Period
    limit: Decimal
    spent: Decimal
    since: datetime  # local midnight of today, or of the 1st of this month

    @property
    def over(self) -> bool:
        return self.spent > self.limit

    @property
    def left(self) -> Decimal:
        return self.limit - self.spent


def period_start(now: datetime, period: Period) -> datetime:
    """Local midnight starting `now`'s day or month, as an aware datetime."""
    day = now.astimezone().date()
    if period == "month":
        day = day.replace(day=1)
    return datetime.combine(day, time()).astimezone()


def budget_status(db: Database, profile: Profile, now: datetime) -> list[BudgetStatus]:
    """The profile's budgets (daily first) with the cached spend of their period so far."""
    budgets: list[tuple[Period, Decimal | None]] = [
        ("day", profile.daily_budget),
        ("month", profile.monthly_budget),
    ]
    found = []
    for period, limit in budgets:
        if limit is None:
            continue
        since = period_start(now, period)
        spent = usage_totals(db, profile.name, since=since).credits
        found.append(BudgetStatus(period, limit, spent, since))
    return found


def describe_budget(status: BudgetStatus, profile: Profile) -> str:
    """ "today: 1,200 credits of the daily budget 1,000 credits (over)" and the like."""
    spent, limit = spend_text(status.spent, profile), spend_text(status.limit, profile)
    if status.period == "day":
        text = _("today's spend {spent} is over the daily budget {limit}")
        if not status.over:
            text = _("today's spend {spent} of the daily budget {limit}")
    else:
        text = _("this month's spend {spent} is over the monthly budget {limit}")
        if not status.over:
            text = _("this month's spend {spent} of the monthly budget {limit}")
    return text.format(spent=spent, limit=limit)


def budget_sentence(status: BudgetStatus, profile: Profile) -> str:
    """describe_budget as a sentence on its own: the first letter upper case (only that one:
    a currency code stays as it is)."""
    text = describe_budget(status, profile)
    return text[:1].upper() + text[1:]
