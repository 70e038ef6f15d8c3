"""The gateway families (balance dialects) tokendeck knows, and what a gateway offers besides
chat and models: the one place that decides it from a profile's settings (the Gateway, the
profiles dashboard and the CLI ask here). Light: checking a config never loads the adapters."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..base.paths import data_dir

if TYPE_CHECKING:  # the types' 16 dataclasses cost every CLI command ~10 ms
    from .types import GatewaySpec

KNOWN = (
    "opencodex", "oneapi", "newapi-token", "openrouter", "deepseek", "moonshot", "siliconflow",
    "litellm", "newapi-user", "openai-hk",
)  # fmt: skip
CUSTOM = "custom"  # a family described in the profile's [adapter] table
NONE = "none"  # the gateway offers no balance endpoint: never asked
# usage-log families (a profile's `logs`): where a key's own per-request rows are read
LOG_FAMILIES = ("openai-hk", "newapi", "newapi-user", "oneapi-user", "litellm")
USER_LOGS = ("newapi-user", "oneapi-user")  # these need access_token (and user_id) instead
OPENAI_HK_HOST = "openai-hk.com"  # its log and key endpoints are known without a setting


@dataclass(frozen=True, slots=True)
class Offers:
    """What a gateway offers besides chat and models, as far as its settings tell."""

    logs_url: str | None = None  # the usage-log endpoint (openai-hk `sk/log` shape)
    create_url: str | None = None  # the key-creation endpoint (openai-hk `sk/create`)
    custom_logs: bool = False  # the profile's declarative [adapter] reads a log of its own
    log_family: str | None = None  # a usage-log family read at the gateway's root (new-api...)
    balance: bool = True  # False: the profile says the gateway has no balance endpoint

    @property
    def usage_log(self) -> bool:
        return self.custom_logs or self.log_family is not None or self.logs_url is not None

    @property
    def key_creation(self) -> bool:
        return self.create_url is not None


USD_FAMILIES = ("openrouter", "litellm", "newapi-token", "newapi-user", "oneapi")  # in USD
SOFTWARE = ("litellm",)  # what a profile's `software` may name (the probe saves it)


def states_prices(spec: GatewaySpec) -> bool:
    """Whether the gateway states per-token prices of its own (LiteLLM's `/model/info`, in
    USD): known from its balance family or, with no balance endpoint (a LiteLLM proxy without
    its database), from the software the probe found."""
    return spec.software == "litellm" or spec.balance_dialect == "litellm"


def cost_unit(spec: GatewaySpec) -> str:
    """The unit answers are costed in: what the usage log counts (new-api, one-api and LiteLLM
    logs, OpenRouter's and LiteLLM's stated costs are USD), a declarative adapter's unit, else
    the gateway's credits."""
    if spec.logs in LOG_FAMILIES and spec.logs != "openai-hk":
        return "USD"
    if spec.adapter is not None and isinstance(spec.adapter.get("unit"), str):
        return str(spec.adapter["unit"])
    host = (urlsplit(spec.base_url).hostname or "").lower()
    if spec.balance_dialect in USD_FAMILIES or states_prices(spec):
        return "USD"
    if host.endswith("openrouter.ai"):
        return "USD"
    return "credits"


def offers(spec: GatewaySpec) -> Offers:
    """What `spec`'s gateway offers: the endpoints configured, else those its host is known for
    (openai-hk); a key-creation URL derived from the log's when not configured."""
    split = urlsplit(spec.base_url)
    host = (split.hostname or "").lower()
    logs_url = spec.logs_url
    if logs_url is None and (host == OPENAI_HK_HOST or host.endswith("." + OPENAI_HK_HOST)):
        logs_url = f"{split.scheme}://{split.netloc.rpartition('@')[2]}/openai/sk/log"
    create_url = spec.create_url or (logs_url.rsplit("/", 1)[0] + "/create" if logs_url else None)
    custom = spec.adapter.get("logs") if spec.adapter is not None else None
    family = spec.logs if spec.logs in LOG_FAMILIES and spec.logs != "openai-hk" else None
    return Offers(
        logs_url, create_url, isinstance(custom, Mapping), family, spec.balance_dialect != NONE
    )


# ---- what a profile's gateway was found not to offer ----------------------------------------
# A gateway whose balance endpoints all answered "no such thing" is remembered per profile (and
# base URL), so that the app and the CLI do not ask it again for a day; `tokendeck probe`, the
# profile form's Probe and `balance = "auto"` after a day ask again.

NO_BALANCE_FILE = "no-balance.json"
RECHECK_SECONDS = 86_400.0


def _memory_path() -> Path:

    return data_dir() / NO_BALANCE_FILE


def _read() -> dict[str, dict[str, object]]:

    try:
        data = json.loads(_memory_path().read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def no_balance_known(profile: str, base_url: str, now: float | None = None) -> float | None:
    """When the profile's gateway was last found to offer no balance endpoint (unix seconds),
    if that was less than a day ago and at the same base URL; else None."""

    record = _read().get(profile)
    if not record or record.get("base_url") != base_url:
        return None
    when = record.get("at")
    current = time.time() if now is None else now
    if not isinstance(when, int | float) or not 0 <= current - when < RECHECK_SECONDS:
        return None
    return float(when)


def remember_no_balance(
    profile: str, base_url: str, missing: bool, now: float | None = None
) -> None:
    """Note (missing) or forget that the profile's gateway offers no balance endpoint; a file
    that cannot be written changes nothing but the next start's requests."""

    records = _read()
    if not missing and profile not in records:
        return
    if missing:
        records[profile] = {"base_url": base_url, "at": time.time() if now is None else now}
    else:
        records.pop(profile, None)
    path = _memory_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(records), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
