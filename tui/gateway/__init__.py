"""HTTP layer for OpenAI-compatible gateways: chat, models, balance, usage logs (no Textual).

The names below are loaded on first use (PEP 562): `tui.gateway.errors` or `.types` alone does
not import httpx2 and asyncio, which keeps commands that never reach a gateway fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import Gateway
    from .errors import (
        AuthError,
        BadRequest,
        ExitCode,
        GatewayError,
        GatewayTimeout,
        NetworkError,
        NotFound,
        OutOfCredits,
        ProtocolError,
        RateLimited,
        ServerError,
        Unreachable,
    )
    from .secret import Secret, redact
    from .types import (
        Balance,
        ChatAccumulator,
        ChatEvent,
        ChatParams,
        ChatResult,
        ContentDelta,
        Finish,
        GatewaySpec,
        LogRow,
        Malformed,
        Message,
        Model,
        Opened,
        ReasoningDelta,
        StreamFailed,
        Timeouts,
        UsageInfo,
    )

__all__ = [
    "AuthError",
    "BadRequest",
    "Balance",
    "ChatAccumulator",
    "ChatEvent",
    "ChatParams",
    "ChatResult",
    "ContentDelta",
    "ExitCode",
    "Finish",
    "Gateway",
    "GatewayError",
    "GatewaySpec",
    "GatewayTimeout",
    "LogRow",
    "Malformed",
    "Message",
    "Model",
    "NetworkError",
    "NotFound",
    "Opened",
    "OutOfCredits",
    "ProtocolError",
    "RateLimited",
    "ReasoningDelta",
    "Secret",
    "ServerError",
    "StreamFailed",
    "Timeouts",
    "Unreachable",
    "UsageInfo",
    "redact",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module in ("errors", "secret", "types", "client"):  # the light ones first
        found = import_module(f".{module}", __name__)
        if hasattr(found, name):
            value = getattr(found, name)
            globals()[name] = value  # later look-ups skip this function
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
