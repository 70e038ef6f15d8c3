"""One streamed chat completion: chunk JSON, pacing, and the stream faults' wire behaviour."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .chat import Completion
from .errors import CHUNK_ERROR, EVENT_ERROR, OBJECT_ERROR
from .faults import ENDING_KINDS, Fault
from .sse import ChunkedWriter, EventEncoder

KEEPALIVE_EVERY = 0.05
_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _text(text: str) -> str:
    """A JSON string; a lone surrogate (a piece cut inside a UTF-16 pair) as a \\u escape."""
    return json.dumps(text, ensure_ascii=bool(_SURROGATE.search(text)))


@dataclass
class ChunkFactory:
    """chat.completion.chunk JSON for one response (pieces use a fast string template)."""

    chunk_id: str
    created: int
    model: str

    def _head(self) -> str:
        return _dumps({"id": self.chunk_id, "object": "chat.completion.chunk",
                       "created": self.created, "model": self.model})[:-1]

    def delta(self, delta: dict[str, str], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return self._head() + ',"choices":[' + _dumps(choice) + "]}"

    def piece(self, field: str, text: str) -> str:
        return (self._head() + ',"choices":[{"index":0,"delta":{' + _dumps(field) + ":"
                + _text(text) + '},"finish_reason":null}]}')

    def usage(self, usage: dict[str, object]) -> str:
        return self._head() + ',"choices":[],"usage":' + _dumps(usage) + "}"

    def error(self) -> str:
        return self._head() + ',"choices":[{"index":0,"delta":{},"finish_reason":"error"}],' \
            + '"error":' + _dumps(CHUNK_ERROR) + "}"


@dataclass
class StreamJob:
    """Everything one stream needs; `settle` charges the delivered pieces exactly once."""

    writer: ChunkedWriter
    encoder: EventEncoder
    chunks: ChunkFactory
    completion: Completion
    include_usage: bool
    fault: Fault | None
    pause: Callable[[float], None]  # raises Stopped when the gateway stops
    piece_delay: Callable[[], float]  # read per piece, so token_rate can change mid-stream
    charge: Callable[[int], object]  # completion tokens delivered -> charge and log
    reset: Callable[[], None]  # abort the TCP connection with RST
    usage_extra: Callable[[], dict[str, object]] = dict  # fields the usage chunk adds (cost)
    delivered: int = 0
    settled: bool = field(default=False)

    def settle(self, completed: bool = False) -> None:
        if not self.settled and (completed or self.delivered > 0):
            self.settled = True
            self.charge(self.delivered)

    def send(self, data: str) -> None:
        for part in self.encoder.encode(data):
            self.writer.write(part)

    def wait(self, seconds: float) -> None:
        self.writer.flush()
        self.pause(seconds)


def _keepalive_only(job: StreamJob, seconds: float) -> None:
    waited = 0.0
    while waited < seconds:
        job.writer.write(b": keep-alive\n\n")
        job.wait(min(KEEPALIVE_EVERY, seconds - waited))
        waited += KEEPALIVE_EVERY
    job.writer.end()


def _end_early(job: StreamJob, kind: str, next_event: str) -> None:
    """A stream that stops after some pieces: no finish_reason, no [DONE]."""
    job.settle()
    if kind == "reset":
        data = job.encoder.encode(next_event)[0]
        job.writer.write(data[: len(data) // 2])
        job.writer.flush()
        job.reset()
        return
    if kind == "error_chunk":
        job.send(job.chunks.error())
    elif kind == "event_error":
        job.writer.write(b"event: error\ndata: " + _dumps(EVENT_ERROR).encode() + b"\n\n")
    elif kind == "object_error":
        job.send(_dumps(OBJECT_ERROR))
    job.writer.end()


def run_stream(job: StreamJob) -> None:
    """Write the whole event stream for job, honouring its fault."""
    fault = job.fault
    kind = fault.kind if fault else None
    after = fault.after if fault else 0
    if fault and kind == "stall":
        job.wait(fault.seconds)
    if fault and kind == "keepalive_only":
        _keepalive_only(job, fault.seconds)
        return
    c = job.completion
    job.send(job.chunks.delta({"role": "assistant", "content": ""}))
    malformed_sent = False
    for field_name, text in c.deltas():
        event = job.chunks.piece(field_name, text)
        if kind in ENDING_KINDS and job.delivered == after:
            _end_early(job, kind, event)
            return
        if kind == "keepalive_stall" and job.delivered == after:  # text, then only comments
            job.settle()
            _keepalive_only(job, fault.seconds if fault else 0)
            return
        if kind == "malformed_json" and job.delivered == after:
            job.writer.write(b"data: {not json\n\n")
            malformed_sent = True
        if job.delivered:
            delay = fault.seconds if fault and kind == "drip" else job.piece_delay()
            if delay > 0:
                job.wait(delay)
        job.send(event)
        job.delivered += 1
    finish_event = job.chunks.delta({}, c.finish_reason)
    if kind in ENDING_KINDS:
        _end_early(job, kind, finish_event)
        return
    if kind == "malformed_json" and not malformed_sent:
        job.writer.write(b"data: {not json\n\n")
    job.settle(completed=True)
    if kind != "done_only":
        job.send(finish_event)
    if (job.include_usage or kind == "usage_unasked") and kind != "no_usage":
        job.send(job.chunks.usage({**c.usage(), **job.usage_extra()}))
    job.send("[DONE]")
    job.writer.end()
