"""A second process that fetches and reads openai-hk log pages for a long `tokendeck logs`.

Listing a million rows is ~3,300 pages, and one process spent ~5.2 s of one core on them:
HTTP, JSON and checking each page (~2.8 µs a row), then making the rows and writing them
(~2 µs). With the helper the first part runs in a second process, on the other core: it
fetches each page asked for (its own Gateway and KeptAliveTransport, from the same
GatewaySpec) and sends back a usual page's texts, a column per field (logs.read_page); this
process makes the rows (logs.usual_page) and does the rest as before. 1M rows on the idle
2-core machine: ~5.3 -> ~3.9-4.1 s wall, for ~1 s more CPU in all (the helper's start-up, the
pipe). It pays only with a core to itself: a machine of one core never starts it, and a
listing whose two processes used less than 1.2 cores over a second (another program busy,
or a slow gateway) gives it up and goes on alone (with a third program busy, 1M rows took
~10 s through the helper, ~6.5 s alone).

The helper only ever makes the listing faster, never different: it tries each page once (no
retry, no message), and a page it did not answer for any reason (the gateway failed, or the
helper could not start, ended or hangs) is fetched here by Gateway.usage_logs, with the
retries, the messages and the errors of any page; so is a page asked while the helper is far
behind. It ignores Ctrl-C (this process says "interrupted") and ends when its stdin closes,
which this process's end always does.

Parent to helper on stdin: the spec (4-byte length, pickle), then requests (ask, start, limit:
"!QQI"). Helper to parent on stdout: answers ("!QBI": ask, kind, length; then the payload):
TEXTS (each column's texts joined by RS, the columns by US; UTF-8), ROWS (a pickled list of
LogRow: any other page, or texts holding RS or US) or FAILED (nothing); and READY once, when
it has started (pages asked before are fetched here).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import replace

from ..base.children import module_env, widen_pipe
from .adapters.openai_hk import OpenAiHk
from .client import Gateway
from .keepalive import KeptAliveTransport
from .logs import Texts, check_page, usual_page
from .types import LogRow

_REQUEST = struct.Struct("!QQI")  # ask, start, limit
_ANSWER = struct.Struct("!QBI")  # ask, kind, payload length
_SIZE = struct.Struct("!I")
TEXTS, ROWS, FAILED, READY = 0, 1, 2, 3
_ROW_END, _COLUMN_END = "\x1e", "\x1f"  # RS between a column's texts, US between columns
_FIELDS = 11
_BACKLOG = 7  # answers awaited from the helper (of 8 in flight) past which a page is asked here
_CHECK_SECONDS = 1.0  # how often the two processes' CPU is looked at
_CORES = 1.2  # cores the two use together below which the helper is given up
_GRACE = 10.0  # seconds the helper may take beyond the request deadline to answer

Fetch = Callable[[int, int], Awaitable[list[LogRow]]]


def _helps(gw: Gateway) -> bool:
    """Whether the gateway's pages are openai-hk's (the helper reads only those)."""
    return gw.log_reader is None and not (gw.custom is not None and gw.custom.has_logs)


def _cores() -> int:
    """The cores this process may run on (one: a helper would only share it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@asynccontextmanager
async def page_helper(gw: Gateway, wanted: bool = True) -> AsyncIterator[Fetch | None]:
    """A fetch(start, limit) for Gateway.iter_usage_logs through a helper process, or None
    (not `wanted`, not openai-hk pages, or no process could be started); the helper ends
    with the block."""
    helper = await PageHelper.start(gw) if wanted and _helps(gw) and _cores() > 1 else None
    try:
        yield helper.page if helper is not None else None
    finally:
        if helper is not None:
            await helper.aclose()


class PageHelper:
    """The parent's side: asks the helper for pages, falls back to its own Gateway."""

    def __init__(self, gw: Gateway, process: asyncio.subprocess.Process) -> None:
        self._gw = gw
        self._process = process
        self._waiting: dict[int, asyncio.Future[list[LogRow] | None]] = {}
        self._asked = 0
        self._ended = False
        self.answered = 0  # pages the helper answered (the rest came from this process)
        self.ready = asyncio.Event()  # the helper has started (its Gateway made)
        self.declined = False  # given up for want of a second core
        self._since: tuple[float, float, float] | None = None  # wall, this CPU, helper CPU
        self._reader = asyncio.ensure_future(self._read_answers())

    @classmethod
    async def start(cls, gw: Gateway) -> PageHelper | None:
        try:
            spec = pickle.dumps(replace(gw.spec, retry=replace(gw.spec.retry, attempts=1)))
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        env = module_env()  # this copy of `tui` first on the helper's import path
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tui.gateway.pagehelper", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env,
            )  # fmt: skip
        except (OSError, ValueError):
            return None
        assert process.stdin is not None
        process.stdin.write(_SIZE.pack(len(spec)) + spec)  # the key: in a pipe, never argv
        return cls(gw, process)

    async def page(self, start: int, limit: int) -> list[LogRow]:
        """The page of `limit` rows from `start`: the helper's answer, else this process's."""
        check_page(start, limit)
        stdin = self._process.stdin
        # the helper still starting (~0.3 s: this process lists meanwhile), or far behind
        # (its CPU shared, or its work the larger half): this page here
        behind = not self.ready.is_set() or len(self._waiting) >= _BACKLOG
        if self.ready.is_set() and not self._ended and self._idle_cores():
            self.declined = True  # the two share a core: no faster, only more handing over
            self._end()
        if not (self._ended or behind) and stdin is not None and not stdin.is_closing():
            ask, self._asked = self._asked, self._asked + 1
            answer = self._waiting[ask] = asyncio.get_running_loop().create_future()
            try:
                stdin.write(_REQUEST.pack(ask, start, limit))
                # the helper answers within the request deadline (its failure is an answer)
                async with asyncio.timeout(self._gw.spec.timeouts.request + _GRACE):
                    rows = await answer
            except (ConnectionError, RuntimeError):  # the helper is gone
                rows = None
            except TimeoutError:  # the helper hangs (stopped?): no more asking it
                self._end()
                with suppress(ProcessLookupError):
                    self._process.kill()
                rows = None
            finally:
                del self._waiting[ask]
            if rows is not None:
                self.answered += 1
                return rows
        return await self._gw.usage_logs(start, limit)

    async def _read_answers(self) -> None:
        out = self._process.stdout
        assert out is not None
        try:
            while True:
                ask, kind, size = _ANSWER.unpack(await out.readexactly(_ANSWER.size))
                payload = await out.readexactly(size)
                if kind == READY:
                    self.ready.set()
                    continue
                answer = self._waiting.get(ask)
                if answer is not None and not answer.done():
                    answer.set_result(_decoded(kind, payload))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, struct.error):
            pass  # the helper ended, or said something unreadable: no more asking it
        finally:
            self._end()

    def _idle_cores(self) -> bool:
        """Whether, over the last second or so, this process and the helper together used
        less than _CORES cores (another program has the second core: the helper makes the
        listing slower, ~6.5 -> ~10 s of 1M rows with a third program busy); False until
        known (no /proc: never)."""
        now = time.perf_counter()
        if self._since is not None and now - self._since[0] < _CHECK_SECONDS:
            return False
        helper = _cpu_seconds(self._process.pid)
        if helper is None:
            return False
        mine, before = time.process_time(), self._since
        self._since = (now, mine, helper)
        if before is None:
            return False
        used = (mine - before[1] + helper - before[2]) / (now - before[0])
        return used < _CORES

    def _end(self) -> None:
        self._ended = True
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_result(None)

    async def aclose(self) -> None:
        self._end()
        self._reader.cancel()
        process = self._process
        if process.stdin is not None:
            process.stdin.close()  # the helper's end of input: it ends
        try:
            async with asyncio.timeout(2):
                await process.wait()
        except TimeoutError:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        with suppress(asyncio.CancelledError):
            await self._reader


def _cpu_seconds(pid: int) -> float | None:
    """The CPU seconds process `pid` has used (Linux's /proc); None when not known."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _decoded(kind: int, payload: bytes) -> list[LogRow] | None:
    """The rows of an answer; None for FAILED or anything unreadable."""
    try:
        if kind == TEXTS:
            columns = payload.decode("utf-8", "surrogatepass").split(_COLUMN_END)
            texts = tuple(column.split(_ROW_END) for column in columns)
            if len(texts) == _FIELDS and len(set(map(len, texts))) == 1:
                return usual_page(texts)
        elif kind == ROWS:
            rows = pickle.loads(payload)  # from our own helper, in our own pipe
            if isinstance(rows, list) and all(type(row) is LogRow for row in rows):
                return rows
    except (ValueError, pickle.UnpicklingError, EOFError):
        pass
    return None


def _encoded(read: Texts | list[LogRow]) -> tuple[int, bytes]:
    """An answer's kind and payload: a usual page's texts joined (any text holding RS or US
    pickled, as any other page)."""
    if isinstance(read, tuple) and read and read[0]:
        joined = _COLUMN_END.join(map(_ROW_END.join, read))
        rows = len(read[0])
        if (
            joined.count(_ROW_END) == _FIELDS * (rows - 1)
            and joined.count(_COLUMN_END) == _FIELDS - 1
        ):
            return TEXTS, joined.encode("utf-8", "surrogatepass")
        read = usual_page(read)
    return ROWS, pickle.dumps(list(read) if isinstance(read, tuple) else read)


# ---- the helper process --------------------------------------------------------------------


async def _serve() -> None:
    widen_pipe(sys.stdout.fileno())  # Linux: a pipe to the parent of 1 MB, not 64 KB
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout.buffer
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    (size,) = _SIZE.unpack(await reader.readexactly(_SIZE.size))
    spec = pickle.loads(await reader.readexactly(size))
    hk = OpenAiHk()
    working: set[asyncio.Task[None]] = set()

    async def answer(ask: int, start: int, limit: int) -> None:
        try:
            kind, payload = _encoded(await hk.read_page(gw, start, limit))
        except Exception:  # any failure: the parent fetches the page itself, and says why
            kind, payload = FAILED, b""
        writer.write(_ANSWER.pack(ask, kind, len(payload)) + payload)
        await writer.drain()

    async with Gateway(spec, transport=KeptAliveTransport()) as gw:
        writer.write(_ANSWER.pack(0, READY, 0))
        try:
            while True:
                ask, start, limit = _REQUEST.unpack(await reader.readexactly(_REQUEST.size))
                task = asyncio.ensure_future(answer(ask, start, limit))
                working.add(task)
                task.add_done_callback(working.discard)
        except asyncio.IncompleteReadError:
            pass  # the parent is done (or gone)
        finally:
            for task in working:
                task.cancel()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    with suppress(BrokenPipeError, ConnectionError, asyncio.IncompleteReadError):
        asyncio.run(_serve())


if __name__ == "__main__":
    main()
