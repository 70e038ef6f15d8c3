"""`tokendeck status --refresh` (what a stale `tokendeck status` starts in the background): ask
the gateway for the balance, sync the usage log, store the figures in the status cache."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from ..base.clock import Clock
from ..gateway.errors import ExitCode
from ..profiles.config import Profile
from ..profiles.runtime import demo_for, spec_for
from ..spend import status_cache
from ..spend.service import UsageService, fetch_figures
from ..store import StoreError, open_db
from .output import err


def refresh(profile: Profile, clock: Clock) -> int:
    """Ask the gateway for the balance, sync the usage log, store the figures in the cache."""
    with demo_for(profile) as demo:
        spec = spec_for(profile, demo.url if demo else None)
        return asyncio.run(_refresh(profile, spec, clock))


async def _refresh(profile: Profile, spec: Any, clock: Clock) -> int:
    problem: StoreError | None = None
    try:
        db = open_db()
    except StoreError as exc:  # the balance is still worth keeping in the status file
        db, problem = None, exc
    try:
        found, code = await fetch_figures(profile, spec, db, clock.now(), UsageService())
    finally:
        if db is not None:
            db.close()
    if found.balance is None and found.error:  # keep the last known balance, marked stale
        previous, _fetched, _tried = status_cache.load(profile.name)
        if previous is not None and previous.balance is not None:
            found = replace(found, balance=previous.balance, unlimited=previous.unlimited)
    if problem is not None:
        err(problem.message)
        code = code or int(ExitCode.STORE)
    status_cache.save(found, time.time())  # StoreError when the file cannot be written
    return code
