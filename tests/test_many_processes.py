"""Everything a user runs at once on one HOME, as real processes: two apps on pseudo-terminals
driven by keys, and beside them, in loops, `tokendeck chat`, `logs sync`, `status`,
`status --refresh`, `report` and `history`. Then one app is killed (SIGKILL) mid-answer and the
other's terminal hangs up (SIGHUP) mid-answer.

Afterwards: every message that was on screen is in the database (of the killed app's answer at
most the last persistence batch is missing; the hung-up app's answer is whole), PRAGMA
integrity_check is ok, every command succeeded, and while the apps had the database open its
WAL was never unlinked (its inode polled throughout, and no app ever held a deleted one).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from tests.ptyapp import ROOT, PtyApp, wait_until, write_config
from tui.demo import DemoGateway
from tui.demo.answers import answer_text

# The app as `python -m tui` runs it, plus a timer that appends what its transcript shows
# (role, characters shown, status per message) to a file whenever that changes.
REPORTING_APP = """
import json, sys
from pathlib import Path
from tui.ui import app as module

report_path = Path(sys.argv[1])

def report(app):
    try:
        items = app.screen_stack[0].query_one("#transcript").items
    except Exception:
        return
    state = [[v.turn.role, len(v.source), str(v.turn.status)] for v in items]
    if state != getattr(app, "_reported", None):
        app._reported = state
        with report_path.open("a") as out:
            out.write(json.dumps(state) + "\\n")

mounted = module.TokenDeck.on_mount

def on_mount(self):
    mounted(self)
    self.set_interval(0.05, lambda: report(self))

module.TokenDeck.on_mount = on_mount
sys.exit(module.run())
"""
ROUNDS = 2  # answers each app receives whole before the last one, which is cut short
SHOWN = 300  # characters of the last answer on screen before the signal


class ReportingApp(PtyApp):
    def __init__(self, env: dict[str, str], report: Path) -> None:
        self.report = report
        super().__init__(env, argv=[sys.executable, "-c", REPORTING_APP, str(report)])

    def shown(self) -> list[list[Any]]:
        try:
            lines = self.report.read_text().splitlines()
        except FileNotFoundError:
            return []
        return json.loads(lines[-1]) if lines else []

    def answered(self, count: int) -> bool:
        state = self.shown()
        return len(state) == 2 * count and state[-1][0] == "assistant" and state[-1][2] == "done"

    def streaming(self, count: int) -> bool:
        state = self.shown()
        return len(state) == 2 * count and state[-1][2] == "streaming" and state[-1][1] >= SHOWN

    def db_open(self) -> bool:
        return any(target.endswith("tokendeck.db-wal") for target in open_files(self.pid))


def open_files(pid: int) -> list[str]:
    found = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return found
    for fd in fds:
        with suppress(OSError):
            found.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return found


class WalWatch(threading.Thread):
    """Polls the -wal file's inode and the apps' open files until stopped."""

    def __init__(self, wal: Path, apps: list[PtyApp]) -> None:
        super().__init__(daemon=True)
        self.wal, self.apps = wal, apps
        self.inodes: set[int] = set()  # while every app holds the database open
        self.deleted: list[str] = []  # database files an app held after they were unlinked
        self.polls = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            alive = [app for app in self.apps if app.status is None]
            holding = [app for app in alive if any(
                t.endswith("tokendeck.db-wal") for t in open_files(app.pid))]  # fmt: skip
            if alive and len(holding) == len(self.apps):
                try:
                    self.inodes.add(self.wal.stat().st_ino)
                except FileNotFoundError:
                    self.inodes.add(-1)  # unlinked while the apps hold it
                self.polls += 1
            for app in alive:
                self.deleted += [t for t in open_files(app.pid)
                                 if "tokendeck.db" in t and t.endswith("(deleted)")]  # fmt: skip
            time.sleep(0.01)


class CommandLoop(threading.Thread):
    """Runs one CLI command again and again until stopped; keeps every failure."""

    def __init__(self, args: list[str], env: dict[str, str], check: Any = None) -> None:
        super().__init__(daemon=True)
        self.args, self.env, self.check = args, env, check
        self.runs = 0
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            args = [a.format(n=self.runs) for a in self.args]
            done = subprocess.run(
                [sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                cwd=ROOT, env=self.env, timeout=120, check=False, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            self.runs += 1
            problem = done.returncode != 0 or "Traceback" in done.stderr
            if not problem and self.check is not None:
                problem = not self.check(args, done.stdout)
            if problem:
                self.failures.append(f"{args} -> {done.returncode}: {done.stderr[-500:]}")


def chat_answer_whole(args: list[str], stdout: str) -> bool:
    return stdout.rstrip("\n") == answer_text(args[-1]).rstrip("\n")


def conversation(conn: sqlite3.Connection, first: str) -> list[sqlite3.Row]:
    row = conn.execute(
        "SELECT conversation_id FROM messages WHERE role = 'user' AND content = ?", (first,)
    ).fetchone()
    assert row is not None, f"no conversation starting with {first!r}"
    return conn.execute(
        "SELECT * FROM messages WHERE conversation_id = ? ORDER BY position", (row[0],)
    ).fetchall()


def drive(app: ReportingApp, prompts: list[str]) -> None:
    """Each prompt answered whole (all but the last). The database had no conversation when
    the app opened it, so the app is in a new one of its own."""
    for i, prompt in enumerate(prompts[:-1], start=1):
        app.type(prompt + "\r")
        wait_until(lambda i=i: app.answered(i), what=f"answer {i} of {prompt!r}")
    app.type(prompts[-1] + "\r")
    wait_until(lambda: app.streaming(len(prompts)), what="the last answer under way")


def test_two_apps_and_the_cli_at_once_lose_nothing(demo: DemoGateway, tmp_path: Path) -> None:
    demo.token_rate = 100.0  # pieces a second: each answer streams for a few seconds
    data = tmp_path / "data"
    env = {
        **os.environ, "HOME": str(tmp_path / "home"), "TOKENDECK_DATA_DIR": str(data),
        "TOKENDECK_CONFIG": str(write_config(tmp_path, demo)), "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }  # fmt: skip
    prompts = {
        "a": [f"alpha question {i} about tide tables" for i in range(ROUNDS + 1)],
        "b": [f"bravo question {i} about sea charts" for i in range(ROUNDS + 1)],
    }
    loops = [
        CommandLoop(["chat", "charlie {n} about harbours"], env, chat_answer_whole),
        CommandLoop(["logs", "sync"], env),
        CommandLoop(["status"], env),
        CommandLoop(["status", "--refresh"], env),
        CommandLoop(["report"], env),
        CommandLoop(["history"], env),
    ]
    a = ReportingApp(env, tmp_path / "a.jsonl")
    b = ReportingApp(env, tmp_path / "b.jsonl")
    watch = WalWatch(data / "tokendeck.db-wal", [a, b])
    try:
        wait_until(
            lambda: a.db_open() and b.db_open(),
            what=lambda: f"both apps' database open:\n{a.text()[-1500:]}\n{b.text()[-1500:]}",
        )
        watch.start()
        for loop in loops:
            loop.start()
        drivers = [threading.Thread(target=drive, args=(app, prompts[name]), daemon=True)
                   for app, name in ((a, "a"), (b, "b"))]  # fmt: skip
        for driver in drivers:
            driver.start()
        for driver in drivers:
            driver.join(timeout=120)
        assert a.streaming(ROUNDS + 1) and b.streaming(ROUNDS + 1), (a.shown(), b.shown())
        shown_a = a.shown()  # what app A has on screen as it is killed
        a.signal(signal.SIGKILL)
        b.hang_up()  # SIGHUP mid-answer: B finishes it without a terminal, then exits
        assert a.wait() == -signal.SIGKILL
        assert b.wait() == 0
    finally:
        for loop in loops:
            loop.stop.set()
        for loop in loops:
            if loop.is_alive():
                loop.join(timeout=120)
        watch.stop.set()
        if watch.is_alive():
            watch.join(timeout=10)
        a.kill()
        b.kill()

    for loop in loops:
        assert loop.runs >= 1 and loop.failures == [], (loop.args, loop.failures)
    assert watch.polls > 0 and len(watch.inodes) == 1 and -1 not in watch.inodes, watch.inodes
    assert watch.deleted == []

    conn = sqlite3.connect(data / "tokendeck.db")
    conn.row_factory = sqlite3.Row
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored_a = conversation(conn, prompts["a"][0])
        stored_b = conversation(conn, prompts["b"][0])
    finally:
        conn.close()

    # B: every question and every answer whole, the last one finished in the background
    assert [m["content"] for m in stored_b] == [
        text for prompt in prompts["b"] for text in (prompt, answer_text(prompt))
    ]
    assert stored_b[-1]["status"] == "done" and stored_b[-1]["background"] == 1

    # A: the answers shown whole are stored whole; of the one it was killed in, what was on
    # screen less at most the last persistence batch (1 KB)
    assert [m["content"] for m in stored_a[:-1]] == [
        text for prompt in prompts["a"][:-1] for text in (prompt, answer_text(prompt))
    ] + [prompts["a"][-1]]
    last = stored_a[-1]["content"]
    assert answer_text(prompts["a"][-1]).startswith(last)
    on_screen = shown_a[-1][1]
    assert on_screen - len(last) <= 1024, (on_screen, len(last))
