"""Spend, burn rate and days left estimated from balance readings, for profiles whose gateway
keeps no usage log (DeepSeek, Moonshot, SiliconFlow, OpenRouter, one-api billing pair).

Every balance the app or the CLI reads is stored as a sample (time, remaining, unit). Between
two readings the balance is taken to fall evenly; what fell is spend, what rose is a top-up and
counts as nothing. So the figures are approximate (a top-up hides what was spent between the
same two readings) and are labelled so wherever they are shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from ..store import StoreError, balance_samples, record_balance
from .budgets import period_start

if TYPE_CHECKING:
    from ..gateway.types import Balance
    from ..store import Database

DAY = 86_400.0
MIN_SPAN = 3_600.0  # seconds of readings before a burn rate is told
WINDOW_DAYS = 7  # the burn rate is the spend per day over at most this many days
_PLACES = Decimal("0.000001")

Sample = tuple[float, Decimal]  # (unix time, remaining), oldest first


@dataclass(frozen=True, slots=True)
class Estimate:
    """What the readings tell; None where they do not (too few, too short a history)."""

    today: Decimal | None = None  # spent since the start of the day
    burn: Decimal | None = None  # spent per day over the last WINDOW_DAYS days
    days_left: Decimal | None = None
    span: float = 0.0  # seconds of readings the burn rate is taken over


def spend(samples: Sequence[Sample], since: float, until: float) -> Decimal | None:
    """What the balance fell by within [since, until]: each fall between two readings counted
    for the part of their interval inside the window, rises (top-ups) not at all. None when no
    two readings span any of the window."""
    total, covered = Decimal(0), False
    for (t0, v0), (t1, v1) in pairwise(samples):
        inside = min(t1, until) - max(t0, since)
        if t1 <= t0 or inside <= 0:
            continue
        covered = True
        if v1 < v0:
            total += (v0 - v1) * Decimal(inside) / Decimal(t1 - t0)
    return total.quantize(_PLACES) if covered else None


def burn_rate(
    samples: Sequence[Sample], now: float, days: int = WINDOW_DAYS
) -> tuple[Decimal | None, float]:
    """(spend per day over the last `days` days, seconds of readings it is taken over); the
    rate is None when the readings in that window span less than MIN_SPAN."""
    since = now - days * DAY
    seen = [s for s in samples if s[0] <= now]
    if len(seen) < 2:
        return None, 0.0
    span = seen[-1][0] - max(seen[0][0], since)
    spent = spend(seen, since, now)
    if span < MIN_SPAN or spent is None:
        return None, max(span, 0.0)
    return (spent * Decimal(DAY) / Decimal(span)).quantize(_PLACES), span


def estimate(
    samples: Sequence[Sample], now: float, day_start: float, remaining: Decimal | None
) -> Estimate:
    """Today's spend (since `day_start`), the burn rate and the days `remaining` lasts."""
    burn, span = burn_rate(samples, now)
    days = None
    if remaining is not None and burn:
        days = max(Decimal(0), remaining / burn).quantize(_PLACES)
    return Estimate(spend(samples, day_start, now), burn, days, span)


# ---- the store ---------------------------------------------------------------------------


def record(db: Database | None, profile: str, balance: Balance | None, at: datetime) -> bool:
    """Store `balance` as a reading of `profile` at `at`; False when there is nothing to store
    (no amount, unlimited) or the store cannot take it (read-only, damaged, busy) — a reading
    is never worth an error."""

    if db is None or db.read_only or balance is None:
        return False
    if balance.remaining is None or balance.unlimited or not balance.remaining.is_finite():
        return False
    try:
        record_balance(db, profile, at.timestamp(), balance.remaining, reading_unit(balance))
    except StoreError:
        return False
    return True


def reading_unit(balance: Balance) -> str:
    return balance.currency or balance.unit


def from_store(db: Database, profile: str, now: datetime, balance: Balance | None) -> Estimate:
    """The estimate from `profile`'s stored readings in the unit `balance` is in (the newest
    reading's unit without a balance). StoreError when the store cannot be read."""

    stamp = now.timestamp()
    day_start = period_start(now, "day").timestamp()
    rows = balance_samples(db, profile, min(day_start, stamp - WINDOW_DAYS * DAY), stamp)
    if not rows:
        return Estimate()
    unit = reading_unit(balance) if balance is not None else rows[-1][2]
    samples = [(at, amount) for at, amount, u in rows if u == unit]
    remaining = None
    if balance is not None and not balance.unlimited:
        remaining = balance.remaining
    return estimate(samples, stamp, day_start, remaining)
