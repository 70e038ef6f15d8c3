"""The built-in demo gateway: a real OpenAI-compatible HTTP server on loopback, stdlib only."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalog import MODELS
    from .dialects import BALANCE_DIALECTS
    from .faults import FAULT_KINDS, Fault
    from .gateway import DemoGateway  # the server: not for DEMO_KEY users
    from .ledger import DEMO_HK_KEY, DEMO_KEY

# Loaded on first use (PEP 562): `tokendeck models` against a running demo-server needs only
# the demo key, not the server.
_MODULE = {
    "MODELS": "catalog",
    "BALANCE_DIALECTS": "dialects",
    "FAULT_KINDS": "faults",
    "Fault": "faults",
    "DemoGateway": "gateway",
    "DEMO_HK_KEY": "ledger",
    "DEMO_KEY": "ledger",
}


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BALANCE_DIALECTS", "DEMO_HK_KEY", "DEMO_KEY", "FAULT_KINDS", "MODELS", "DemoGateway",
    "Fault", "serve_forever",
]


def serve_forever(port: int, host: str = "127.0.0.1", **opts: Any) -> None:
    """Serve until Ctrl-C, after printing the URL line; opts go to DemoGateway."""
    from .gateway import DemoGateway  # the server: not for DEMO_KEY users

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
