"""A transport for one-shot CLI commands: each request through the standard library.

`tokendeck models|balance|logs` make one to a few short requests and exit. httpx2's own
transport (httpcore2, anyio and an SSL context loaded up front) costs about 0.1 s of start-up
on every such run, more than the requests themselves against a nearby gateway; this transport
sends each request with `urllib` in a daemon thread (TLS set up only for https), and returns
whole responses to the same Gateway code, retries and error mapping included. Not for
streaming: a response is read to its end before it is returned.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

import httpx2

T = TypeVar("T")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx answers back as they are: the httpx2 client follows them (or not)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Request(urllib.request.Request):
    read_timeout: float | None = None


class _HTTPConnection(http.client.HTTPConnection):
    """Connects within `timeout`, then waits at most `read_timeout` for each read."""

    def __init__(self, *args: Any, read_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(self.read_timeout)


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, read_timeout: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()  # the TLS handshake within the connect timeout
        self.sock.settimeout(self.read_timeout)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: _Request) -> http.client.HTTPResponse:  # type: ignore[override]
        return self.do_open(partial(_HTTPConnection, read_timeout=req.read_timeout), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: _Request) -> http.client.HTTPResponse:  # type: ignore[override]
        return self.do_open(partial(_HTTPSConnection, read_timeout=req.read_timeout), req)


class OneShotTransport(httpx2.AsyncBaseTransport):
    def __init__(self) -> None:
        # no proxies from the environment (the client says trust_env=False), no redirects
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _KeepRedirects(), _HTTPHandler(), _HTTPSHandler()
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        timeouts = request.extensions.get("timeout", {})
        wire = _Request(
            str(request.url),
            data=body or None,
            method=request.method,
            headers={k: v for k, v in request.headers.items() if k.lower() != "connection"},
        )
        wire.read_timeout = timeouts.get("read")

        def call() -> tuple[int, list[tuple[str, str]], bytes]:
            try:
                with self._opener.open(wire, timeout=timeouts.get("connect")) as answer:
                    return answer.status, answer.headers.items(), answer.read()
            except urllib.error.HTTPError as answer:  # 4xx/5xx (and 3xx): still an answer
                with answer:
                    return answer.code, list(answer.headers.items()), answer.read()

        try:
            status, headers, content = await _in_thread(call)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise httpx2.ConnectTimeout(str(reason), request=request) from None
            raise httpx2.ConnectError(str(reason), request=request) from None
        except TimeoutError as exc:
            raise httpx2.ReadTimeout(str(exc) or "timed out", request=request) from None
        except (http.client.HTTPException, OSError) as exc:
            raise httpx2.ReadError(str(exc) or type(exc).__name__, request=request) from None
        headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
        return httpx2.Response(
            status, headers=headers, stream=httpx2.ByteStream(content), request=request
        )


async def _in_thread(call: Callable[[], T]) -> T:
    """`call()` in a daemon thread: a request still running when the command ends (or is
    interrupted) never holds up the exit, as the default executor's threads would."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not done.done():
            outcome()

    def run() -> None:
        try:
            result = call()
        except BaseException as exc:  # handed to the awaiting task
            error = exc
            with suppress(RuntimeError):  # the loop is gone: nobody waits any more
                loop.call_soon_threadsafe(settle, lambda: done.set_exception(error))
            return
        with suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, lambda: done.set_result(result))

    threading.Thread(target=run, name="tokendeck-request", daemon=True).start()
    return await done
