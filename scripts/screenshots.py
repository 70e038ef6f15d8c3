"""Render the README screenshots: each panel at 120x40 from fixed demo data, as SVG.

    python scripts/screenshots.py            # docs/screenshots/{chat,models,usage,balance}.svg
    python scripts/screenshots.py --out DIR  # elsewhere (tests/test_screenshots.py does this)

The app runs headless against the built-in demo gateway with a frozen clock, TZ=UTC and
throw-away config/data directories, as the snapshot tests do, so the images only change
when the app does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402

from tui.app import TokenDeck  # noqa: E402
from tui.clock import FrozenClock  # noqa: E402
from tui.config import Config, demo_profile  # noqa: E402
from tui.demo import DemoGateway  # noqa: E402
from tui.i18n import set_language  # noqa: E402
from tui.runtime import spec_for  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (120, 40)
DEMO_NOW = 1_763_900_000.0
FIXED_NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)
PANELS = ("chat", "models", "usage", "balance")
_ENV_DROP = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TOKENDECK_CONFIG",
    "TOKENDECK_DATA_DIR",
    "TOKENDECK_DEMO_URL",
    "LANGUAGE",
    "LC_ALL",
    "LC_MESSAGES",
)

Steps = Callable[[Pilot[Any]], Awaitable[None]]


def _isolate(home: Path) -> None:
    """Keep the developer's config, data, keys, language and time zone out of the images."""
    for name in _ENV_DROP:
        os.environ.pop(name, None)
    os.environ.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        LANG="C.UTF-8",
        TZ="UTC",
    )
    time.tzset()
    set_language("en")


async def _wait_for(pilot: Pilot[Any], condition: Callable[[], bool], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not reach the state to photograph")
        await pilot.pause(0.01)


async def _settle(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await _wait_for(pilot, lambda: app.balance is not None)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _chat(pilot: Pilot[Any]) -> None:
    await _settle(pilot)
    await pilot.press(*"Explain generators", "enter")
    panel: Any = pilot.app.screen.query_one("#chat-panel")
    await _wait_for(pilot, lambda: len(panel.conversation.turns) == 2 and not panel.streaming)


def _panel(key: str, ready: Callable[[Any], bool]) -> Steps:
    async def steps(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press(key)
        await _wait_for(pilot, lambda: ready(pilot.app))

    return steps


STEPS: dict[str, Steps] = {
    "chat": _chat,
    "models": _panel("f3", lambda app: app.screen.query_one("#model-table").row_count > 0),
    "usage": _panel("f4", lambda app: app.screen.query_one("#usage-panel").loaded),
    "balance": _panel("f5", lambda app: app.balance is not None),
}


async def render(panel: str, tmp: Path) -> str:
    """The SVG of one panel, from a fresh demo gateway and a fresh app."""
    _isolate(tmp / "home")
    with DemoGateway(now=DEMO_NOW) as demo:
        profile = demo_profile()
        app = TokenDeck(
            config=Config(path=tmp / "config.toml", data={"cursor_blink": False}),
            profile=profile,
            spec=spec_for(profile, demo.url),
            demo=True,
            clock=FrozenClock(FIXED_NOW),
        )
        async with app.run_test(size=SIZE) as pilot:
            await STEPS[panel](pilot)
            # What pytest-textual-snapshot does before its picture, so both look alike.
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            return app.export_screenshot(simplify=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"directory (default: {OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    saved_env = dict(os.environ)
    try:
        for panel in PANELS:
            with tempfile.TemporaryDirectory(prefix="tokendeck-shot-") as tmp:
                svg = asyncio.run(render(panel, Path(tmp)))
            target = args.out / f"{panel}.svg"
            target.write_text(svg, encoding="utf-8", newline="\n")
            print(target)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        time.tzset()
    return 0


if __name__ == "__main__":
    sys.exit(main())
