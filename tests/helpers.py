"""Shared test helpers: building the app against a demo gateway, waiting on conditions."""

from __future__ import annotations

import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tui.base.clock import FrozenClock
from tui.demo import DemoGateway
from tui.gateway.secret import Secret
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for
from tui.ui.app import TokenDeck

FIXED_NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)
DEMO_NOW = 1_763_900_000.0  # the demo gateway's fixed clock for seeded history
# Environment that would let the developer's own config, keys or language leak into a run.
ENV_DROP = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TOKENDECK_CONFIG",
    "TOKENDECK_DATA_DIR",
    "TOKENDECK_DEMO_URL",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
)


def make_app(
    demo: DemoGateway, tmp: Path, *, key: str | None = None, demo_url: str | None = None
) -> TokenDeck:
    profile = demo_profile()
    spec = spec_for(profile, demo.url)
    if key is not None:
        from dataclasses import replace

        spec = replace(spec, api_key=Secret(key))
    config = Config(path=tmp / "config.toml", data={"cursor_blink": False})
    return TokenDeck(
        config=config, profile=profile, spec=spec, demo=True, clock=FrozenClock(FIXED_NOW),
        demo_url=demo_url,
    )  # fmt: skip


async def wait_for(
    pilot: Pilot[object], condition: Callable[[], bool], *, limit: float = 30.0
) -> None:
    """Let the app process events until `condition` holds; fail after `limit` seconds.

    The limit only bounds a hang on a slow machine; no assertion depends on timing.
    """
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.01)


def recorded_notices(app: TokenDeck) -> list[str]:
    """The messages `app` notifies from now on (each still shown), in order."""
    said: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        said.append(message)
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    return said


def screen_text(app: TokenDeck) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot)."""
    import html
    import re

    svg = app.export_screenshot()
    lines = re.findall(
        r'<g[^>]*clip-path="url\(#terminal-\d+-clip-terminal\)">(.*?)</g>', svg, re.S
    )
    body = lines[0] if lines else svg
    rows: dict[str, list[str]] = {}
    for y, text in re.findall(r'<text[^>]*y="([\d.]+)"[^>]*>(.*?)</text>', body, re.S):
        rows.setdefault(y, []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join(
        "".join(parts) for _y, parts in sorted(rows.items(), key=lambda r: float(r[0]))
    )


Scene = Callable[[Pilot[Any]], Awaitable[None]]


async def _settle(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await wait_for(pilot, lambda: app.balance is not None)
    await app.workers.wait_for_complete()
    await pilot.pause()


def _chat(keys: list[str]) -> Scene:
    async def run(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press(*keys)
        panel: Any = pilot.app.screen.query_one("#chat-panel")
        await wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


def _panel(key: str, ready: Callable[[Any], bool]) -> Scene:
    async def run(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press(key)
        await wait_for(pilot, lambda: ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run


# Each panel in a fixed, photographable state: used by the snapshots and the README screenshots.
PANEL_SCENES: dict[str, Scene] = {
    "chat": _chat([*"Explain generators", "enter"]),
    "models": _panel("f3", lambda app: app.screen.query_one("#model-table").row_count > 0),
    "usage": _panel("f4", lambda app: app.screen.query_one("#usage-panel").loaded),
    "balance": _panel("f5", lambda app: app.balance is not None),
}


def demo_config(home: Path, demo: DemoGateway, extra: str = "", *, key: bool = True) -> Path:
    """A config file (0600) with one profile `gw` on the demo gateway: base URL, logs and key
    creation URLs, the demo key (unless `key` is False: `extra` then names one) and `extra`
    lines."""
    from tui.demo import DEMO_KEY

    path = home / "config.toml"
    key_line = f'api_key = "{DEMO_KEY}"\n' if key else ""
    path.write_text(
        f'default_profile = "gw"\n[profiles.gw]\nbase_url = "{demo.opencodex_base}"\n{key_line}'
        f'logs_url = "{demo.logs_url}"\ncreate_url = "{demo.create_url}"\n{extra}\n'
    )
    path.chmod(0o600)
    return path


def on_terminal(argv: list[str], *, stderr_too: bool = True, **popen: Any) -> tuple[int, str]:
    """Run `argv` with stdout (and stderr, if `stderr_too`) on a real pseudo-terminal: its exit
    code and what the terminal received (CRLF read back as LF)."""
    import os
    import pty
    import subprocess

    leader, follower = pty.openpty()
    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=follower,
        stderr=follower if stderr_too else subprocess.DEVNULL, **popen,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        child.wait(timeout=60)
    finally:
        os.close(leader)
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, shown.decode("utf-8", "replace").replace("\r\n", "\n")


def interruptible() -> None:
    """A child's preexec_fn: Ctrl-C as in a terminal, even when the tests run in the background
    (where an inherited ignored SIGINT makes Python ignore it too)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
