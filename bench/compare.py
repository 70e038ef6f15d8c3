"""Comparing four models at once: four answers streaming side by side at `--rate` tokens/s each.

The demo gateway runs in a child process (bench/stream.py's: a long markdown answer cut to
`--tokens` pieces, paced at `--rate` per answer); the app runs headless (`run_test`, 160x40, so
that the four columns stand side by side) in a fresh process per run, marks four models and
sends one prompt to them with F7, as a user would. Figures, from the first token of any answer
to the last [DONE]:
  - CPU % of one core (process time / wall time while the answers stream), and per token;
  - the longest event-loop stall (a 5 ms sleep probe, as in bench/stream.py), and the most
    CPU time the event loop's thread spent inside one probe interval: on a loaded machine a
    stall is mostly waiting for a core, and this second figure is the part that is ours;
  - the tokens/s each answer reached on screen's side (the slowest of the four).

Usage: python bench/compare.py [--runs 3] [--rate 200] [--tokens 1000] [--models 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import report, run_child, runs  # noqa: E402
from bench.stream import gateway  # noqa: E402

MODELS = ["deepseek-chat", "gpt-4o-mini", "qwen-plus", "gemini-1.5-flash"]

CHILD = r"""
import asyncio, json, os, sys, time
from pathlib import Path
from tui.ui.app import TokenDeck
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for

url, tmp, models = sys.argv[1], sys.argv[2], sys.argv[3].split(",")


async def main():
    profile = demo_profile()
    app = TokenDeck(config=Config(path=Path(tmp) / "c.toml", data={"cursor_blink": False}),
                    profile=profile, spec=spec_for(profile, url), demo=True)
    stalls = []
    busy = []
    long = []  # (ms, CPU ms, s after the first token, answers ended): for BENCH_DEBUG=1
    async with app.run_test(size=(160, 40)) as pilot:
        panel = app.screen.query_one("#chat-panel")
        while panel.conversation is None or app.balance is None:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.marked_models[:] = models  # as Space on each in the Models panel
        running = True

        async def probe():
            while running:
                t, c = time.perf_counter(), time.thread_time()
                await asyncio.sleep(0.005)
                stalls.append(time.perf_counter() - t - 0.005)
                busy.append(time.thread_time() - c)  # of it, the loop's own CPU time
                if stalls[-1] > 0.05:
                    ended = sum(lane.state.ended for lane in lanes)
                    long.append((round(stalls[-1] * 1000), round(busy[-1] * 1000),
                                 round(t - t0, 2), ended))

        await pilot.press(*"stream please", "f7")
        from tui.ui.screens.compare import CompareScreen
        while not isinstance(app.screen, CompareScreen) or not app.screen.columns:
            await pilot.pause(0.01)
        screen = app.screen
        lanes = [c.lane for c in screen.columns]
        while not any(lane.first_at for lane in lanes):  # no polling cost worth counting yet
            await asyncio.sleep(0.002)
        cpu0, t0 = time.process_time(), time.perf_counter()
        task = asyncio.create_task(probe())
        while not all(lane.state.ended for lane in lanes):
            await asyncio.sleep(0.05)  # a cheap wait: the app paints at its own pace
        cpu1, t1 = time.process_time(), time.perf_counter()
        running = False
        await task
        assert all(lane.state.value == "done" for lane in lanes), [l.state for l in lanes]
        tokens = sum(lane.tokens for lane in lanes)
        print(json.dumps({
            "cpu": (cpu1 - cpu0) / (t1 - t0) * 100,
            "cpu_ms_per_token": (cpu1 - cpu0) / tokens * 1000,
            "stall": max(stalls) * 1000,
            "busy": max(busy) * 1000,
            "slowest": min(lane.tokens_per_s() or 0 for lane in lanes),
            "tokens": tokens,
            "long": long,
        }))

asyncio.run(main())
"""


def run(url: str, models: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        return run_child(CHILD, [url, tmp, ",".join(models)], {"XDG_DATA_HOME": str(data)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=runs(3))
    parser.add_argument("--rate", type=float, default=200.0, help="tokens/s of each answer")
    parser.add_argument("--tokens", type=int, default=1000, help="length of each answer")
    parser.add_argument("--models", type=int, default=4, help="answers at once (2-4)")
    args = parser.parse_args()
    models = MODELS[: max(2, min(4, args.models))]
    with gateway(args.tokens, args.rate) as url:
        results = [run(url, models) for _ in range(args.runs)]
    if os.environ.get("BENCH_DEBUG"):
        for result in results:
            print("stalls over 50 ms (ms, of it CPU ms, s after the first token, answers "
                  "ended):", result["long"])
    what = f"compare {len(models)} answers at {args.rate:g} tokens/s each"
    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
    report(f"{what}: CPU", [r["cpu"] for r in results], "% of one core", target=60)
    report(f"  CPU per token, {what}", [r["cpu_ms_per_token"] for r in results], "ms")
    report(f"{what}: longest stall", [r["stall"] for r in results], "ms", target=50)
    report(f"  longest stall's own CPU (not waiting for a core), {what}",
           [r["busy"] for r in results], "ms")  # fmt: skip
    report(f"  slowest answer's tokens/s, {what}", [r["slowest"] for r in results], "tokens/s")


if __name__ == "__main__":
    main()
