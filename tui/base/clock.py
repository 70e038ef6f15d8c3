"""Time sources the app reads, in one place so snapshot tests can freeze them."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Wall time and elapsed time; tests replace it with a FrozenClock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FrozenClock(Clock):
    def __init__(self, at: datetime, step: float = 0.0) -> None:
        self.at = at
        self.step = step
        self._ticks = 0.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        self._ticks += self.step
        return self._ticks
