"""Fixtures of the fault matrix: a profile on the demo gateway, chat-request counting, and the
optional record of cancel latencies that bench/faults reads (never asserted on)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from tests.faults.cases import MODEL
from tui.demo import DEMO_KEY, DemoGateway

LATENCY_FILE_ENV = "TOKENDECK_FAULT_LATENCIES"  # set by bench/faults


def write_config(home: Path, demo: DemoGateway) -> Path:
    path = home / "faults.toml"
    path.write_text(
        f'default_profile = "gw"\n[profiles.gw]\nbase_url = "{demo.opencodex_base}"\n'
        f'api_key = "{DEMO_KEY}"\nlogs_url = "{demo.logs_url}"\ndefault_model = "{MODEL}"\n'
    )
    path.chmod(0o600)
    return path


def chat_requests(demo: DemoGateway) -> int:
    return sum(1 for _m, path in demo.requests if path.endswith("/chat/completions"))


class ChatSeen:
    """An event set once the gateway has received a chat request (a real condition to wait on)."""

    def __init__(self, demo: DemoGateway) -> None:
        self.event = threading.Event()
        original = demo.record

        def record(method: str, path: str) -> None:
            original(method, path)
            if path.endswith("/chat/completions"):
                self.event.set()

        demo.record = record  # type: ignore[method-assign]


def record_latency(where: str, case: str, seconds: float) -> None:
    """Append one cancel latency for bench/faults; a no-op unless it asked for them."""
    target = os.environ.get(LATENCY_FILE_ENV)
    if not target:
        return
    with open(target, "a", encoding="utf-8") as file:
        file.write(json.dumps({"where": where, "case": case, "ms": seconds * 1000}) + "\n")


@pytest.fixture
def config_file(isolated_env: Path, demo: DemoGateway) -> Path:
    return write_config(isolated_env, demo)
