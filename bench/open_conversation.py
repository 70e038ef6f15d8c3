"""Opening a long conversation: first frame, memory, a new message, scrolling to the top.

For 0 (an empty chat: the same app's own floor), 1,000 and 5,000 stored messages, in fresh
headless processes (120x40): seconds from process start to the first frame that shows the
conversation (and the difference to the empty chat), RSS growth while opening, the time from
Enter to the frame that shows the new message, the time to scroll to the very top (reading
every message), and then once more Enter to the new message with every message read. The demo
gateway runs in a child process, as a real gateway is not in the app's process (in-process,
its thread parsing a 5,000-message request held the GIL while the app painted).

Usage: python bench/open_conversation.py [--runs 5] [--sizes 0,1000,5000] [--top-limit 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import report, run_child, runs, url_child  # noqa: E402

ANSWER = (
    "Here is a **short** answer with a list:\n\n- one point\n- another point\n\n"
    "```python\ndef f(x):\n    return x * 2\n```\n\nAnd a closing paragraph of text. " * 2
)
NEW = "a brand new question"

SERVER = """
import sys
from tui.demo import DemoGateway
demo = DemoGateway(history_rows=50).start()
print(demo.url, flush=True)
sys.stdin.read()
demo.stop()
"""

CHILD = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bench._common import rss_mb
from tui.ui.app import TokenDeck
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for

tmp, url, NEW = sys.argv[1], sys.argv[2], sys.argv[5]
size, top = int(sys.argv[3]), sys.argv[4] == "top"
LIMIT = 60  # seconds before a step counts as hung


def transcript(app):
    return app.screen.query_one("#transcript")


def opened(app):
    panel = app.screen.query_one("#chat-panel")
    if panel.conversation is None or panel.conversation.id is None and size:
        return False
    t = transcript(app)
    if hasattr(t, "visible_turns"):  # the line-API transcript
        return size == 0 or bool(t.visible_turns())
    return bool(app.screen.query("MessageView")) or bool(app.screen.query("#empty-hint"))


def shows(app, text):
    t = transcript(app)
    if hasattr(t, "visible_turns"):
        return any(turn.content == text for turn in t.visible_turns())
    return any(v.turn.content == text and v.region.height for v in app.screen.query("MessageView"))


async def main():
    profile = demo_profile()
    app = TokenDeck(config=Config(path=Path(tmp) / "c.toml", data={"cursor_blink": False}),
                    profile=profile, spec=spec_for(profile, url), demo=True)
    frames = {"open": None, "new": None, "watch": None}
    base = rss_mb()

    def frame():
        if frames["open"] is None and opened(app):
            frames["open"] = time.perf_counter()
        if frames["watch"] and frames["new"] is None and shows(app, frames["watch"]):
            frames["new"] = time.perf_counter()

    async def send(pilot, text):
        # Enter on a prompt, to the first frame that shows it; then the answer runs out.
        panel = app.screen.query_one("#chat-panel")
        prompt = app.screen.query_one("#prompt")
        prompt.load_text(text)
        await pilot.pause()
        frames["new"] = None
        frames["watch"] = text
        t1 = time.perf_counter()
        await pilot.press("enter")
        while frames["new"] is None:
            await pilot.pause(0.001)
            if time.perf_counter() - t1 > LIMIT:
                raise SystemExit(f"the new message was not shown after {LIMIT} s")
        frames["watch"] = None
        t3 = time.perf_counter()
        while panel.streaming:
            await pilot.pause(0.01)
            if time.perf_counter() - t3 > LIMIT:
                raise SystemExit(f"the answer did not finish after {LIMIT} s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return (frames["new"] - t1) * 1000

    app.post_display_hook = frame
    async with app.run_test(size=(120, 40)) as pilot:
        while frames["open"] is None:
            await pilot.pause(0.001)
            if time.perf_counter() - t0 > LIMIT:
                raise SystemExit(f"the conversation was not shown after {LIMIT} s")
        opened_at = frames["open"] - t0
        grown = rss_mb() - base
        while app.balance is None:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        new = await send(pilot, NEW)
        to_top = new_all = None
        if top:
            t = transcript(app)
            t2 = time.perf_counter()
            while t.has_older or t.scroll_y > 0:
                t.scroll_home(animate=False)
                await pilot.pause()
                if time.perf_counter() - t2 > LIMIT:
                    raise SystemExit(f"not at the top after {LIMIT} s: {t.scroll_y=}")
            to_top = time.perf_counter() - t2
            t.scroll_end(animate=False)
            await pilot.pause()
            new_all = await send(pilot, NEW + " (all read)")
    print(json.dumps({"open": opened_at, "mb": grown, "top": to_top, "new": new,
                      "new_all": new_all}))

asyncio.run(main())
"""


def make_db(data: Path, count: int) -> None:
    os.environ["XDG_DATA_HOME"] = str(data)
    from tui.store import create_conversation, open_db
    from tui.store.records import StoredSettings
    from tui.store.transcript import insert_message

    db = open_db()
    if count:
        cid = create_conversation(db, StoredSettings(model="deepseek-chat"), "demo")
        with db.write() as conn:
            for i in range(count):
                role = "user" if i % 2 == 0 else "assistant"
                text = f"Question {i}: how does this work?" if role == "user" else ANSWER
                insert_message(conn, cid, db.now(), role=role, content=text, status="done")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=runs(5))
    parser.add_argument("--sizes", default="0,1000,5000")
    parser.add_argument("--top-limit", type=int, default=5000,
                        help="scroll to the top only in conversations up to this size")
    args = parser.parse_args()
    empty: float | None = None
    empty_mb: float | None = None
    with url_child(SERVER) as url:
        for size in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                data = Path(tmp) / "data"
                make_db(data, size)
                top = "top" if 0 < size <= args.top_limit else "no"
                results = [
                    run_child(CHILD, [tmp, url, str(size), top, NEW], {"XDG_DATA_HOME": str(data)})
                    for _ in range(args.runs)
                ]
            opens = [r["open"] for r in results]
            mbs = [r["mb"] for r in results]
            report(f"open {size} messages: start to first frame", opens, "s", messages=size)
            if size == 0:
                empty, empty_mb = statistics.median(opens), statistics.median(mbs)
            elif empty is not None and empty_mb is not None:
                report(f"open {size} messages: first frame minus empty chat",
                       [o - empty for o in opens], "s", messages=size, target=0.4)
                report(f"open {size} messages: memory growth minus empty chat",
                       [m - empty_mb for m in mbs], "MB", messages=size, target=30)
            report(f"open {size} messages: memory growth while opening", mbs, "MB", messages=size)
            report(f"open {size} messages: Enter to new message on screen",
                   [r["new"] for r in results], "ms", messages=size, target=50)
            if results[0]["top"] is not None:
                # The target is for 1,000 messages; longer ones are shown for comparison.
                report(f"open {size} messages: scroll to the very top",
                       [r["top"] for r in results], "s", messages=size,
                       target=1.0 if size <= 1000 else None)
                report(f"open {size} messages: Enter to new message, all {size} read",
                       [r["new_all"] for r in results], "ms", messages=size, target=50)


if __name__ == "__main__":
    main()
