"""The usage log and what answers cost, without a screen: one service syncs a profile's log into
the cache, then costs its answers, and forgets an in-process demo's made-up history once per run.
The Chat and Usage panels, the profiles dashboard, `status --refresh` and the CLI all call it."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..gateway.errors import GatewayError
from ..profiles.config import Profile
from ..profiles.runtime import DEMO_URL_ENV
from ..store import Database, StoreError, count_usage, forget_usage
from .costs import CostUpdate, PricedModel, apply_costs
from .usage_sync import SyncResult, UsageSource, sync_usage


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
    makes its own). Its only state: the profiles whose cache was checked for a made-up history."""

    def __init__(self) -> None:
        self._checked: set[str] = set()

    def forget_made_up_history(self, db: Database, profile: Profile) -> bool:
        """An in-process demo gateway makes up a new usage history each run, so its cached rows
        are dropped, once per run (not when $TOKENDECK_DEMO_URL names a demo server that
        outlives us, nor for any other gateway). True when they were dropped just now."""
        if profile.name in self._checked:
            return False
        self._checked.add(profile.name)
        if not profile.demo or os.environ.get(DEMO_URL_ENV):
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
        self.forget_made_up_history(db, profile)
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
            self.forget_made_up_history(db, profile)
            await sync_usage(gateway, db, profile.name)
        except (GatewayError, StoreError):
            pass  # no usage log here: estimates still help (a LiteLLM proxy's stated prices)
        models = await gateway.stated_prices()
        return apply_costs(db, profile.name, models=models, prices=profile.prices)
