"""Checking a new gateway key live before it is saved: models first, then the balance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..base.i18n import _
from ..gateway import (
    AuthError,
    Balance,
    Gateway,
    GatewayError,
    GatewaySpec,
    NetworkError,
    NotFound,
    ProtocolError,
    Secret,
)
from ..gateway.probe import ProbeReport, explore
from .config import ConfigError
from .presets import Preset, key_mismatch

if TYPE_CHECKING:
    from ..gateway.probe import ProbeReport
    from .config import Config


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The outcome of checking a new key against its gateway."""

    ok: bool
    message: str
    models: int = 0
    balance: Balance | None = None
    exit_code: int = 0  # the CLI's exit code for what went wrong
    settings: Mapping[str, str] = field(default_factory=dict)  # what the probe found to save
    model_ids: tuple[str, ...] = ()  # the gateway's models, as /models lists them


def shape_warning(preset: Preset, key: str) -> str | None:
    """A gentle warning when `key` looks like another gateway's, before anything is sent."""
    other = key_mismatch(preset, key.strip())
    if other is None:
        return None
    return _(
        "This key looks like an {other} key ({prefix}…), but the preset is {preset}. "
        "Check the preset before going on."
    ).format(other=other.name, prefix=other.key_prefix, preset=preset.name)


async def check_key(spec: GatewaySpec) -> KeyCheck:
    """Ask `/models`, then the balance; a sentence for whatever goes wrong. Never chats."""
    async with Gateway(spec) as gateway:
        try:
            models = await gateway.models()
        except AuthError as exc:
            return KeyCheck(
                False,
                _(
                    "The gateway rejected this key ({status}). Copy it again "
                    "from your gateway's dashboard."
                ).format(status=f"HTTP {exc.status}" if exc.status else _("auth error")),
                exit_code=exc.exit_code,
            )
        except NotFound as exc:
            return KeyCheck(
                False,
                _(
                    "{url} has no /models endpoint (HTTP 404): the base URL is "
                    "probably wrong — it usually ends in /v1."
                ).format(url=spec.base_url),
                exit_code=exc.exit_code,
            )
        except ProtocolError as exc:
            return KeyCheck(
                False,
                _(
                    "{url} did not answer like an OpenAI-compatible API (an "
                    "HTML page or unreadable data): check the base URL."
                ).format(url=spec.base_url),
                exit_code=exc.exit_code,
            )
        except NetworkError as exc:
            said = _("Cannot reach the gateway: {error}").format(error=exc)
            return KeyCheck(False, said, exit_code=exc.exit_code)
        except GatewayError as exc:
            return KeyCheck(False, exc.detail, exit_code=exc.exit_code)

        report = await explore(gateway, ProbeReport(spec.base_url, models=len(models)))
        if isinstance(report.error, AuthError):
            return KeyCheck(False, report.error.detail, exit_code=report.error.exit_code)
        found = report.settings()  # a gateway without a balance endpoint is still usable
        said = _("The key works: {count} models available.").format(count=len(models))
        if found:
            said += " " + findings_sentence(report)
        return KeyCheck(
            True, said, len(models), report.balance, settings=found,
            model_ids=tuple(m.id for m in models),
        )  # fmt: skip


def findings_sentence(report: ProbeReport) -> str:
    """What the probe found, as saved: "Found: balance newapi-token, usage log newapi."."""
    balance = report.family or _("none (the gateway offers no balance endpoint)")
    logs = report.logs_family or _("none")
    return _("Found: balance {balance}, usage log {logs}.").format(balance=balance, logs=logs)


def with_findings(
    table: Mapping[str, Any], check: KeyCheck, preset_model: str | None = None
) -> dict[str, Any]:
    """The profile table with what the probe found (a setting the table leaves at its default
    only) and a default model the gateway has: the table's, else the preset's, else the first
    of its /models (a gateway without the demo's deepseek-chat answered 'Invalid model name')."""
    out = dict(table)
    for key, value in check.settings.items():
        if out.get(key) in (None, "", "auto"):
            out[key] = value
    if check.model_ids and out.get("default_model") not in check.model_ids:
        wanted = preset_model if preset_model in check.model_ids else check.model_ids[0]
        out["default_model"] = wanted
    return out


def spec_for_key(name: str, base_url: str, key: str, table: dict[str, object]) -> GatewaySpec:
    return GatewaySpec(
        name=name,
        base_url=base_url.rstrip("/"),
        api_key=Secret(key.strip()),
        logs_url=table.get("logs_url") or None,  # type: ignore[arg-type]
        create_url=table.get("create_url") or None,  # type: ignore[arg-type]
        balance_dialect=str(table.get("balance") or "auto"),
    )


async def check_and_save(
    config: Config, name: str, table: dict[str, Any], spec: GatewaySpec, *, make_default: bool
) -> tuple[bool, str]:
    """Check the key live, then save profile `name` (0600): (saved, the sentence to show)."""

    result = await check_key(spec)
    if not result.ok:
        return False, result.message
    table = with_findings(table, result)
    try:
        config.put_profile(name, table)
        if make_default:
            config.set("default_profile", name)
        config.save()
    except OSError as exc:
        return False, _("The key works, but the config could not be saved: {error}").format(
            error=exc.strerror
        )
    except ConfigError as exc:  # the table itself is wrong (a bad base URL ...)
        return False, str(exc)
    return True, _("{result} Saved profile '{name}' to {path} (mode 0600).").format(
        result=result.message, name=name, path=config.path
    )
