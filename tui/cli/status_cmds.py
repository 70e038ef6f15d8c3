"""`tokendeck status`: one short line for shell prompts and tmux, from the local cache; a stale
cache is refreshed by a detached `tokendeck status --refresh`, at most once a minute."""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from typing import Any

from ..base.clock import Clock
from ..base.i18n import _
from ..base.textfmt import number
from ..gateway.errors import ExitCode
from ..profiles.config import load
from ..spend import status_cache
from ..spend.money import unit_label, unit_places
from ..spend.profile_figures import Figures
from .errors import UsageError
from .output import dump_json, err, out
from .parser import STATUS_FIELDS

MAX_AGE = 60.0  # seconds a cached record is fresh; also the least time between two refreshes
clock = Clock()  # when a refresh reads the balance (tests put a FrozenClock here)


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    profile = config.profile(args.profile)
    code = int(ExitCode.OK)
    if args.refresh:
        from .status_refresh import refresh  # the gateway, the store: not for a cached line

        code = refresh(profile, clock)
    found, fetched, attempted = status_cache.load(profile.name)
    now = time.time()
    refreshing = False
    if not args.refresh and now - max(fetched, attempted) >= MAX_AGE:
        from ..store import StoreError  # the store package: only when the cache is stale

        try:
            status_cache.mark_attempt(profile.name, now)
        except StoreError as exc:  # the line is still worth printing; no refresh can save
            err(exc.message)
            code = int(ExitCode.STORE)
        else:
            refreshing = _spawn(profile.name, args.config)
    age = now - fetched if fetched else None
    if args.json:
        dump_json(_record(profile.name, found, age, refreshing))
    elif args.format:
        out(_formatted(args.format, profile.name, found, age))
    else:
        out(line(profile.name, found, refreshing))
    return code


def _amount(value: Decimal | None, places: int | None = None) -> str:
    return "?" if value is None else number(value, places)


def _values(name: str, found: Figures | None, age: float | None) -> dict[str, str]:
    if found is None:
        return {f: "?" for f in STATUS_FIELDS} | {"profile": name}
    places = unit_places(found.unit)
    estimated = found.basis == "balance"  # in the balance's unit, not the log's credits
    return {
        "profile": name,
        "balance": _("unlimited") if found.unlimited else _amount(found.balance, places),
        "unit": found.unit,
        "today": _amount(found.today, places if estimated else None),
        "burn": _amount(found.burn, places if estimated else 0),
        "days_left": _amount(found.days_left, 1),
        "basis": found.basis or "?",  # log (exact) or balance (estimated from readings)
        "age": "?" if age is None else f"{age:.0f}s",
    }


def line(name: str, found: Figures | None, refreshing: bool = False) -> str:
    """`opencodex · 12,345 credits · today 120 · 9.5 days left`, pieces left out when unknown;
    `ds · 10.00 CNY · today ≈2.00 · ≈0.6 days left` when estimated from balance readings."""
    if found is None:
        return _("{profile} · balance not known yet (refreshing)").format(profile=name)
    v = _values(name, found, None)
    parts = [name]
    if found.unlimited:
        parts.append(_("unlimited"))
    elif found.balance is not None:
        parts.append(_("{amount} {unit}").format(amount=v["balance"], unit=unit_label(found.unit)))
    estimated = found.basis == "balance"  # from balance readings: said with ≈
    if found.today is not None:
        today = _("today ≈{amount}") if estimated else _("today {amount}")
        parts.append(today.format(amount=v["today"]))
    if found.days_left is not None:
        days = _("≈{days} days left") if estimated else _("{days} days left")
        parts.append(days.format(days=v["days_left"]))
    if found.error:
        parts.append(_("last refresh failed"))
    return " · ".join(parts)


def _formatted(template: str, name: str, found: Figures | None, age: float | None) -> str:
    try:
        return template.format(**_values(name, found, age))
    except (KeyError, IndexError, ValueError) as exc:
        raise UsageError(
            _("--format: unknown field {field} (known: {known})").format(
                field=exc, known=", ".join(STATUS_FIELDS)
            )
        ) from None


def _record(name: str, found: Figures | None, age: float | None, refreshing: bool) -> Any:
    keys = ("balance", "unlimited", "unit", "today", "burn", "days_left", "basis", "error")
    values = {k: getattr(found, k) if found is not None else None for k in keys}
    return {"profile": name, **values, "age": age, "refreshing": refreshing}


def _spawn(profile: str, config: str | None) -> bool:
    """Start `tokendeck status --refresh` detached from this process and terminal."""
    import subprocess  # a stale cache only (~15 ms off a fresh `tokendeck status`)

    argv = [sys.executable, "-m", "tui", "status", "--refresh", "--profile", profile]
    if config:
        argv += ["--config", config]
    try:
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError:
        return False
    return True
