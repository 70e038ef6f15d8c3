"""`tokendeck logs sync`, `tokendeck report`, and the budgets `balance --check` enforces."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..base.i18n import _
from ..base.textfmt import number, table
from ..base.times import parse_when
from ..gateway.errors import ExitCode, GatewayError, NoUsageLog
from ..profiles.config import Profile, load
from ..profiles.runtime import demo_for, spec_for
from ..spend.budgets import BudgetStatus, budget_status
from ..spend.money import Rate, credits, log_unit, rate_for
from ..spend.service import UsageService
from ..spend.usage_export import csv_cell, csv_writer
from ..spend.usage_sync import SyncResult, new_rows, pages
from ..store import (
    Bucket,
    Database,
    Problem,
    StoreError,
    Totals,
    open_db,
    sum_buckets,
    usage_by,
)
from .output import dump_json, err, for_terminal, out

if TYPE_CHECKING:  # the client (httpx2) only for a sync: `report --offline` reads the cache
    from ..gateway import Gateway  # httpx2: not for `report --offline`

USAGE = UsageService()  # one per process: a command syncs a profile's log once


async def refresh(gw: Gateway, db: Database, profile: Profile) -> SyncResult:
    """Sync the profile's usage cache, then cost the answers that new rows confirm."""

    def waiting() -> None:
        err(_("Waiting for the usage sync of {profile} that another tokendeck is running…")
            .format(profile=profile.name))  # fmt: skip

    return (await USAGE.sync(gw, db, profile, on_wait=waiting)).log


async def sync(gw: Gateway, args: argparse.Namespace, profile: Profile) -> int:
    """`tokendeck logs sync`: one line on stderr (JSON on stdout with --json)."""
    started = time.perf_counter()
    with closing(open_db()) as db:
        result = await refresh(gw, db, profile)
    seconds = time.perf_counter() - started
    if args.json:
        dump_json(
            {"profile": profile.name, "new_rows": result.new_rows, "pages": result.pages,
             "newest_id": result.newest_id, "seconds": round(seconds, 3)}
        )  # fmt: skip
    said = (
        _("{new_rows} ({pages}) in {seconds:.2f} s")
        if result.pages
        else _("{new_rows} in {seconds:.2f} s")  # nothing new: no "(0 pages)"
    )
    err(said.format(new_rows=new_rows(result.new_rows), pages=pages(result.pages), seconds=seconds))
    return ExitCode.OK


async def budgets(gw: Gateway, profile: Profile, *, strict: bool) -> list[BudgetStatus]:
    """The profile's budgets after a sync; with the cached rows (and a warning) if the sync
    fails. A history store that cannot be used is an error when `strict` (--check), else a
    warning and no budgets."""
    if profile.daily_budget is None and profile.monthly_budget is None:
        return []
    if not gw.has_logs:  # nothing to count the spend from: never "0 spent"
        missing = NoUsageLog(
            _(
                "budgets need a usage log, and profile {name} has none — run `tokendeck probe` "
                "to find one (or set logs in the profile)."
            ).format(name=profile.name)
        )
        if strict:
            raise missing
        err(_("budgets not checked: {problem}").format(problem=missing.message))
        return []
    try:
        db = open_db()
    except StoreError as exc:
        if strict:
            raise
        err(_("budgets not checked: {problem}").format(problem=exc.message))
        return []
    with closing(db):
        try:
            await refresh(gw, db, profile)
        except GatewayError as exc:
            err(
                _("budgets use the cached usage rows: the sync failed ({problem})").format(
                    problem=exc.detail
                )
            )
        except StoreError as exc:
            if strict:
                raise
            err(_("budgets not checked: {problem}").format(problem=exc.message))
            return []
        return budget_status(db, profile, datetime.now(UTC))


# ---- report ------------------------------------------------------------------------------


def report(args: argparse.Namespace) -> int:
    """`tokendeck report`: sync (unless --offline), then totals per day, week or model."""
    config = load(args.config)
    for warning in config.warnings:
        err(warning)
    profile = config.profile(args.profile)
    since = parse_when(args.since, "--since") if args.since else None
    until = parse_when(args.until, "--until") if args.until else None
    if args.offline:
        try:
            db = open_db(read_only=True)
        except StoreError as exc:
            if exc.problem != Problem.MISSING:
                raise
            _print_report([], args, profile, since, until)  # nothing cached yet
            return ExitCode.OK
    else:
        db = open_db()
        try:
            with demo_for(profile) as demo:
                spec = spec_for(profile, demo.url if demo else None)
                asyncio.run(_refresh(spec, db, profile))
        except BaseException:
            db.close()
            raise
    with closing(db):
        buckets = usage_by(
            db, profile.name, args.by, since=since, until=until, pattern=args.model or None
        )
    _print_report(buckets, args, profile, since, until)
    return ExitCode.OK


async def _refresh(spec: Any, db: Database, profile: Profile) -> None:
    from ..gateway import Gateway  # httpx2: not for `report --offline`

    async with Gateway(spec) as gw:
        await refresh(gw, db, profile)


def _record(key: str, t: Totals, rate: Rate | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "key": key,
        "requests": t.requests,
        "prompt_tokens": t.prompt_tokens,
        "completion_tokens": t.completion_tokens,
        "credits": t.credits,
    }
    if rate is not None:
        record["money"] = rate.to_money(credits(t.credits)).value
    return record


def _print_report(
    buckets: list[Bucket],
    args: argparse.Namespace,
    profile: Profile,
    since: datetime | None,
    until: datetime | None,
) -> None:
    fmt = args.format or ("json" if args.json else "table")
    rate = rate_for(profile)
    records = [_record(b.key, b.totals, rate) for b in buckets]
    total = _record("total", sum_buckets(buckets), rate)
    if fmt == "json":
        dump_json(
            {"profile": profile.name, "by": args.by, "since": since, "until": until,
             "currency": rate.currency if rate else None, "rows": records, "total": total}
        )  # fmt: skip
        return
    fields = ["key", "requests", "prompt_tokens", "completion_tokens", "credits"]
    if rate is not None:
        fields.append("money")
    if fmt == "csv":
        writer = csv_writer(for_terminal(sys.stdout))
        writer.writerow([args.by, *fields[1:]])
        for record in [*records, total]:
            writer.writerow([csv_cell(record[f]) for f in fields])
        return
    by = {"day": _("day"), "week": _("week"), "model": _("model")}[args.by]
    # a log in money (new-api, LiteLLM: USD) heads its amounts with it, as the Usage panel
    headers = [by, _("requests"), _("prompt"), _("completion"), log_unit(profile) or _("credits")]
    if rate is not None:
        headers.append(rate.currency)
    cells = [
        [_("total") if r is total else r["key"]]
        + [number(r[f], 2 if f == "money" else None) for f in fields[1:]]
        for r in [*records, total]
    ]
    out(table(headers, cells, right=[False] + [True] * (len(fields) - 1)))
