"""HTTP layer for OpenAI-compatible gateways: chat, models, balance, usage logs (no Textual).

The names below are loaded on first use (PEP 562): `tui.gateway.errors` or `.types` alone does
not import httpx2 and asyncio, which keeps commands that never reach a gateway fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_names

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


__getattr__, __dir__ = lazy_names(
    __name__,
    __all__,
    ("errors", "secret", "types", "client"),
    globals(),  # light ones first
)
