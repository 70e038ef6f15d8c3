"""KeptAliveTransport (many-page `logs`) on a loopback server that counts its connections:
requests share kept connections, a kept connection the server closed meanwhile is replaced,
chunked and gzip answers read as httpx2 reads them, `Connection: close` is obeyed, and TLS
works with a trusted certificate. (Its answers and errors equal httpx2's: test_oneshot.py.)"""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.gateway_helpers import RecordingSleep, make_gateway
from tui.gateway import Gateway, GatewayError
from tui.gateway.keepalive import KeptAliveTransport


@dataclass
class Server:
    """Answers `POST /echo` with the JSON it was sent and the number of its connection."""

    close_after: int = 0  # close each connection silently after this many answers (0: never)
    chunked_gzip: bool = False
    say_close: bool = False  # answer with `Connection: close` (and close)
    connections: int = 0
    answers: list[int] = field(default_factory=list)
    url: str = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number, served = self.connections, 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                asked = json.loads(await reader.readexactly(length))
                body = json.dumps({**asked, "conn": number}).encode()
                lines = [b"HTTP/1.1 200 OK", b"Content-Type: application/json"]
                if self.chunked_gzip:
                    body = gzip.compress(body)
                    half = len(body) // 2
                    lines += [b"Content-Encoding: gzip", b"Transfer-Encoding: chunked"]
                    body = b"".join(
                        b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:])
                    ) + b"0\r\n\r\n"
                else:
                    lines.append(b"Content-Length: %d" % len(body))
                if self.say_close:
                    lines.append(b"Connection: close")
                writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
                await writer.drain()
                self.answers.append(number)
                served += 1
                if self.say_close or served == self.close_after:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    made = Server()
    listening = await asyncio.start_server(made.serve, "127.0.0.1", 0)
    made.url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    async with listening:
        yield made


async def echoes(server: Server, n: int, transport: Any, *, together: int = 1) -> list[Any]:
    """`n` requests through a Gateway on `transport`, `together` at a time; none retried."""
    spec = make_gateway(None, base_url=server.url + "/v1").spec
    got: list[Any] = []
    async with Gateway(spec, transport=transport, sleep=RecordingSleep()) as gw:
        for start in range(0, n, together):
            asked = [
                gw.fetch_json("POST", server.url + "/echo", json={"i": i})
                for i in range(start, min(n, start + together))
            ]
            got += await asyncio.gather(*asked)
    assert gw.retries == 0
    return got


async def test_requests_share_kept_connections(server: Server) -> None:
    got = await echoes(server, 40, KeptAliveTransport())
    assert [g["i"] for g in got] == list(range(40))
    assert server.connections == 1
    got = await echoes(server, 40, KeptAliveTransport(), together=4)  # as logs pages come
    assert [g["i"] for g in got] == list(range(40))
    assert server.connections == 1 + 4


async def test_a_kept_connection_the_server_closed_is_replaced(server: Server) -> None:
    server.close_after = 3  # closed without a word, as idle connections are
    got = await echoes(server, 20, KeptAliveTransport())
    assert [g["i"] for g in got] == list(range(20))
    assert server.connections == 7  # a new one after every third answer, none failed
    assert [g["conn"] for g in got] == [1 + i // 3 for i in range(20)]


async def test_connection_close_is_obeyed(server: Server) -> None:
    server.say_close = True
    got = await echoes(server, 5, KeptAliveTransport())
    assert [g["conn"] for g in got] == [1, 2, 3, 4, 5]


async def test_chunked_gzip_answers_read_as_json(server: Server) -> None:
    server.chunked_gzip = True
    got = await echoes(server, 6, KeptAliveTransport())
    assert [g["i"] for g in got] == list(range(6))
    assert server.connections == 1


async def test_a_server_that_never_answers_is_a_network_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listening = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    async with listening:
        spec = make_gateway(None, base_url=url + "/v1").spec
        async with Gateway(spec, transport=KeptAliveTransport(), sleep=RecordingSleep()) as gw:
            with pytest.raises(GatewayError) as caught:
                await gw.fetch_json("POST", url + "/echo", json={"i": 1})
    assert caught.value.exit_code == 7
    assert gw.retries == 2  # retried as httpx2's transport is


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl to make a certificate")
async def test_https_with_a_trusted_certificate(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
         "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    made = Server()
    listening = await asyncio.start_server(made.serve, "127.0.0.1", 0, ssl=serving)
    made.url = f"https://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
    trusting = ssl.create_default_context(cafile=str(cert))
    async with listening:
        got = await echoes(made, 3, KeptAliveTransport(ssl_context=trusting))
        assert [g["i"] for g in got] == [0, 1, 2] and made.connections == 1
        with pytest.raises(GatewayError) as caught:  # the system's trust does not know it
            await echoes(made, 1, KeptAliveTransport())
    assert "Cannot reach" in caught.value.message
