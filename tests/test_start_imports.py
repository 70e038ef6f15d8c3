"""The scriptable commands never load Textual (nor what they do not use), so they start fast.

Each command's `main` runs in a fresh interpreter against the demo gateway over loopback; the
child then reports which modules it had loaded. No timings here: speed is measured by
bench/cli.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from tui.cli.parser import build_parser
from tui.demo import DemoGateway

CHILD = """
import json, sys
from tui.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": int(code), "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded(*argv: str, env: dict[str, str]) -> set[str]:
    """The modules loaded by `tokendeck ARGV` run to its end in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


def commands() -> set[str]:
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(subs.choices)


SCRIPTABLE = [
    ("balance",),
    ("models",),
    ("logs", "--limit", "5"),
    ("status",),
    ("config", "path"),
    ("history",),
]


@pytest.mark.parametrize("argv", SCRIPTABLE, ids=lambda argv: " ".join(argv))
def test_scriptable_commands_do_not_import_textual(demo: DemoGateway, argv: tuple[str]) -> None:
    if argv[0] not in commands():
        pytest.skip(f"no `{argv[0]}` command")
    modules = loaded(*argv, env={"TOKENDECK_DEMO_URL": demo.url})
    assert not {m for m in modules if m.partition(".")[0] == "textual"}


def test_a_running_demo_server_is_used_without_loading_the_in_process_one(
    demo: DemoGateway,
) -> None:
    modules = loaded("models", env={"TOKENDECK_DEMO_URL": demo.url})
    assert "tui.demo.server" not in modules
    assert "tui.store" not in modules  # no budgets, no history: no SQLite store


def test_without_a_running_demo_server_the_in_process_one_answers() -> None:
    modules = loaded("balance", env={})
    assert "tui.demo.server" in modules
    assert "textual" not in modules
