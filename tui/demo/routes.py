"""Maps a request path to an endpoint family (chat, models, balance, logs, create)."""

from __future__ import annotations

from dataclasses import dataclass

from .dialects import balance_view

API_PREFIXES = ("/api/v1", "/v1")  # opencodex and openai-hk chat bases
HK_DIALECTS = ("opencodex", "openai-hk")  # the demo's own account: its openai-hk log and keys


@dataclass(frozen=True)
class Route:
    """What one of the demo's paths answers: its endpoint and method."""

    endpoint: str  # also the fault endpoint name
    method: str
    view: str = ""  # balance payload, for endpoint "balance"


CUSTOM_PATHS = {
    "/custom/wallet": Route("wallet", "GET"),
    "/custom/usage": Route("custom_usage", "POST"),
}


# each family's own endpoints (usage logs, key info), besides its balance dialect's
NEWAPI_PATHS = {
    "/api/log/token": Route("newapi_logs", "GET"),
    "/api/log/self": Route("newapi_self_logs", "GET"),
    "/api/user/self": Route("newapi_user", "GET"),
}
FAMILY_PATHS: dict[str, dict[str, Route]] = {
    "newapi-token": NEWAPI_PATHS,
    "opencodex": NEWAPI_PATHS,  # a new-api fork: its key log too
    "oneapi": {
        "/api/log/self": Route("oneapi_self_logs", "GET"),
        "/api/user/self": Route("newapi_user", "GET"),
    },
    "litellm": {
        "/key/info": Route("litellm_key", "GET"),
        "/spend/logs": Route("litellm_spend", "GET"),
        "/model/info": Route("litellm_model_info", "GET"),
        "/v1/model/info": Route("litellm_model_info", "GET"),
    },
}


def resolve(path: str, dialect: str) -> Route | None:
    family = FAMILY_PATHS.get(dialect, {}).get(path.rstrip("/") or "/")
    if family is not None:
        return family
    if path.startswith("/openai/sk/") and dialect not in HK_DIALECTS:
        return None  # openai-hk's log and keys: not at a DeepSeek, OpenRouter, LiteLLM ...
    if path == "/openai/sk/log":
        return Route("logs", "POST")
    if path == "/openai/sk/create":
        return Route("create", "GET")
    if path in CUSTOM_PATHS:  # a shape no built-in adapter knows, for declarative adapters
        return CUSTOM_PATHS[path]
    for prefix in API_PREFIXES:
        rest = path[len(prefix):] if path.startswith(prefix + "/") else ""
        if rest == "/chat/completions":
            return Route("chat", "POST")
        if rest in ("/models", "/models/"):
            return Route("models", "GET")
    view = balance_view(path, dialect)
    return Route("balance", "GET", view) if view else None
