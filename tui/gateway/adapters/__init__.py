"""Gateway adapters: one small class per family behind one interface (see base.Adapter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...base.i18n import _
from ..families import CUSTOM, KNOWN, LOG_FAMILIES, NONE
from .base import Adapter, Call, Client, Generic, data_of, dec
from .custom import AdapterSpecError, Custom, CustomSpec, lookup, parse_custom
from .hosted import DeepSeek, Moonshot, OpenRouter, SiliconFlow
from .litellm import LiteLLM
from .newapi import NewApiToken, NewApiUser, OpenCodex
from .oneapi import OneApi
from .openai_hk import OpenAiHk
from .usagelogs import LOG_READERS, LogFamily

# Detection order: the cheapest and most common shapes first; openai-hk (a log read) last.
ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        OpenCodex(), OneApi(), NewApiToken(), OpenRouter(), DeepSeek(), Moonshot(),
        SiliconFlow(), LiteLLM(), NewApiUser(), OpenAiHk(),
    )
}  # fmt: skip
assert tuple(ADAPTERS) == KNOWN, "tui.gateway.families.KNOWN lists every adapter, in order"
GENERIC = Generic()
assert set(LOG_READERS) | {"openai-hk"} == set(LOG_FAMILIES), "families.LOG_FAMILIES is complete"


def get(name: str) -> Adapter:
    """The adapter called `name`; ValueError for an unknown one."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise ValueError(_("unknown balance dialect '{name}'").format(name=name)) from None


def for_host(host: str) -> Adapter | None:
    """The family a host is known to speak, if any."""
    return next((a for a in ADAPTERS.values() if a.serves(host)), None)


def candidates(host: str, has_logs: bool) -> list[Adapter]:
    """Adapters to try for `host`, most likely first; the log-based one only with a log URL."""
    known = for_host(host)
    if known is not None and known.has_logs:
        return [known]
    order = [a for a in ADAPTERS.values() if (has_logs or not a.has_logs) and not a.needs_user]
    if known is not None:
        order.remove(known)
        order.insert(0, known)
    return order


def custom_from(table: Mapping[str, Any] | None, section: str) -> Custom | None:
    """The declarative adapter of a profile's `[...adapter]` table (None without one)."""
    return None if table is None else Custom(parse_custom(table, section))


__all__ = [
    "ADAPTERS",
    "CUSTOM",
    "GENERIC",
    "KNOWN",
    "LOG_FAMILIES",
    "LOG_READERS",
    "NONE",
    "LogFamily",
    "Adapter",
    "AdapterSpecError",
    "Call",
    "Client",
    "Custom",
    "CustomSpec",
    "candidates",
    "custom_from",
    "data_of",
    "dec",
    "for_host",
    "get",
    "lookup",
    "parse_custom",
]
