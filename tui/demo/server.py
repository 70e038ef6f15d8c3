"""The HTTP server and handler: reads requests, authenticates, serves each endpoint family."""

from __future__ import annotations

import hashlib
import json
import socket
import socketserver
import sys
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TypeGuard, cast
from urllib.parse import parse_qs, urlsplit

from . import families as fam
from . import hostile
from .catalog import MODELS, model_entry
from .chat import (
    BadRequest,
    ChatRequest,
    Completion,
    check_context,
    completion_body,
    parse_chat_request,
    plan_completion,
)
from .chatstream import ChunkFactory, StreamJob, run_stream
from .dialects import CREDITS_PER_UNIT, balance_payload, custom_usage_payload, wallet_payload
from .errors import envelope, not_found, openai_error, out_of_credits, unauthorized
from .faults import SHAPE_KINDS, Fault, FaultQueue, Stopped
from .ledger import Ledger
from .reply import Reply, dumps
from .routes import Route, resolve
from .sse import ChunkedWriter, EventEncoder


class Backend(Protocol):
    """What the server reads of its DemoGateway (tui.demo.gateway, which starts the server: a
    Protocol here, not an import, so the two modules do not import each other)."""

    ledger: Ledger
    faults: FaultQueue
    token_rate: float | None
    page_latency: float
    balance_dialect: str
    newapi_version: str
    mount: str
    litellm_budget: bool
    stop_event: threading.Event

    def track(self, conn: socket.socket) -> None: ...
    def untrack(self, conn: socket.socket) -> None: ...
    def record(self, method: str, path: str) -> None: ...
    def record_chat(self, request: ChatRequest) -> None: ...

BAD_KEY_DES = "apikey无效"
BIG_BATCH = 1 << 16
DAY = 86_400


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class DemoServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its gateway and keeps quiet about dropped clients."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: Backend) -> None:
        self.gateway = gateway
        super().__init__(address, DemoHandler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skips HTTPServer's slow reverse DNS lookup
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError | Stopped):
            super().handle_error(request, client_address)


class DemoHandler(BaseHTTPRequestHandler):
    """One connection; keep-alive, so it may serve many requests."""

    protocol_version = "HTTP/1.1"
    server_version = "tokendeck-demo/0.1"

    @property
    def gw(self) -> Backend:
        return cast(DemoServer, self.server).gateway

    def setup(self) -> None:
        super().setup()
        with suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.gw.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.gw.untrack(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: requests may carry keys and prompts."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.gw.record(self.command, path)
        body = self._read_body()
        reply = Reply(self, self.gw.stop_event)
        mount = self.gw.mount
        if mount and not path.startswith(mount + "/"):
            reply.json(404, not_found())
            return
        route = resolve(path[len(mount):], self.gw.balance_dialect)
        try:
            if route is None:
                reply.json(404, not_found())
            elif route.method != self.command:
                reply.json(405, openai_error("method not allowed", "invalid_request_error"))
            else:
                getattr(self, "_" + route.endpoint)(reply, route, body)
        except (Stopped, OSError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _authorized(self) -> bool:
        scheme, _, key = self.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.gw.ledger.is_valid(key.strip())

    # -- endpoint families -------------------------------------------------------------------

    def _chat(self, reply: Reply, route: Route, body: bytes) -> None:
        gw = self.gw
        if not self._authorized():
            reply.json(401, unauthorized())
            return
        try:
            req = parse_chat_request(body)
            gw.record_chat(req)
            check_context(req)
        except BadRequest as exc:
            reply.json(400, exc.body())
            return
        fault = gw.faults.take("chat")
        if reply.response_fault(fault, stream=req.stream):
            return
        if gw.ledger.balance <= 0:
            reply.json(402, out_of_credits())
            return
        reqid = gw.ledger.new_reqid()
        completion = plan_completion(req, fault)
        if req.stream:
            self._stream(reply, req, completion, reqid, fault)
            return
        row = gw.ledger.charge(req.model, req.prompt_tokens, completion.completion_tokens, reqid)
        with_usage = not (fault and fault.kind == "no_usage")
        payload = completion_body(completion, reqid, req.model.id, gw.ledger.clock(), with_usage)
        headers = {"X-Oneapi-Request-Id": reqid}
        cost = int(row["fen"]) / CREDITS_PER_UNIT
        if gw.balance_dialect == "openrouter" and with_usage:
            payload["usage"]["cost"] = cost  # OpenRouter states the billed price (credits = USD)
        if gw.balance_dialect == "litellm":
            headers = {"x-litellm-call-id": gw.ledger.call_id(),
                       "x-litellm-response-cost": str(cost)}  # fmt: skip
        reply.deliver(200, dumps(payload), headers, fault)

    def _stream(
        self, reply: Reply, req: ChatRequest, c: Completion, reqid: str, fault: Fault | None
    ) -> None:
        gw = self.gw
        kind = fault.kind if fault else None
        headers = {"Cache-Control": "no-cache", "X-Oneapi-Request-Id": reqid}
        if gw.balance_dialect == "litellm":  # the cost is not known when the headers go
            headers = {"Cache-Control": "no-cache",
                       "x-litellm-call-id": gw.ledger.call_id()}  # fmt: skip
        charged: dict[str, str] = {}

        def charge(n: int) -> None:
            charged.update(gw.ledger.charge(req.model, req.prompt_tokens, n, reqid))

        def usage_extra() -> dict[str, Any]:  # OpenRouter's billed price in the usage chunk
            if gw.balance_dialect != "openrouter" or not charged:
                return {}
            return {"cost": int(charged["fen"]) / CREDITS_PER_UNIT}

        reply.chunked(200, "text/event-stream", {**headers, **(fault.headers if fault else {})})
        shape = kind if kind in SHAPE_KINDS or kind == "utf8_split" else None
        job = StreamJob(
            writer=ChunkedWriter(self.wfile, BIG_BATCH if kind == "big" else 0),
            encoder=EventEncoder(shape),
            chunks=ChunkFactory("chatcmpl-" + reqid, gw.ledger.clock(), req.model.id),
            completion=c,
            include_usage=req.include_usage,
            fault=fault,
            pause=reply.pause,
            piece_delay=self._piece_delay,
            charge=charge,
            reset=reply.reset,
            usage_extra=usage_extra,
        )
        try:
            run_stream(job)
        finally:
            job.settle()

    def _piece_delay(self) -> float:
        rate = self.gw.token_rate
        return 1.0 / rate if rate and rate > 0 else 0.0

    def _models(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._authorized():
            reply.json(401, unauthorized())
            return
        fault = self.gw.faults.take("models")
        if not reply.response_fault(fault):
            usd = self.gw.balance_dialect in fam.USD_DIALECTS  # its prices in USD, as its costs
            entries = [model_entry(m, CREDITS_PER_UNIT if usd else 1) for m in MODELS]
            if self.gw.balance_dialect == "litellm":  # LiteLLM's /v1/models: the bare shape
                keep = ("id", "object", "created", "owned_by")
                entries = [{k: e[k] for k in keep if k in e} for e in entries]
            payload = {"object": "list", "data": entries}
            if fault and fault.kind == "hostile":
                payload = hostile.models(payload, self.gw.ledger.clock())
            reply.deliver(200, dumps(payload), {}, fault)

    def _balance(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._authorized():
            reply.json(401, unauthorized())
            return
        fault = self.gw.faults.take("balance")
        if reply.response_fault(fault):
            return
        ledger = self.gw.ledger
        now = ledger.clock()
        windows = [ledger.used_since(now - days * DAY) for days in (1, 7, 30)]
        payload = balance_payload(route.view, ledger.snapshot(), *windows)
        reply.deliver(200, dumps(payload), {}, fault)

    def _wallet(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._authorized():
            reply.json(401, unauthorized())
            return
        fault = self.gw.faults.take("wallet")
        if not reply.response_fault(fault):
            reply.deliver(200, dumps(wallet_payload(self.gw.ledger.snapshot())), {}, fault)

    def _custom_usage(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._authorized():
            reply.json(401, unauthorized())
            return
        try:
            params = json.loads(body or b"null")
        except ValueError:
            params = None
        offset = params.get("offset") if isinstance(params, dict) else None
        count = params.get("count") if isinstance(params, dict) else None
        if not (_is_int(offset) and offset >= 0 and _is_int(count) and 1 <= count <= 300):
            reply.json(400, openai_error("offset >= 0 and count 1..300 needed",
                                         "invalid_request_error"))
            return
        rows = self.gw.ledger.page(offset, count)
        reply.deliver(200, dumps(custom_usage_payload(rows)), {}, None)

    def _logs(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._authorized():
            reply.json(200, envelope(None, 401, BAD_KEY_DES))
            return
        fault = self.gw.faults.take("logs")
        if reply.response_fault(fault):
            return
        try:
            params = json.loads(body or b"null")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            reply.json(200, envelope(None, 1, "参数错误"))
            return
        start, limit = params.get("start"), params.get("limit")
        if not _is_int(start) or start < 0:
            reply.json(200, envelope(None, 1, "start必须大于等于0"))
        elif not _is_int(limit) or not 1 <= limit <= 300:
            reply.json(200, envelope(None, 1, "limit必须在1到300之间"))
        else:
            reply.pause(self.gw.page_latency)
            rows = self.gw.ledger.page(start, limit)
            if fault and fault.kind == "hostile":
                rows = hostile.log_rows(rows)
            page = envelope({"logs": rows})
            reply.deliver(200, dumps(page), {}, fault)

    def _create(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._authorized():
            reply.json(200, envelope(None, 401, BAD_KEY_DES))
            return
        fault = self.gw.faults.take("create")
        if not reply.response_fault(fault):
            key = self.gw.ledger.create_key()
            if fault and fault.kind == "hostile":
                key = hostile.NEW_KEY
            reply.deliver(200, dumps(envelope({"apikey": key})), {}, fault)

    # -- new-api / one-api / LiteLLM families (tui.demo.families) ----------------------------

    def _bearer(self) -> str | None:
        scheme, _, key = self.headers.get("Authorization", "").partition(" ")
        return key.strip() if scheme.lower() == "bearer" and key.strip() else None

    def _page_params(self, first: int, default: int, cap: int) -> tuple[int, int]:
        def whole(name: str, fallback: int) -> int:
            try:
                return int(self.query.get(name, fallback))
            except ValueError:
                return fallback

        page = max(first, whole("p", first))
        size = whole("page_size", default)
        return page, default if size <= 0 else min(size, cap)

    def _newapi_logs(self, reply: Reply, route: Route, body: bytes) -> None:
        """`GET /api/log/token`, in the demo's `newapi_version`."""
        gw = self.gw
        version = gw.newapi_version
        if version == "query":
            key = self.query.get("key", "")
            if not gw.ledger.is_valid(key):
                reply.json(200, fam.failure("无效的令牌"))
                return
        else:
            if self._bearer() is None:
                reply.json(401, fam.failure("未提供令牌"))
                return
            if not gw.ledger.is_valid(self._bearer()):
                reply.json(401, fam.failure("无效的令牌"))
                return
        fault = gw.faults.take("logs")
        if reply.response_fault(fault):
            return
        rows = gw.ledger.rows()
        if version == "query":
            payload: dict[str, Any] = {**fam.SUCCESS, "data": fam.newapi_page(
                rows, 0, request_ids=False)}  # fmt: skip
        elif version == "bearer":
            payload = {**fam.SUCCESS, "data": fam.newapi_page(
                rows[: fam.NEWAPI_MAX_PAGE], 0, request_ids=True)}  # fmt: skip
        else:
            page, size = self._page_params(1, 10, fam.NEWAPI_MAX_PAGE)
            start = (page - 1) * size
            items = fam.newapi_page(rows[start : start + size], start, request_ids=True)
            payload = fam.paged(items, len(rows), page, size)
        reply.pause(gw.page_latency)
        reply.deliver(200, dumps(payload), {}, fault)

    def _user_authorized(self, reply: Reply, *, needs_user: bool) -> bool:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if token != fam.ACCESS_TOKEN:
            reply.json(401, fam.failure("无权进行此操作，access token 无效"))
            return False
        if needs_user and self.headers.get("New-Api-User", "") != "9":
            reply.json(401, fam.failure("无权进行此操作，未提供 New-Api-User"))
            return False
        return True

    def _newapi_self_logs(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._user_authorized(reply, needs_user=True):
            return
        rows = self.gw.ledger.rows()
        page, size = self._page_params(1, 10, fam.NEWAPI_MAX_PAGE)
        start = (page - 1) * size
        items = fam.newapi_page(rows[start : start + size], start, request_ids=True)
        reply.json(200, fam.paged(items, len(rows), page, size))

    def _oneapi_self_logs(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._user_authorized(reply, needs_user=False):
            return
        page, _size = self._page_params(0, fam.ONEAPI_PAGE, fam.ONEAPI_PAGE)
        start = page * fam.ONEAPI_PAGE
        rows = self.gw.ledger.rows()[start : start + fam.ONEAPI_PAGE]
        items = [fam.newapi_row(r, int(r["id"]), with_request_id=True) for r in rows]
        reply.json(200, {**fam.SUCCESS, "data": items})

    def _newapi_user(self, reply: Reply, route: Route, body: bytes) -> None:
        if not self._user_authorized(reply, needs_user=self.gw.balance_dialect != "oneapi"):
            return
        snap = self.gw.ledger.snapshot()
        reply.json(200, fam.user_self(snap.balance, snap.used))

    def _litellm_authorized(self, reply: Reply) -> str | None:
        key = self._bearer()
        if key is None:  # LiteLLM answers a request without a key in plain text, HTTP 500
            reply.raw(500, b"Internal Server Error", "text/plain; charset=utf-8")
            return None
        if not self.gw.ledger.is_valid(key):
            reply.json(401, {"error": {"message": "Authentication Error, Invalid proxy server "
                                       "token passed.", "type": "auth_error", "param": "None",
                                       "code": "401"}})  # fmt: skip
            return None
        return key

    def _litellm_key(self, reply: Reply, route: Route, body: bytes) -> None:
        key = self._litellm_authorized(reply)
        if key is None:
            return
        fault = self.gw.faults.take("balance")
        if reply.response_fault(fault):
            return
        budget = self.gw.litellm_budget
        snap = self.gw.ledger.snapshot()
        cap = snap.granted / CREDITS_PER_UNIT if budget else None
        reply.deliver(200, dumps(fam.litellm_key_info(key, snap.used, cap)), {}, fault)

    def _litellm_spend(self, reply: Reply, route: Route, body: bytes) -> None:
        key = self._litellm_authorized(reply)
        if key is None:
            return
        fault = self.gw.faults.take("logs")
        if reply.response_fault(fault):
            return
        hashed = hashlib.sha256(key.encode()).hexdigest()
        wanted = self.query.get("api_key")
        rows = [] if wanted not in (None, key, hashed) else self.gw.ledger.rows()
        payload = [fam.litellm_spend_row(r, hashed) for r in rows[: fam.LITELLM_SPEND_CAP]]
        reply.deliver(200, dumps(payload), {}, fault)

    def _litellm_model_info(self, reply: Reply, route: Route, body: bytes) -> None:
        if self._litellm_authorized(reply) is not None:
            reply.json(200, fam.litellm_model_info())
