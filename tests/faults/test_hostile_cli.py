"""Gateway text never reaches a terminal raw: every CLI command that prints gateway data runs
as a child process on a real pseudo-terminal against the demo gateway serving hostile model
ids, log fields, a new key and error messages (escapes: OSC 0 title, OSC 52 clipboard, CSI 2J,
an 8-bit CSI, BEL, a bidi override; markup and spreadsheet formulas). Nothing raw comes out,
the stand-ins do; JSON and CSV to a pipe keep the exact data."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import demo_config, on_terminal
from tui.demo import DemoGateway, Fault
from tui.demo.hostile import CORPUS, RAW

ROOT = Path(__file__).resolve().parents[2]
SHOWN = ("gpt␛]0;PWNED-TITLE␇-4o", "clip␛]52;c;cHduZWQ=␇", "cls␛[2J", "c1␛[31m", "bell␇",
         "bidi<U+202E>cod.exe<U+202C>")  # fmt: skip


def terminal(config: Path, *args: str) -> str:
    """What `tokendeck ARGS` writes to a real terminal (stdout and stderr on one pty)."""
    argv = [sys.executable, "-m", "tui", "--config", str(config), *args]
    _code, shown = on_terminal(argv, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})
    return shown


def piped(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(config), *args], capture_output=True,
        cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8")


def assert_inert(shown: str, what: str) -> None:
    raw = [mark for mark in RAW if mark in shown]
    assert raw == [], f"{what}: raw {raw!r} reached the terminal:\n{shown!r}"


@pytest.fixture
def hostile(isolated_env: Path) -> tuple[DemoGateway, Path]:
    demo = DemoGateway(now=1_763_900_000.0, history_rows=40).start()
    for endpoint in ("models", "logs", "create"):
        demo.add_fault(Fault("hostile", endpoint=endpoint, times=-1))
    extra = 'default_model = "gpt-4o-mini"\nbalance = "opencodex"'
    yield demo, demo_config(isolated_env, demo, extra)  # type: ignore[misc]
    demo.stop()


COMMANDS: dict[str, tuple[str, ...]] = {
    "models": ("models",),
    "logs": ("logs", "--limit", "40"),
    "logs-csv": ("logs", "--limit", "40", "--format", "csv"),
    "logs-json": ("logs", "--limit", "40", "--json"),
    "models-json": ("models", "--json"),
    "report": ("report", "--by", "model", "--since", "3650d"),
    "report-csv": ("report", "--by", "model", "--since", "3650d", "--format", "csv"),
    "key": ("key", "create"),
    "probe": ("probe",),
    "status": ("status", "--refresh"),
}


def test_every_command_shows_gateway_text_inert_on_a_terminal(
    hostile: tuple[DemoGateway, Path],
) -> None:
    demo, config = hostile
    seen: dict[str, str] = {}
    for name, args in COMMANDS.items():
        seen[name] = shown = terminal(config, *args)
        assert_inert(shown, name)
    for name in ("models", "logs", "report", "logs-csv"):
        assert all(text in seen[name] for text in SHOWN[:3]), seen[name]
    for name in ("models", "logs", "report"):  # a table: no tab shifts its columns
        assert "\t" not in seen[name] and "␉TAB" in seen[name]
    assert "␛]52;c;cHduZWQ=␇␛[2J" in seen["key"]
    assert "[bold]bold[/bold]" in seen["models"]  # markup is shown as typed, never run

    # errors: a chat refused with a hostile message, a balance failing with one, a model id
    demo.add_fault(Fault("hostile", endpoint="chat"))
    demo.add_fault(Fault("hostile", endpoint="balance"))
    errors = {
        "chat-error": terminal(config, "chat", "hi"),
        "balance-error": terminal(config, "balance"),
        "unknown-model": terminal(config, "chat", "-m", CORPUS[0], "hi"),
        "history": terminal(config, "history"),
    }
    for name, shown in errors.items():
        assert_inert(shown, name)
    assert "␛]0;PWNED-TITLE␇" in errors["chat-error"] + errors["balance-error"]


def test_json_and_csv_to_a_pipe_keep_the_exact_data(hostile: tuple[DemoGateway, Path]) -> None:
    demo, config = hostile
    ids = [m["id"] for m in json.loads(piped(config, "models", "--json"))]
    assert sorted(i for i in ids if i in CORPUS) == sorted(CORPUS)
    rows = json.loads(piped(config, "logs", "--limit", "40", "--json"))
    assert {r["model"] for r in rows} <= set(CORPUS) and len({r["model"] for r in rows}) > 10
    table = list(csv.reader(io.StringIO(piped(config, "logs", "--limit", "40", "--format",
                                              "csv"), newline="")))  # fmt: skip
    cells = {cell for row in table[1:] for cell in (row[2], row[8], row[9])}  # model, ip, note
    assert "gpt\x1b]0;PWNED-TITLE\x07-4o" in cells and "bidi\u202ecod.exe\u202c" in cells
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells  # only the formula guard
