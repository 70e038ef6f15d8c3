"""The terminal going away under the running app (a real child process on a pseudo-terminal):
SIGHUP mid-answer lets the answer finish without the terminal and stores it whole, marked;
SIGTERM restores the terminal as Ctrl+Q does."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

from tests.helpers import make_app, wait_for
from tests.ptyapp import PtyApp, wait_until, write_config
from tui.demo import DemoGateway, Fault
from tui.demo.answers import answer_text
from tui.ui.widgets.chat import ChatPanel
from tui.ui.widgets.chat.transcript import Transcript

PROMPT = "tell me a story about lighthouses"


def app_env(tmp_path: Path, demo: DemoGateway) -> dict[str, str]:
    home = tmp_path / "home"
    return {
        **os.environ, "HOME": str(home), "TOKENDECK_DATA_DIR": str(tmp_path / "data"),
        "TOKENDECK_CONFIG": str(write_config(tmp_path, demo)), "TERM": "xterm-256color",
        "LANG": "C.UTF-8", "COLUMNS": "100", "LINES": "30",
    }  # fmt: skip


def answers(data: Path) -> list[dict[str, Any]]:
    path = data / "tokendeck.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM messages WHERE role = 'assistant' ORDER BY id")
        return [dict(row) for row in rows]
    except sqlite3.Error:
        return []  # not created yet
    finally:
        conn.close()


def streaming_some(data: Path) -> bool:
    found = answers(data)
    return bool(found) and found[-1]["status"] == "streaming" and len(found[-1]["content"]) > 80


async def test_sighup_mid_answer_finishes_it_without_the_terminal_and_stores_it_whole(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    demo.add_fault(Fault("drip", seconds=0.02))  # an answer of a few seconds
    app = PtyApp(app_env(tmp_path, demo))
    try:
        wait_until(lambda: (data / "tokendeck.db").exists(), what="the app's first frame")
        app.type(PROMPT)
        app.type("\r")
        wait_until(lambda: streaming_some(data), what="part of the answer stored")
        at_hangup = len(answers(data)[-1]["content"])
        app.hang_up()  # the SSH session dropped: SIGHUP from the kernel
        status = app.wait()
    finally:
        app.kill()
    assert status == 0
    (answer,) = answers(data)
    expected = answer_text(PROMPT)
    assert at_hangup < len(expected)  # it was cut in the middle
    assert answer["status"] == "done" and answer["content"] == expected  # stored whole
    assert answer["background"] == 1

    # the next start shows it with a note
    os.environ["TOKENDECK_DATA_DIR"] = str(data)  # the isolated env of this test
    try:
        shown = make_app(demo, tmp_path)
        async with shown.run_test(size=(100, 30)) as pilot:
            panel = shown.screen.query_one(ChatPanel)
            await wait_for(pilot, lambda: panel.conversation is not None and
                           len(panel.conversation.turns) == 2)  # fmt: skip
            assert panel.conversation.turns[-1].content == expected

            def meta() -> str:
                views = shown.screen.query_one(Transcript).items
                return views[-1].meta if views else ""

            await wait_for(pilot, lambda: "finished in the background" in meta())
    finally:
        del os.environ["TOKENDECK_DATA_DIR"]


def test_sigterm_restores_the_terminal_like_ctrl_q(demo: DemoGateway, tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = PtyApp(app_env(tmp_path, demo))
    try:
        wait_until(lambda: (data / "tokendeck.db").exists(), what="the app's first frame")
        wait_until(lambda: "\x1b[?1000h" in app.text(), what="mouse reporting on")
        start = len(app.text())
        app.signal(signal.SIGTERM)
        status = app.wait()
    finally:
        app.kill()
    assert status == 0
    after = app.text()[start:]
    assert "\x1b[?1049l" in after  # the alternate screen left
    assert "\x1b[?1000l" in after and "\x1b[?1003l" in after  # mouse reporting off
    assert "\x1b[?25h" in after  # the cursor shown again
