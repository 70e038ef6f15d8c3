"""The code stays clean and the layers stay apart: ruff, mypy, and import boundaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff() -> None:
    done = _run("-m", "ruff", "check", "tui", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy() -> None:
    done = _run("-m", "mypy")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "modules",
    [
        "tui.gateway",
        "tui.profiles.config, tui.profiles.runtime, tui.demo",
        "tui.cli.run, tui.cli.gateway_cmds, tui.cli.config_cmds, tui.cli.chat_cmds",
    ],
)
def test_layers_without_a_terminal_never_import_textual(modules: str) -> None:
    code = f"import sys, {modules}; print('textual' in sys.modules)"
    done = _run("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
