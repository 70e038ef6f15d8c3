"""`tokendeck probe`: which gateway family a base URL + key speaks, without sending a chat."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from ..base.i18n import _
from ..gateway.client import Gateway
from ..gateway.errors import ExitCode
from ..gateway.probe import probe
from ..gateway.secret import Secret, header_safe
from ..gateway.types import GatewaySpec
from ..profiles.config import BAD_KEY, load
from ..profiles.probe_text import describe
from ..profiles.runtime import demo_for, spec_for
from .errors import UsageError
from .output import dump_json, err, out


def run(args: argparse.Namespace) -> int:
    if args.base_url:
        return asyncio.run(_probe(_spec_from_url(args.base_url, args.key_env), args.json))
    config = load(args.config)
    profile = config.profile(args.profile)
    if args.key_env:
        profile.api_key = Secret(_env_key(args.key_env))
    with demo_for(profile) as demo:
        return asyncio.run(_probe(spec_for(profile, demo.url if demo else None), args.json))


def _env_key(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise UsageError(_("environment variable {name} is not set").format(name=name))
    if not header_safe(value):
        raise UsageError(_("environment variable {name}: {problem}").format(
            name=name, problem=_(BAD_KEY)))  # fmt: skip
    return value


def _spec_from_url(base_url: str, key_env: str | None) -> Any:
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(_("--base-url must start with http:// or https://"))
    key = Secret(_env_key(key_env)) if key_env else None
    return GatewaySpec(name="probe", base_url=base_url.rstrip("/"), api_key=key)


async def _probe(spec: Any, as_json: bool = False) -> int:
    async with Gateway(spec) as gw:
        report = await probe(gw)
    if as_json:
        dump_json(as_record(report))
    else:
        out(describe(report))
    if report.error is not None:
        err(report.error.detail)
    elif report.exit_code != ExitCode.OK:
        err(_("{url} does not answer like an OpenAI-compatible gateway").format(url=spec.base_url))
    return report.exit_code


def as_record(report: Any) -> dict[str, Any]:
    balance = report.balance
    return {
        "base_url": report.base_url,
        "models": report.models,
        "family": report.family,
        "unit": report.unit,
        "balance": None
        if balance is None
        else {
            "remaining": balance.remaining,
            "used": balance.used,
            "total": balance.total,
            "unlimited": balance.unlimited,
            "currency": balance.currency,
        },
        "logs": report.logs_url is not None or report.logs_family is not None,
        "logs_family": report.logs_family,
        "software": report.software,
        "logs_url": report.logs_url,
        "key_creation": report.create_url is not None,
        "create_url": report.create_url,
        "tried": [{"what": a.what, "ok": a.ok, "detail": a.detail} for a in report.tried],
        "error": report.error.detail if report.error is not None else None,
        "settings": report.settings(),
    }
