"""The usage log and what answers cost, without a screen: one service syncs a profile's log into
the cache, then costs its answers (and drops the rows an older tokendeck's built-in demo made
up); and a profile's figures (balance, today, burn, days left) from the gateway and the cache. The
Chat and Usage panels, the profiles dashboard, `status --refresh` and the CLI all call it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from ..gateway.client import Gateway
from ..gateway.errors import GatewayError, NoBalanceEndpoint
from ..gateway.types import Balance, GatewaySpec
from ..profiles.config import Profile
from ..profiles.runtime import DEMO_URL_ENV
from ..store import (
    Database,
    StoreError,
    burn_rate,
    count_usage,
    forget_usage,
    oldest_id,
    usage_totals,
)
from .balance_history import from_store, record
from .budgets import period_start
from .costs import CostUpdate, PricedModel, apply_costs
from .profile_figures import Figures, balance_in_credits
from .usage_sync import SyncResult, UsageSource, sync_usage

# The built-in demo's log ids are a unix second times a million (tui.demo.seed.ID_SCALE): the
# same rows in every process. Before that, each process made up a log of its own numbered from
# 6,400,000: such rows in the cache are from an older tokendeck.
STABLE_DEMO_IDS = 10**12


class PricedSource(UsageSource, Protocol):
    """What the service needs from tui.gateway.Gateway: its log, and the per-token prices the
    gateway states itself (LiteLLM's /model/info; none elsewhere)."""

    async def stated_prices(self) -> Sequence[PricedModel]: ...


@dataclass(frozen=True, slots=True)
class Synced:
    """What one sync did: log rows fetched, answers costed, rows now cached for the profile."""

    log: SyncResult
    costs: CostUpdate
    cached: int

    @property
    def changed(self) -> bool:
        """Rows were stored or answers confirmed: what is shown must be read again."""
        return self.log.new_rows > 0 or self.costs.confirmed > 0


class UsageService:
    """Syncs usage logs and costs answers for one process (the app holds one, each CLI command
    makes its own). Its only state: the profiles whose cache was checked for an older demo's
    rows."""

    def __init__(self) -> None:
        self._checked: set[str] = set()

    def forget_old_demo_rows(self, db: Database, profile: Profile) -> bool:
        """Drop the cached rows of the built-in demo when an older tokendeck stored them: its
        demo made up another log in each process, which the stable one would be counted with.
        Checked once per run and profile; not when $TOKENDECK_DEMO_URL names a demo server (its
        log is its own), nor for any other gateway. True when rows were dropped just now."""
        if profile.name in self._checked:
            return False
        self._checked.add(profile.name)
        if not profile.demo or os.environ.get(DEMO_URL_ENV):
            return False
        oldest = oldest_id(db, profile.name)
        if oldest is None or oldest >= STABLE_DEMO_IDS:
            return False
        forget_usage(db, profile.name)
        return True

    async def sync(
        self,
        gateway: PricedSource,
        db: Database,
        profile: Profile,
        *,
        on_page: Callable[[SyncResult], None] | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> Synced:
        """Fetch the log rows newer than the cache holds and store them, then give the answers
        their exact credits (or an estimate). Raises GatewayError or StoreError; rows stored
        before a failure stay. `on_page` and `on_wait` as for `sync_usage`."""
        self.forget_old_demo_rows(db, profile)
        log = await sync_usage(gateway, db, profile.name, on_page=on_page, on_wait=on_wait)
        models = await gateway.stated_prices()
        costs = apply_costs(db, profile.name, models=models, prices=profile.prices)
        return Synced(log, costs, count_usage(db, profile.name))

    async def cost_answers(
        self, gateway: PricedSource, db: Database | None, profile: Profile
    ) -> CostUpdate | None:
        """After a charged answer: sync the log where the gateway has one that answers (where
        not, estimates still help), then cost the answers. None without a writable store;
        raises StoreError when the costs cannot be written."""
        if db is None or db.read_only:
            return None
        try:
            self.forget_old_demo_rows(db, profile)
            await sync_usage(gateway, db, profile.name)
        except (GatewayError, StoreError):
            pass  # no usage log here: estimates still help (a LiteLLM proxy's stated prices)
        models = await gateway.stated_prices()
        return apply_costs(db, profile.name, models=models, prices=profile.prices)


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
    today = burn = days = basis = None
    if db is not None and has_logs is not False and count_usage(db, profile.name):
        today = usage_totals(db, profile.name, since=period_start(now, "day")).credits
        burn = burn_rate(db, profile.name, now)
        left = balance_in_credits(balance, profile) if balance is not None else None
        if left is not None and burn:
            days = max(Decimal(0), left / burn)
        basis = "log"
    elif db is not None and not has_logs:
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
