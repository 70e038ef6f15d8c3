"""Gateway presets: the two gateways tokendeck was specified from, and any other one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..base.i18n import N_


@dataclass(frozen=True, slots=True)
class Preset:
    """A known gateway: its URL, key shape, balance dialect and paths."""

    name: str
    title: str
    base_url: str
    key_prefix: str
    balance: str = "auto"
    logs_path: str | None = None  # at the base URL's origin
    create_path: str | None = None
    default_model: str | None = None

    def endpoints(self, base_url: str) -> tuple[str | None, str | None]:
        """The usage-log and key-creation URLs for a gateway at `base_url`."""
        scheme, _sep, rest = base_url.partition("://")
        origin = f"{scheme}://{rest.split('/', 1)[0]}"
        logs = origin + self.logs_path if self.logs_path else None
        create = origin + self.create_path if self.create_path else None
        return logs, create


def profile_table(
    preset: Preset,
    base_url: str,
    key_source: dict[str, str],
    *,
    model: str | None = None,
    logs_url: str | None = None,
) -> dict[str, Any]:
    """The config table of a new profile made from `preset` (empty values are dropped)."""
    logs, create = preset.endpoints(base_url)
    return {
        "base_url": base_url,
        **key_source,
        "balance": preset.balance if preset.balance != "auto" else None,
        "logs_url": logs_url or logs,
        "create_url": create,
        "default_model": model or preset.default_model,
    }


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "opencodex",
            N_("opencodex.hk — OpenAI-compatible, keys sk-live-…"),
            "https://opencodex.hk/api/v1",
            "sk-live-",
            balance="opencodex",
            default_model="deepseek-chat",
        ),
        Preset(
            "openai-hk",
            N_("openai-hk.com — chat under /v1, usage logs and key creation, keys hk-…"),
            "https://www.openai-hk.com/v1",
            "hk-",
            balance="openai-hk",
            logs_path="/openai/sk/log",
            create_path="/openai/sk/create",
            default_model="gpt-4o-mini",
        ),
        Preset("custom", N_("another OpenAI-compatible gateway (base URL asked)"), "", ""),
    )
}


def key_mismatch(preset: Preset, key: str) -> Preset | None:
    """The other preset whose key shape `key` has, when it does not fit `preset`. A preset
    with no key shape of its own (custom: any gateway) fits every key."""
    if not preset.key_prefix:
        return None
    for other in PRESETS.values():
        if other is preset or not other.key_prefix:
            continue
        if key.startswith(other.key_prefix) and not key.startswith(preset.key_prefix or "\0"):
            return other
    return None
