"""Misbehaviour switches: the Fault dataclass, a thread-safe FIFO of them, interruptible waits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

ENDPOINTS = frozenset({"chat", "models", "balance", "logs", "create", "wallet"})

# Whole-response faults: the normal handler never runs.
RESPONSE_KINDS = frozenset({"status", "html_502", "empty_200", "json_200_error", "envelope_error"})
# Stream shapes that carry the same text as a normal stream.
SHAPE_KINDS = frozenset({"comments", "sse_fields", "crlf", "nospace", "multiline_data"})
# Faults that replace the answer text (utf8_split also splits writes inside characters).
CONTENT_KINDS = frozenset({"utf8_split", "utf16_split", "big", "big_line", "markup"})
# Stream endings after `after` pieces.
ENDING_KINDS = frozenset({"cut", "reset", "error_chunk", "event_error", "object_error"})
OTHER_KINDS = frozenset({
    "malformed_json", "usage_unasked", "no_usage", "finish", "done_only",
    "stall", "keepalive_only", "drip", "keepalive_stall",
    "hostile",  # escapes, markup and formulas in models, logs, a new key and error messages
})
FAULT_KINDS = RESPONSE_KINDS | SHAPE_KINDS | CONTENT_KINDS | ENDING_KINDS | OTHER_KINDS


class Stopped(Exception):
    """The gateway is stopping: the handler abandons its response."""


@dataclass
class Fault:
    """One misbehaviour, applied to the next `times` requests to `endpoint` (-1 = forever)."""

    kind: str
    endpoint: str = "chat"
    times: int = 1
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    after: int = 3
    seconds: float = 1.0
    finish_reason: str = "length"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown fault endpoint {self.endpoint!r}")
        if self.times == 0 or self.times < -1:
            raise ValueError("times must be positive or -1 (forever)")


@dataclass
class _Entry:
    """A queued fault and how many more requests it applies to."""

    fault: Fault
    left: int  # uses left; -1 = forever


class FaultQueue:
    """Faults in the order they were added; each request takes the first one for its endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Entry] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._queue.append(_Entry(fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def take(self, endpoint: str) -> Fault | None:
        """The fault for this request, counting one use of it."""
        with self._lock:
            for i, entry in enumerate(self._queue):
                if entry.fault.endpoint != endpoint:
                    continue
                if entry.left > 0:
                    entry.left -= 1
                    if entry.left == 0:
                        del self._queue[i]
                return entry.fault
            return None


def pause(stop: threading.Event, seconds: float) -> None:
    """Wait, but give up at once (raising Stopped) when the gateway stops."""
    if seconds > 0 and stop.wait(seconds):
        raise Stopped
    if stop.is_set():
        raise Stopped
