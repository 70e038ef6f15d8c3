"""The gateway families (balance dialects) tokendeck knows, and what a gateway offers besides
chat and models: the one place that decides it from a profile's settings (the Gateway, the
profiles dashboard and the CLI ask here). Light: checking a config never loads the adapters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .types import GatewaySpec

KNOWN = (
    "opencodex", "oneapi", "newapi-token", "openrouter", "deepseek", "moonshot", "siliconflow",
    "openai-hk",
)  # fmt: skip
CUSTOM = "custom"  # a family described in the profile's [adapter] table
OPENAI_HK_HOST = "openai-hk.com"  # its log and key endpoints are known without a setting


@dataclass(frozen=True, slots=True)
class Offers:
    """What a gateway offers besides chat and models, as far as its settings tell."""

    logs_url: str | None = None  # the usage-log endpoint (openai-hk `sk/log` shape)
    create_url: str | None = None  # the key-creation endpoint (openai-hk `sk/create`)
    custom_logs: bool = False  # the profile's declarative [adapter] reads a log of its own

    @property
    def usage_log(self) -> bool:
        return self.custom_logs or self.logs_url is not None

    @property
    def key_creation(self) -> bool:
        return self.create_url is not None


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
    return Offers(logs_url, create_url, isinstance(custom, Mapping))
