"""Gateway presets: the two gateways tokendeck was specified from, and any other one."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    title: str
    base_url: str
    key_prefix: str
    balance: str = "auto"
    logs_url: str | None = None
    create_url: str | None = None
    default_model: str | None = None


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
            logs_url="https://www.openai-hk.com/openai/sk/log",
            create_url="https://www.openai-hk.com/openai/sk/create",
            default_model="gpt-4o-mini",
        ),
        Preset("custom", N_("another OpenAI-compatible gateway (base URL asked)"), "", ""),
    )
}


def key_mismatch(preset: Preset, key: str) -> Preset | None:
    """The other preset whose key shape `key` has, when it does not fit `preset`."""
    for other in PRESETS.values():
        if other is preset or not other.key_prefix:
            continue
        if key.startswith(other.key_prefix) and not key.startswith(preset.key_prefix or "\0"):
            return other
    return None
