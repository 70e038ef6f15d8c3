"""Usage logs and key info in the shapes of new-api, one-api and LiteLLM, read from the ledger.

Shapes as their public source has them:
- new-api `GET /api/log/token`: the key's own rows, `{success, message, data}`; `newapi_version`
  "query" (older: `?key=sk-…`, every row), "bearer" (the key as Bearer, the newest 100 rows) or
  "paged" (Bearer, `p` from 1 and `page_size` up to 100, `data: {items, total, page,
  page_size}`). Rows are numbered 1, 2 ... from the newest of each answer, as new-api does.
- new-api `GET /api/log/self` + `/api/user/self`: an access token and `New-Api-User`.
- one-api `GET /api/log/self`: an access token, `p` from 0, pages of 10, a plain list.
- LiteLLM `GET /key/info`, `GET /spend/logs?api_key=`, `GET /model/info`.
Amounts: the ledger's credits are 1/100 of a unit; new-api quota is 500000 a unit (5000 a
credit); LiteLLM and OpenRouter state units (USD).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .catalog import MODELS
from .dialects import CREDITS_PER_UNIT, QUOTA_PER_CREDIT

NEWAPI_VERSIONS = ("query", "bearer", "paged")
ACCESS_TOKEN = "demo-access-token-0000"  # the demo account's new-api / one-api access token
NEWAPI_MAX_PAGE = 100
ONEAPI_PAGE = 10
LITELLM_SPEND_CAP = 1000  # rows /spend/logs answers at most
# the dialects whose amounts are USD (a credit is a cent): /models prices them so too
USD_DIALECTS = ("newapi-token", "oneapi", "openrouter", "litellm")
SUCCESS = {"success": True, "message": ""}


def failure(message: str) -> dict[str, Any]:
    """new-api's refusal: HTTP 200 with `success: false`."""
    return {"success": False, "message": message}


def newapi_row(row: dict[str, str], display_id: int, *, with_request_id: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": display_id,
        "user_id": int(row["user_id"]),
        "created_at": int(row["ctime"]),
        "type": 2,
        "content": "模型倍率 1, 分组倍率 1",
        "username": "demo",
        "token_name": "demo",
        "model_name": row["model"],
        "quota": int(row["fen"]) * QUOTA_PER_CREDIT,
        "prompt_tokens": int(row["prompt_tokens"]),
        "completion_tokens": int(row["completion_tokens"]),
        "use_time": 1,
        "is_stream": True,
        "channel": 0,
        "channel_name": "",
        "token_id": 1,
        "group": "default",
        "ip": row["ip"],
        "other": "{}",
    }
    if with_request_id:
        out["request_id"] = row["reqid"]
    return out


def newapi_page(rows: list[dict[str, str]], start: int, *, request_ids: bool) -> list[Any]:
    return [newapi_row(r, start + i + 1, with_request_id=request_ids) for i, r in enumerate(rows)]


def paged(items: list[Any], total: int, page: int, size: int) -> dict[str, Any]:
    return {**SUCCESS, "data": {"items": items, "total": total, "page": page, "page_size": size}}


def user_self(balance: int, used: int) -> dict[str, Any]:
    """`/api/user/self`: quota left and used, in quota units."""
    return {**SUCCESS, "data": {
        "id": 9, "username": "demo", "display_name": "demo", "role": 1, "status": 1,
        "group": "default", "quota": balance * QUOTA_PER_CREDIT,
        "used_quota": used * QUOTA_PER_CREDIT, "request_count": 0}}  # fmt: skip


def litellm_key_info(key: str, used: int, max_budget: float | None) -> dict[str, Any]:
    return {"key": key, "info": {
        "key_name": "sk-...demo", "key_alias": None, "spend": used / CREDITS_PER_UNIT,
        "max_budget": max_budget, "budget_duration": None, "budget_reset_at": None,
        "models": [], "user_id": "demo-user", "team_id": None, "metadata": {},
        "tpm_limit": None, "rpm_limit": None, "expires": None}}  # fmt: skip


def litellm_spend_row(row: dict[str, str], hashed_key: str) -> dict[str, Any]:
    started = datetime.fromtimestamp(int(row["ctime"]), UTC)
    prompt, completion = int(row["prompt_tokens"]), int(row["completion_tokens"])
    return {
        "request_id": "chatcmpl-" + row["reqid"],
        "call_type": "acompletion",
        "api_key": hashed_key,
        "spend": int(row["fen"]) / CREDITS_PER_UNIT,
        "total_tokens": prompt + completion,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "startTime": started.isoformat(),
        "endTime": started.isoformat(),
        "model": "openai/" + row["model"],
        "model_group": row["model"],
        "model_id": "demo-" + row["model"],
        "api_base": "",
        "user": "demo-user",
        "metadata": {},
        "cache_hit": "False",
        "request_tags": [],
        "team_id": None,
        "end_user": "",
        "requester_ip_address": row["ip"],
    }


def litellm_model_info() -> dict[str, Any]:
    """`/model/info`: each model's prices per token in USD and its limits."""
    return {"data": [{
        "model_name": m.id,
        "litellm_params": {"model": "openai/" + m.id},
        "model_info": {
            "id": "demo-" + m.id, "max_input_tokens": m.context_length,
            "max_output_tokens": 8192, "mode": "chat",
            "input_cost_per_token": m.in_price / CREDITS_PER_UNIT / 1000,
            "output_cost_per_token": m.out_price / CREDITS_PER_UNIT / 1000,
        },
    } for m in MODELS]}  # fmt: skip
