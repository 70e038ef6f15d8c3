"""Bulk work without the cyclic garbage collector.

A first usage sync makes millions of short-lived objects that form no cycles (JSON objects,
rows, SQL values): reference counting frees each at once, but the cyclic collector still
walks them, and whatever else lives, every 700 allocations. Paused for the sync it saves
~15% of the sync's CPU (bench/scale.py). Cycles made meanwhile wait until it ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_pauses = 0  # bulk jobs running (in the app, syncs of two profiles may overlap)
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside; it runs again once the last such block ends
    (if it ran before the first began)."""
    global _pauses, _resume
    if _pauses == 0:
        _resume = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _resume:
            gc.enable()
