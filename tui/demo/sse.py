"""SSE on the wire: hand-written chunked transfer encoding and the event shapes faults ask for."""

from __future__ import annotations

import json
from typing import Protocol

COMMENTS = (b": keep-alive\n\n", b": OPENROUTER PROCESSING\n\n")


class Sink(Protocol):
    """Where the bytes go: the handler's unbuffered socket writer."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


class ChunkedWriter:
    """Writes HTTP/1.1 chunks; with `batch` > 0, small writes are gathered up to that size."""

    def __init__(self, wfile: Sink, batch: int = 0) -> None:
        self._wfile = wfile
        self._batch = batch
        self._buffer: list[bytes] = []
        self._buffered = 0

    def write(self, data: bytes) -> None:
        if not data:
            return  # a zero-length chunk would end the body
        if self._batch:
            self._buffer.append(data)
            self._buffered += len(data)
            if self._buffered >= self._batch:
                self.flush()
            return
        self._send(data)

    def flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            self._buffered = 0
            self._send(data)

    def end(self) -> None:
        """The terminating zero-length chunk: the body ends cleanly."""
        self.flush()
        self._wfile.write(b"0\r\n\r\n")
        self._wfile.flush()

    def _send(self, data: bytes) -> None:
        self._wfile.write(b"%x\r\n%b\r\n" % (len(data), data))
        self._wfile.flush()


def _split_inside_chars(data: bytes) -> list[bytes]:
    """Cut after the first byte of each multi-byte UTF-8 character (at most 8 cuts)."""
    cuts = [i + 1 for i, b in enumerate(data) if b >= 0xC0][:8]
    parts, start = [], 0
    for cut in cuts:
        parts.append(data[start:cut])
        start = cut
    parts.append(data[start:])
    return parts


class EventEncoder:
    """Turns each `data` payload into the write(s) of one SSE event in a given shape."""

    def __init__(self, shape: str | None = None) -> None:
        self.shape = shape
        self._count = 0

    def encode(self, data: str) -> list[bytes]:
        """Bytes to write, one socket write (and HTTP chunk) per item."""
        n = self._count
        self._count += 1
        shape = self.shape
        if shape == "nospace":
            return [f"data:{data}\n\n".encode()]
        if shape == "comments":
            return [COMMENTS[n % 2], f"data: {data}\n\n".encode()]
        if shape == "sse_fields":
            retry = "retry: 3000\n" if n == 0 else ""
            return [f"{retry}id: {n + 1}\nevent: message\ndata: {data}\n\n".encode()]
        if shape == "crlf":
            return [f"data: {data}\r".encode(), b"\n\r\n"]
        if shape == "multiline_data":
            if data != "[DONE]":
                data = json.dumps(json.loads(data), ensure_ascii=False, indent=0)
            return ["".join(f"data: {line}\n" for line in data.split("\n")).encode() + b"\n"]
        event = f"data: {data}\n\n".encode()
        if shape == "utf8_split":
            return _split_inside_chars(event)
        return [event]
