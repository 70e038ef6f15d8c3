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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from tests.helpers import DEMO_NOW, ENV_DROP, PANEL_SCENES, make_app  # noqa: E402
from tui.base.i18n import set_language  # noqa: E402
from tui.demo import DemoGateway  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (120, 40)
PANELS = tuple(PANEL_SCENES)


def _isolate(home: Path) -> None:
    """Keep the developer's config, data, keys, language and time zone out of the images."""
    for name in ENV_DROP:
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


async def render(panel: str, tmp: Path) -> str:
    """The SVG of one panel, from a fresh demo gateway and a fresh app."""
    _isolate(tmp / "home")
    with DemoGateway(now=DEMO_NOW) as demo:
        app = make_app(demo, tmp)
        async with app.run_test(size=SIZE) as pilot:
            await PANEL_SCENES[panel](pilot)
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
