"""Full usage-log sync into the SQLite cache: 25,000 rows, 0.05 s per page, by concurrency.

The demo gateway runs in this process (its threads share the GIL with the client, as in the
tests) or, with --server-process, in a child process, as a real gateway would be remote.
Each time is also given as CPU seconds of this process (every thread: the client, its
writer thread, and an in-process gateway's threads).

Usage: python bench/usage_sync.py [--runs 3] [--rows 25000] [--latency 0.05] [--concurrency 4,8]
       [--server-process]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import report, url_child  # noqa: E402
from tui.demo import DEMO_KEY, DemoGateway  # noqa: E402
from tui.gateway import Gateway, GatewaySpec, Secret  # noqa: E402
from tui.spend.usage_sync import CONCURRENCY, sync_usage  # noqa: E402
from tui.store import open_db  # noqa: E402

SERVER = """
import sys, time
from tui.demo import DemoGateway
demo = DemoGateway(history_rows=int(sys.argv[1]), page_latency=float(sys.argv[2])).start()
print(demo.url, flush=True)
sys.stdin.read()
demo.stop()
"""


@contextmanager
def demo_url(rows: int, latency: float, in_child: bool) -> Iterator[str]:
    """The URL of a demo gateway with `rows` log rows, here or in a child process."""
    if not in_child:
        with DemoGateway(history_rows=rows, page_latency=latency) as demo:
            yield demo.url
        return
    with url_child(SERVER, str(rows), str(latency)) as url:
        yield url


async def one_sync(url: str, concurrency: int) -> tuple[float, int, int, float]:
    spec = GatewaySpec("bench", url + "/api/v1", Secret(DEMO_KEY), logs_url=url + "/openai/sk/log")
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        try:
            async with Gateway(spec) as gw:
                started, cpu = time.perf_counter(), time.process_time()
                result = await sync_usage(gw, db, "bench", concurrency=concurrency)
                elapsed = time.perf_counter() - started
                return elapsed, result.new_rows, result.pages, time.process_time() - cpu
        finally:
            db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=25_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", default="4,8")
    parser.add_argument("--server-process", action="store_true")
    args = parser.parse_args()
    where = "server in a child process" if args.server_process else "server in-process"
    with demo_url(args.rows, args.latency, args.server_process) as url:
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            seconds, cpus, rows, pages = [], [], 0, 0
            for _ in range(args.runs):
                elapsed, rows, pages, cpu = asyncio.run(one_sync(url, concurrency))
                seconds.append(elapsed)
                cpus.append(cpu)
            report(
                f"full sync {rows} rows, concurrency {concurrency}",
                seconds,
                "s",
                target=2.0,
                pages=pages,
                page_latency=args.latency,
                where=where,
                default=concurrency == CONCURRENCY,
            )
            report(f"full sync {rows} rows, concurrency {concurrency}, CPU", cpus, "s", where=where)


if __name__ == "__main__":
    main()
