"""The adapter interface: what one gateway family answers for balance, logs, request ids, units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Protocol

from ..responses import REQUEST_ID_HEADERS
from ..types import Balance, GatewaySpec, LogRow


class Client(Protocol):
    """What an adapter needs from tui.gateway.Gateway: JSON requests and the log endpoint."""

    where: str
    logs_url: str | None
    spec: GatewaySpec

    async def fetch_json(
        self,
        method: str,
        path: str,
        *,
        at_origin: bool = False,
        at_root: bool = False,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...

    def log_endpoint(self) -> str: ...

    def unwrap(self, payload: Any) -> Any: ...

    @property
    def host(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Call:
    """One JSON request of a balance lookup."""

    method: str
    path: str  # relative to the base URL, or to its root when `at_root`; or a whole URL
    at_root: bool = False  # the base URL without /v1 (and /api): a mount prefix is kept
    json: dict[str, Any] | None = None


def dec(value: Any) -> Decimal | None:
    """A Decimal from a JSON number or numeric string; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def data_of(payload: Any) -> dict[str, Any]:
    """The `data` object of an answer that wraps it, else the answer itself."""
    if isinstance(payload, dict):
        inner = payload.get("data")
        return inner if isinstance(inner, dict) else payload
    return {}


class Adapter:
    """One gateway family. Subclasses set the class attributes and read the balance answer."""

    name: ClassVar[str]
    hosts: ClassVar[tuple[str, ...]] = ()  # hosts known to speak this family
    unit: ClassVar[str] = "credits"  # what amounts are counted in
    calls: ClassVar[tuple[Call, ...]] = ()  # the balance lookup
    has_logs: ClassVar[bool] = False  # a usage-log endpoint (openai-hk `sk/log` shape)
    creates_keys: ClassVar[bool] = False  # a key-creation endpoint (openai-hk `sk/create`)
    request_id_headers: ClassVar[tuple[str, ...]] = REQUEST_ID_HEADERS
    body_id_first: ClassVar[bool] = False  # the body `id` is what the usage log shows
    needs_user: ClassVar[bool] = False  # asks with a user's access token (never detected)

    def serves(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.hosts)

    async def balance(self, client: Client) -> Balance | None:
        """Credit left; None when the answers are not in this family's shape."""
        payloads = [
            await client.fetch_json(c.method, c.path, at_root=c.at_root, json=c.json)
            for c in self.calls
        ]
        return self.parse(payloads)

    def parse(self, payloads: list[Any]) -> Balance | None:
        raise NotImplementedError

    async def usage_logs(self, client: Client, start: int, limit: int) -> list[LogRow]:
        """One page of usage-log rows, newest first (families with a log say how)."""
        raise NotImplementedError

    def request_id(self, headers: Mapping[str, str]) -> str | None:
        """The request id a chat response's headers carry (None: take the body's `id`)."""
        if self.body_id_first:
            return None
        for name in self.request_id_headers:
            value = headers.get(name)
            if value and value.strip():
                return value.strip()
        return None

    def __repr__(self) -> str:
        return f"<adapter {self.name}>"


class Generic(Adapter):
    """A gateway of no known family: chat and models only, request ids from the usual headers."""

    name = "generic"

    def parse(self, payloads: list[Any]) -> Balance | None:
        return None
