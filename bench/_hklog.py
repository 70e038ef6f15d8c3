"""A big openai-hk usage log for the scale benchmarks, made up row by row as it is asked for.

Row i (0 the oldest) is a pure function of i. The server formats every row once, before it
says its URL (~5 s and ~330 MB for a million, in its own process): a real gateway does that
work on another machine, so serving a page (`POST /openai/sk/log` with `{"start", "limit"}`,
newest first, `limit` <= 300 as the real gateway insists) only joins rows already made, and
the 2-core machine's second core is left to tokendeck, as it would be against a real gateway.
Ids and times grow with i; credits left (`yufen`) are the starting grant minus every row's
credits so far (credits repeat with a period of PERIOD rows, whose prefix sums are kept).

`python bench/_hklog.py ROWS` serves it on a free loopback port: it prints the base URL, then
serves until its stdin closes (bench/_common.url_child). The gateway's other endpoints are not
needed by the commands measured (`logs`, `logs sync`, `report`) and answer 404.
"""

from __future__ import annotations

import asyncio
import json
import sys

PERIOD = 4096
FIRST_ID = 7_000_000
EPOCH = 1_740_000_000  # the oldest row's time (unix seconds); one row every ~20 s after it
GRANT = 10**10  # credits granted before the oldest row
USER_ID = "9"
MODELS = ("gpt-4o", "gpt-4o-mini", "deepseek-chat", "qwen-plus", "claude-3-5-sonnet", "o3-mini")
IPS = ("43.154.119.189", "119.28.77.41")
MAX_PAGE = 300


def _mix(j: int) -> int:
    return (j * 2654435761 + 0x9E3779B9) & 0xFFFFFFFF


def _shape(j: int) -> tuple[str, int, int, int]:
    """Model, prompt and completion tokens, and credits of a row at position j of the period."""
    h = _mix(j)
    model = MODELS[(h >> 3) % len(MODELS)]
    prompt = 8 + (h >> 7) % 9000
    completion = 1 + (h >> 13) % 3000
    fen = 1 + (prompt * (3 + h % 5) + completion * (9 + h % 7)) // 1000
    return model, prompt, completion, fen


SHAPES = [_shape(j) for j in range(PERIOD)]
PREFIX = [0]
for _model, _prompt, _completion, _fen in SHAPES:
    PREFIX.append(PREFIX[-1] + _fen)

ROW = (
    '{{"id":"{id}","user_id":"' + USER_ID + '","ctime":"{ctime}","prompt_tokens":"{prompt}",'
    '"completion_tokens":"{completion}","fen":"{fen}","model":"{model}","yufen":"{yufen}",'
    '"reqid":"{reqid}","ip":"{ip}","note":""}}'
)


def row_id(i: int) -> int:
    return FIRST_ID + 3 * i + (i * 7) % 3  # strictly increasing, with gaps


def spent_through(i: int) -> int:
    """Credits of rows 0..i together."""
    whole, part = divmod(i + 1, PERIOD)
    return whole * PREFIX[PERIOD] + PREFIX[part]


def row_json(i: int) -> str:
    model, prompt, completion, fen = SHAPES[i % PERIOD]
    return ROW.format(
        id=row_id(i), ctime=EPOCH + 20 * i + (i * 13) % 17, prompt=prompt,
        completion=completion, fen=fen, model=model, yufen=GRANT - spent_through(i),
        reqid=f"{(i * 0x9E3779B97F4A7C15 + 12345) & 0xFFFFFFFFFFFFFFFF:016x}", ip=IPS[i % 2],
    )  # fmt: skip


def row(i: int) -> dict[str, str]:
    """Row i as the gateway sends it (for tests and checks)."""
    found: dict[str, str] = json.loads(row_json(i))
    return found


def page_body(rows: int, start: int, limit: int, made: list[str] | None = None) -> bytes:
    """The envelope of rows start .. start+limit-1 counted from the newest, newest first
    (`made`: row_json of every row, made beforehand)."""
    if not (isinstance(start, int) and start >= 0 and isinstance(limit, int)
            and 0 < limit <= MAX_PAGE):  # fmt: skip
        return b'{"data":null,"error":1,"error_des":"limit must be 1..300, start >= 0"}'
    newest = rows - 1 - start
    indexes = range(newest, max(-1, newest - limit), -1)
    logs = ",".join(made[i] for i in indexes) if made else ",".join(map(row_json, indexes))
    return ('{"data":{"logs":[' + logs + ']},"error":0,"error_des":""}').encode()


async def _serve_one(
    made: list[str], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _sep, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            status, payload = "404 Not Found", b'{"error":{"message":"not here"}}'
            if method == "POST" and path.split("?", 1)[0] == "/openai/sk/log":
                try:
                    asked = json.loads(body or b"{}")
                    start, limit = int(asked.get("start", 0)), int(asked.get("limit", 30))
                except (ValueError, TypeError, AttributeError):
                    start, limit = -1, 0
                status, payload = "200 OK", page_body(len(made), start, limit, made)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve(rows: int) -> None:
    made = [row_json(i) for i in range(rows)]
    server = await asyncio.start_server(
        lambda r, w: _serve_one(made, r, w), "127.0.0.1", 0, backlog=64
    )
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    server.close()


SERVER = "import sys; from bench._hklog import main; main(sys.argv[1:])"


def main(argv: list[str]) -> None:
    asyncio.run(serve(int(argv[0]) if argv else 1_000_000))


if __name__ == "__main__":
    main(sys.argv[1:])
