"""`tokendeck config init`: add a profile from a preset, flags and prompts, check its key live."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ..base.i18n import _
from ..gateway.errors import ExitCode
from ..gateway.secret import Secret, header_safe
from ..profiles.config import BAD_KEY, Config, ConfigError, Profile
from ..profiles.presets import PRESETS, key_mismatch, profile_table
from .errors import UsageError
from .output import err, out


def _ask(label: str, default: str | None = None, secret: bool = False) -> str:
    if sys.stdin is None or not sys.stdin.isatty():
        raise UsageError(_("{what} is needed; pass it as a flag (see --help)").format(what=label))
    prompt = f"{label}{f' [{default}]' if default else ''}: "
    value = getpass.getpass(prompt) if secret else input(prompt)
    return value.strip() or (default or "")


def init(config: Config, args: argparse.Namespace) -> int:
    preset_name = args.preset
    if preset_name is None:
        choices = ", ".join(PRESETS)
        preset_name = _ask(_("Preset ({choices})").format(choices=choices), "opencodex")
    preset = PRESETS.get(preset_name)
    if preset is None:
        raise UsageError(
            _("unknown preset '{name}' (choose {choices})").format(
                name=preset_name, choices=", ".join(PRESETS)
            )
        )
    name = (
        args.name
        or (preset.name if preset.name != "custom" else None)
        or _ask(_("Profile name"), "custom")
    )
    if name in config.profiles and not args.force:
        raise UsageError(
            _(
                "a profile named '{name}' exists; use --force to replace it or "
                "--name to pick another"
            ).format(name=name)
        )
    base_url = args.base_url or preset.base_url or _ask(_("Base URL (e.g. https://host/v1)"))
    key_source: dict[str, str] = {}
    if args.api_key_env:
        key_source["api_key_env"] = args.api_key_env.strip()
    elif args.api_key_cmd:
        key_source["api_key_cmd"] = args.api_key_cmd.strip()
    else:
        key = (args.api_key or _ask(_("API key (input hidden)"), secret=True) or "").strip()
        if not key:
            raise UsageError(_("an API key is needed (--api-key, --api-key-env or --api-key-cmd)"))
        if not header_safe(key):
            raise UsageError(_(BAD_KEY))
        other = key_mismatch(preset, key)
        if other is not None:
            err(
                _(
                    "warning: this key has the shape of {other} keys ({prefix}…), not of "
                    "{preset} keys; check the preset"
                ).format(other=other.name, prefix=other.key_prefix, preset=preset.name)
            )
        key_source["api_key"] = key
    table = profile_table(preset, base_url, key_source, model=args.model, logs_url=args.logs_url)
    if not args.no_check:
        problem, table = _check(name, table, preset.default_model)
        if problem is not None:
            return problem
    config.put_profile(name, table)
    if args.default or not config.default_profile:
        config.set("default_profile", name)
    config.save()
    out(_("Saved profile '{name}' to {path} (mode 0600).").format(name=name, path=config.path))
    return ExitCode.OK


def _check(
    name: str, table: dict[str, Any], preset_model: str | None
) -> tuple[int | None, dict[str, Any]]:
    """Check the key live and probe the gateway (models, balance family, usage log), as the
    app does before it saves: (None, the table with what the probe found) when the key works
    (said on stderr), else (the exit code, the table), having said what is wrong."""


    unsaved = _("Nothing was saved (--no-check saves without checking the key).")
    source = Profile(
        name, str(table["base_url"]), api_key_env=table.get("api_key_env"),
        api_key_cmd=table.get("api_key_cmd"),
    )  # fmt: skip
    try:
        secret = Secret(str(table["api_key"])) if table.get("api_key") else source.key()
    except ConfigError as exc:
        err(f"{exc.problem}. {unsaved}")
        return ExitCode.CONFIG, table
    key = secret.reveal() if secret is not None else ""
    err(_("Checking the key with {url}…").format(url=table["base_url"]))
    import asyncio  # checking a key only: the HTTP client (~90 ms CPU) not for `config profiles`

    from ..profiles.onboarding import check_key, spec_for_key, with_findings  # (as above)

    result = asyncio.run(check_key(spec_for_key(name, str(table["base_url"]), key, table)))
    if not result.ok:
        err(f"{result.message} {unsaved}")
        return result.exit_code or ExitCode.ERROR, table
    err(result.message)
    return None, with_findings(table, result, preset_model)
