"""Ending tasks without swallowing the waiting task's own cancellation (Ctrl-C in a usage
sync's last moments let it finish and exit 0)."""

from __future__ import annotations

import asyncio

import pytest

from tui.base.tasks import ended


async def slow_to_end() -> None:
    try:
        await asyncio.sleep(60)
    finally:
        await asyncio.sleep(0.05)  # takes a while to end once cancelled


async def test_a_cancel_of_the_waiting_task_still_raises() -> None:
    inner = asyncio.ensure_future(slow_to_end())
    await asyncio.sleep(0)
    waiting = asyncio.ensure_future(ended(inner))
    await asyncio.sleep(0.01)  # inside ended, waiting for inner to end
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait([inner])
    assert inner.cancelled()


async def test_the_tasks_end_and_their_outcomes_are_heard() -> None:
    async def fails() -> None:
        raise ValueError("heard, not raised")

    failing = asyncio.ensure_future(fails())
    await asyncio.sleep(0)  # it has failed
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    done.set_result(1)
    slow = asyncio.ensure_future(slow_to_end())
    await ended(failing, done, slow)
    assert failing.done() and done.result() == 1 and slow.cancelled()
