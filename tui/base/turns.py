"""Taking turns on the event loop: a stream whose events are already buffered would otherwise be
handled in one go, holding keys, frames and the other streams until it is drained."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def in_turns(events: AsyncIterator[T], share: float) -> AsyncIterator[T]:
    """`events` as they come, handing the loop back (`sleep(0)`) whenever `share` seconds went
    by since the last turn: the caller's work on each event counts, as it runs between two."""
    turn = time.perf_counter() + share
    async for event in events:
        if time.perf_counter() > turn:
            await asyncio.sleep(0)
            turn = time.perf_counter() + share
        yield event
