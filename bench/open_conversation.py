"""Opening a long conversation: first frame time and memory for 100 / 1,000 / 5,000 messages.

Usage: python bench/open_conversation.py [--runs 5] [--sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import report, run_child  # noqa: E402

ANSWER = (
    "Here is a **short** answer with a list:\n\n- one point\n- another point\n\n"
    "```python\ndef f(x):\n    return x * 2\n```\n\nAnd a closing paragraph of text. " * 2
)

CHILD = r"""
import asyncio, json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from bench._common import rss_mb
from tui.app import TokenDeck
from tui.config import Config, demo_profile
from tui.demo import DemoGateway
from tui.runtime import spec_for

async def main():
    with DemoGateway() as demo:
        profile = demo_profile()
        app = TokenDeck(config=Config(path=Path(sys.argv[1]) / "c.toml",
                                      data={"cursor_blink": False}),
                        profile=profile, spec=spec_for(profile, demo.url), demo=True)
        base = rss_mb()
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.screen.query_one("#chat-panel")
            while not app.screen.query("MessageView"):
                await pilot.pause(0)
            await pilot.pause()
            opened = time.perf_counter() - t0
            views = len(app.screen.query("MessageView"))
            grown = rss_mb() - base
            transcript = app.screen.query_one("#transcript")
            t1 = time.perf_counter()
            transcript.scroll_home(animate=False)
            while len(app.screen.query("MessageView")) == views and transcript.has_older:
                await pilot.pause(0)
            await pilot.pause()
            older = time.perf_counter() - t1
            to_top = None
            if sys.argv[2] == "top":
                t2 = time.perf_counter()
                while transcript.has_older or transcript.scroll_y > 0:
                    transcript.scroll_home(animate=False)
                    await pilot.pause()
                to_top = time.perf_counter() - t2
    print(json.dumps({"open": opened, "views": views, "mb": grown, "older": older,
                      "top": to_top}))

asyncio.run(main())
"""


def make_db(data: Path, count: int) -> None:
    os.environ["XDG_DATA_HOME"] = str(data)
    from tui.store import create_conversation, open_db
    from tui.store.records import StoredSettings
    from tui.store.transcript import insert_message

    db = open_db()
    cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
    with db.write() as conn:
        for i in range(count):
            role = "user" if i % 2 == 0 else "assistant"
            text = f"Question {i}: how does this work?" if role == "user" else ANSWER
            insert_message(conn, cid, db.now(), role=role, content=text, status="done")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="100,1000,5000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            make_db(data, size)
            top = "top" if size <= 1000 else "no"
            results = [run_child(CHILD, [tmp, top], {"XDG_DATA_HOME": str(data)})
                       for _ in range(args.runs)]
        views = results[0]["views"]
        report(f"open {size} messages: start to first frame", [r["open"] for r in results],
               "s", messages=size, mounted=views)
        report(f"open {size} messages: memory growth", [r["mb"] for r in results], "MB",
               messages=size)
        report(f"open {size} messages: next older batch on scroll-up",
               [r["older"] for r in results], "s", messages=size)
        if results[0]["top"] is not None:
            report(f"open {size} messages: scroll to the very top",
                   [r["top"] for r in results], "s", messages=size)


if __name__ == "__main__":
    main()
