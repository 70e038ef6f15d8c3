"""Nothing leaks a key: a realistic session with keys from the file, the environment and a
command, then every byte tokendeck wrote (config dir, data dir with the SQLite database and
its WAL, exports, screenshots) and everything it printed is scanned for the keys."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.helpers import FIXED_NOW, wait_for
from tui.base.clock import FrozenClock
from tui.chat.conversation import Status
from tui.demo import DemoGateway, Fault
from tui.profiles.config import load
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck
from tui.ui.widgets.chat import ChatPanel

FILE_KEY = "sk-live-FILEKEY7Qm2ZxWv9Lp4Rt6Yh8Nc3Bd5"
ENV_KEY = "sk-live-ENVKEY3Hj8Kd2Ms6Pq9Wx4Zr7Tb1Vn"
CMD_KEY = "sk-live-CMDKEY5Ga1Fe8Ju3Lo6Iy2Ck9Xs4Dm"
BAD_KEY = "sk-live-BADKEY9Uv4Qw1Er7Ty3Ui6Op2As8Df"
KEYS = (FILE_KEY, ENV_KEY, CMD_KEY, BAD_KEY)
ROOT = Path(__file__).resolve().parents[2]


def needles() -> list[bytes]:
    """Each key, and the distinctive middle of each (a key cut or wrapped is still a leak)."""
    found = []
    for key in KEYS:
        secret = key.removeprefix("sk-live-")
        found += [key.encode(), secret[4:20].encode(), secret[-12:].encode()]
    return found


def key_command() -> str:
    """A password-manager stand-in: prints the key without holding it in readable form."""
    hidden = base64.b64encode(CMD_KEY.encode()).decode()
    return f'{sys.executable} -c "import base64; print(base64.b64decode(\\"{hidden}\\").decode())"'


def write_config(home: Path, demo: DemoGateway) -> Path:
    folder = home / ".config" / "tokendeck"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    base = demo.opencodex_base
    common = f'base_url = "{base}"\nlogs_url = "{demo.logs_url}"\ndefault_model = "gpt-4o-mini"\n'
    path.write_text(
        'default_profile = "file"\n'
        f'[profiles.file]\napi_key = "{FILE_KEY}"\n{common}'
        f'[profiles.env]\napi_key_env = "TD_TEST_KEY"\n{common}'
        f"[profiles.cmd]\napi_key_cmd = '{key_command()}'\n{common}"
        f'[profiles.bad]\napi_key = "{BAD_KEY}"\n{common}'
    )
    path.chmod(0o600)
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "TD_TEST_KEY": ENV_KEY}, timeout=120, check=False,
    )  # fmt: skip


async def app_session(demo: DemoGateway, config_path: Path, home: Path) -> list[str]:
    """Chat, an error that echoes the key, an export and a screenshot; returns what it showed."""
    config = load(config_path)
    profile = config.profile("file")
    app = TokenDeck(
        config=config, profile=profile, spec=spec_for(profile), clock=FrozenClock(FIXED_NOW)
    )
    shown: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one(ChatPanel)
        await wait_for(pilot, lambda: panel.conversation is not None)
        await pilot.press(*"hello there", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        echo = f'{{"error": {{"message": "Incorrect API key provided: {FILE_KEY}"}}}}'
        demo.add_fault(Fault("status", status=401, body=echo))
        await pilot.press(*"again", "enter")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 4 and not panel.streaming)
        assert panel.conversation.turns[-1].status is Status.FAILED
        panel.action_export("md")
        panel.action_export("json")
        await app.workers.wait_for_complete()
        await pilot.pause()
        svg = app.export_screenshot()
        (home / "screenshot.svg").write_text(svg)
        shown.append(svg)
        shown += [f"{n.title} {n.message}" for n in app._notifications]
    return shown


async def test_no_key_is_ever_written_or_printed(isolated_env: Path, tmp_path: Path) -> None:
    home = isolated_env
    with DemoGateway(now=1_763_900_000.0, keys=[FILE_KEY, ENV_KEY, CMD_KEY]) as gateway:
        config_path = write_config(home, gateway)
        printed = await app_session(gateway, config_path, home)
        runs = [
            cli("models", "--json"),
            cli("balance", "--json", "--profile", "env"),
            cli("logs", "--limit", "5", "--profile", "cmd"),
            cli("logs", "sync", "--profile", "env"),
            cli("chat", "hi", "--profile", "cmd"),
            cli("chat", "hi", "--no-stream", "--profile", "env"),
            cli("report", "--json"),
            cli("config", "show"),
            cli("config", "show", "--json"),
            cli("history"),
            cli("history", "--json"),
            cli("export", "1"),
            cli("export", "1", "--format", "json"),
            cli("chat", "hi", "--profile", "bad", "--json"),  # rejected key
            cli("balance", "--profile", "bad", "--json"),
        ]
        gateway.add_fault(
            Fault("status", status=401, body=f'{{"error": "bad key {CMD_KEY}"}}', times=-1)
        )
        runs += [cli("models", "--profile", "cmd"), cli("chat", "x", "--profile", "cmd", "--json")]
        gateway.clear_faults()
    assert runs[0].returncode == 0 and runs[4].returncode == 0, runs[4].stderr
    assert runs[-3].returncode == 4 and "rejected the API key" in runs[-3].stderr
    assert runs[-1].returncode == 4 and "rejected the API key" in runs[-1].stderr
    assert "hello there" in runs[11].stdout  # the app's conversation, exported by the CLI

    leaks: list[str] = []
    for i, done in enumerate(runs):
        for needle in needles():
            if needle.decode() in done.stdout + done.stderr:
                leaks.append(f"output of run {i} ({done.args[3:]}): {needle.decode()}")
    for text in printed:
        for needle in needles():
            if needle.decode() in text:
                leaks.append(f"app screen/notification: {needle.decode()}")
    written = [p for p in home.rglob("*") if p.is_file()] + [
        p for p in tmp_path.rglob("*") if p.is_file() and home not in p.parents
    ]
    data_files = [p.name for p in written]
    assert "tokendeck.db" in data_files and any(n.endswith(".md") for n in data_files)
    for path in written:
        content = path.read_bytes()
        for needle in needles():
            if needle not in content:
                continue
            if path == config_path and FILE_KEY.encode().find(needle) >= 0:
                continue  # the profile's own key sits in its config file, by design
            if path == config_path and BAD_KEY.encode().find(needle) >= 0:
                continue
            leaks.append(f"{path}: {needle.decode()}")
    assert leaks == [], "\n".join(leaks)
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600


def test_group_readable_config_with_a_key_warns_with_the_fix(
    demo: DemoGateway, isolated_env: Path
) -> None:
    path = write_config(isolated_env, demo)
    path.chmod(0o644)
    done = cli("config", "show")
    assert done.returncode == 0
    assert "chmod 600" in done.stderr and str(path) in done.stderr
    path.chmod(0o600)
    assert "chmod" not in cli("config", "show").stderr
