"""Durability under real conditions: a full disk (a tiny tmpfs, else a file-size limit), a
read-only data directory (a read-only bind mount, else permissions), a broken config. The app
runs in a child process, says what happened in one clear message, destroys nothing, and keeps
chatting (in memory) when it cannot save.

The tmpfs and the bind mount live in a private mount namespace (`unshare -rm`), so no root is
needed and nothing outside the child sees them; where that is not allowed, the fallbacks above
are used, and a condition that cannot be made at all skips the test, saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_app, recorded_notices, wait_for
from tests.store_helpers import damage_messages
from tui.chat.conversation import Settings, Status
from tui.demo import DemoGateway
from tui.store import add_message, create_conversation, open_db
from tui.ui.widgets.chat import ChatPanel

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent(
    """
    import asyncio, json, os, resource, signal, sys
    from pathlib import Path
    from tui.ui.app import TokenDeck
    from tui.profiles.config import Config, demo_profile
    from tui.profiles.runtime import spec_for
    from tui.store import list_conversations, messages, open_db
    from tests.childhelp import fill_disk, record_notifications

    def fill(folder, how):
        if how == "rlimit":  # no file may grow any more: every write that extends one fails
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
            return
        fill_disk(folder)

    async def main(url, mode, how, data):
        profile = demo_profile()
        config = Config(path=Path(data).parent / "c.toml", data={"cursor_blink": False})
        app = TokenDeck(config=config, profile=profile, spec=spec_for(profile, url), demo=True)
        said = record_notifications(app)
        async with app.run_test(size=(100, 30)) as pilot:
            panel = app.screen.query_one("#chat-panel")
            while panel.conversation is None:
                await pilot.pause(0.01)
            before = len(panel.conversation.turns)
            if mode == "full":
                fill(data, how)
            await pilot.press(*"after the fault", "enter")
            while len(panel.conversation.turns) < before + 2 or panel.streaming:
                await pilot.pause(0.01)
            await app.workers.wait_for_complete()
            turn = panel.conversation.turns[-1]
            result = {"before": before, "status": str(turn.status), "content": turn.content,
                      "said": said}
        if how == "rlimit":  # the disk has room again: read back what was kept
            resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        db = open_db(read_only=True)
        result["stored"] = [[m.content for m in messages(db, c.id)]
                            for c in list_conversations(db)]
        result["check"] = db.conn.execute("PRAGMA quick_check").fetchone()[0]
        print(json.dumps(result), flush=True)

    asyncio.run(main(*sys.argv[1:]))
    """
)
MOUNT = {
    "full": 'mount -t tmpfs -o size=2m tokendeck-full "$1" && cp "$2"/* "$1"/',
    "read_only": 'mount --bind -o ro "$1" "$1"',
}


@cache
def namespaces() -> bool:
    """Whether this machine lets an unprivileged process mount in its own namespace."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs none /mnt 2>/dev/null || "
         "mount -t tmpfs none /tmp"],
        capture_output=True, check=False, timeout=30,
    )  # fmt: skip
    return probe.returncode == 0


def seed(data: Path) -> tuple[int, list[str]]:
    """A history with one earlier conversation; (its id, its messages)."""
    texts = ["saved before the fault", "an answer saved before the fault"]
    with open_db(data / "tokendeck.db") as db:
        cid = create_conversation(db, Settings(model="deepseek-chat"), "demo")
        for role, text in zip(("user", "assistant"), texts, strict=True):
            add_message(db, cid, role, text)
    return cid, texts


def run_child(
    demo: DemoGateway, mode: str, data: Path, home: Path, how: str, mount: str | None = None,
    seed_dir: Path | None = None,
) -> dict[str, Any]:
    argv = [sys.executable, "-c", CHILD, demo.url, mode, how, str(data)]
    if mount is not None:
        argv = ["unshare", "-rm", "sh", "-c", f'{mount} && shift 2 && exec "$@"', "sh", str(data),
                str(seed_dir or data), *argv]  # fmt: skip
    env = {**os.environ, "TOKENDECK_DATA_DIR": str(data), "HOME": str(home)}
    done = subprocess.run(
        argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_full_disk_keeps_the_answer_on_screen_and_the_history_intact(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data, home = tmp_path / "data", tmp_path / "child-home"
    home.mkdir()
    if namespaces():  # a real full file system: a 2 MiB tmpfs filled to the last byte
        seed_dir = tmp_path / "seed"
        seed_dir.mkdir()
        _cid, texts = seed(seed_dir)
        data.mkdir()
        result = run_child(demo, "full", data, home, "tmpfs", MOUNT["full"], seed_dir)
        words = "disk is full"
    else:  # a write that fails: no file may grow (RLIMIT_FSIZE 0) in the child
        data.mkdir()
        _cid, texts = seed(data)
        result = run_child(demo, "full", data, home, "rlimit")
        words = "What was saved before is intact"
    assert result["before"] == 2  # the earlier conversation opened
    assert result["status"] == "done" and result["content"]  # the answer is kept on screen
    notices = [s for s in result["said"] if "history database" in s]
    assert notices and any(words in s for s in notices), result["said"]
    assert len(notices) == 1, notices  # said once, not per step or chunk that failed
    assert texts in result["stored"]  # nothing saved before was lost
    assert result["check"] == "ok"


def _make_read_only(data: Path) -> str | None:
    """Make `data` read-only without a namespace; the way used, or None if impossible."""
    if os.geteuid() != 0:
        for path in [*data.iterdir(), data]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return "chmod"
    if shutil.which("chattr") and subprocess.run(
        ["chattr", "+i", str(data)], capture_output=True, check=False
    ).returncode == 0:
        return "chattr"
    return None


def _undo_read_only(data: Path, how: str | None) -> None:
    if how == "chattr":
        subprocess.run(["chattr", "-i", str(data)], check=False)
    elif how == "chmod":
        for path in [data, *data.iterdir()]:
            path.chmod(0o700 if path.is_dir() else 0o600)


def test_read_only_data_dir_opens_the_history_read_only_and_says_so(
    demo: DemoGateway, tmp_path: Path
) -> None:
    data, home = tmp_path / "data", tmp_path / "child-home"
    home.mkdir()
    data.mkdir()
    _cid, texts = seed(data)
    before = digest(data)
    how = None
    try:
        if namespaces():
            result = run_child(demo, "read_only", data, home, "bind", MOUNT["read_only"])
        else:
            how = _make_read_only(data)
            if how is None:
                pytest.skip("no way to make a directory read-only for root here")
            result = run_child(demo, "read_only", data, home, how)
    finally:
        _undo_read_only(data, how)
    assert result["before"] == 2  # the stored conversation is shown
    assert any("read-only" in s and "not saved" in s for s in result["said"]), result["said"]
    assert result["status"] == "done" and result["content"]  # chatting goes on in memory
    assert result["stored"] == [texts]
    assert digest(data) == before  # not a byte changed


async def test_damaged_pages_are_reported_once_and_never_written_into(
    demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TOKENDECK_DATA_DIR", str(data))
    seed(data)
    path = data / "tokendeck.db"
    damage_messages(path)
    before = digest(data)
    app = make_app(demo, tmp_path)
    said = recorded_notices(app)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"a question after the damage", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) >= 2 and not panel.streaming)
        await app.workers.wait_for_complete()
        assert panel.conversation.turns[-1].status is Status.DONE  # chatting goes on in memory
    notices = [m for m in said if "history database" in m]
    assert len(notices) == 1 and "damaged" in notices[0] and "left untouched" in notices[0]
    assert digest(data) == before  # nothing was written into the damaged file


# ---- config that cannot be read -----------------------------------------------------------

BROKEN = {
    "syntax": ('default_profile = "a"\n[profiles.a\nbase_url = "x"\n', ("toml:2:", "column")),
    "empty_value": ('[profiles.a]\nbase_url = ""\napi_key = "k"\n', ("profiles.a.base_url",)),
    "wrong_type": (
        '[profiles.a]\nbase_url = "https://gw/v1"\ntemperature = "hot"\n',
        ("profiles.a.temperature", "number"),
    ),
    "wrong_table": ('profiles = 3\n', ("profiles",)),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_config_that_cannot_be_read_is_named_and_never_overwritten(
    name: str, tmp_path: Path
) -> None:
    body, words = BROKEN[name]
    folder = tmp_path / "cfg"
    folder.mkdir()
    path = folder / "config.toml"
    path.write_text(body)
    path.chmod(0o600)
    env = {**os.environ, "TOKENDECK_CONFIG": str(path)}
    runs = [
        [],  # the app
        ["config", "init", "--preset", "opencodex", "--api-key", "sk-live-x" * 4, "--force"],
        ["config", "show"],
        ["models"],
    ]
    for args in runs:
        done = subprocess.run(
            [sys.executable, "-m", "tui", *args], capture_output=True, text=True, cwd=ROOT,
            env=env, timeout=120, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode == 3, (args, done.stderr)
        line = done.stderr.strip()
        assert line.count("\n") == 0 and str(path) in line, line  # one line naming the file
        for word in words:
            assert word in line, line
        assert "Traceback" not in done.stderr
        assert path.read_text() == body  # never overwritten
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml"]  # no stray copies
