"""Balance endpoints in each gateway family's dialect, all read from the same ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .ledger import Snapshot

CREDITS_PER_UNIT = 100  # a credit is a fen: 100 credits = 1 unit of currency
QUOTA_PER_CREDIT = 5_000  # new-api: 500000 quota = 1 unit
GRANTED_CREDITS = 1_000  # the part of the balance shown as a free grant / voucher

BALANCE_DIALECTS = (
    "opencodex", "openai-hk", "oneapi", "newapi-token", "openrouter",
    "deepseek", "moonshot", "siliconflow", "litellm",
)
ANY_PREFIX = ("", "/v1", "/api/v1")
# dialect -> [(path suffix, allowed prefixes, view)]
BALANCE_PATHS: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "opencodex": [("/balance", ("/api/v1", "/v1"), "opencodex")],
    "openai-hk": [],
    "oneapi": [
        ("/dashboard/billing/subscription", ANY_PREFIX, "oneapi-subscription"),
        ("/dashboard/billing/usage", ANY_PREFIX, "oneapi-usage"),
    ],
    "newapi-token": [("/api/usage/token", ("",), "newapi-token")],
    "openrouter": [("/key", ANY_PREFIX, "openrouter")],
    "deepseek": [("/user/balance", ANY_PREFIX, "deepseek")],
    "moonshot": [("/users/me/balance", ANY_PREFIX, "moonshot")],
    "siliconflow": [("/user/info", ANY_PREFIX, "siliconflow")],
    "litellm": [],  # /key/info: its own endpoint (the key's budget)
}


def balance_view(path: str, dialect: str) -> str | None:
    """Which balance payload a path asks for under the dialect, or None."""
    path = path.rstrip("/") or "/"
    for suffix, prefixes, view in BALANCE_PATHS.get(dialect, []):
        if any(path == prefix + suffix for prefix in prefixes):
            return view
    return None


def _units(credits: int) -> float:
    return credits / CREDITS_PER_UNIT


def _money(credits: int) -> str:
    return f"{credits / CREDITS_PER_UNIT:.2f}"


def balance_payload(view: str, s: Snapshot, daily: int, weekly: int, monthly: int) -> Any:
    """The JSON body for a balance view; daily/weekly/monthly are credits used recently."""
    granted_part = min(max(s.balance, 0), GRANTED_CREDITS)
    paid_part = s.balance - granted_part
    if view == "opencodex":
        return {"success": True, "remain_balance": float(s.balance),
                "used_balance": float(s.used), "unlimited_quota": False}
    if view == "oneapi-subscription":
        limit = _units(s.granted)
        return {"object": "billing_subscription", "has_payment_method": True,
                "hard_limit_usd": limit, "soft_limit_usd": limit,
                "system_hard_limit_usd": limit, "access_until": 0}
    if view == "oneapi-usage":
        return {"object": "list", "total_usage": float(s.used)}  # 1/100 unit == 1 credit
    if view == "newapi-token":
        return {"code": True, "message": "ok", "data": {
            "object": "token_usage", "name": "demo",
            "total_granted": s.granted * QUOTA_PER_CREDIT,
            "total_used": s.used * QUOTA_PER_CREDIT,
            "total_available": s.balance * QUOTA_PER_CREDIT,
            "unlimited_quota": False, "model_limits": {}, "model_limits_enabled": False,
            "expires_at": 0}}
    if view == "openrouter":
        return {"data": {
            "label": "sk-or-v1-demo...0000", "limit": _units(s.granted),
            "limit_remaining": _units(s.balance), "usage": _units(s.used),
            "usage_daily": _units(daily), "usage_weekly": _units(weekly),
            "usage_monthly": _units(monthly), "is_free_tier": False}}
    if view == "deepseek":
        return {"is_available": s.balance > 0, "balance_infos": [{
            "currency": "CNY", "total_balance": _money(s.balance),
            "granted_balance": _money(granted_part), "topped_up_balance": _money(paid_part)}]}
    if view == "moonshot":
        return {"code": 0, "data": {
            "available_balance": _units(s.balance), "voucher_balance": _units(granted_part),
            "cash_balance": _units(paid_part)}, "scode": "0x0", "status": True}
    if view == "siliconflow":
        return {"code": 20000, "message": "OK", "status": True, "data": {
            "id": "userid-demo", "name": "demo", "image": "", "email": "demo@example.com",
            "isAdmin": False, "balance": _money(granted_part), "status": "normal",
            "introduction": "", "role": "", "chargeBalance": _money(paid_part),
            "totalBalance": _money(s.balance)}}
    raise ValueError(f"unknown balance view {view!r}")


def wallet_payload(s: Snapshot) -> Any:
    """`/custom/wallet`: a balance shape no built-in adapter reads (units, as a string)."""
    return {"result": {"wallet": {"left": _money(s.balance), "spent": _money(s.used)}}}


def custom_usage_payload(rows: list[dict[str, str]]) -> Any:
    """`/custom/usage`: the same log rows in a shape no built-in adapter reads."""

    return {"result": {"items": [
        {"rid": int(r["id"]), "at": datetime.fromtimestamp(int(r["ctime"]), UTC).isoformat(),
         "model": r["model"], "tokens": {"in": int(r["prompt_tokens"]),
                                          "out": int(r["completion_tokens"])},
         "cost": _money(int(r["fen"])), "trace": r["reqid"], "from": r["ip"]}
        for r in rows]}}
