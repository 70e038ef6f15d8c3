"""`tokendeck logs --limit 0` with its page helper process (tui/gateway/pagehelper.py), as a
user runs it: piped into `head`, or stopped with Ctrl-C, it ends as it did in one process (no
traceback; 0 after `| head`, 130 and "interrupted" after Ctrl-C), and its helper ends too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import procs
from tests.helpers import demo_config, interruptible
from tui.demo import DemoGateway

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def slow_demo() -> Iterator[DemoGateway]:
    """A demo gateway whose pages take a while: the listing is still going when it is cut."""
    with DemoGateway(now=1_763_900_000.0, history_rows=6000, page_latency=0.05) as gateway:
        yield gateway


def marked(mark: str) -> list[int]:
    """The processes still running with this test's mark in their environment."""
    return procs.marked("TOKENDECK_TEST_MARK", mark)


def gone(mark: str) -> bool:
    deadline = time.monotonic() + 10
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not marked(mark)


def listing(demo: DemoGateway, home: Path, mark: str, **popen: object) -> subprocess.Popen[bytes]:
    config = demo_config(home, demo)
    env = {**os.environ, "TOKENDECK_TEST_MARK": mark}
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--config", str(config), "logs", "--limit", "0",
         "--format", "csv"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env=env, **popen,  # type: ignore[arg-type]
    )  # fmt: skip


def test_piped_into_head_it_ends_quietly_with_its_helper(
    slow_demo: DemoGateway, isolated_env: Path
) -> None:
    mark = uuid.uuid4().hex
    proc = listing(slow_demo, isolated_env, mark)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"id,time,")
    assert len(marked(mark)) == 2  # tokendeck and its helper
    proc.stdout.close()  # what `head -1` does once it has its line
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()
    assert gone(mark)


def test_ctrl_c_ends_it_and_its_helper(slow_demo: DemoGateway, isolated_env: Path) -> None:
    mark = uuid.uuid4().hex
    proc = listing(slow_demo, isolated_env, mark, start_new_session=True,
                   preexec_fn=interruptible)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"id,time,")
    proc.stdout.readline()
    assert len(marked(mark)) == 2
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
    proc.stdout.read()
    assert proc.wait(timeout=60) == 130
    said = proc.stderr.read().decode()
    assert "interrupted" in said and "Traceback" not in said
    assert gone(mark)
