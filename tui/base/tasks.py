"""Ending asyncio tasks without swallowing a cancellation meant for the task that waits."""

from __future__ import annotations

import asyncio
from typing import Any


async def ended(*tasks: asyncio.Future[Any]) -> None:
    """Cancel `tasks` and wait until every one has ended; their outcomes (a result, a failure,
    their cancellation) are heard and dropped. A cancellation of the task that awaits this
    still raises: `with suppress(CancelledError): await task` swallowed it too, and Ctrl-C
    in a usage sync's last moments let the sync finish and exit 0."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
    for task in tasks:
        if not task.cancelled():
            task.exception()  # heard: never "exception was never retrieved"
