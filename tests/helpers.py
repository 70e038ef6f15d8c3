"""Shared test helpers: building the app against a demo gateway, waiting on conditions."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from tui.app import TokenDeck
from tui.clock import FrozenClock
from tui.config import Config, demo_profile
from tui.demo import DemoGateway
from tui.gateway.secret import Secret
from tui.runtime import spec_for

FIXED_NOW = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)


def make_app(demo: DemoGateway, tmp: Path, *, key: str | None = None) -> TokenDeck:
    profile = demo_profile()
    spec = spec_for(profile, demo.url)
    if key is not None:
        from dataclasses import replace

        spec = replace(spec, api_key=Secret(key))
    config = Config(path=tmp / "config.toml", data={"cursor_blink": False})
    return TokenDeck(
        config=config, profile=profile, spec=spec, demo=True, clock=FrozenClock(FIXED_NOW)
    )


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
