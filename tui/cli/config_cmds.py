"""`tokendeck config show|path|profiles` (the config as it is, keys masked); `config init` is
in config_init."""

from __future__ import annotations

import argparse
from typing import Any

from ..base.i18n import _
from ..gateway.errors import ExitCode
from ..gateway.secret import Secret
from ..profiles.config import Config, load
from .output import dump_json, err, out


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    for warning in config.warnings:  # e.g. a file holding keys that others can read
        err(warning)
    action = args.config_command
    if action == "path":
        out(str(config.path))
        return ExitCode.OK
    if action == "profiles":
        names = list(config.profiles)
        if args.json:
            dump_json(names)
        else:
            for name in names:
                out(name)
        return ExitCode.OK
    if action == "show":
        return show(config, args.json)
    from .config_init import init  # presets and prompts: `config init` only

    return init(config, args)


def masked(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the config table with every api_key and access_token masked."""
    copy: dict[str, Any] = {k: v for k, v in data.items() if k != "profiles"}
    profiles = {}
    for name, table in (data.get("profiles") or {}).items():
        table = dict(table)
        for secret in ("api_key", "access_token"):
            if table.get(secret):
                table[secret] = Secret(str(table[secret])).masked()
        profiles[name] = table
    if profiles:
        copy["profiles"] = profiles
    return copy


def show(config: Config, as_json: bool) -> int:
    data = masked(config.data)
    active = config.profile().name
    if as_json:
        dump_json(
            {
                "path": str(config.path),
                "exists": config.exists,
                "active_profile": active,
                "config": data,
            }
        )
        return ExitCode.OK

    out(
        _("# {path}{missing}").format(
            path=config.path, missing="" if config.exists else _(" (not created yet)")
        )
    )
    out(_("# active profile: {name}").format(name=active))
    import tomli_w  # `config show` only (not `config profiles`, `config path`)

    # tomli-w writes a plain table in linear time (tomlkit, which config writes use to keep
    # comments, took 13 s for 10,000 prices: quadratic in a table's size)
    text = tomli_w.dumps(data).strip()
    if text:
        out(text)
    return ExitCode.OK
