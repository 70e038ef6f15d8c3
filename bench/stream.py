"""Streaming a markdown answer into the chat: tokens/s flat out, CPU and stalls at a set rate.

The demo gateway runs in a child process (a real gateway is remote, so its CPU must not count)
and answers with a long markdown text cut to `--tokens` pieces; the app runs headless
(`run_test`, 120x40) in a fresh process per run. Figures per scenario (empty conversation, and
below a 200-message transcript):
  - flat out: tokens per second from the first token to the last token on screen;
  - at `--rate` tokens/s: CPU % of one core (process time / wall time while streaming) and per
    token, the longest event-loop stall (a 5 ms sleep probe), and the time from [DONE] to the
    frame that shows the last token.
"On screen" means drawn: the updates the app's frames hand to the (headless) terminal are
applied to rows of text, and the last token counts as shown once the answer's last laid-out
line is among them. The probe never polls the app (`pilot.pause` would force extra frames and
burn CPU that counts); it waits for that frame. The live answer is taken at its first token,
so a stream that ends before the probe looks still has its last frame seen.

The scenarios take turns run by run, so that load from elsewhere falls on each alike.

Usage: python bench/stream.py [--runs 3] [--tokens 4000] [--rate 200] [--rate-tokens 1000]
       [--transcripts 0,200] [--only flat|rate]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import report, run_child, url_child  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# A gateway whose answer to any prompt is `tokens` pieces of the demo's markdown templates.
SERVER = """
import sys
from tui.demo import DemoGateway, answers
tokens, rate = int(sys.argv[1]), float(sys.argv[2])
text = ""
i = 0
while len(answers.split_pieces(text)) < tokens:
    text += answers._fill(answers.TEMPLATES[i % len(answers.TEMPLATES)], f"topic {i}") + "\\n"
    i += 1
long = "".join(answers.split_pieces(text)[:tokens])
answers.answer_text = lambda prompt: long
demo = DemoGateway(history_rows=50, token_rate=rate or None).start()
print(demo.url, flush=True)
sys.stdin.read()
demo.stop()
"""

CHILD = r"""
import asyncio, json, os, sys, time
from pathlib import Path
from tui.ui.app import TokenDeck
from tui.profiles.config import Config, demo_profile
from tui.profiles.runtime import spec_for

url, tmp = sys.argv[1], sys.argv[2]


class Terminal:
    # What the app's frames put on the (headless) terminal: each update the compositor hands
    # to App._display is applied to rows of text, so a frame counts only for what it drew.
    def __init__(self, app):
        self.rows = {}  # y -> {x: text of the chop drawn there}
        display = app._display

        def _display(screen, update):
            self.apply(update)
            display(screen, update)

        app._display = _display

    def apply(self, update):
        kind = type(update).__name__
        if kind == "LayoutUpdate":  # a full frame
            self.rows = {}
            for y, line in enumerate(update.strips, update.region.y):
                self.rows[y] = {update.region.x: "".join(strip.text for strip in line)}
        elif kind == "ChopsUpdate":
            for y, _x1, _x2 in update.spans:
                row = self.rows.setdefault(y, {})
                for x, strip in update.chops[y].items():
                    if strip is not None:
                        row[x] = strip.text

    def shows(self, text):
        return any(text in "".join(row[x] for x in sorted(row)) for row in self.rows.values())


def last_line(item):
    # The last line of the answer as laid out (None while its last part is not laid out).
    for part in reversed([*item.blocks, item.tail]):
        if part.text.strip():
            if part.strips is None:
                return None
            lines = [strip.text.strip() for strip in part.strips]
            return next((line for line in reversed(lines) if line), None)
    return None


async def main():
    profile = demo_profile()
    app = TokenDeck(config=Config(path=Path(tmp) / "c.toml", data={"cursor_blink": False}),
                    profile=profile, spec=spec_for(profile, url), demo=True)
    terminal = Terminal(app)
    state = {"done": None, "frame": None, "first": None, "view": None}
    shown = asyncio.Event()
    stalls = []

    def check(at):
        # the whole answer arrived and the terminal shows its last line: the last token is seen
        view = state["view"]
        if state["done"] is None or state["frame"] is not None or view is None:
            return
        line = last_line(view)
        if line is not None and terminal.shows(line):
            state["frame"] = at
            shown.set()

    app.post_display_hook = lambda: check(time.perf_counter())
    async with app.run_test(size=(120, 40)) as pilot:
        panel = app.screen.query_one("#chat-panel")
        transcript = app.screen.query_one("#transcript")
        while panel.conversation is None or app.balance is None:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        gateway = app.gateway
        original = gateway.stream_chat

        async def timed(*args, **kwargs):
            async for event in original(*args, **kwargs):
                if state["first"] is None and getattr(event, "text", None):
                    state["first"] = time.perf_counter()
                    state["cpu0"] = time.process_time()
                    state["view"] = transcript.items[-1]  # the live answer, added before
                yield event
            state["done"] = time.perf_counter()
            state["cpu1"] = time.process_time()
            check(state["done"])  # the last token painted before [DONE] came counts at [DONE]

        gateway.stream_chat = timed
        running = True

        async def probe():
            while running:
                t = time.perf_counter()
                await asyncio.sleep(0.005)
                stalls.append(time.perf_counter() - t - 0.005)
                if stalls[-1] > 0.05 and os.environ.get("BENCH_DEBUG"):
                    when = round((t - (state["done"] or t)) * 1000)
                    after = "after done" if state["done"] else ""
                    print("stall", round(stalls[-1] * 1000), "at", when, after, file=sys.stderr)

        task = asyncio.create_task(probe())
        await pilot.press(*"stream please", "enter")
        try:  # no polling here: the app paints at its own pace, and the wait costs no CPU
            await asyncio.wait_for(shown.wait(), 120)
        except TimeoutError:
            raise SystemExit(f"no frame showed the last line {last_line(state['view'])!r}")
        running = False
        await task
        while panel.streaming:
            await pilot.pause(0.01)
        turn = panel.conversation.turns[-1]
        assert turn.status.value == "done", turn.status
        assert transcript.text_of(state["view"]).strip(), "nothing shown"
        wall = state["done"] - state["first"]
        tokens = turn.usage.completion_tokens if turn.usage else 0
        print(json.dumps({
            "tokens": tokens,
            "tokens_per_s": tokens / (state["frame"] - state["first"]),
            "cpu": (state["cpu1"] - state["cpu0"]) / wall * 100,
            "cpu_ms_per_token": (state["cpu1"] - state["cpu0"]) / tokens * 1000,
            "stall": max(stalls) * 1000,
            "last": (state["frame"] - state["done"]) * 1000,
        }))

asyncio.run(main())
"""


def gateway(tokens: int, rate: float) -> ContextManager[str]:
    return url_child(SERVER, str(tokens), str(rate))


def run(url: str, transcript: int) -> dict:
    """One fresh app streaming from `url` below `transcript` stored messages."""
    from bench.open_conversation import make_db

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        if transcript:
            make_db(data, transcript)
        return run_child(CHILD, [url, tmp], {"XDG_DATA_HOME": str(data)})


def runs(url: str, sizes: list[int], count: int) -> dict[int, list[dict]]:
    """`count` runs per transcript size, the sizes taking turns (so that load from elsewhere on
    the machine falls on each alike: their ratio is the figure)."""
    results: dict[int, list[dict]] = {size: [] for size in sizes}
    for _ in range(count):
        for size in sizes:
            results[size].append(run(url, size))
    return results


def where(size: int) -> str:
    return f"into {size} messages" if size else "into an empty chat"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=4000, help="answer length flat out")
    parser.add_argument("--rate", type=float, default=200.0, help="tokens/s for the CPU run")
    parser.add_argument("--rate-tokens", type=int, default=1000, help="answer length at --rate")
    parser.add_argument("--transcripts", default="0,200", help="messages already shown")
    parser.add_argument("--only", choices=("flat", "rate"), default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.transcripts.split(",")]
    flat_rates: dict[int, float] = {}
    flat_cpu: dict[int, float] = {}
    if args.only != "rate":
        with gateway(args.tokens, 0) as url:
            flat = runs(url, sizes, args.runs)
        for size in sizes:
            figure = report(f"stream {args.tokens} tokens flat out {where(size)}",
                            [r["tokens_per_s"] for r in flat[size]], "tokens/s",
                            transcript=size, target=4000, target_kind="min")  # fmt: skip
            flat_rates[size] = figure["median"]
            flat_cpu[size] = report(
                f"  CPU per token (flat out) {where(size)}",
                [r["cpu_ms_per_token"] for r in flat[size]], "ms", transcript=size,
            )["median"]  # fmt: skip
            report(f"  longest event-loop stall (flat out) {where(size)}",
                   [r["stall"] for r in flat[size]], "ms", transcript=size)  # fmt: skip
    if args.only != "flat":
        with gateway(args.rate_tokens, args.rate) as url:
            paced = runs(url, sizes, args.runs)
        rate = f"{args.rate:g} tokens/s"
        for size in sizes:
            results = paced[size]
            report(f"stream at {rate}: CPU {where(size)}", [r["cpu"] for r in results],
                   "% of one core", transcript=size, target=35)  # fmt: skip
            report(f"  CPU per token at {rate} {where(size)}",
                   [r["cpu_ms_per_token"] for r in results], "ms", transcript=size)  # fmt: skip
            report(f"stream at {rate}: longest stall {where(size)}",
                   [r["stall"] for r in results], "ms", transcript=size, target=50)  # fmt: skip
            report(f"stream at {rate}: [DONE] to last token on screen {where(size)}",
                   [r["last"] for r in results], "ms", transcript=size, target=50)  # fmt: skip
    if len(flat_rates) == 2 and 0 in flat_rates:
        other = max(flat_rates)
        report(f"slowdown below {other} messages (flat out)",
               [flat_rates[0] / flat_rates[other]], "x", target=1.2)  # fmt: skip
        report(f"  CPU per token below {other} messages / empty (flat out)",
               [flat_cpu[other] / flat_cpu[0]], "x")  # fmt: skip


if __name__ == "__main__":
    main()
