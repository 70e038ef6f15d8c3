"""One profile at a glance: balance, today's spend, burn rate and days left (dashboard, status)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..gateway.types import Balance, GatewaySpec
    from ..profiles.config import Profile
    from ..store import Database
    from .service import UsageService

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


def figures(
    profile: Profile,
    balance: Balance | None,
    db: Database | None,
    now: datetime,
    error: str | None = None,
    *,
    has_logs: bool | None = None,
) -> Figures:
    """The row for `profile`, from its balance and the usage cache in `db` (if any). A gateway
    without a usage log (`has_logs` False; None: whether the cache holds rows of the profile)
    has its figures estimated from the balance readings in `db` instead."""
    from ..store import burn_rate, count_usage, usage_totals
    from .budgets import period_start

    today = burn = days = basis = None
    if db is not None and has_logs is not False and count_usage(db, profile.name):
        today = usage_totals(db, profile.name, since=period_start(now, "day")).credits
        burn = burn_rate(db, profile.name, now)
        left = balance_in_credits(balance, profile) if balance is not None else None
        if left is not None and burn:
            days = max(Decimal(0), left / burn)
        basis = "log"
    elif db is not None and not has_logs:
        from .balance_history import from_store

        estimate = from_store(db, profile.name, now, balance)
        today, burn, days, basis = estimate.today, estimate.burn, estimate.days_left, "balance"
    return Figures(
        profile=profile.name,
        balance=None if balance is None else balance.remaining,
        unlimited=bool(balance and balance.unlimited),
        unit=profile.unit or (balance.unit if balance is not None else "credits"),
        today=today,
        burn=burn,
        days_left=days,
        error=error,
        family=balance.dialect if balance is not None else None,
        basis=basis,
    )


async def fetch_figures(
    profile: Profile,
    spec: GatewaySpec,
    db: Database | None,
    now: datetime,
    usage: UsageService,
) -> tuple[Figures, int]:
    """Ask the gateway for the balance (stored as a reading in `db`), have `usage` bring the
    cache up to date (and cost the answers) when the gateway has a log, and make the row;
    (figures, exit code: 0, or the failure's). Never raises for a gateway or store problem:
    the row carries it."""
    from ..gateway.client import Gateway
    from ..gateway.errors import GatewayError, NoBalanceEndpoint
    from ..store import StoreError
    from .balance_history import record

    code, error, balance, missing = 0, None, None, None
    async with Gateway(spec) as gw:
        try:
            balance = await gw.balance()
        except NoBalanceEndpoint as exc:
            missing = exc.message  # not a failure: the row says it, in no error colour
        except GatewayError as exc:
            code, error = int(exc.exit_code), exc.detail
        record(db, profile.name, balance, now)
        has_logs = gw.has_logs
        try:
            if db is not None and not db.read_only and gw.has_logs:
                await usage.sync(gw, db, profile)
        except (GatewayError, StoreError):
            pass  # the figures use what the cache holds
    try:
        found = figures(profile, balance, db, now, error, has_logs=has_logs)
    except StoreError as exc:
        found = figures(profile, balance, None, now, error or exc.message)
    return (replace(found, no_balance=missing) if missing else found), code
