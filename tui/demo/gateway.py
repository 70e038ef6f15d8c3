"""DemoGateway: the demo server's lifecycle and the handles tests and the CLI use."""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from contextlib import suppress
from types import TracebackType

from .chat import ChatRequest
from .dialects import BALANCE_DIALECTS
from .families import NEWAPI_VERSIONS
from .faults import Fault, FaultQueue
from .ledger import DEMO_HK_KEY, DEMO_KEY, Ledger
from .seed import DEFAULT_END_BALANCE, StableLog, seed_history
from .server import DemoServer

POLL_INTERVAL = 0.01  # how soon stop() is noticed by the accept loop (a select timeout)
CHATS_KEPT = 20  # chat requests whose bodies are kept for tests (a long one is ~1 MB)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


class DemoGateway:
    """A real HTTP gateway on loopback with one seeded account and switchable faults.

    Its usage log: `history_rows` rows over the six weeks before `now` ending at `balance`
    (tests and benches), or with `history_rows=None` the built-in demo's log (seed.StableLog):
    the same rows in every process, new ones as time passes (no `balance` then)."""

    def __init__(
        self,
        port: int = 0,
        seed: int = 7,
        history_rows: int | None = 3000,
        now: float | None = None,
        balance: int | None = None,
        token_rate: float | None = None,
        page_latency: float = 0.0,
        balance_dialect: str = "opencodex",
        keys: Iterable[str] | None = None,
        host: str = "127.0.0.1",
        newapi_version: str = "paged",
        mount: str = "",
        litellm_budget: bool = True,
    ) -> None:
        if balance_dialect not in BALANCE_DIALECTS:
            raise ValueError(f"unknown balance dialect {balance_dialect!r}")
        if newapi_version not in NEWAPI_VERSIONS:
            raise ValueError(f"unknown new-api version {newapi_version!r}")
        if mount and (not mount.startswith("/") or mount.endswith("/")):
            raise ValueError("a mount prefix looks like /name")
        if not _is_loopback(host):
            raise ValueError("the demo gateway listens on loopback only")
        rng = random.Random(seed)
        start = int(time.time() if now is None else now)
        log = None
        if history_rows is None:
            if balance is not None:
                raise ValueError("the stable history sets its own balance")
            log = StableLog(seed, start)
            history = log.history(start)
        else:
            end_balance = DEFAULT_END_BALANCE if balance is None else int(balance)
            history = seed_history(rng, history_rows, time.time() if now is None else now,
                                   end_balance)  # fmt: skip
        keys = [DEMO_KEY, DEMO_HK_KEY, *(keys or ())]
        self.ledger = Ledger(rng, history, keys, now, log)
        self.faults = FaultQueue()
        self.token_rate = token_rate
        self.page_latency = page_latency
        self.balance_dialect = balance_dialect
        self.newapi_version = newapi_version  # new-api's /api/log/token: query, bearer or paged
        self.mount = mount  # every path under this prefix (a gateway behind /something)
        self.litellm_budget = litellm_budget  # the LiteLLM key has a max_budget (else none)
        self.stop_event = threading.Event()
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str]] = []
        self._chats: deque[ChatRequest] = deque(maxlen=CHATS_KEPT)
        self._conns: set[socket.socket] = set()
        self._server: DemoServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> DemoGateway:
        """Listen and serve from a daemon thread; returns self."""
        with self._lock:
            if self._server is not None or self.stop_event.is_set():
                raise RuntimeError("a DemoGateway can be started once")
            self._server = DemoServer(self._address, self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name="tokendeck-demo-gateway", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and end every connection; idempotent, returns promptly."""
        with self._lock:
            if self.stop_event.is_set():
                return
            self.stop_event.set()  # wakes handlers waiting in a stall, drip or latency
            server, conns = self._server, list(self._conns)
        if server is None:
            return
        server.shutdown()
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes idle keep-alive readers and writers
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoGateway:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- used by the handler -----------------------------------------------------------------

    def track(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)
            if self.stop_event.is_set():
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.discard(conn)

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self._requests.append((method, path))

    def record_chat(self, request: ChatRequest) -> None:
        with self._lock:
            self._chats.append(request)

    # -- handles -----------------------------------------------------------------------------

    @property
    def thread(self) -> threading.Thread | None:
        """The thread running the server loop (None before start)."""
        return self._thread

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the demo gateway is not started")
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def opencodex_base(self) -> str:
        return self.url + self.mount + "/api/v1"

    @property
    def v1_base(self) -> str:
        """The base URL most gateways use (new-api, one-api, LiteLLM): `/v1`, under the mount."""
        return self.url + self.mount + "/v1"

    @property
    def openai_hk_base(self) -> str:
        return self.url + "/v1"

    @property
    def logs_url(self) -> str:
        return self.url + "/openai/sk/log"

    @property
    def create_url(self) -> str:
        return self.url + "/openai/sk/create"

    @property
    def balance(self) -> int:
        """Credits left on the account."""
        return self.ledger.balance

    @balance.setter
    def balance(self, value: int) -> None:
        self.ledger.balance = value

    @property
    def logs(self) -> list[dict[str, str]]:
        """Every log row, newest first, in openai-hk's wire shape (all strings)."""
        return self.ledger.rows()

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every request seen, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[ChatRequest]:
        """The latest well-formed chat requests (their messages as received), oldest first."""
        with self._lock:
            return list(self._chats)

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()
