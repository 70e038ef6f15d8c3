"""Keys typed while the app starts (the real app on a pseudo-terminal, the keys written before
it has even started): they reach the chat's input, not the screen behind it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.ptyapp import PtyApp, wait_until
from tests.test_hangup import app_env
from tui.demo import DemoGateway


def draft(data: Path) -> str | None:
    conn = sqlite3.connect(f"file:{data / 'tokendeck.db'}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT text FROM drafts WHERE key = 'new'").fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def test_keys_typed_before_the_first_frame_reach_the_input(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = PtyApp(app_env(tmp_path, demo))
    try:
        app.type("typed at once")  # held by the terminal until the app reads it
        wait_until(lambda: "\x1b[?1000h" in app.text(), what="the app running (mouse on)")
        drawn = lambda: app.text().split("\x1b[?1049h", 1)[-1]  # noqa: E731  (not the echo)
        wait_until(lambda: "typed at once" in drawn(), what="the text drawn in the input")
        app.type("\x11")  # Ctrl+Q: the draft is saved as the app ends
        status = app.wait()
    finally:
        app.kill()
    assert status == 0
    assert draft(tmp_path / "data") == "typed at once"
