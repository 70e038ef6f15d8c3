"""A large usage sync is stored by a child process (tui.spend.usage_writer): what it stores is
what the thread stores, its failures are the thread's, and it never outlives its sync. Real
child processes and the demo gateway over loopback HTTP; the sync is paced (never mocked) so
that the child is at work when the test acts."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
from collections.abc import AsyncGenerator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway_helpers import make_gateway
from tests.procs import WRITER, children_running
from tests.store_helpers import damage_messages
from tui import store
from tui.base.i18n import current_language, set_language
from tui.demo import DemoGateway
from tui.gateway import Gateway, LogRow
from tui.spend import usage_writer
from tui.spend.usage_sync import SyncResult, sync_usage
from tui.spend.usage_writer import ProcessWriter, store_request
from tui.store.usage import page_columns, prepare_batch

NOW = 1_763_900_000.0
ROWS = 12_000  # 40 pages
P = "demo"
HANG_GUARD = 60.0  # bounds a hang only; no assertion depends on elapsed time
CHILD = WRITER.decode()


@pytest.fixture
def big_demo() -> Iterator[DemoGateway]:
    with DemoGateway(history_rows=ROWS, now=NOW) as demo:
        yield demo


def writer_children() -> list[int]:
    """The usage-writer processes this process started that are still running."""
    return children_running(os.getpid())


class Paced:
    """The gateway's pages, held back after the first `free` until `go()` says so (so that
    a child process has been started and is storing when the test acts)."""

    def __init__(self, gateway: Gateway, free: int, go: Callable[[], bool]) -> None:
        self.gateway, self.free, self.go = gateway, free, go
        self.given = 0

    async def iter_usage_logs(self, **kw: Any) -> AsyncGenerator[list[LogRow], None]:
        async for page in self.gateway.iter_usage_logs(**kw):
            if self.given >= self.free:
                while not self.go():
                    await asyncio.sleep(0.01)
            self.given += 1
            yield page


class Spy:
    """Counts the batches children stored (the real ProcessWriter, watched)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[ProcessWriter | None] = []
        self.stored = 0
        start, submit = ProcessWriter.start, ProcessWriter.submit
        spy = self

        async def watched_start(db: store.Database) -> ProcessWriter | None:
            writer = await start(db)
            spy.started.append(writer)
            return writer

        def watched_submit(self: ProcessWriter, request: bytes) -> asyncio.Future[list[int]]:
            answer = submit(self, request)
            answer.add_done_callback(lambda done: spy.note(done))
            return answer

        monkeypatch.setattr(ProcessWriter, "start", staticmethod(watched_start))
        monkeypatch.setattr(ProcessWriter, "submit", watched_submit)

    def note(self, done: asyncio.Future[list[int]]) -> None:
        if not done.cancelled() and done.exception() is None:
            self.stored += 1


def contents(db: store.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a sync writes, in a fixed order."""
    tables = {
        "usage_rows": "profile, id", "usage_buckets": "profile, slot, model",
        "usage_days": "profile, slot, model", "usage_alphabets": "profile, field",
    }  # fmt: skip
    return {
        table: [tuple(row) for row in db.query(f"SELECT * FROM {table} ORDER BY {order}")]
        for table, order in tables.items()
    }


async def thread_only(
    gw: Gateway, path: Path
) -> tuple[SyncResult, dict[str, list[tuple[Any, ...]]]]:
    """A sync stored by the thread alone: its result and what it wrote."""
    with store.open_db(path) as db:
        result = await sync_usage(gw, db, P, process_after=10**9)
        assert result.new_rows == ROWS
        return result, contents(db)


async def test_a_large_sync_stores_through_a_child_exactly_what_the_thread_stores(
    big_demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    async with asyncio.timeout(HANG_GUARD), make_gateway(big_demo) as gw:
        alone, expected = await thread_only(gw, tmp_path / "thread.db")
        assert spy.started == []  # below process_after: no child
        paced = Paced(gw, 8, lambda: bool(spy.started))  # on once the child is ready
        with store.open_db(tmp_path / "child.db") as db:
            result = await sync_usage(paced, db, P, process_after=1_000)  # type: ignore[arg-type]
            assert result == alone and alone.new_rows == ROWS
            assert len(spy.started) == 1 and spy.started[0] is not None and spy.stored > 0
            assert contents(db) == expected  # rows, quarter hours, days and alphabets
            again = await sync_usage(gw, db, P, process_after=1_000)
            assert again.new_rows == 0 and contents(db) == expected
    assert writer_children() == []  # it ended with its sync


async def test_a_child_killed_mid_sync_leaves_the_rest_to_the_thread(
    big_demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    killed: list[int] = []

    def kill_once(_progress: SyncResult) -> None:
        if not killed and spy.stored > 0:  # it has stored a batch (and holds the next ones)
            killed.extend(writer_children())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    async with asyncio.timeout(HANG_GUARD), make_gateway(big_demo) as gw:
        alone, expected = await thread_only(gw, tmp_path / "thread.db")
        with store.open_db(tmp_path / "child.db") as db:
            paced = Paced(gw, 8, lambda: bool(spy.started))
            result = await sync_usage(
                paced, db, P, process_after=1_000, on_page=kill_once  # type: ignore[arg-type]
            )
            assert len(killed) == 1 and result.pages == alone.pages
            assert store.count_usage(db, P) == ROWS
            assert contents(db) == expected
            assert db.query("PRAGMA quick_check")[0][0] == "ok"
    assert writer_children() == []


async def test_a_cancelled_sync_ends_its_child_and_keeps_what_was_stored(
    big_demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    children: list[int] = []
    ends: list[int] = []

    def until_the_child_stored() -> bool:  # then no more pages: the sync waits for ever
        if not children and (found := writer_children()):
            children.extend(found)
            ends.extend(os.pidfd_open(pid) for pid in found)  # readable once it has exited
        return bool(spy.started) and not spy.stored and paced.given < 30

    async with asyncio.timeout(HANG_GUARD), make_gateway(big_demo) as gw:
        with store.open_db(tmp_path / "child.db") as db:
            paced = Paced(gw, 8, until_the_child_stored)
            task = asyncio.ensure_future(
                sync_usage(paced, db, P, process_after=1_000)  # type: ignore[arg-type]
            )
            while not (spy.stored and children):  # the child has stored a batch, and waits
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            exited = select.select(ends, [], [], 0)[0]
            assert sorted(exited) == sorted(ends)  # it had ended when the sync returned
            assert writer_children() == []
            stored = store.count_usage(db, P)
            assert 0 < stored < ROWS and store.complete_id(db, P) is None
            totals = db.query_one("SELECT sum(requests) FROM usage_days WHERE profile = ?", (P,))
            assert totals is not None and totals[0] == stored  # its totals agree with its rows
            result = await sync_usage(gw, db, P)  # the next sync fetches what is missing
            assert result.new_rows == ROWS - stored and store.count_usage(db, P) == ROWS
    for fd in ends:
        os.close(fd)


@pytest.mark.parametrize("python", ["", "/nonexistent/python3"])
async def test_without_a_child_the_thread_stores_everything(
    python: str, big_demo: DemoGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    monkeypatch.setattr(sys, "executable", python)
    async with asyncio.timeout(HANG_GUARD), make_gateway(big_demo) as gw:
        alone, expected = await thread_only(gw, tmp_path / "thread.db")
        with store.open_db(tmp_path / "child.db") as db:
            paced = Paced(gw, 8, lambda: bool(spy.started))
            result = await sync_usage(paced, db, P, process_after=1_000)  # type: ignore[arg-type]
            assert spy.started == [None] and result.new_rows == ROWS
            assert contents(db) == expected


def row(id: int, user_id: Any = "9") -> LogRow:
    return LogRow(id, user_id, NOW, 10, 20, "3", "gpt-4o", "1000", f"r{id}", "127.0.0.1", "")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_a_store_failure_in_the_child_is_the_one_this_process_would_raise(
    language: str, db: store.Database
) -> None:
    before = current_language()
    set_language(language)
    try:
        bad = [row(1, user_id=None)]  # NOT NULL: SQLite refuses the row
        with pytest.raises(store.StoreError) as here:
            store.store_pages(db, P, [bad])
        async with asyncio.timeout(HANG_GUARD):
            writer = await ProcessWriter.start(db)
            assert writer is not None
            try:
                with pytest.raises(store.StoreError) as there:
                    await writer.submit(store_request(prepare_batch(P, [page_columns(bad)])))
                assert (there.value.message, there.value.problem) == (
                    here.value.message, here.value.problem,
                )  # fmt: skip  # in the language this process speaks
                again = store_request(
                    prepare_batch(P, [page_columns([row(2)]), page_columns([row(2), row(3)])])
                )
                assert await writer.submit(again) == [1, 1]  # it goes on
            finally:
                await writer.aclose()
        assert store.count_usage(db, P) == 2
    finally:
        set_language(before)


def test_the_child_exits_when_its_input_ends_without_a_request() -> None:
    done = subprocess.run(
        [sys.executable, "-m", CHILD], input=b"", capture_output=True, timeout=60, check=False,
        cwd=Path(usage_writer.__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == b"", done.stderr


def test_a_writer_child_does_not_check_again_the_file_its_sync_checked(tmp_path: Path) -> None:
    # a quick_check reads the whole file: seconds at a million rows, for every child started
    made, first, second = (tmp_path / f"{name}.db" for name in ("made", "first", "second"))
    damage_messages(made)  # a file a check refuses (this process has seen it whole)
    first.write_bytes(made.read_bytes())
    second.write_bytes(made.read_bytes())
    with pytest.raises(store.StoreError) as checked:
        store.open_db(first)
    assert checked.value.problem is store.Problem.CORRUPT
    with store.open_db(second, recover=False, checked=True) as db:  # as a writer child opens it
        assert db.intact and db.damaged is None
