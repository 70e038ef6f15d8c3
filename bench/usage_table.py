"""The Usage panel over a large cache: 100,000 rows shown, sorted, filtered; stalls and memory.

The cache is filled once (rows newer than the demo gateway's, so the panel's sync finds
nothing new); each run is a fresh headless process (120x40) that opens Usage (F4) and times:
  first rows   F4 until the frame that shows the rows (count, first window, totals)
  sort         `s` (by model) until the frame that shows the new order
  filter       one key typed into the filter (gpt-4o -> gpt-4o-) until the frame with the
               matching rows (sorted by model: they are far down that index)
  filter count the same key until the frame whose totals line counts the matches (a pass over
               every row, in a thread: it may come after the rows)
  max stall    the longest the event loop was blocked from F4 to the end (a 5 ms ticker)
  RSS growth   resident memory after the rows are shown minus before F4
Each time is also given as CPU seconds of the process (steadier on a busy machine).
Run with --rows 10000,100000 to see that memory and times do not grow with the row count.

Usage: python bench/usage_table.py [--runs 5] [--rows 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import report, run_child, runs  # noqa: E402

SEED = r"""
import random, sys
from pathlib import Path
from tui.gateway.types import LogRow
from tui.store import mark_complete, open_db, store_usage

path, n = Path(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
models = ["gpt-4o", "gpt-4o-mini", "deepseek-chat", "qwen-plus", "claude-3-5-sonnet"]
t, rows = 1_750_000_000, []
for i in range(n):
    t += rng.randint(1, 60)
    rows.append(LogRow(
        9_000_000 + i, "9", t, rng.randint(8, 9000), rng.randint(1, 3000),
        str(rng.randint(1, 900)), rng.choice(models), str(10**8 - i),
        "".join(rng.choices("abcdefghijkmnpqrstuvwxyz0123456789", k=16)),
        rng.choice(["43.154.119.189", "119.28.77.41"]), ""))
with open_db(path) as db:
    store_usage(db, "demo", rows)
    mark_complete(db, "demo", 9_000_000 + n - 1)
print("{}")
"""

CHILD = r"""
import asyncio, json, os, sys, time
from pathlib import Path
from bench._common import rss_mb
from tui.ui.app import TokenDeck
from tui.profiles.config import Config, demo_profile
from tui.demo import DemoGateway
from tui.profiles.runtime import spec_for

n = int(sys.argv[2])


async def ticker(stalls):
    last = time.perf_counter()
    while True:
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        stalls.append(now - last - 0.005)
        last = now


async def main():
    with DemoGateway(history_rows=20) as demo:
        os.environ["TOKENDECK_DEMO_URL"] = demo.url  # keep the cache: the demo outlives the app
        profile = demo_profile()
        app = TokenDeck(config=Config(path=Path(sys.argv[1]) / "c.toml",
                                      data={"cursor_blink": False}),
                        profile=profile, spec=spec_for(profile, demo.url), demo=True)
        state = {"want": None, "at": None, "cpu": None}
        cpus = []

        watch, hits = {}, {}  # conditions looked at in each frame; when each first held

        def frame():
            want = state["want"]
            if want is not None and state["at"] is None and want():
                state["at"], state["cpu"] = time.perf_counter(), time.process_time()
            for name, cond in watch.items():
                if name not in hits and cond():
                    hits[name] = time.perf_counter()

        app.post_display_hook = frame

        async def timed(press, want, pilot):
            # seconds from the key to the first frame drawn once the condition holds
            state["want"], state["at"] = want, None
            started, cpu = time.perf_counter(), time.process_time()
            await press()
            while state["at"] is None:
                if time.perf_counter() - started > 30:
                    raise SystemExit("condition not reached")
                await asyncio.sleep(0.001)
            state["want"] = None
            cpus.append(state["cpu"] - cpu)
            return state["at"] - started

        async with app.run_test(size=(120, 40)) as pilot:
            while app.balance is None:
                await pilot.pause(0.01)
            await app.workers.wait_for_complete()
            await pilot.pause()
            base = rss_mb()
            stalls = []
            tick = asyncio.ensure_future(ticker(stalls))
            await asyncio.sleep(0.05)
            stalls.clear()

            def table():
                return app.screen.query_one("#usage-table")

            def first_rows():
                t = app.screen.query("#usage-table")
                return bool(t) and t.first().row_count == n and t.first().window_size > 0

            shown = await timed(lambda: pilot.press("f4"), first_rows, pilot)
            grown = rss_mb() - base
            panel = app.screen.query_one("#usage-panel")
            while not panel.loaded:
                await pilot.pause(0.01)
            await app.workers.wait_for_complete()
            await pilot.pause()
            first = table().line(0).cells["reqid"]

            def sorted_():
                return table().line(0) is not None and table().line(0).cells["reqid"] != first

            sort = await timed(lambda: pilot.press("s"), sorted_, pilot)
            await pilot.press("slash", *"gpt-4o")  # gpt-4o and gpt-4o-mini; then only the latter
            while panel.totals_shown != panel.row_query():
                await pilot.pause(0.01)
            await pilot.pause()

            def matches():
                t = table()
                return t.source.query.text == "gpt-4o-" and t.window_size > 0

            watch["count"] = lambda: matches() and panel.totals_shown == panel.row_query()
            filt = await timed(lambda: pilot.press("-"), matches, pilot)
            pressed = state["at"] - filt
            while "count" not in hits:
                if time.perf_counter() - pressed > 30:
                    raise SystemExit("the count never came")
                await asyncio.sleep(0.001)
            counted = hits["count"] - pressed
            await pilot.pause(0.05)
            tick.cancel()
            window = table().window_size
    print(json.dumps({"shown": shown, "sort": sort, "filter": filt, "counted": counted,
                      "stall": max(stalls),
                      "mb": grown, "window": window, "cpu": cpus}))


asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=runs(5))
    parser.add_argument("--rows", default="100000", help="row counts, comma separated")
    parser.add_argument("--first-target", type=float, default=0.3,
                        help="seconds to the first rows (bench/scale: 0.2 at a million)")
    args = parser.parse_args()
    for n in (int(x) for x in args.rows.split(",")):
        with tempfile.TemporaryDirectory(prefix="tokendeck-bench-") as tmp:
            data = Path(tmp) / "data"
            env = {"TOKENDECK_DATA_DIR": str(data), "XDG_CONFIG_HOME": str(Path(tmp) / "cfg")}
            run_child(SEED, [str(data / "tokendeck.db"), str(n)], env)
            results = [run_child(CHILD, [tmp, str(n)], env) for _ in range(args.runs)]
        rows = f"{n:,} rows"
        for i, (name, key, target) in enumerate(
            (("first rows shown", "shown", args.first_target), ("sort by model", "sort", 0.1),
             ("filter one key", "filter", 0.1))
        ):  # fmt: skip
            report(f"usage: {name} ({rows})", [r[key] for r in results], "s", target=target)
            report(f"usage: {name}, CPU ({rows})", [r["cpu"][i] for r in results], "s")
        report(f"usage: filter one key, count shown ({rows})", [r["counted"] for r in results],
               "s")
        report(f"usage: max event-loop stall ({rows})", [r["stall"] * 1000 for r in results],
               "ms", target=50)
        report(f"usage: RSS growth showing rows ({rows})", [r["mb"] for r in results], "MB",
               window_rows=results[-1]["window"])


if __name__ == "__main__":
    main()
