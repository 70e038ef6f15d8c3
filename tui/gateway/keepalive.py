"""A transport for the many pages of a usage log: HTTP/1.1 on asyncio streams, connections kept.

`tokendeck logs --limit 0` (or `--since`) asks the gateway for thousands of pages, one after
another on a few connections. httpx2's own transport (httpcore2's pool, anyio's streams and
cancel scopes, h11) spends ~0.65 ms of CPU on each request, more than reading the page's 300
rows; this one sends the same requests with h11 (the HTTP/1.1 state machine httpcore2 uses)
on asyncio's streams, ~0.18 ms each (a million rows are 3,334 pages: ~1.6 s less). The Gateway
code above it is the same: retries, timeouts and error mapping see httpx2's exceptions.
Whole responses only (no streaming), HTTP/1.1 only, no proxies (the Gateway's client trusts
no environment either).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import h11
import httpx2

Origin = tuple[str, str, int]  # scheme, host, port
_READ = 256 * 1024


class _Stale(Exception):
    """A kept connection the gateway had closed: the request was not answered at all."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        self.writer.close()


class KeptAliveTransport(httpx2.AsyncBaseTransport):
    """Each request on a connection of the same origin kept alive from an earlier one (a new
    one when none is free). A kept connection the gateway closed meanwhile (no answer at all)
    is replaced once, as browsers do; any other failure is httpx2's exception for it."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._idle: dict[Origin, list[_Connection]] = {}
        self._ssl = ssl_context

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        idle = self._idle.get(origin)
        conn = idle.pop() if idle else None
        if conn is not None:
            try:
                return await self._exchange(conn, origin, request, body, timeouts)
            except _Stale:
                pass  # a new connection, once
        conn = await self._connect(origin, request, timeouts)
        try:
            return await self._exchange(conn, origin, request, body, timeouts)
        except _Stale:
            raise httpx2.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    async def _connect(
        self, origin: Origin, request: httpx2.Request, timeouts: dict[str, float | None]
    ) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = httpx2.create_ssl_context(trust_env=False)
                self._ssl.set_alpn_protocols(["http/1.1"])
            tls = self._ssl
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None, limit=_READ
                )
        except TimeoutError:
            raise httpx2.ConnectTimeout("timed out", request=request) from None
        except OSError as exc:  # refused, unreachable, a certificate not trusted ...
            raise httpx2.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        return _Connection(reader, writer)

    async def _exchange(
        self, conn: _Connection, origin: Origin, request: httpx2.Request, body: bytes,
        timeouts: dict[str, float | None],
    ) -> httpx2.Response:  # fmt: skip
        """The request and its whole answer on `conn`, kept for the next one unless either
        side said it closes; _Stale when the connection ended before any of the answer."""
        h = conn.h11
        heard = sending = False
        try:
            head = h11.Request(
                method=request.method, target=request.url.raw_path, headers=request.headers.raw
            )
            data = h.send(head) + (h.send(h11.Data(data=body)) if body else b"")
            conn.writer.write(data + h.send(h11.EndOfMessage()))  # the request in one send
            sending = True
            async with asyncio.timeout(timeouts.get("write")):
                await conn.writer.drain()
            sending = False
            answer: Any = None
            chunks: list[bytes] = []
            while True:
                event = h.next_event()
                if event is h11.NEED_DATA:
                    async with asyncio.timeout(timeouts.get("read")):
                        received = await conn.reader.read(_READ)
                    if not received and not heard:
                        raise _Stale
                    heard = True
                    h.receive_data(received)
                elif isinstance(event, h11.Response):
                    answer = event
                elif isinstance(event, h11.Data):
                    chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    break
                # h11.InformationalResponse (100 Continue): the answer is still to come
        except _Stale:
            conn.close()
            raise
        except (ConnectionResetError, BrokenPipeError) as exc:
            conn.close()
            if not heard:
                raise _Stale from None
            raise httpx2.ReadError(str(exc) or type(exc).__name__, request=request) from None
        except TimeoutError:
            conn.close()
            kind = httpx2.WriteTimeout if sending else httpx2.ReadTimeout
            raise kind("timed out", request=request) from None
        except h11.RemoteProtocolError as exc:
            conn.close()
            raise httpx2.RemoteProtocolError(str(exc), request=request) from None
        except h11.LocalProtocolError as exc:
            conn.close()
            raise httpx2.LocalProtocolError(str(exc), request=request) from None
        except OSError as exc:
            conn.close()
            raise httpx2.ReadError(str(exc) or type(exc).__name__, request=request) from None
        except BaseException:  # cancelled: the connection is in no state to be used again
            conn.close()
            raise
        if h.our_state is h11.DONE and h.their_state is h11.DONE:
            h.start_next_cycle()
            self._idle.setdefault(origin, []).append(conn)
        else:
            conn.close()
        return httpx2.Response(
            answer.status_code,
            headers=answer.headers.raw_items(),
            stream=httpx2.ByteStream(b"".join(chunks)),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
        )
