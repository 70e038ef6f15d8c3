"""The built-in demo gateway: a real OpenAI-compatible HTTP server on loopback, stdlib only."""

from __future__ import annotations

from typing import Any

from .catalog import MODELS
from .dialects import BALANCE_DIALECTS
from .faults import FAULT_KINDS, Fault
from .gateway import DemoGateway
from .ledger import DEMO_HK_KEY, DEMO_KEY

__all__ = [
    "BALANCE_DIALECTS", "DEMO_HK_KEY", "DEMO_KEY", "FAULT_KINDS", "MODELS", "DemoGateway",
    "Fault", "serve_forever",
]


def serve_forever(port: int, host: str = "127.0.0.1", **opts: Any) -> None:
    """Serve until Ctrl-C, after printing the URL line; opts go to DemoGateway."""
    gateway = DemoGateway(port=port, host=host, **opts).start()
    print(f"tokendeck demo gateway on {gateway.url}", flush=True)
    try:
        thread = gateway.thread
        while thread is not None and thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        gateway.stop()
