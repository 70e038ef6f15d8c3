"""CLI commands that talk to a gateway: models, balance, logs, key create (chat: chat_cmds)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from ..base.collector import collector_paused
from ..base.i18n import _, ngettext
from ..base.textfmt import number, plain, table
from ..base.times import first_whole_second, local, parse_when
from ..gateway import (
    ExitCode,
    Gateway,
    GatewayError,
)
from ..gateway.errors import NoBalanceEndpoint, retry_sentence
from ..gateway.families import offers
from ..gateway.types import Balance, LogRow
from ..profiles.config import Profile, load
from ..profiles.runtime import demo_for, spec_for
from ..spend.money import also_text, in_unit, log_unit, unit_label
from ..spend.usage_export import RowWriter
from .errors import UsageError
from .output import dump_json, err, for_terminal, out

if TYPE_CHECKING:
    from ..spend.budgets import BudgetStatus
    from ..store import StoreError

Command = Callable[[Gateway, argparse.Namespace, Profile], Awaitable[int]]


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    for warning in config.warnings:
        err(warning)
    profile = config.profile(args.profile)
    command = _COMMANDS[args.command]
    with demo_for(profile) as demo:
        spec = spec_for(profile, demo.url if demo else None)
        return asyncio.run(_with_gateway(spec, command, args, profile))


async def _with_gateway(
    spec: Any, command: Command, args: argparse.Namespace, profile: Profile
) -> int:
    transport: Any = None
    if _one_shot(args, profile):
        from ..gateway.oneshot import OneShotTransport  # its event loop glue: one-shot only

        transport = OneShotTransport()
    elif _many_pages(args):
        from ..gateway.keepalive import KeptAliveTransport  # h11 on asyncio: log pages only

        transport = KeptAliveTransport()
    async with Gateway(spec, transport=transport) as gateway:
        gateway.on_retry = _retrying
        return await command(gateway, args, profile)


def _one_shot(args: argparse.Namespace, profile: Profile) -> bool:
    """A command of one or two short requests (not a stream, not a many-page sync), which the
    standard library sends faster than httpx2 can start up."""
    if args.command in ("models", "key"):
        return True
    if args.command == "balance":  # budgets sync the usage log first
        return profile.daily_budget is None and profile.monthly_budget is None
    return args.command == "logs" and args.action != "sync" and _few_pages(args)


def _many_pages(args: argparse.Namespace) -> bool:
    """`logs sync`, and `logs` of every row (--limit 0, --since) or of more than two pages:
    up to thousands of pages, sent by KeptAliveTransport (httpx2's own transport spent ~0.65
    ms of CPU on each, ~0.18 ms: a million rows are 3,334 pages; and it starts without
    httpcore2, anyio and an SSL context: a sync with nothing new 0.29 -> 0.21 s)."""
    return args.command == "logs" and (args.action == "sync" or not _few_pages(args))


def _few_pages(args: argparse.Namespace) -> bool:
    """`logs` of a page or two (no --since, a --limit of at most 600)."""
    return args.limit is None and not args.since or bool(args.limit and args.limit <= 600)


def _retrying(error: GatewayError, delay: float) -> None:
    """Say why the command waits before an automatic retry (never once an answer began)."""
    err(retry_sentence(error, delay))


# ---- models ------------------------------------------------------------------------------


async def models(gw: Gateway, args: argparse.Namespace, profile: Profile) -> int:
    found = await gw.models()
    if args.json:
        dump_json(
            [
                {
                    "id": m.id,
                    "owned_by": m.owned_by,
                    "created": m.created,
                    "context_length": m.context_length,
                    "pricing": {"prompt": m.prompt_price, "completion": m.completion_price},
                }
                for m in found
            ]
        )
        return ExitCode.OK
    rows = [
        [
            m.id,
            m.owned_by,
            number(m.context_length) if m.context_length else "",
            plain(m.prompt_price) if m.prompt_price is not None else "",
            plain(m.completion_price) if m.completion_price is not None else "",
        ]
        for m in found
    ]
    out(
        table(
            [_("model"), _("owner"), _("context"), _("prompt/token"), _("completion/token")],
            rows,
            right=[False, False, True, True, True],
        )
    )
    return ExitCode.OK


# ---- balance -----------------------------------------------------------------------------


async def balance(gw: Gateway, args: argparse.Namespace, profile: Profile) -> int:
    try:
        result = await gw.balance()
    except NoBalanceEndpoint as exc:
        return await _no_balance(gw, args, profile, exc)
    unkept = _record_reading(profile, result)
    threshold = _threshold(args.threshold, profile)
    low = (
        threshold is not None
        and not result.unlimited
        and result.remaining is not None
        and result.remaining < threshold
    )
    spending: list[BudgetStatus] = []
    if profile.daily_budget is not None or profile.monthly_budget is not None:
        from .usage_cmds import budgets  # the usage cache: only with budgets to check

        spending = await budgets(gw, profile, strict=args.check)
    if args.json:
        dump_json(
            {
                "profile": profile.name,
                "dialect": result.dialect,
                "remaining": result.remaining,
                "used": result.used,
                "total": result.total,
                "unlimited": result.unlimited,
                "unit": profile.unit or result.unit,
                "currency": result.currency,
                "also": [{"remaining": amount, "currency": currency}
                         for amount, currency in result.also],
                "threshold": threshold,
                "low": low,
                "fetched_at": result.fetched_at,
                "budgets": [
                    {"period": b.period, "limit": b.limit, "spent": b.spent, "since": b.since,
                     "over": b.over}
                    for b in spending
                ],
            }
        )  # fmt: skip
    else:
        out(describe_balance(result, profile.unit))
        for status in spending:
            out(_describe_budget(status, profile))
    failed = False
    if args.check and low and result.remaining is not None and threshold is not None:
        err(
            _("balance {remaining} is below the threshold {threshold}").format(
                remaining=in_unit(result.remaining, result.unit),
                threshold=in_unit(threshold, result.unit),
            )
        )
        failed = True
    for status in spending:
        if args.check and status.over:
            err(_describe_budget(status, profile))
            failed = True
    if failed:
        return ExitCode.LOW_BALANCE  # what --check is for comes first
    if unkept is not None:
        err(unkept.message)
        return ExitCode.STORE
    return ExitCode.OK


async def _no_balance(
    gw: Gateway, args: argparse.Namespace, profile: Profile, missing: NoBalanceEndpoint
) -> int:
    """A gateway with no balance endpoint: said on stderr (exit 13); the budgets are still
    checked from the usage log (over one: exit 11 with --check)."""
    spending: list[BudgetStatus] = []
    if profile.daily_budget is not None or profile.monthly_budget is not None:
        from .usage_cmds import budgets  # the store: budgets only

        spending = await budgets(gw, profile, strict=args.check)
    if args.json:
        dump_json(
            {"profile": profile.name, "balance_endpoint": False, "remaining": None,
             "budgets": [{"period": b.period, "limit": b.limit, "spent": b.spent,
                          "since": b.since, "over": b.over} for b in spending]}
        )  # fmt: skip
    else:
        for status in spending:
            out(_describe_budget(status, profile))
    err(missing.message)
    if args.check and any(status.over for status in spending):
        for status in spending:
            if status.over:
                err(_describe_budget(status, profile))
        return ExitCode.LOW_BALANCE
    return ExitCode.NO_BALANCE


def _record_reading(profile: Profile, result: Balance) -> StoreError | None:
    """Keep the reading in the history database (burn rate and days left of a gateway without
    a usage log); the store's problem when it cannot take it (the balance is still printed)."""
    from ..spend.balance_history import record  # SQLite: `balance` only, not models
    from ..store import StoreError, open_db  # (the store: as above)
    from ..store.errors import read_only  # (as above)

    if result.remaining is None or result.unlimited or not result.remaining.is_finite():
        return None  # nothing to keep
    try:
        db = open_db(recover=False)
    except StoreError as exc:
        return exc
    with db:
        if db.read_only:
            return read_only(db.path)
        if not record(db, profile.name, result, result.fetched_at or datetime.now(UTC)):
            return db.damaged or StoreError(
                _("The balance reading could not be kept in the history database {path}.")
                .format(path=db.path)
            )  # fmt: skip
    return None


def _describe_budget(status: BudgetStatus, profile: Profile) -> str:
    from ..spend.budgets import describe_budget  # the store: --check only

    return describe_budget(status, profile)


def describe_balance(result: Balance, unit: str | None = None) -> str:
    unit_name = unit_label(unit or result.unit)
    if result.unlimited:
        text = _("Balance: unlimited")
    elif result.remaining is None:
        text = _("Balance: unknown")
    else:
        text = _("Balance: {amount} {unit}").format(
            amount=in_unit(result.remaining, result.unit), unit=unit_name
        ) + also_text(result)
    if result.used is not None:
        text += "  " + _("(used {amount})").format(amount=in_unit(result.used, result.unit))
    return text


def _threshold(given: str | None, profile: Profile) -> Decimal | None:
    if given is None:
        return profile.low_balance
    try:
        return Decimal(given)
    except InvalidOperation:
        raise UsageError(
            _("--threshold must be a number, not '{value}'").format(value=given)
        ) from None


# ---- logs --------------------------------------------------------------------------------


async def logs(gw: Gateway, args: argparse.Namespace, profile: Profile) -> int:
    if args.action == "sync":
        from .usage_cmds import sync  # the sync and store: `logs sync` only

        return await sync(gw, args, profile)
    since = parse_when(args.since, "--since") if args.since else None
    until = parse_when(args.until, "--until") if args.until else None
    limit = args.limit if args.limit is not None else (0 if since else 100)
    if limit < 0:
        raise UsageError(_("--limit must be 0 or more"))
    fmt = args.format or ("json" if args.json else "table")
    # CSV and JSON are written page by page as they come (a million rows were all held first:
    # 800 MB), from the first page on (a failure before it prints nothing but the error); the
    # table needs every row for its widths
    streamed = fmt in ("csv", "json")
    # new-api's, one-api's and LiteLLM's rows say no balance after them (—, empty, not 0)
    left = offers(gw.spec).log_family is None
    target = for_terminal(sys.stdout) if fmt == "csv" else sys.stdout
    stream: RowWriter | None = None
    rows: list[LogRow] = []
    count, done = 0, False
    model = args.model.lower() if args.model else None
    filtered = bool(since or until or model or limit)
    async with _page_fetch(gw, many=not limit or limit > 600) as fetch:
        pages = gw.iter_usage_logs(
            page_size=min(300, limit) if limit else 300, fetch=fetch, concurrency=8 if fetch else 4
        )
        # rows and JSON objects form no cycles: the collector would walk them every 700 made
        with collector_paused():
            async with aclosing(pages):  # stopping early cancels the pages still being fetched
                async for page in pages:
                    kept = page
                    if filtered:
                        room = limit - count if limit else 0
                        kept, done = _kept(page, since, until, model, room)
                    count += len(kept)
                    if streamed:
                        stream = stream or RowWriter(target, fmt, left=left)
                        stream.write(kept)
                    else:
                        rows += kept
                    if done:
                        break
    if streamed:
        (stream or RowWriter(target, fmt, left=left)).close()
    else:
        _print_rows(rows, log_unit(profile), left=left)
    return ExitCode.OK


@asynccontextmanager
async def _page_fetch(gw: Gateway, many: bool) -> AsyncIterator[Any]:
    """For a listing of many pages, their fetch through a helper process (the pages' HTTP and
    JSON on the other core: gateway/pagehelper.py); None (this process) for a page or two."""
    if not many:
        yield None
        return
    from ..gateway.pagehelper import page_helper  # a second process: long listings only

    async with page_helper(gw) as fetch:
        yield fetch


def _kept(
    page: list[LogRow], since: datetime | None, until: datetime | None, model: str | None,
    room: int,
) -> tuple[list[LogRow], bool]:
    """The rows of a page that `logs --since/--until/--model` keeps, at most `room` of them
    (0: any), and whether the listing ends with them (a row before --since: the log is newest
    first; or `room` filled). A row's time is compared as its unix seconds with the bounds'
    first whole seconds, without a datetime per row (a row of fractional seconds: its datetime)."""
    kept: list[LogRow] = []
    first = first_whole_second(since) if since else 0
    last = first_whole_second(until) if until else 0
    for row in page:
        s = row.seconds
        if since and (s < first if type(s) is int else row.ctime < since):
            return kept, True
        if until and not (s < last if type(s) is int else row.ctime < until):
            continue
        if model and not fnmatchcase(row.model.lower(), model):
            continue
        kept.append(row)
        if room and len(kept) >= room:
            return kept, True
    return kept, False


def _print_rows(rows: list[LogRow], money: str | None = None, *, left: bool = True) -> None:
    """The rows as a table; `money`: the unit of a log counted in money (its amounts' column
    is headed by it, as in the Usage panel), `left` False for a log whose rows do not say
    the balance after them."""
    cells = [
        [
            local(r.ctime).strftime("%Y-%m-%d %H:%M"),
            r.model,
            number(r.prompt_tokens),
            number(r.completion_tokens),
            number(r.fen),
            number(r.yufen) if left else "—",
            r.reqid,
        ]
        for r in rows
    ]
    out(
        table(
            [
                _("time"),
                _("model"),
                _("prompt"),
                _("completion"),
                money or _("credits"),
                _("balance"),
                _("request id"),
            ],
            cells,
            right=[False, False, True, True, True, True, False],
        )
    )
    total = sum((r.fen for r in rows), Decimal(0))
    tokens = sum(r.prompt_tokens + r.completion_tokens for r in rows)
    rows_said = ngettext("{count} row", "{count} rows", len(rows)).format(count=number(len(rows)))
    said = _("{rows} · {tokens} tokens · {amount} {unit}").format(
        rows=rows_said, tokens=number(tokens), amount=number(total),
        unit=money or unit_label("credits"),
    )  # fmt: skip
    out(said)


# ---- keys --------------------------------------------------------------------------------


async def key(gw: Gateway, args: argparse.Namespace, profile: Profile) -> int:
    new_key = await gw.create_key()
    if args.json:
        dump_json({"api_key": new_key})
    else:
        out(new_key)
    err(_("This key is shown once: store it now (for example in a password manager)."))
    return ExitCode.OK


_COMMANDS: dict[str, Command] = {
    "models": models,
    "balance": balance,
    "logs": logs,
    "key": key,
}
