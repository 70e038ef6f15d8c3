"""Bring a profile's usage-log cache up to date: newest first, incremental, a transaction a page."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Protocol

from .store import Database, complete_id, mark_complete, newest_id, store_usage
from .store.usage import LogRowLike


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
    concurrency: int = 4,
    on_page: Callable[[SyncResult], None] | None = None,
) -> SyncResult:
    """Fetch the rows newer than the cache holds (everything the first time) and store them.

    It stops at the newest id of the last *finished* sync, not at the newest row stored: a sync
    cut short (network, Ctrl-C) leaves older rows missing, and the next one fetches them again.
    Rows are stored by id, so a row seen twice is stored once. `on_page` hears the progress
    after each page is stored. Raises GatewayError or StoreError; stored pages stay stored.
    """
    stop = complete_id(db, profile)
    new_rows = pages = 0
    newest: int | None = None
    async with aclosing(gateway.iter_usage_logs(concurrency=concurrency, stop_at_id=stop)) as it:
        async for page in it:  # a failure here cancels the pages still being fetched
            new_rows += store_usage(db, profile, page)
            pages += 1
            top = max(row.id for row in page)
            newest = top if newest is None else max(newest, top)
            if on_page is not None:
                on_page(SyncResult(new_rows, pages, newest))
    mark_complete(db, profile, newest)
    return SyncResult(new_rows, pages, newest_id(db, profile))
