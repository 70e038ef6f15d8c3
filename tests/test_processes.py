"""Several tokendeck processes on one history database, each a real child process: none may
make another lose what it writes (a WAL deleted under a live connection), and two usage syncs
of one profile never run at once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import interruptible
from tests.procs import children_running, running
from tui.demo import DemoGateway

ROOT = Path(__file__).resolve().parent.parent

# A process that keeps two connections open, as the app does (its own and a reader thread's,
# or a usage sync's writer): it writes, waits for a line on stdin, writes again and exits.
HOLDER = textwrap.dedent(
    """
    import sys
    from tui.chat.conversation import Settings
    from tui.store import add_message, create_conversation, open_db
    first = open_db()
    cid = create_conversation(first, Settings(model="m"), "demo")
    add_message(first, cid, "user", "before the others")
    second = open_db(recover=False)
    add_message(second, cid, "assistant", "from the second connection")
    print("READY", flush=True)
    sys.stdin.readline()
    add_message(first, cid, "user", "after the others")
    second.close()
    first.close()
    print("DONE", flush=True)
    """
)


def tokendeck(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, cwd=ROOT,
        env=env, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def deleted_db_files(pid: int) -> list[str]:
    """The history-database files process `pid` holds open that no longer have a name."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if "tokendeck.db" in target and target.endswith("(deleted)"):
            found.append(target)
    return found


def test_other_processes_never_delete_the_wal_a_live_process_writes_into(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "TOKENDECK_DATA_DIR": str(data), "TOKENDECK_DEMO_URL": demo.url}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdin is not None
        line = holder.stdout.readline()
        assert line.startswith("READY"), holder.stderr.read() if holder.stderr else line
        wal = data / "tokendeck.db-wal"
        inode = wal.stat().st_ino
        for args in (["logs", "sync"], ["status", "--refresh"], ["history"], ["balance"]):
            done = tokendeck(*args, env=env)
            assert done.returncode == 0, (args, done.stderr)
            # each of them closed its connection last: it must have seen the holder's locks
            assert wal.exists() and wal.stat().st_ino == inode, args
            assert deleted_db_files(holder.pid) == [], args
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().startswith("DONE")
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    conn = sqlite3.connect(data / "tokendeck.db")
    try:
        stored = [r[0] for r in conn.execute("SELECT content FROM messages ORDER BY id")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert stored == ["before the others", "from the second connection", "after the others"]


def test_a_second_usage_sync_of_a_profile_waits_for_the_running_one(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "TOKENDECK_DATA_DIR": str(data), "TOKENDECK_DEMO_URL": demo.url}
    demo.page_latency = 1.0  # the first sync is slow until the second one is seen waiting
    argv = [sys.executable, "-m", "tui", "logs", "sync", "--json"]
    options: dict[str, Any] = dict(
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    first = subprocess.Popen(argv, **options)
    second = None
    try:
        while not any(path.endswith("/log") for _m, path in demo.requests):
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)  # until the first sync has asked for a page
        second = subprocess.Popen(argv, **options)
        assert second.stderr is not None
        line = second.stderr.readline()
        assert "Waiting for the usage sync of" in line, line + second.communicate()[1]
        demo.page_latency = 0.0
        out_first, err_first = first.communicate(timeout=120)
        out_second, err_second = second.communicate(timeout=120)
    finally:
        for child in (first, second):
            if child is not None and child.poll() is None:
                child.kill()
    assert first.returncode == 0, err_first
    assert second.returncode == 0, err_second
    one, two = json.loads(out_first), json.loads(out_second)
    assert one["new_rows"] == len(demo.logs)  # the whole log, once
    assert two["new_rows"] == 0 and two["pages"] <= 1  # it only looked for newer rows
    conn = sqlite3.connect(data / "tokendeck.db")
    try:
        count = conn.execute("SELECT count(*) FROM usage_rows").fetchone()[0]
    finally:
        conn.close()
    assert count == len(demo.logs)


OPENER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tui.store import open_db
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    open_db(Path(sys.argv[1])).close()
    """
)


def test_processes_creating_the_database_at_the_same_moment_all_open_it(tmp_path: Path) -> None:
    """The first start of the app beside `tokendeck status` in tmux: several processes find
    no database and create and migrate it at once; each must open it, none 'table exists'."""
    for attempt in range(4):
        path = tmp_path / f"h{attempt}.db"
        start = time.time() + 1.0  # all of them start together, imports done
        children = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(path), str(start)], cwd=ROOT,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            for _ in range(4)
        ]
        for child in children:
            _out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()


def test_the_history_database_cannot_be_attached_to_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attaching a file reads it with open(): for the database (or its -wal/-shm) in the app's
    own process, that would drop the app's locks as the old header check did."""
    from tui.chat.prompt_input import AttachmentError, read_attachment
    from tui.store import open_db

    data = tmp_path / "data"
    monkeypatch.setenv("TOKENDECK_DATA_DIR", str(data))
    db = open_db()
    try:
        db.conn.execute("CREATE TABLE t (x)")  # the -wal and -shm exist while it is open
        (tmp_path / "link.db").hardlink_to(data / "tokendeck.db")
        for name in (data / "tokendeck.db", data / "tokendeck.db-wal",
                     data / "tokendeck.db-shm", tmp_path / "link.db"):  # fmt: skip
            with pytest.raises(AttachmentError, match="history database"):
                read_attachment(name)
        (tmp_path / "notes.txt").write_text("an ordinary file")
        assert read_attachment(tmp_path / "notes.txt").name == "notes.txt"
    finally:
        db.close()


BIG_LOG = 30_000  # rows: a sync this large is stored by a child process (usage_writer)


def syncing_with_a_writer_child(
    demo: DemoGateway, data: Path
) -> tuple[subprocess.Popen[str], int, dict[str, str]]:
    """`tokendeck logs sync` of a large log in a child process, once it has started its
    usage-writer process: (the sync, the writer's pid, the environment)."""
    env = {**os.environ, "TOKENDECK_DATA_DIR": str(data), "TOKENDECK_DEMO_URL": demo.url}
    demo.page_latency = 0.2  # pages keep coming while the test acts
    sync = subprocess.Popen(
        [sys.executable, "-m", "tui", "logs", "sync", "--json"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        preexec_fn=interruptible,  # Ctrl-C as in a terminal, also in tests run in the background
    )  # fmt: skip
    deadline = time.monotonic() + 60  # bounds a hang only
    while not (writers := children_running(sync.pid)):
        assert sync.poll() is None and time.monotonic() < deadline, sync.communicate()
        time.sleep(0.02)
    return sync, writers[0], env


def usage_rows_in(data: Path) -> int:
    conn = sqlite3.connect(data / "tokendeck.db")
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        count: int = conn.execute("SELECT count(*) FROM usage_rows").fetchone()[0]
        return count
    finally:
        conn.close()


def the_next_sync_completes(demo: DemoGateway, data: Path, env: dict[str, str]) -> None:
    """The database is intact, and the next sync stores exactly the rows still missing."""
    stored = usage_rows_in(data)
    demo.page_latency = 0.0
    again = tokendeck("logs", "sync", "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new_rows"] == BIG_LOG - stored
    assert usage_rows_in(data) == BIG_LOG


@pytest.fixture
def big_log_demo() -> Iterator[DemoGateway]:
    with DemoGateway(history_rows=BIG_LOG, now=1_763_900_000.0) as demo:
        yield demo


def test_a_sync_killed_outright_leaves_its_writer_to_finish_and_exit(
    big_log_demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    sync, writer, env = syncing_with_a_writer_child(big_log_demo, data)
    try:
        sync.kill()  # SIGKILL: nothing of the sync runs any more
        sync.communicate(timeout=60)
        deadline = time.monotonic() + 60  # bounds a hang only
        while running(writer):  # its input ended: it stores what it was given and exits
            assert time.monotonic() < deadline, "the writer outlived its sync"
            time.sleep(0.05)
    finally:
        if running(writer):
            os.kill(writer, signal.SIGKILL)
    the_next_sync_completes(big_log_demo, data, env)


def test_a_sync_interrupted_by_ctrl_c_waits_for_its_writer(
    big_log_demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    sync, writer, env = syncing_with_a_writer_child(big_log_demo, data)
    try:
        sync.send_signal(signal.SIGINT)
        _out, err = sync.communicate(timeout=60)
        assert sync.returncode == 130, err
        assert not running(writer)  # ended before the sync did
    finally:
        if running(writer):
            os.kill(writer, signal.SIGKILL)
    the_next_sync_completes(big_log_demo, data, env)
