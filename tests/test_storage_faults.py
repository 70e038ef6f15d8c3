"""Storage that cannot be used, with the CLI run as real child processes: a data directory
without permissions (mode 000), a read-only one, a database with damaged pages. Each command
says the store's sentence on one line and exits 12 — no traceback — and writes nothing.

Tests run as root here, and root ignores permission bits. A mode-000 directory is therefore
tried by a child in a user namespace mapped to another uid (`unshare --map-user`): it owns the
files but holds no capabilities, so the bits apply to it as to any user. The read-only data
directory is a read-only bind mount in a private mount namespace (`unshare -rm`), as in
tests/test_durability.py. Where the machine allows neither, the test skips, saying why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.ptyapp import PtyApp, wait_until, write_config
from tests.store_helpers import damage_messages
from tests.test_durability import digest, namespaces, seed
from tui.demo import DemoGateway
from tui.store import open_db

ROOT = Path(__file__).resolve().parent.parent
WRITERS = (["logs", "sync"], ["balance"], ["report"], ["status", "--refresh"])
READERS = (["history"], ["export", "1"])


@cache
def unprivileged() -> bool:
    """Whether a child can run as a uid without capabilities over root's files."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--user", "--map-user=1000", "--map-group=1000", "true"],
        capture_output=True, check=False, timeout=30,
    )  # fmt: skip
    return probe.returncode == 0


def run(
    args: list[str], data: Path, demo: DemoGateway, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TOKENDECK_DATA_DIR": str(data), "TOKENDECK_DEMO_URL": demo.url}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "tui", *args], capture_output=True, text=True,
        cwd=ROOT, env=env, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def assert_store_sentence(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 12, (done.args, done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("tokendeck: "), done.stderr
    assert any(word in last for word in words), last


def test_a_data_directory_without_permissions_is_said_and_exits_12(
    demo: DemoGateway, tmp_path: Path
) -> None:
    if not unprivileged():
        pytest.skip("no user namespace: root would ignore the mode-000 directory")
    data = tmp_path / "data"
    data.mkdir()
    seed(data)
    data.chmod(0o000)
    as_user = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]
    try:
        for args in (*READERS, *WRITERS):
            done = run(args, data, demo, as_user)
            assert_store_sentence(done, "check the permissions of " + str(data))
            if args == ["balance"]:  # printed before saying that its reading was not kept
                assert done.stdout.startswith("Balance: "), done.stdout
    finally:
        data.chmod(0o700)


def test_a_read_only_data_directory_is_read_and_never_written(
    demo: DemoGateway, tmp_path: Path
) -> None:
    if not namespaces():
        pytest.skip("no mount namespace for a read-only bind mount")
    data = tmp_path / "data"
    data.mkdir()
    seed(data)
    before = digest(data)
    read_only = ["unshare", "-rm", "sh", "-c", f'mount --bind -o ro "{data}" "{data}" && exec "$@"',
                 "sh"]  # fmt: skip
    for args in READERS:  # reading needs no write: it works
        done = run(args, data, demo, read_only)
        assert done.returncode == 0, done.stderr
        assert "saved before the fault" in done.stdout
    for args in WRITERS:
        done = run(args, data, demo, read_only)
        assert_store_sentence(done, "read-only", "Read-only file system")
    assert digest(data) == before


def test_a_database_with_damaged_pages_is_never_written(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    seed(data)
    path = data / "tokendeck.db"
    damage_messages(path)
    before = path.read_bytes()
    for args in WRITERS:
        done = run(args, data, demo)
        assert_store_sentence(done, "is damaged")
        assert path.read_bytes() == before, args  # nothing written into it
    # no -wal or -journal was made (the .intact stamp is the one seed() left before the damage)
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("tokendeck.db")) == [
        "tokendeck.db", "tokendeck.db.intact"
    ]  # fmt: skip


def test_the_database_and_status_files_are_private_in_an_open_data_directory(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)  # made by the user beforehand, readable by everyone
    for args in (["logs", "sync"], ["status", "--refresh"]):
        done = run(args, data, demo)
        assert done.returncode == 0, done.stderr
    names = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
    assert "tokendeck.db" in names and "status.json" in names, names
    assert {name: mode for name, mode in names.items() if mode != 0o600} == {}


# ---- the app ------------------------------------------------------------------------------


def screen_words(raw: str) -> str:
    """The app's terminal output without its escape sequences (words stay readable)."""
    return re.sub(r"\x1b\[[0-9;?<>=$]*[a-zA-Z]|\x1b[()][0-9A-Za-z]|\x1b[=>]", "", raw)


def test_the_app_chats_with_history_off_when_the_data_directory_has_no_permissions(
    demo: DemoGateway, tmp_path: Path
) -> None:
    if not unprivileged():
        pytest.skip("no user namespace: root would ignore the mode-000 directory")
    data, home = tmp_path / "data", tmp_path / "home"
    data.mkdir()
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "TOKENDECK_DATA_DIR": str(data),
           "TOKENDECK_CONFIG": str(write_config(tmp_path, demo)), "TERM": "xterm-256color",
           "LANG": "C.UTF-8"}  # fmt: skip
    data.chmod(0o000)
    as_user = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]
    app = PtyApp(env, argv=[*as_user, sys.executable, "-m", "tui"])
    try:
        wait_until(lambda: "Quit" in screen_words(app.text()), what="the first frame")
        app.type("hello lighthouse\r")
        wait_until(lambda: "Cannot open the history database" in screen_words(app.text()),
                   what="the store's sentence")  # fmt: skip
        wait_until(lambda: re.search(r"\d+ → \d+ tokens", screen_words(app.text())),
                   what="the answer on screen, finished")  # fmt: skip
        app.type("\x11")  # Ctrl+Q
        status = app.wait()
    finally:
        app.kill()
        data.chmod(0o700)
    words = screen_words(app.text())
    assert status == 0, words[-3000:]
    assert "history off" in words
    assert "Traceback" not in words and "PermissionError" not in words


CRASHING = """
import sys
from tui.ui import app as module

def crash(self):
    raise RuntimeError("a bug in the app")

module.TokenDeck.on_ready = crash
sys.exit(module.run())
"""


def test_a_crash_of_the_app_never_exits_0(demo: DemoGateway, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "TOKENDECK_DATA_DIR": str(tmp_path / "data"),
           "TOKENDECK_CONFIG": str(write_config(tmp_path, demo)),
           "TERM": "xterm-256color"}  # fmt: skip
    app = PtyApp(env, argv=[sys.executable, "-c", CRASHING])
    try:
        status = app.wait()
    finally:
        app.kill()
    assert status == 1
    assert "a bug in the app" in screen_words(app.text())


# ---- a full disk ---------------------------------------------------------------------------

FULL_CHILD = """
import asyncio, json, os, sys
from pathlib import Path
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for
from tui.store import list_conversations, messages, open_db
from tui.ui.app import TokenDeck
from tests.childhelp import fill_disk, record_notifications

async def main(url, data):
    profile = demo_profile()
    config = Config(path=Path(data).parent / "c.toml", data={"cursor_blink": False})
    app = TokenDeck(config=config, profile=profile, spec=spec_for(profile, url), demo=True)
    said = record_notifications(app)
    result = {}
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.screen.query_one("#chat-panel")
        transcript = app.screen.query_one("#transcript")
        while panel.conversation is None:
            await pilot.pause(0.01)
        async def ask(text):
            count = len(panel.conversation.turns)
            await pilot.press(*text, "enter")
            while len(panel.conversation.turns) < count + 2 or panel.streaming:
                await pilot.pause(0.01)
            await app.workers.wait_for_complete()
            await pilot.pause()
        fill_disk(data)
        await ask("typed while the disk is full")
        result["metas"] = [item.meta for item in transcript.items]
        result["backlog"] = app.history.backlog
        os.unlink(Path(data) / "filler")  # the disk has room again
        await ask("typed after the space came back")
        result["backlog_after"] = app.history.backlog
        result["metas_after"] = [item.meta for item in transcript.items]
        result["turns"] = [[t.role, t.content] for t in panel.conversation.turns]
    db = open_db(read_only=True)
    result["stored"] = [[[m.role, m.content] for m in messages(db, c.id)]
                        for c in list_conversations(db)]
    result["check"] = db.conn.execute("PRAGMA quick_check").fetchone()[0]
    result["said"] = said
    print(json.dumps(result), flush=True)

asyncio.run(main(*sys.argv[1:]))
"""


def test_turns_typed_while_the_disk_is_full_are_saved_once_it_has_room(
    demo: DemoGateway, tmp_path: Path
) -> None:
    if not namespaces():
        pytest.skip("no mount namespace for a small full tmpfs")
    data, seed_dir = tmp_path / "data", tmp_path / "seed"
    data.mkdir()
    seed_dir.mkdir()
    seed(seed_dir)
    mount = 'mount -t tmpfs -o size=2m tokendeck-full "$1" && cp "$2"/* "$1"/'
    argv = ["unshare", "-rm", "sh", "-c", f'{mount} && shift 2 && exec "$@"', "sh", str(data),
            str(seed_dir), sys.executable, "-c", FULL_CHILD, demo.url, str(data)]  # fmt: skip
    env = {**os.environ, "TOKENDECK_DATA_DIR": str(data)}
    done = subprocess.run(
        argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result = json.loads(lines[-1])
    full_user, full_answer = result["metas"][-2:]
    assert "not saved yet" in full_user and "not saved yet" in full_answer, result["metas"]
    assert result["backlog"] == 2
    assert result["backlog_after"] == 0
    assert not any("not saved yet" in meta for meta in result["metas_after"])
    assert any("now saved in the history" in s for s in result["said"]), result["said"]
    # the conversation (the one stored before, continued) stored whole, in the order typed
    assert result["turns"] in result["stored"], (result["turns"], result["stored"])
    assert [t[1] for t in result["turns"]][-4::2] == [
        "typed while the disk is full", "typed after the space came back"
    ]
    assert result["check"] == "ok"


def test_a_database_left_intact_is_not_read_whole_again(demo: DemoGateway, tmp_path: Path) -> None:
    """A process that found the database intact stamps it as it closes; the next process finds
    it as stamped and skips the whole-file check, but any change since (here: damage written
    by something else) means the check runs again and the damage is found."""
    data = tmp_path / "data"
    data.mkdir()
    seed(data)
    path = data / "tokendeck.db"
    stamp = data / "tokendeck.db.intact"
    done = run(["logs", "sync"], data, demo)
    assert done.returncode == 0, done.stderr
    assert stamp.exists() and stat.S_IMODE(stamp.stat().st_mode) == 0o600
    with open_db(path) as db:  # trusted as stamped: no quick_check ran
        assert db.intact and db.damaged is None
    damage_messages(path)
    done = run(["logs", "sync"], data, demo)
    assert_store_sentence(done, "is damaged")
