"""Where a usage sync's pages are stored: a thread with a connection of its own, and, once a
sync proves large, a child process.

Why a process: Python runs one thread at a time (the GIL). SQLite lets go of it while it
steps a statement, but binding a row's values, preparing the rows and reading the next pages
all need it, so the writer thread and the fetching barely overlapped: a first sync of a
million rows used one of two cores (16 s). A child process stores the pages while this one
fetches and reads the next ones, each on its own core (~8-9 s on the idle 2-core machine,
both ~93 % busy). This process also makes each batch ready (store.prepare_batch: sorted,
flattened into the statements' parameters); the child only stores it (store.store_batch).

The child (`python -m tui.spend.usage_writer`) reads requests on its standard input and
answers on its standard output, each a length and a pickle (between two processes of this
same program: nothing else writes to those pipes). It runs in a session of its own and ignores
Ctrl-C: when the sync ends, is cancelled or its process dies, the child sees its input end,
stores the batches it was given (each transaction commits whole or not at all) and exits.
"""

from __future__ import annotations

import asyncio
import io
import os
import pickle
import signal
import struct
import sys
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from ..base.children import module_env, widen_pipe
from ..base.collector import collector_paused
from ..base.i18n import current_language, set_language
from ..base.tasks import ended
from ..store import Database, Problem, StoreError, open_db
from ..store.usage import Batch, LogRowLike, page_columns, prepare_batch, store_batch

WRITER_CACHE_KIB = 4096  # the writer's page cache: a batch's index pages (16 MiB was no faster)
PROCESS_AFTER = 10_000  # rows given to the thread before a child process takes over
EXIT_WAIT = 10.0  # seconds a child may take to finish its batch and exit once told to
_LENGTH = struct.Struct(">Q")


class ThreadWriter:
    """Stores batches of pages, in the order given, in one thread with a connection of its own
    (opened on the first batch): SQLite's work and its waits for the disk overlap the fetching
    and parsing of the next pages, and the event loop stays free. A read-only or damaged cache
    is written, and so refused, through the caller's connection."""

    def __init__(self, db: Database) -> None:
        self._main = db
        self._db: Database | None = None
        self._thread: ThreadPoolExecutor | None = None

    def submit(self, batch: Batch) -> asyncio.Future[list[int]]:
        """Per page, how many of its rows were new, once stored (or StoreError)."""
        if self._main.read_only or self._main.damaged is not None:
            done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
            try:
                done.set_result(store_batch(self._main, batch))
            except StoreError as exc:
                done.set_exception(exc)
            return done
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="usage-sync")
        return asyncio.wrap_future(self._thread.submit(self._store, batch))

    def _store(self, batch: Batch) -> list[int]:
        if self._db is None:
            self._db = open_db(self._main.path, recover=False)
            self._db.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        return store_batch(self._db, batch)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def close(self) -> None:
        """Close the connection in its thread once the batches given are stored; does not
        wait."""
        if self._thread is not None:
            self._thread.submit(self._close)
            self._thread.shutdown(wait=False)
            self._thread = None


class WriterGone(Exception):
    """The child process stopped or answered nonsense (not a store failure: the batches it
    was given are stored again by the thread)."""


class ProcessWriter:
    """Stores batches of pages, in the order given, in a child process (see the module's
    text). Batches are sent as they are given, so the child takes the next one as soon as it
    has stored one; one task reads its answers."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._waiting: deque[asyncio.Future[Any]] = deque()  # answers not read yet, in order
        self._reader = asyncio.ensure_future(self._read_answers())

    @classmethod
    async def start(cls, db: Database) -> ProcessWriter | None:
        """A child storing batches in `db`'s file; None when none can be started or it
        cannot open the file (the thread goes on)."""
        if not sys.executable or db.read_only or not db.intact or db.damaged is not None:
            return None  # (a child skips the check this process made of the file)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", __name__,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,  # never onto the app's screen
                env=module_env(),
                start_new_session=True,  # the terminal's Ctrl-C and hang-up are this process's
            )  # fmt: skip
        except OSError:
            return None
        _widen(process)
        writer = cls(process)
        try:
            await writer._ask(("open", str(db.path), current_language()))
        except (WriterGone, StoreError):  # the thread goes on (and meets any real problem)
            await writer.aclose()
            return None
        except BaseException:
            await writer.aclose()
            raise
        return writer

    def submit(self, request: bytes) -> asyncio.Future[list[int]]:
        """Per page, how many of its rows were new, once stored (StoreError, or WriterGone);
        `request` is store_request's."""
        return self._send(request)

    def _ask(self, request: tuple[Any, ...]) -> asyncio.Future[Any]:
        return self._send(_pickled(request))

    def _send(self, payload: bytes) -> asyncio.Future[Any]:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        stdin = self._process.stdin
        if self._reader.done() or stdin is None or stdin.is_closing():
            answer.set_exception(WriterGone("closed"))
            return answer
        stdin.write(_LENGTH.pack(len(payload)) + payload)  # buffered: at most a few batches
        self._waiting.append(answer)
        return answer

    async def _read_answers(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while True:
                head = await stdout.readexactly(_LENGTH.size)
                answer = pickle.loads(await stdout.readexactly(_LENGTH.unpack(head)[0]))
                if not self._waiting:
                    raise WriterGone(f"an answer not asked for: {answer!r}")
                waiting = self._waiting.popleft()
                match answer:
                    case ("ok", result):
                        waiting.set_result(result)
                    case ("error", message, problem):
                        waiting.set_exception(StoreError(message, Problem(problem)))
                    case _:
                        waiting.set_exception(WriterGone(repr(answer)))
        except WriterGone as exc:
            gone: Exception = exc
        except Exception as exc:  # noqa: BLE001 - it ended, or garbled its answer
            gone = WriterGone(str(exc) or type(exc).__name__)
        while self._waiting:  # in order: the batches are stored again in the order given
            self._waiting.popleft().set_exception(gone)

    async def aclose(self) -> None:
        """Tell the child to finish (it stores the batches it was given) and wait for it;
        kill it if it does not end within EXIT_WAIT seconds."""
        process = self._process
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), EXIT_WAIT)
        except (TimeoutError, asyncio.CancelledError):
            if process.returncode is None:
                process.kill()
            await process.wait()
            raise
        finally:
            await self._reader


def _widen(process: asyncio.subprocess.Process) -> None:
    """Let the pipe to the child hold a whole batch, so a batch is handed over at once while
    the child stores the one before, not in sixteen pieces each waiting for this process's
    event loop to be free."""
    pipe = process.stdin.get_extra_info("pipe") if process.stdin is not None else None
    if pipe is not None:
        widen_pipe(pipe.fileno())


class SyncWriter:
    """What a sync stores its batches with: the thread, then, once PROCESS_AFTER rows have
    been given (a large sync: a small one never pays for a process), a child process,
    started in the background while the thread goes on. Batches are stored in the order
    given. If the child stops, the thread stores again what it was given, and the rest."""

    def __init__(self, db: Database, profile: str, *, process_after: int = PROCESS_AFTER) -> None:
        self._db = db
        self._profile = profile
        self._thread = ThreadWriter(db)
        self._process: ProcessWriter | None = None
        self._starting: asyncio.Future[ProcessWriter | None] | None = None
        self._process_after = process_after
        self._given = 0  # rows given to the thread
        self._dropped: list[asyncio.Future[None]] = []  # children that stopped, ending
        self._closed = False
        self._last: asyncio.Future[list[int]] | None = None  # the batch given last

    def submit(self, pages: Sequence[Sequence[LogRowLike]]) -> asyncio.Future[list[int]]:
        """Per page, how many of its rows were new, once stored (or StoreError)."""
        self._last = self._submit(pages)
        return self._last

    def _submit(self, pages: Sequence[Sequence[LogRowLike]]) -> asyncio.Future[list[int]]:
        if self._starting is not None and self._starting.done():
            starting, self._starting = self._starting, None
            self._process = None if starting.exception() else starting.result()
        # made ready here: a child only stores (it has the longer part of the work)
        batch = prepare_batch(self._profile, [page_columns(page) for page in pages])
        if self._process is not None:  # the request kept (~90 bytes a row), not the pages
            return asyncio.ensure_future(self._or_thread(self._process, store_request(batch)))
        self._given += sum(map(len, pages))
        if self._given >= self._process_after and self._starting is None:
            self._process_after = sys.maxsize  # once
            self._starting = asyncio.ensure_future(ProcessWriter.start(self._db))
        return self._thread.submit(batch)

    async def _or_thread(self, process: ProcessWriter, request: bytes) -> list[int]:
        try:
            return await process.submit(request)
        except WriterGone:
            if self._closed:  # killed while ending: what it had not stored is not stored
                raise
            if self._process is process:  # the first of its batches to hear it
                self._process = None
                self._dropped.append(asyncio.ensure_future(process.aclose()))
            _store, batch = pickle.loads(request)
            return await self._thread.submit(Batch(*batch))

    async def aclose(self) -> None:
        """Wait until the batches given are stored (or refused), then let the thread and the
        child end: when a sync returns, what it stored is committed, and nothing more is
        written under its claim."""
        if self._last is not None:
            await asyncio.wait([self._last])  # stored in order: the others before it
        self._closed = True
        self._thread.close()
        if self._starting is not None:
            starting, self._starting = self._starting, None
            await ended(starting)  # cut short, start closes its child itself
            if not starting.cancelled() and starting.exception() is None:
                self._process = starting.result()  # it had started: closed below
        if self._process is not None:
            process, self._process = self._process, None
            self._dropped.append(asyncio.ensure_future(process.aclose()))
        if self._dropped:
            await asyncio.wait(self._dropped)  # not cancelled: each lets its child finish
            for ending in self._dropped:
                if not ending.cancelled():
                    ending.exception()  # heard


def _read(stream: IO[bytes]) -> Any:
    """The next request, or None at the end of the input."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    size = _LENGTH.unpack(head)[0]
    payload = stream.read(size)
    return None if len(payload) < size else pickle.loads(payload)


def store_request(batch: Batch) -> bytes:
    """The request that has a child store `batch`."""
    return _pickled(("store", tuple(batch)))  # a plain tuple: no class to look up


def _pickled(message: tuple[Any, ...]) -> bytes:
    """A request or an answer as bytes. Pages are flat (tuples and lists of numbers and text,
    no object twice that matters, no cycles): pickled without its memo, which costs a dict
    entry per value (a million rows: 0.58 -> 0.36 µs a row)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo
    pickler.dump(message)
    return out.getvalue()


def _answer(stream: IO[bytes], answer: tuple[Any, ...]) -> None:
    payload = _pickled(answer)
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The child's loop: open, then store batches until the input ends."""
    db: Database | None = None
    try:
        while (request := _read(requests)) is not None:
            try:
                match request:
                    case ("open", path, language):
                        set_language(language)
                        db = open_db(Path(path), recover=False, checked=True)
                        db.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
                        result: Any = None
                    case ("store", batch) if db is not None:
                        result = store_batch(db, Batch(*batch))
                    case _:
                        raise ValueError(f"unknown request {request[0]!r}")
                answer: tuple[Any, ...] = ("ok", result)
            except StoreError as exc:
                answer = ("error", exc.message, str(exc.problem))
            except Exception as exc:  # noqa: BLE001 - a bug: the parent's thread takes over
                answer = ("failed", repr(exc))
            _answer(answers, answer)
    finally:
        if db is not None:
            db.close()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent says when to stop
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot garble answers
    with collector_paused():  # rows and values form no cycles
        serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
