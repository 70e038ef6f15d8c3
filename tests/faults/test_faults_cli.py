"""The fault matrix through `tokendeck chat`: exact stdout, one clear stderr sentence, exit code.

Each case runs the real CLI entry point in-process against the demo gateway over loopback
(stream, and `--no-stream` where the fault applies); Ctrl-C is tested on a real child process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.faults.cases import CASES, PROMPT, TIME_CASES, Case, Expect, split_pieces
from tests.faults.conftest import ChatSeen, chat_requests, record_latency
from tests.helpers import interruptible, on_terminal
from tui.cli import chat_cmds, main
from tui.demo import DemoGateway, Fault
from tui.gateway import ExitCode

ROOT = Path(__file__).resolve().parents[2]
RAW_MARKS = ("{", "}", "<html", "<body", "error_des", '"message"')


def _params() -> list[Any]:
    return [pytest.param(c, m, e, id=f"{m}-{c.id}") for c in CASES for m, e in c.modes()]


@pytest.mark.parametrize(("case", "mode", "expect"), _params())
def test_cli(
    case: Case,
    mode: str,
    expect: Expect,
    demo: DemoGateway,
    config_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if case.timeouts is not None:
        build = chat_cmds.spec_for
        monkeypatch.setattr(
            chat_cmds, "spec_for",
            lambda *a, **kw: replace(build(*a, **kw), timeouts=case.timeouts),
        )
    for fault in case.faults():
        demo.add_fault(fault)
    argv = ["--config", str(config_file), "chat", PROMPT]
    code = main([*argv, "--no-stream"] if mode == "nonstream" else argv)
    out, err = capsys.readouterr()

    assert code == expect.exit, err
    text = case.text(expect)
    if code == ExitCode.OK or mode == "stream":  # what arrived is printed, never dropped
        assert out == (text if not text or text.endswith("\n") else text + "\n")
    else:
        assert out == ""
    lines = err.splitlines()
    assert all(line.startswith("tokendeck: ") for line in lines), err
    for mark in RAW_MARKS:
        assert mark not in err, f"raw gateway output on stderr: {err!r}"
    for words in expect.says:
        assert words in err, err
    retries = expect.requests - 1
    final = int(code != ExitCode.OK or expect.finish not in (None, "stop") or expect.warns)
    assert len(lines) == retries + final, err  # one sentence per retry, one for the outcome
    if code != ExitCode.OK:
        assert lines[-1].startswith("tokendeck: error: ")
    assert chat_requests(demo) == expect.requests  # never retried once an answer began


def _cancel_params() -> list[Any]:
    return [pytest.param(c, m, id=f"{m}-{c.id}") for c in TIME_CASES for m, _e in c.modes()]


@pytest.mark.parametrize(("case", "mode"), _cancel_params())
def test_ctrl_c_stops_at_once(
    case: Case, mode: str, demo: DemoGateway, config_file: Path, isolated_env: Path
) -> None:
    """Ctrl-C (SIGINT) ends a stalled, keep-alive-only or dripping chat: exit 130, text kept."""
    seen = ChatSeen(demo)
    for fault in case.faults():
        demo.add_fault(fault)
    argv = [sys.executable, "-m", "tui", "--config", str(config_file), "chat", PROMPT]
    if mode == "nonstream":
        argv.append("--no-stream")
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=os.environ.copy(),
        preexec_fn=interruptible,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stderr is not None
        first = split_pieces(case.text(Expect()))[0].encode()
        got = b""
        if case.id == "slow_drip" and mode == "stream":
            while len(got) < len(first):  # blocks until the first piece is printed
                chunk = os.read(child.stdout.fileno(), 4096)
                assert chunk, child.stderr.read()
                got += chunk
        else:
            assert seen.event.wait(60), "the chat request never reached the gateway"
        started = time.monotonic()
        child.send_signal(signal.SIGINT)
        said = b""
        while not said.endswith(b"tokendeck: interrupted\n"):
            line = child.stderr.readline()  # blocks until the child says it stopped
            if not line:
                break
            said += line
        stopped = time.monotonic()
        child.wait(timeout=60)
        record_latency("cli", f"{mode}-{case.id}", stopped - started)
        record_latency("cli-exit", f"{mode}-{case.id}", time.monotonic() - started)
        out = got + child.stdout.read()
        err = (said + child.stderr.read()).decode()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == ExitCode.INTERRUPTED, err
    assert err.splitlines()[-1] == "tokendeck: interrupted", err
    assert "Traceback" not in err
    if case.id == "slow_drip" and mode == "stream":
        assert out.startswith(first)  # what arrived stays printed


@pytest.mark.parametrize("mode", ["stream", "nonstream"])
def test_markup_and_escapes_on_a_terminal_are_shown_not_run(
    mode: str, demo: DemoGateway, config_file: Path
) -> None:
    """On a terminal the answer's ANSI escapes show as ␛ (a pipe gets the exact bytes above)."""
    demo.add_fault(Fault("markup"))
    argv = [sys.executable, "-m", "tui", "--config", str(config_file), "chat", PROMPT]
    if mode == "nonstream":
        argv.append("--no-stream")
    code, text = on_terminal(argv, stderr_too=False, cwd=ROOT, env=os.environ.copy())
    assert code == 0
    assert "\x1b" not in text
    assert "␛[31mred␛[0m" in text and "␛[2J␛[H an ANSI clear-screen" in text
    assert "[bold red]not bold[/] [@click=app.quit]click[/]" in text
