"""What a new user tripped over in the CLI (issue 21): real subprocesses, the demo gateway over
loopback."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.unit.test_cli import tokendeck
from tui.demo import DemoGateway


def test_a_hanging_key_command_is_named_and_stopped(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 16: stderr says what is awaited, and the command is stopped after its timeout."""
    path = tmp_path / "config.toml"
    hang = f"{sys.executable} -c 'import time; time.sleep(120)'"
    path.write_text(
        f'[profiles.slow]\nbase_url = "{demo.opencodex_base}"\napi_key_cmd = "{hang}"\n'
        "api_key_cmd_timeout = 2\n"
    )
    path.chmod(0o600)
    done = tokendeck("--config", str(path), "balance", timeout=25)
    assert done.returncode == 3
    assert "waiting for the key command of profile “slow” (" in done.stderr
    assert "did not finish within 2 s" in done.stderr
    assert "time.sleep" not in done.stderr  # the command line is not printed (it may hold secrets)


def test_the_key_command_waits_10_seconds_by_default() -> None:
    from tui.profiles.config import Profile

    assert Profile("p", "https://x/v1", api_key_cmd="true").api_key_cmd_timeout == 10
