"""Balance dialects: where each gateway family tells credit left, and how to read its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .types import Balance

ONEAPI_UNLIMITED = Decimal(100000000)
NEWAPI_QUOTA_PER_USD = Decimal(500000)


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    path: str  # relative to the base URL, or to the origin when `at_origin`
    at_origin: bool = False
    json: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    calls: tuple[Call, ...]
    parse: Callable[[list[Any]], Balance | None]  # None: not this dialect's shape
    hosts: tuple[str, ...] = ()


def dec(value: Any) -> Decimal | None:
    """A Decimal from a JSON number or numeric string; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _data(payload: Any) -> dict[str, Any]:
    if isinstance(payload, dict):
        inner = payload.get("data")
        return inner if isinstance(inner, dict) else payload
    return {}


def _newapi(payloads: list[Any]) -> Balance | None:
    body = payloads[0]
    if not isinstance(body, dict) or "remain_balance" not in body:
        return None
    remaining = dec(body.get("remain_balance"))
    unlimited = bool(body.get("unlimited_quota")) or remaining == -1
    return Balance(
        "opencodex",
        None if unlimited else remaining,
        used=dec(body.get("used_balance")),
        unlimited=unlimited,
    )


def _oneapi(payloads: list[Any]) -> Balance | None:
    subscription, usage = payloads
    if not isinstance(subscription, dict) or "hard_limit_usd" not in subscription:
        return None
    limit = dec(subscription.get("hard_limit_usd"))
    used_cents = dec(usage.get("total_usage")) if isinstance(usage, dict) else None
    used = used_cents / 100 if used_cents is not None else None
    if limit is None or limit >= ONEAPI_UNLIMITED:
        return Balance("oneapi", None, used=used, unlimited=True, unit="USD", currency="USD")
    remaining = limit - used if used is not None else None
    return Balance("oneapi", remaining, used=used, total=limit, unit="USD", currency="USD")


def _newapi_token(payloads: list[Any]) -> Balance | None:
    body = payloads[0]
    if not isinstance(body, dict) or "total_available" not in _data(body):
        return None
    data = _data(body)
    unlimited = bool(data.get("unlimited_quota"))
    available, used = dec(data.get("total_available")), dec(data.get("total_used"))
    granted = dec(data.get("total_granted"))
    return Balance(
        "newapi-token",
        None if unlimited or available is None else available / NEWAPI_QUOTA_PER_USD,
        used=None if used is None else used / NEWAPI_QUOTA_PER_USD,
        total=None if unlimited or granted is None else granted / NEWAPI_QUOTA_PER_USD,
        unlimited=unlimited,
        unit="USD",
        currency="USD",
    )


def _openrouter(payloads: list[Any]) -> Balance | None:
    data = _data(payloads[0])
    if "limit_remaining" not in data and "usage" not in data:
        return None
    limit = dec(data.get("limit"))
    return Balance(
        "openrouter",
        dec(data.get("limit_remaining")) if limit is not None else None,
        used=dec(data.get("usage")),
        total=limit,
        unlimited=limit is None,
        unit="USD",
        currency="USD",
    )


def _deepseek(payloads: list[Any]) -> Balance | None:
    body = payloads[0]
    infos = body.get("balance_infos") if isinstance(body, dict) else None
    if not isinstance(infos, list):
        return None
    info = infos[0] if infos and isinstance(infos[0], dict) else {}
    currency = str(info.get("currency") or "CNY")
    return Balance(
        "deepseek", dec(info.get("total_balance")) or Decimal(0), unit=currency, currency=currency
    )


def _moonshot(payloads: list[Any]) -> Balance | None:
    data = _data(payloads[0])
    if "available_balance" not in data:
        return None
    return Balance("moonshot", dec(data.get("available_balance")), unit="balance")


def _siliconflow(payloads: list[Any]) -> Balance | None:
    data = _data(payloads[0])
    if "totalBalance" not in data and "balance" not in data:
        return None
    total = dec(data.get("totalBalance"))
    return Balance(
        "siliconflow",
        total if total is not None else dec(data.get("balance")),
        unit="CNY",
        currency="CNY",
    )


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect("opencodex", (Call("GET", "/balance"),), _newapi, ("opencodex.hk",)),
        Dialect(
            "oneapi",
            (
                Call("GET", "/dashboard/billing/subscription"),
                Call("GET", "/dashboard/billing/usage"),
            ),
            _oneapi,
        ),
        Dialect("newapi-token", (Call("GET", "/api/usage/token/", at_origin=True),), _newapi_token),
        Dialect("openrouter", (Call("GET", "/key"),), _openrouter, ("openrouter.ai",)),
        Dialect(
            "deepseek",
            (Call("GET", "/user/balance", at_origin=True),),
            _deepseek,
            ("deepseek.com",),
        ),
        Dialect(
            "moonshot",
            (Call("GET", "/users/me/balance"),),
            _moonshot,
            ("moonshot.cn", "moonshot.ai"),
        ),
        Dialect(
            "siliconflow",
            (Call("GET", "/user/info"),),
            _siliconflow,
            ("siliconflow.cn", "siliconflow.com"),
        ),
    )
}
# openai-hk has no balance endpoint: the newest usage-log row's `yufen` is the balance.
LOG_DIALECT = "openai-hk"
LOG_HOSTS = ("openai-hk.com",)
KNOWN = (*DIALECTS, LOG_DIALECT)


def candidates(host: str, has_logs: bool) -> list[str]:
    """Dialects to try for `host`, most likely first."""
    order = list(DIALECTS)
    if has_logs:
        order.append(LOG_DIALECT)
    if any(host == h or host.endswith("." + h) for h in LOG_HOSTS):
        return [LOG_DIALECT]
    for name, dialect in DIALECTS.items():
        if any(host == h or host.endswith("." + h) for h in dialect.hosts):
            order.remove(name)
            order.insert(0, name)
    return order


def balance_from_rows(yufen: Decimal | None, fen_sum: Decimal | None = None) -> Balance:
    return Balance(LOG_DIALECT, yufen, used=fen_sum)
