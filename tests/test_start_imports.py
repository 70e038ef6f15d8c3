"""The start path: the scriptable commands never load Textual (nor what they do not use), and
the app's demo gateway, started early in a child process, never outlives the app.

Each command's `main` runs in a fresh interpreter against the demo gateway over loopback; the
child then reports which modules it had loaded. No timings here: speed is measured by
bench/cli.py.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import urllib.request

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


def test_no_arguments_mean_what_the_parser_would_say() -> None:
    from tui.cli.run import app_args

    assert app_args() == build_parser().parse_args([])


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


def _get_models(url: str) -> list[str]:
    from tui.demo import DEMO_KEY

    request = urllib.request.Request(
        f"{url}/api/v1/models", headers={"Authorization": f"Bearer {DEMO_KEY}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return [m["id"] for m in json.load(response)["data"]]


def test_the_apps_early_demo_child_serves_and_ends_with_the_handle() -> None:
    from tui.profiles.runtime import DemoHandle, start_demo_early

    start_demo_early()
    with DemoHandle() as handle:
        child = handle.child
        assert child is not None and handle.url is not None
        assert "deepseek-chat" in _get_models(handle.url)
    assert child.poll() is not None


PARENT = """
import os, sys
from tui.profiles.runtime import DemoHandle, start_demo_early
start_demo_early()
handle = DemoHandle().__enter__()
print(handle.child.pid, handle.url, flush=True)
sys.stdin.read()
"""


def test_the_early_demo_child_ends_when_the_app_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pid, url = parent.stdout.readline().split()
    assert "deepseek-chat" in _get_models(url)
    pidfd = os.pidfd_open(int(pid))  # readable once the process has ended
    try:
        parent.kill()
        parent.wait()
        ready, _, _ = select.select([pidfd], [], [], 30)  # the limit bounds a hang only
        assert ready, "the demo child outlived the app"
    finally:
        os.close(pidfd)
        parent.stdout.close()
        if parent.stdin is not None:
            parent.stdin.close()


def test_config_profiles_loads_only_what_it_needs(tmp_path: os.PathLike[str]) -> None:
    # bench/config_scale.py: `config profiles` with 10,000 prices should be the TOML parse and
    # little else; no money code (the status fields), no presets or prompts (config init)
    config = os.path.join(tmp_path, "c.toml")
    with open(config, "w", encoding="utf-8") as fh:
        fh.write('[profiles.a]\nbase_url = "https://x/v1"\n[profiles.a.prices]\nm = 1.5\n')
    modules = loaded("--config", config, "config", "profiles", env={})
    assert "tui.profiles.config" in modules
    assert not {m for m in modules if m.startswith("tui.spend")}
    assert not {"tui.profiles.presets", "tui.cli.config_init", "getpass"} & modules
