"""Memory: the app's resident set after streaming 20 answers and opening every panel.

The app runs headless (`run_test`, 120x40) in a fresh process per run against a demo gateway
in another process (`tokendeck demo-server`, answers streamed as fast as it can); it sends 20
prompts one after the other, each answer streamed to its end, then shows Models (F3), Usage
(F4, 3,000 log rows), Balance (F5) and Chat (F2) again, each loaded. Figures: RSS with the chat
shown, after the answers, and at the end (target: under 150 MB).

Usage: python bench/memory.py [--runs 3] [--answers 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import clean_env, demo_server, report, run_child, runs  # noqa: E402

TARGET_MB = 150

CHILD = r"""
import asyncio, json, sys, time
from pathlib import Path
from bench._common import rss_mb
from tui.ui.app import TokenDeck
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for

url, tmp, answers = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])


async def until(pilot, condition, limit=120.0):
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("condition not reached")
        await pilot.pause(0.01)


async def main():
    profile = demo_profile()
    app = TokenDeck(config=Config(path=tmp / "config.toml", data={"cursor_blink": False}),
                    profile=profile, spec=spec_for(profile, url), demo=True, demo_url=url)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one("#chat-panel")
        await until(pilot, lambda: panel.conversation is not None)
        start = rss_mb()
        for i in range(answers):
            await pilot.press(*f"Question {i}: explain generators", "enter")
            await until(pilot, lambda: len(panel.conversation.turns) == 2 * (i + 1)
                        and not panel.streaming)
        streamed = rss_mb()
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.query_one("#model-table").row_count > 0)
        await pilot.press("f4")
        await until(pilot, lambda: app.screen.query_one("#usage-panel").loaded)
        await pilot.press("f5")
        await until(pilot, lambda: app.balance is not None)
        await pilot.press("f2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        end = rss_mb()
    print(json.dumps({"start": start, "streamed": streamed, "end": end}))

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=runs(3))
    parser.add_argument("--answers", type=int, default=20)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp, demo_server() as url:
        for i in range(args.runs):
            home = Path(tmp) / f"run{i}"
            home.mkdir()
            env = clean_env(home)
            results.append(run_child(CHILD, [url, str(home), str(args.answers)], env))
    report("memory: RSS with the chat shown", [r["start"] for r in results], "MB")
    report(f"memory: RSS after {args.answers} streamed answers", [r["streamed"] for r in results],
           "MB")  # fmt: skip
    report(f"memory: RSS after {args.answers} answers and every panel",
           [r["end"] for r in results], "MB", target=TARGET_MB)  # fmt: skip


if __name__ == "__main__":
    main()
