"""Writing responses from a handler: JSON, raw bodies, RST aborts and the non-stream faults."""

from __future__ import annotations

import json
import socket
import struct
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler
from typing import Any

from .errors import (
    CHUNK_ERROR,
    ENVELOPE_BUSY,
    EVENT_ERROR,
    HTML_502,
    JSON_200_ERROR,
    OBJECT_ERROR,
    openai_error,
    status_error,
)
from .faults import Fault, pause
from .hostile import MESSAGE
from .sse import ChunkedWriter

JSON = "application/json"
KEEPALIVE_EVERY = 0.05
NONSTREAM_ERROR_BODIES: dict[str, dict[str, Any]] = {
    "json_200_error": JSON_200_ERROR,
    "envelope_error": ENVELOPE_BUSY,
    "event_error": EVENT_ERROR,
    "object_error": OBJECT_ERROR,
    "error_chunk": {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": ""},
                     "finish_reason": "error"}],
        "error": CHUNK_ERROR,
    },
}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


class Reply:
    """Response helpers bound to one handler and the gateway's stop event."""

    def __init__(self, handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        self.h = handler
        self.stop = stop

    def pause(self, seconds: float) -> None:
        pause(self.stop, seconds)

    def head(self, status: int, headers: dict[str, str]) -> None:
        self.h.send_response(status)
        for name, value in headers.items():
            self.h.send_header(name, value)
        self.h.end_headers()

    def raw(
        self, status: int, body: bytes, content_type: str = JSON,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.head(status, {"Content-Type": content_type, "Content-Length": str(len(body)),
                           **(headers or {})})
        self.h.wfile.write(body)

    def json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self.raw(status, dumps(obj), JSON, headers)

    def chunked(self, status: int, content_type: str, headers: dict[str, str]) -> None:
        self.head(status, {"Content-Type": content_type, "Transfer-Encoding": "chunked",
                           **headers})

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0, then a real close)."""
        sock = self.h.connection
        self.h.close_connection = True
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with suppress(OSError):
            self.h.rfile.close()  # drop makefile's reference, or close() would not close
        with suppress(OSError):
            sock.close()

    def response_fault(self, fault: Fault | None, stream: bool = False) -> bool:
        """Answer the whole request as the fault says; False when the fault is not of that sort."""
        if fault is None:
            return False
        kind, headers = fault.kind, fault.headers
        if kind == "status":
            body = fault.body.encode() if fault.body is not None else dumps(
                status_error(fault.status))
            self.raw(fault.status, body, JSON, headers)
        elif kind == "html_502":
            self.raw(502, HTML_502.encode(), "text/html; charset=utf-8", headers)
        elif kind == "empty_200":
            self.raw(200, b"", JSON, headers)
        elif kind in ("json_200_error", "envelope_error") or (
            not stream and kind in NONSTREAM_ERROR_BODIES
        ):
            self.json(200, NONSTREAM_ERROR_BODIES[kind], headers)
        elif kind == "keepalive_only" and not stream:
            self._whitespace_only(fault)
        elif kind == "hostile" and fault.endpoint in ("chat", "balance", "wallet"):
            self.json(400, openai_error(MESSAGE, "invalid_request_error"), headers)
        else:
            return False
        return True

    def _whitespace_only(self, fault: Fault) -> None:
        """Non-stream keep-alive: whitespace (as OpenRouter sends) and never a JSON body."""
        self.chunked(200, JSON, fault.headers)
        writer = ChunkedWriter(self.h.wfile)
        waited = 0.0
        while waited < fault.seconds:
            writer.write(b"\n")
            self.pause(min(KEEPALIVE_EVERY, fault.seconds - waited))
            waited += KEEPALIVE_EVERY
        writer.end()

    def deliver(
        self, status: int, body: bytes, headers: dict[str, str], fault: Fault | None
    ) -> None:
        """Send a normal JSON body, damaged by a delivery fault (stall, malformed, cut, reset)."""
        kind = fault.kind if fault else None
        if fault:
            headers = {**headers, **fault.headers}
        if fault and kind == "stall":
            self.pause(fault.seconds)
        if kind == "malformed_json":
            body = body[: len(body) // 2]
        if kind not in ("cut", "reset"):
            self.raw(status, body, JSON, headers)
            return
        self.head(status, {"Content-Type": JSON, "Content-Length": str(len(body)), **headers})
        self.h.wfile.write(body[: len(body) // 2])
        if kind == "reset":
            self.reset()
        else:
            self.h.close_connection = True
