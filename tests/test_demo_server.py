"""The demo gateway over real loopback HTTP, checked with the stdlib client only."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import interruptible
from tui.demo import DEMO_HK_KEY, DEMO_KEY, FAULT_KINDS, MODELS, DemoGateway, Fault
from tui.demo.answers import UTF8_ANSWER, big_line_piece, big_pieces

NOW = 1_700_000_000.0
ROOT = Path(__file__).resolve().parents[1]
CHAT = "/api/v1/chat/completions"
HK_CHAT = "/v1/chat/completions"
LOGS = "/openai/sk/log"
CREATE = "/openai/sk/create"
PROMPT = "Explain Python decorators with an example"


@pytest.fixture
def gw() -> Iterator[DemoGateway]:
    with DemoGateway(now=NOW, history_rows=400) as gateway:
        yield gateway


# -- stdlib client helpers -----------------------------------------------------------------


@dataclass
class Resp:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    gw: DemoGateway, method: str, path: str, body: Any = None, key: str | None = DEMO_KEY
) -> Resp:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def chat(
    prompt: str = PROMPT, model: str = "gpt-4o-mini", stream: bool = False, **extra: Any
) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "stream": stream}
    return body | extra


def raw(gw: DemoGateway, path: str, body: Any, key: str = DEMO_KEY) -> tuple[bytes, bytes]:
    """(head, raw chunked body) read from a plain socket until the server closes."""
    payload = json.dumps(body).encode()
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + payload
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as sock:
        sock.sendall(request)
        parts = []
        while chunk := sock.recv(65536):
            parts.append(chunk)
    head, _, rest = b"".join(parts).partition(b"\r\n\r\n")
    return head, rest


def dechunk(data: bytes) -> tuple[list[bytes], bool]:
    """HTTP chunks, and whether the terminating zero-length chunk arrived."""
    chunks: list[bytes] = []
    pos = 0
    while (eol := data.find(b"\r\n", pos)) >= 0:
        size = int(data[pos:eol], 16)
        if size == 0:
            return chunks, True
        start = eol + 2
        if len(data) < start + size + 2:
            break
        chunks.append(data[start : start + size])
        pos = start + size + 2
    return chunks, False


def sse(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs per the SSE spec: comments, fields, CRLF, multi-line data."""
    events: list[tuple[str, str]] = []
    data: list[str] = []
    event = "message"
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            if data:
                events.append((event, "\n".join(data)))
            data, event = [], "message"
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
    return events


@dataclass
class Stream:
    content: str = ""
    reasoning: str = ""
    reasoning_field: str | None = None
    finish: str | None = None
    usage: dict[str, int] | None = None
    done: bool = False
    not_json: int = 0
    ids: set[str] = field(default_factory=set)
    first_delta: dict[str, Any] | None = None
    errors: list[tuple[str, Any]] = field(default_factory=list)


def decode(body: bytes) -> Stream:
    s = Stream()
    content: list[str] = []
    reasoning: list[str] = []
    for event, data in sse(body.decode("utf-8")):
        if data == "[DONE]":
            s.done = True
            continue
        try:
            obj = json.loads(data)
        except ValueError:
            s.not_json += 1
            continue
        if event == "error" or "error" in obj or obj.get("object") == "error":
            s.errors.append((event, obj))
        if "id" in obj:
            s.ids.add(obj["id"])
        if obj.get("usage"):
            s.usage = obj["usage"]
        for choice in obj.get("choices", []):
            delta = choice.get("delta", {})
            if s.first_delta is None:
                s.first_delta = delta
            content.append(delta.get("content") or "")
            for name in ("reasoning_content", "reasoning"):
                if delta.get(name):
                    reasoning.append(delta[name])
                    s.reasoning_field = name
            s.finish = choice.get("finish_reason") or s.finish
    s.content, s.reasoning = "".join(content), "".join(reasoning)
    return s


def stream(gw: DemoGateway, body: dict[str, Any], path: str = CHAT) -> tuple[Resp, Stream]:
    r = call(gw, "POST", path, body)
    assert r.status == 200, r.body
    return r, decode(r.body)


def normal_text(gw: DemoGateway, prompt: str = PROMPT) -> str:
    return str(call(gw, "POST", CHAT, chat(prompt)).json()["choices"][0]["message"]["content"])


# -- seeded history ------------------------------------------------------------------------


def test_seeding_is_deterministic() -> None:
    a = DemoGateway(seed=7, now=NOW, history_rows=500)
    b = DemoGateway(seed=7, now=NOW, history_rows=500)
    c = DemoGateway(seed=8, now=NOW, history_rows=500)
    assert a.logs == b.logs
    assert a.logs != c.logs
    assert a.balance == b.balance == c.balance == 141_434


def test_history_is_a_coherent_ledger() -> None:
    gw = DemoGateway(now=NOW)
    rows = gw.logs
    assert len(rows) == 3000
    assert all(isinstance(v, str) for row in rows for v in row.values())
    assert list(rows[0]) == [
        "id",
        "user_id",
        "ctime",
        "prompt_tokens",
        "completion_tokens",
        "fen",
        "model",
        "yufen",
        "reqid",
        "ip",
        "note",
    ]
    assert rows[0]["yufen"] == str(gw.balance) == "141434"
    top_ups = 0
    for newer, older in zip(rows, rows[1:], strict=False):
        assert int(newer["id"]) > int(older["id"])
        assert int(newer["ctime"]) >= int(older["ctime"])
        expected = int(older["yufen"]) - int(newer["fen"])
        assert int(newer["yufen"]) >= expected
        top_ups += int(newer["yufen"]) > expected
    assert 1 <= top_ups <= 3
    assert all(int(r["yufen"]) > 0 and re.fullmatch(r"[A-Za-z0-9]{16}", r["reqid"]) for r in rows)
    span = int(rows[0]["ctime"]) - int(rows[-1]["ctime"])
    assert 35 * 86_400 < span <= 42 * 86_400 and int(rows[0]["ctime"]) <= NOW
    assert len({r["model"] for r in rows}) >= 6
    assert sum(r["ip"] == "43.154.119.189" for r in rows) > len(rows) * 0.8


def test_explicit_balance_and_no_history() -> None:
    assert DemoGateway(balance=500, now=NOW, history_rows=60).logs[0]["yufen"] == "500"
    empty = DemoGateway(balance=10, history_rows=0)
    assert empty.logs == [] and empty.balance == 10


# -- usage logs (openai-hk) ----------------------------------------------------------------


def test_logs_paging(gw: DemoGateway) -> None:
    everything = gw.logs
    first = call(gw, "POST", LOGS, {"start": 0, "limit": 10}).json()
    assert first == {"data": {"logs": everything[:10]}, "error": 0, "error_des": ""}
    page = call(gw, "POST", LOGS, {"start": 395, "limit": 30}).json()["data"]["logs"]
    assert page == everything[395:]
    assert call(gw, "POST", LOGS, {"start": 400, "limit": 5}).json()["data"]["logs"] == []
    assert len(call(gw, "POST", LOGS, {"start": 0, "limit": 300}).json()["data"]["logs"]) == 300


def test_hostile_data_in_models_logs_keys_and_errors(gw: DemoGateway) -> None:
    from tui.demo.hostile import CORPUS, MESSAGE, NEW_KEY

    for endpoint in ("models", "logs", "create", "balance"):
        gw.add_fault(Fault("hostile", endpoint=endpoint))
    ids = [m["id"] for m in call(gw, "GET", "/v1/models").json()["data"]]
    assert ids[: len(MODELS)] == [m.id for m in MODELS] and ids[len(MODELS):] == list(CORPUS)
    rows = call(gw, "POST", LOGS, {"start": 0, "limit": 50}).json()["data"]["logs"]
    assert {r["model"] for r in rows} <= set(CORPUS) and {r["note"] for r in rows} <= set(CORPUS)
    assert [r["reqid"] for r in rows] == [r["reqid"] for r in gw.logs[:50]]  # the same rows
    assert call(gw, "GET", "/openai/sk/create").json()["data"]["apikey"] == NEW_KEY
    failed = call(gw, "GET", "/api/v1/balance")
    assert failed.status == 400 and failed.json()["error"]["message"] == MESSAGE
    assert call(gw, "GET", "/v1/models").json()["data"][-1]["id"] == MODELS[-1].id  # used up


@pytest.mark.parametrize(
    "params",
    [
        {"start": 0, "limit": 301},
        {"start": 0, "limit": 0},
        {"start": -1, "limit": 5},
        {"start": "0", "limit": 5},
        {"start": 0, "limit": 2.5},
        {"start": 0},
        [],
    ],
)
def test_logs_bounds_are_envelope_errors(gw: DemoGateway, params: Any) -> None:
    r = call(gw, "POST", LOGS, params)
    assert r.status == 200
    body = r.json()
    assert body["data"] is None and body["error"] != 0 and body["error_des"]


def test_logs_serve_concurrent_pages() -> None:
    with DemoGateway(now=NOW, history_rows=1000, page_latency=0.05) as gw:
        results: dict[int, list[dict[str, str]]] = {}

        def fetch(start: int) -> None:
            body = call(gw, "POST", LOGS, {"start": start, "limit": 100}).json()
            results[start] = body["data"]["logs"]

        threads = [threading.Thread(target=fetch, args=(s,)) for s in range(0, 1000, 100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert [row for s in sorted(results) for row in results[s]] == gw.logs


# -- auth ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "sk-live-wrong", DEMO_KEY + "x"])
def test_unauthorized_everywhere(gw: DemoGateway, key: str | None) -> None:
    for method, path, body in [
        ("POST", CHAT, chat()),
        ("POST", HK_CHAT, chat(stream=True)),
        ("GET", "/api/v1/models", None),
        ("GET", "/v1/models", None),
        ("GET", "/api/v1/balance", None),
        ("GET", "/v1/balance", None),
    ]:
        r = call(gw, method, path, body, key=key)
        assert r.status == 401, path
        assert r.json()["error"]["code"] == "invalid_api_key"
        assert "must start with sk-live-" in r.json()["error"]["message"]
    for method, path, body in [("POST", LOGS, {"start": 0, "limit": 1}), ("GET", CREATE, None)]:
        r = call(gw, method, path, body, key=key)
        assert r.status == 200
        assert r.json() == {"data": None, "error": 401, "error_des": "apikey无效"}
    assert len(gw.logs) == 400


def test_both_demo_keys_and_extra_keys_work() -> None:
    with DemoGateway(now=NOW, history_rows=50, keys=["sk-live-extra"]) as gw:
        for key in (DEMO_KEY, DEMO_HK_KEY, "sk-live-extra"):
            assert call(gw, "GET", "/v1/models", key=key).status == 200


def test_unknown_path_is_json_404(gw: DemoGateway) -> None:
    r = call(gw, "GET", "/api/v1/nope")
    assert (r.status, r.json()["error"]["message"]) == (404, "not found")
    assert call(gw, "GET", CHAT).status == 405


# -- chat ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-4o-mini", "deepseek-reasoner", "qwen3-thinking"])
def test_stream_and_non_stream_agree(gw: DemoGateway, model: str) -> None:
    plain = call(gw, "POST", CHAT, chat(model=model)).json()
    r, s = stream(gw, chat(model=model, stream=True, stream_options={"include_usage": True}))
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["transfer-encoding"] == "chunked"
    message = plain["choices"][0]["message"]
    assert s.first_delta == {"role": "assistant", "content": ""}
    assert s.content == message["content"] and "```" in s.content and "decorators" in s.content
    assert s.usage == plain["usage"]
    assert 150 <= plain["usage"]["completion_tokens"] <= 500
    assert s.finish == plain["choices"][0]["finish_reason"] == "stop" and s.done
    assert s.ids == {"chatcmpl-" + r.headers["x-oneapi-request-id"]}
    if model == "gpt-4o-mini":
        assert s.reasoning == "" and set(message) == {"role", "content"}
    else:
        field_name = "reasoning_content" if model == "deepseek-reasoner" else "reasoning"
        assert s.reasoning_field == field_name and s.reasoning == message[field_name] != ""


def test_answers_are_deterministic_and_related(gw: DemoGateway) -> None:
    assert normal_text(gw) == normal_text(gw)
    texts = {normal_text(gw, f"question number {i} about sorting") for i in range(8)}
    assert len(texts) >= 3 and all("sorting" in t for t in texts)


def test_chat_charges_and_logs(gw: DemoGateway) -> None:
    before = gw.balance
    r = call(gw, "POST", HK_CHAT, chat(model="gpt-4o"))
    body, row = r.json(), gw.logs[0]
    assert row["reqid"] == r.headers["x-oneapi-request-id"]
    assert body["id"] == "chatcmpl-" + row["reqid"]
    usage = body["usage"]
    fen = max(1, round((usage["prompt_tokens"] * 50 + usage["completion_tokens"] * 200) / 1000))
    assert row | {"id": "", "ctime": ""} == {
        "id": "",
        "user_id": "9",
        "ctime": "",
        "prompt_tokens": str(usage["prompt_tokens"]),
        "completion_tokens": str(usage["completion_tokens"]),
        "fen": str(fen),
        "model": "gpt-4o",
        "yufen": str(before - fen),
        "reqid": row["reqid"],
        "ip": "127.0.0.1",
        "note": "",
    }
    assert gw.balance == before - fen and len(gw.logs) == 401
    assert int(row["id"]) > int(gw.logs[1]["id"]) and int(row["ctime"]) >= int(gw.logs[1]["ctime"])
    assert ("POST", HK_CHAT) in gw.requests


def test_out_of_credits_is_402(gw: DemoGateway) -> None:
    gw.balance = 0
    for body in (chat(), chat(stream=True)):
        r = call(gw, "POST", CHAT, body)
        assert r.status == 402 and r.json()["error"]["code"] == "insufficient_credits"
        assert r.json()["error"]["type"] == "insufficient_quota"
    assert len(gw.logs) == 400
    gw.balance = 1000
    assert call(gw, "POST", CHAT, chat()).status == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            chat()
            | {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "yo", "reasoning_content": "hm"},
                    {"role": "user", "content": "again"},
                ]
            },
            "reasoning_content must not be sent back in messages",
        ),
        ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
        (chat(model="nope"), "model 'nope' does not exist"),
        (chat() | {"messages": "hi"}, "messages"),
        (chat() | {"messages": [{"content": "no role"}]}, "messages"),
        (chat() | {"max_tokens": "ten"}, "max_tokens"),
        (chat() | {"stop": 5}, "stop"),
    ],
)
def test_bad_requests_are_400(gw: DemoGateway, body: dict[str, Any], message: str) -> None:
    r = call(gw, "POST", CHAT, body)
    assert r.status == 400 and r.json()["error"]["type"] == "invalid_request_error"
    assert message in r.json()["error"]["message"]
    assert len(gw.logs) == 400


def test_max_tokens_and_stop(gw: DemoGateway) -> None:
    full = normal_text(gw)
    short = call(gw, "POST", CHAT, chat(max_tokens=7)).json()
    assert short["choices"][0]["finish_reason"] == "length"
    assert short["usage"]["completion_tokens"] == 7
    assert full.startswith(short["choices"][0]["message"]["content"])
    _, s = stream(gw, chat(stream=True, max_tokens=7))
    assert (s.content, s.finish) == (short["choices"][0]["message"]["content"], "length")
    stopped = call(gw, "POST", CHAT, chat(stop=["```", "zzz"])).json()
    assert stopped["choices"][0]["message"]["content"] == full[: full.index("```")]
    assert stopped["choices"][0]["finish_reason"] == "stop"


def test_token_rate_paces_without_changing_text(gw: DemoGateway) -> None:
    text = normal_text(gw)
    gw.token_rate = 5000.0
    _, s = stream(gw, chat(stream=True, max_tokens=20))
    assert text.startswith(s.content) and s.finish == "length"


def test_keep_alive_connection_serves_many_requests(gw: DemoGateway) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=10)
    auth = {"Authorization": f"Bearer {DEMO_KEY}"}
    for body in (chat(stream=True), chat(), None):
        conn.request(
            "POST" if body else "GET",
            CHAT if body else "/v1/models",
            json.dumps(body) if body else None,
            auth,
        )
        r = conn.getresponse()
        assert r.status == 200 and r.read()
    conn.request("GET", "/v1/models")
    assert conn.getresponse().status == 401
    conn.close()


# -- models, balance dialects, key creation --------------------------------------------------


def test_models(gw: DemoGateway) -> None:
    for prefix in ("/api/v1", "/v1"):
        body = call(gw, "GET", prefix + "/models").json()
        assert body["object"] == "list"
        ids = [m["id"] for m in body["data"]]
        assert {"deepseek-chat", "deepseek-reasoner", "qwen3-thinking"} <= set(ids)
        assert len(ids) >= 6 and all(m["object"] == "model" for m in body["data"])
        priced = [m for m in body["data"] if "pricing" in m]
        assert priced and len(priced) < len(ids)
        assert all(isinstance(m["context_length"], int) for m in priced)
        assert float(priced[0]["pricing"]["prompt"]) > 0


def _ledger(gw: DemoGateway) -> tuple[int, int]:
    used = sum(int(r["fen"]) for r in gw.logs)
    return gw.balance, used


def test_opencodex_balance_follows_the_ledger(gw: DemoGateway) -> None:
    call(gw, "POST", CHAT, chat())
    balance, used = _ledger(gw)
    for prefix in ("/api/v1", "/v1"):
        assert call(gw, "GET", prefix + "/balance").json() == {
            "success": True,
            "remain_balance": float(balance),
            "used_balance": float(used),
            "unlimited_quota": False,
        }


@pytest.mark.parametrize(
    ("dialect", "paths"),
    [
        ("oneapi", ["/dashboard/billing/subscription", "/v1/dashboard/billing/usage"]),
        ("newapi-token", ["/api/usage/token/", "/api/usage/token"]),
        ("openrouter", ["/api/v1/key", "/key"]),
        ("deepseek", ["/user/balance"]),
        ("moonshot", ["/v1/users/me/balance"]),
        ("siliconflow", ["/v1/user/info"]),
        ("openai-hk", []),
    ],
)
def test_balance_dialects(dialect: str, paths: list[str]) -> None:
    with DemoGateway(now=NOW, history_rows=300, balance_dialect=dialect) as gw:
        balance, used = _ledger(gw)
        assert call(gw, "GET", "/v1/balance").status == 404
        bodies = [call(gw, "GET", p).json() for p in paths]
        for p in paths:
            assert call(gw, "GET", p, key="sk-live-bad").status == 401
        if dialect == "oneapi":
            assert bodies[0]["hard_limit_usd"] == pytest.approx((balance + used) / 100)
            assert bodies[1]["total_usage"] == pytest.approx(used)
        elif dialect == "newapi-token":
            data = bodies[0]["data"]
            assert bodies[0]["code"] is True and bodies[0] == bodies[1]
            assert data["total_available"] == balance * 5000
            assert data["total_granted"] - data["total_used"] == data["total_available"]
        elif dialect == "openrouter":
            data = bodies[0]["data"]
            assert data["limit_remaining"] == pytest.approx(balance / 100)
            assert data["usage"] == pytest.approx(used / 100)
            assert data["usage_daily"] <= data["usage_weekly"] <= data["usage_monthly"]
        elif dialect == "deepseek":
            info = bodies[0]["balance_infos"][0]
            assert bodies[0]["is_available"] and info["total_balance"] == f"{balance / 100:.2f}"
            parts = float(info["granted_balance"]) + float(info["topped_up_balance"])
            assert parts == pytest.approx(balance / 100)
        elif dialect == "moonshot":
            data = bodies[0]["data"]
            assert data["available_balance"] == pytest.approx(balance / 100)
            assert data["voucher_balance"] + data["cash_balance"] == pytest.approx(balance / 100)
        elif dialect == "siliconflow":
            assert bodies[0]["data"]["totalBalance"] == f"{balance / 100:.2f}"
        else:  # openai-hk: the newest log row's yufen is the balance
            assert call(gw, "GET", "/api/v1/balance").status == 404
            assert gw.logs[0]["yufen"] == str(balance)


def test_key_creation_adds_a_usable_key(gw: DemoGateway) -> None:
    body = call(gw, "GET", CREATE, key=DEMO_HK_KEY).json()
    key = body["data"]["apikey"]
    assert body["error"] == 0 and re.fullmatch(r"hk-demo[a-z0-9]{24}", key)
    assert call(gw, "POST", HK_CHAT, chat(), key=key).status == 200
    assert call(gw, "POST", LOGS, {"start": 0, "limit": 1}, key=key).json()["error"] == 0


# -- faults --------------------------------------------------------------------------------


def test_fault_validation_and_queue() -> None:
    with pytest.raises(ValueError):
        Fault("nope")
    with pytest.raises(ValueError):
        Fault("status", endpoint="nope")
    with DemoGateway(now=NOW, history_rows=50) as gw:
        gw.add_fault(Fault("status", status=429, times=2))
        gw.add_fault(Fault("status", status=503))
        gw.add_fault(Fault("status", endpoint="models", status=500, times=-1))
        assert [call(gw, "POST", CHAT, chat()).status for _ in range(4)] == [429, 429, 503, 200]
        assert [call(gw, "GET", "/v1/models").status for _ in range(3)] == [500] * 3
        gw.clear_faults()
        assert call(gw, "GET", "/v1/models").status == 200


@pytest.mark.parametrize("status", [400, 401, 402, 403, 429, 500, 502, 503])
def test_status_fault_default_bodies(gw: DemoGateway, status: int) -> None:
    gw.add_fault(Fault("status", status=status, headers={"retry-after": "2"}))
    r = call(gw, "POST", CHAT, chat(stream=True))
    assert (r.status, r.headers["retry-after"]) == (status, "2")
    assert r.json()["error"]["message"]
    assert len(gw.logs) == 400


def test_status_fault_custom_body_on_other_endpoints(gw: DemoGateway) -> None:
    quota = '{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}'
    gw.add_fault(
        Fault(
            "status", endpoint="balance", status=429, body=quota, headers={"retry-after-ms": "150"}
        )
    )
    r = call(gw, "GET", "/v1/balance")
    assert (r.status, r.body.decode(), r.headers["retry-after-ms"]) == (429, quota, "150")
    gw.add_fault(Fault("status", endpoint="logs", status=503))
    assert call(gw, "POST", LOGS, {"start": 0, "limit": 1}).status == 503


def test_whole_response_faults(gw: DemoGateway) -> None:
    gw.add_fault(Fault("html_502"))
    r = call(gw, "POST", CHAT, chat())
    assert r.status == 502 and r.headers["content-type"].startswith("text/html")
    assert b"<html>" in r.body and b"nginx" in r.body
    gw.add_fault(Fault("empty_200", endpoint="models"))
    r = call(gw, "GET", "/v1/models")
    assert (r.status, r.body, r.headers["content-length"]) == (200, b"", "0")
    gw.add_fault(Fault("json_200_error"))
    r = call(gw, "POST", CHAT, chat(stream=True))
    assert r.status == 200 and r.headers["content-type"] == "application/json"
    assert r.json()["error"]["code"] == "model_overloaded" and "choices" not in r.json()
    for endpoint, method, path, body in [
        ("logs", "POST", LOGS, {"start": 0, "limit": 1}),
        ("create", "GET", CREATE, None),
    ]:
        gw.add_fault(Fault("envelope_error", endpoint=endpoint))
        r = call(gw, method, path, body)
        assert (r.status, r.json()) == (200, {"data": None, "error": 500, "error_des": "系统繁忙"})
    assert len(gw.logs) == 400


def test_malformed_json(gw: DemoGateway) -> None:
    text = normal_text(gw)
    gw.add_fault(Fault("malformed_json", after=2))
    r, s = stream(gw, chat(stream=True))
    assert b"data: {not json\n\n" in r.body and s.not_json == 1
    assert s.content == text and s.done
    gw.add_fault(Fault("malformed_json"))
    r = call(gw, "POST", CHAT, chat())
    assert r.status == 200
    with pytest.raises(ValueError):
        r.json()


@pytest.mark.parametrize("kind", ["comments", "sse_fields", "crlf", "nospace", "multiline_data"])
def test_stream_shapes_carry_the_same_text(gw: DemoGateway, kind: str) -> None:
    _, base = stream(gw, chat(stream=True, stream_options={"include_usage": True}))
    gw.add_fault(Fault(kind))
    head, body = raw(gw, CHAT, chat(stream=True, stream_options={"include_usage": True}))
    chunks, ended = dechunk(body)
    wire = b"".join(chunks)
    s = decode(wire)
    assert ended and (s.content, s.usage, s.finish, s.done) == (
        base.content,
        base.usage,
        base.finish,
        True,
    )
    if kind == "comments":
        assert b"\n\n: keep-alive\n\n" in wire and b": OPENROUTER PROCESSING\n\n" in wire
    elif kind == "sse_fields":
        assert wire.startswith(b"retry: 3000\nid: 1\nevent: message\ndata: {")
        assert b"\nid: 5\nevent: message\n" in wire
    elif kind == "crlf":
        assert wire.count(b"\r\n\r\n") == len(sse(wire.decode())) and b"\n\n" not in wire
        pairs = zip(chunks, chunks[1:], strict=False)
        assert any(a.endswith(b"\r") and b.startswith(b"\n") for a, b in pairs)
    elif kind == "nospace":
        assert b"data:{" in wire and b"data: " not in wire
    else:
        assert wire.count(b"data: ") > 5 * len(sse(wire.decode()))
        assert b'\ndata: "choices": [\n' in wire


def test_utf8_split_cuts_inside_characters(gw: DemoGateway) -> None:
    gw.add_fault(Fault("utf8_split"))
    _, body = raw(gw, CHAT, chat(stream=True))
    chunks, ended = dechunk(body)
    broken = 0
    for chunk in chunks:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            broken += 1
    assert ended and broken > 10
    s = decode(b"".join(chunks))
    assert s.content == UTF8_ANSWER and "你好，世界 🌍🚀" in s.content and s.done


def test_utf16_split_cuts_surrogate_pairs_across_deltas(gw: DemoGateway) -> None:
    gw.add_fault(Fault("utf16_split", times=2))
    r, s = stream(gw, chat(stream=True))
    assert b"\\ud83c" in r.body  # the globe emoji's high surrogate alone in one delta
    assert any("\ud800" <= ch <= "\udbff" for ch in s.content)  # not yet joined
    joined = s.content.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    assert joined == UTF8_ANSWER and s.done
    whole = call(gw, "POST", CHAT, chat()).json()["choices"][0]["message"]["content"]
    assert whole == UTF8_ANSWER


def test_usage_switches(gw: DemoGateway) -> None:
    gw.add_fault(Fault("usage_unasked"))
    _, s = stream(gw, chat(stream=True))
    assert s.usage and s.usage["completion_tokens"] == int(gw.logs[0]["completion_tokens"])
    gw.add_fault(Fault("no_usage"))
    _, s = stream(gw, chat(stream=True, stream_options={"include_usage": True}))
    assert s.usage is None and s.done and s.finish == "stop"
    gw.add_fault(Fault("no_usage"))
    assert "usage" not in call(gw, "POST", CHAT, chat()).json()


def test_cut_ends_cleanly_without_done_and_charges_what_was_sent(gw: DemoGateway) -> None:
    text = normal_text(gw)
    gw.add_fault(Fault("cut", after=5))
    _, body = raw(gw, CHAT, chat(stream=True, stream_options={"include_usage": True}))
    chunks, ended = dechunk(body)
    s = decode(b"".join(chunks))
    assert ended and not s.done and s.finish is None and s.usage is None
    assert text.startswith(s.content) and s.content != text
    assert gw.logs[0]["completion_tokens"] == "5"


def test_cut_non_stream_is_an_incomplete_body(gw: DemoGateway) -> None:
    gw.add_fault(Fault("cut"))
    with pytest.raises(http.client.IncompleteRead):
        call(gw, "POST", CHAT, chat())


def test_reset_aborts_the_connection(gw: DemoGateway) -> None:
    gw.add_fault(Fault("reset", after=4))
    with pytest.raises(ConnectionResetError):
        raw(gw, CHAT, chat(stream=True))
    assert gw.logs[0]["completion_tokens"] == "4"
    gw.add_fault(Fault("reset", endpoint="models"))
    with pytest.raises((ConnectionResetError, http.client.IncompleteRead)):
        call(gw, "GET", "/v1/models")
    assert call(gw, "GET", "/v1/models").status == 200


def test_finish_and_done_only(gw: DemoGateway) -> None:
    text = normal_text(gw)
    gw.add_fault(Fault("finish", finish_reason="content_filter"))
    _, s = stream(gw, chat(stream=True))
    assert (s.content, s.finish, s.done) == (text, "content_filter", True)
    gw.add_fault(Fault("done_only"))
    _, s = stream(gw, chat(stream=True))
    assert (s.content, s.finish, s.done) == (text, None, True)


@pytest.mark.parametrize("kind", ["error_chunk", "event_error", "object_error"])
def test_mid_stream_errors(gw: DemoGateway, kind: str) -> None:
    text = normal_text(gw)
    gw.add_fault(Fault(kind, after=3))
    r, s = stream(gw, chat(stream=True))
    assert not s.done and text.startswith(s.content) and len(s.errors) == 1
    event, obj = s.errors[0]
    if kind == "error_chunk":
        assert s.finish == "error" and obj["error"]["code"] == 502
    elif kind == "event_error":
        assert event == "error" and obj["error"]["type"] == "server_error"
        assert b"event: error\ndata: {" in r.body
    else:
        assert obj == {
            "object": "error",
            "message": "model crashed",
            "type": "InternalServerError",
            "code": 500,
        }
    assert gw.logs[0]["completion_tokens"] == "3"


def test_time_faults_keep_the_text(gw: DemoGateway) -> None:
    text = normal_text(gw)
    gw.add_fault(Fault("stall", seconds=0.05))
    assert stream(gw, chat(stream=True))[1].content == text
    gw.add_fault(Fault("stall", seconds=0.05))
    assert call(gw, "POST", CHAT, chat()).json()["choices"][0]["message"]["content"] == text
    gw.add_fault(Fault("drip", seconds=0.001))
    _, s = stream(gw, chat(stream=True, max_tokens=10))
    assert text.startswith(s.content) and s.finish == "length"
    logged = len(gw.logs)
    gw.add_fault(Fault("keepalive_only", seconds=0.12))
    _, body = raw(gw, CHAT, chat(stream=True))
    chunks, ended = dechunk(body)
    wire = b"".join(chunks)
    assert ended and len(chunks) >= 2 and set(wire.split(b"\n\n")) == {b": keep-alive", b""}
    assert len(gw.logs) == logged
    gw.add_fault(Fault("keepalive_stall", after=2, seconds=0.12))  # text, then only comments
    _, body = raw(gw, CHAT, chat(stream=True))
    events = b"".join(dechunk(body)[0]).split(b"\n\n")
    pieces = [e for e in events if e.startswith(b"data:") and b'"content":"' in e]
    assert len(pieces) == 3 and b'"content":""' in pieces[0]  # the role chunk, then 2 pieces
    assert events.index(pieces[-1]) < events.index(b": keep-alive")
    assert b"[DONE]" not in body and len(gw.logs) == logged + 1  # 2 pieces charged, then cut


def test_big_streams(gw: DemoGateway) -> None:
    gw.add_fault(Fault("big"))
    _, s = stream(gw, chat(stream=True, stream_options={"include_usage": True}))
    assert s.content == "".join(big_pieces()) and len(s.content) > 4_500_000
    assert s.usage and s.usage["completion_tokens"] == len(big_pieces()) and s.done
    gw.add_fault(Fault("big_line"))
    r, s = stream(gw, chat(stream=True))
    assert s.content == big_line_piece() and len(s.content) == 1 << 20 and s.finish == "stop"
    assert sum(len(line) > 1 << 20 for line in r.body.split(b"\n")) == 1


def test_markup_is_sent_literally(gw: DemoGateway) -> None:
    gw.add_fault(Fault("markup"))
    r, s = stream(gw, chat(stream=True))
    assert "[bold red]not bold[/] [@click=app.quit]click[/] \x1b[31mred\x1b[0m" in s.content
    assert b"\\u001b[31m" in r.body and b"\x1b" not in r.body


def test_every_fault_kind_is_covered() -> None:
    source = Path(__file__).read_text()
    missing = [k for k in FAULT_KINDS if f'"{k}"' not in source]
    assert missing == []


# -- lifecycle -----------------------------------------------------------------------------


def test_stop_interrupts_a_long_stall() -> None:
    gw = DemoGateway(now=NOW, history_rows=50).start()
    gw.add_fault(Fault("stall", seconds=60))
    headers_seen = threading.Event()
    outcome: list[object] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=30)
        try:
            conn.request(
                "POST", CHAT, json.dumps(chat(stream=True)), {"Authorization": f"Bearer {DEMO_KEY}"}
            )
            response = conn.getresponse()
            headers_seen.set()
            outcome.append(response.read())
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(exc)
        finally:
            headers_seen.set()
            conn.close()

    reader = threading.Thread(target=client)
    reader.start()
    assert headers_seen.wait(10)
    gw.stop()
    gw.stop()  # idempotent
    assert gw.thread is not None and not gw.thread.is_alive()
    reader.join(5)
    assert not reader.is_alive() and len(outcome) == 1
    assert not isinstance(outcome[0], bytes) or b"[DONE]" not in outcome[0]


def test_stop_without_start_and_context_manager() -> None:
    DemoGateway(history_rows=0).stop()
    with DemoGateway(history_rows=0) as gw:
        assert gw.url.startswith("http://127.0.0.1:")
        assert gw.opencodex_base == gw.url + "/api/v1" and gw.openai_hk_base == gw.url + "/v1"
        assert (gw.logs_url, gw.create_url) == (gw.url + LOGS, gw.url + CREATE)
    assert gw.thread is not None and not gw.thread.is_alive()
    with pytest.raises(ValueError):
        DemoGateway(host="0.0.0.0")


def test_import_pulls_in_no_ui_or_http_client() -> None:
    code = (
        "import sys, tui.demo; bad = [m for m in ('textual', 'httpx', 'httpx2') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_module_entry_point_serves_until_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.demo", "--port", "0", "--history-rows", "20"],
        cwd=ROOT,
        preexec_fn=interruptible,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(r"tokendeck demo gateway on http://127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        conn.request("GET", "/v1/models", headers={"Authorization": f"Bearer {DEMO_KEY}"})
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
