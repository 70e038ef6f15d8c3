"""Bring a profile's usage-log cache up to date: newest first, incremental, pages fetched
concurrently and stored in batches by a thread, or for a large sync a child process, of their
own (usage_writer)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol

from ..base.collector import collector_paused
from ..base.i18n import _, ngettext
from ..base.tasks import ended
from ..base.textfmt import number
from ..store import (
    Database,
    complete_id,
    mark_complete,
    newest_id,
    sync_claim,
)
from ..store.usage import LogRowLike, defer_sync_indexes, restore_sync_indexes
from .usage_writer import PROCESS_AFTER, SyncWriter

CONCURRENCY = 8  # page requests in flight at most (openai-hk pages hold <= 300 rows)
BATCH_ROWS = 10_000  # rows stored in one transaction at most (the write lock is held ~0.1 s;
# each commit writes the pages of the request-id index it touched: bigger batches, fewer
# copies of that random index in the WAL)
# pages received and waiting for the writer at most: the fetching waits beyond that, so a
# gateway faster than the disk never piles a whole log up in memory (a million rows took
# 550 MB that way)
QUEUE_PAGES = 2 * BATCH_ROWS // 300
STORING = 2  # batches given to the writer at most: one being stored, the next waiting
CLAIM_POLL = 0.1  # seconds between two looks at a sync of the same profile still running


def new_rows(count: int) -> str:
    """ "no new rows", "1 new row", "3,000 new rows" (a sync's summary, in the app and the
    CLI)."""
    if count == 0:
        return _("no new rows")
    return ngettext("{count} new row", "{count} new rows", count).format(count=number(count))


def pages(count: int) -> str:
    """ "1 page", "11 pages"."""
    return ngettext("{count} page", "{count} pages", count).format(count=number(count))


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did: rows not cached before, pages stored, the newest id now cached."""

    new_rows: int
    pages: int
    newest_id: int | None


class UsageSource(Protocol):
    """What sync needs from tui.gateway.Gateway."""

    def iter_usage_logs(
        self, *, page_size: int = ..., concurrency: int = ..., stop_at_id: int | None = ...
    ) -> AsyncGenerator[Sequence[LogRowLike], None]: ...


async def sync_usage(
    gateway: UsageSource,
    db: Database,
    profile: str,
    *,
    concurrency: int = CONCURRENCY,
    on_page: Callable[[SyncResult], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    process_after: int = PROCESS_AFTER,
) -> SyncResult:
    """Fetch the rows newer than the cache holds (everything the first time) and store them.

    It stops at the newest id of the last *finished* sync, not at the newest row stored: a sync
    cut short (network, Ctrl-C) leaves older rows missing, and the next one fetches them again.
    Up to `concurrency` pages are fetched at once; the pages that arrived while a batch was
    being written are stored together in the next transaction (at most BATCH_ROWS rows), by a
    thread and, once `process_after` rows have been given to it, by a child process
    (usage_writer: a million rows take two cores, not one). Rows are stored by id, so a row
    seen twice is stored once. `on_page` hears the progress after each page is stored. Raises
    GatewayError or StoreError; pages received before a failure are stored, and stay stored.

    One sync of a profile runs at a time, in all processes: a second one waits (`on_wait` hears
    that it does, once) until the first has finished, then fetches only what is newer.
    """
    if db.damaged is not None:  # nothing is written beside a damaged file either (its claim)
        raise db.damaged
    claim = sync_claim(db.path, profile)
    if not claim.take():
        if on_wait is not None:
            on_wait()
        while not claim.take():
            await asyncio.sleep(CLAIM_POLL)
    try:
        restore_sync_indexes(db)  # a first sync cut short by a crash left them unmade
        deferred = defer_sync_indexes(db, profile)
        try:
            with collector_paused():  # rows and JSON objects form no cycles
                return await _sync(gateway, db, profile, concurrency, on_page, process_after)
        finally:
            if deferred:
                restore_sync_indexes(db)
    finally:
        claim.release()


async def _sync(
    gateway: UsageSource,
    db: Database,
    profile: str,
    concurrency: int,
    on_page: Callable[[SyncResult], None] | None,
    process_after: int,
) -> SyncResult:
    stop = complete_id(db, profile)
    arrived: asyncio.Queue[Sequence[LogRowLike] | BaseException | None] = asyncio.Queue(
        QUEUE_PAGES
    )

    async def fetch() -> None:
        try:
            pages = gateway.iter_usage_logs(concurrency=concurrency, stop_at_id=stop)
            async with aclosing(pages) as it:
                async for page in it:
                    await arrived.put(page)
        except Exception as exc:  # stored pages first, then the failure
            await arrived.put(exc)
        else:
            await arrived.put(None)

    new_rows = pages = 0
    newest: int | None = None

    def stored(tops: list[int | None], counts: list[int]) -> None:
        nonlocal new_rows, pages, newest
        for top, count in zip(tops, counts, strict=True):
            new_rows += count
            pages += 1
            if top is not None:
                newest = top if newest is None else max(newest, top)
            if on_page is not None:
                on_page(SyncResult(new_rows, pages, newest))

    writer = SyncWriter(db, profile, process_after=process_after)
    fetching = asyncio.ensure_future(fetch())
    # batches given to the writer and not yet stored, oldest first (the newest id of each of
    # their pages; the writer holds the pages): the next one is given while one is being
    # stored, so the writer never waits for it
    storing: deque[tuple[list[int | None], asyncio.Future[list[int]]]] = deque()
    try:
        end: BaseException | None = None
        finished = False
        while not finished:
            batch: list[Sequence[LogRowLike]] = []
            item = await arrived.get()
            while True:
                if item is None or isinstance(item, BaseException):
                    finished, end = True, item
                    break
                batch.append(item)
                if sum(len(p) for p in batch) >= BATCH_ROWS or arrived.empty():
                    break
                item = arrived.get_nowait()
            if batch:
                tops = [max(map(_row_id, page), default=None) for page in batch]
                storing.append((tops, writer.submit(batch)))
                del batch  # the writer has the batch made from them: the pages go
            while storing and (finished or len(storing) >= STORING or storing[0][1].done()):
                done, counts = storing.popleft()
                stored(done, await counts)
        if end is not None:
            raise end
    finally:
        await ended(fetching)  # a failure here cancels the pages still being fetched
        for _batch, counts in storing:  # stored (or refused) as the writer ends; the
            counts.add_done_callback(_heard)  # failure raised is the first batch's
        await writer.aclose()
    mark_complete(db, profile, newest)
    return SyncResult(new_rows, pages, newest_id(db, profile))


_row_id = attrgetter("id")


def _heard(done: asyncio.Future[list[int]]) -> None:
    if not done.cancelled():
        done.exception()
