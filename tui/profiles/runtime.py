"""From a profile to a live gateway: GatewaySpec building, and the built-in demo gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base.i18n import _
from ..gateway.secret import Secret
from ..gateway.types import GatewaySpec, Timeouts
from .config import Profile

if TYPE_CHECKING:
    from ..demo import DemoGateway  # the demo server: in-process demo only

DEMO_URL_ENV = (
    "TOKENDECK_DEMO_URL"  # use a running `tokendeck demo-server` instead of one in-process
)


def spec_for(profile: Profile, demo_url: str | None = None, *, key: bool = True) -> GatewaySpec:
    """The GatewaySpec for `profile`; a demo profile needs the demo gateway's URL. `key=False`:
    without the key (not read: an api_key_cmd is not run), for what the spec says of the
    gateway (tui.gateway.families.offers)."""
    if profile.demo:
        from ..demo import DEMO_KEY  # tui.demo.ledger: demo profiles only

        if not demo_url:
            raise ValueError(_("a demo profile needs the demo gateway's URL"))
        return GatewaySpec(
            name=profile.name,
            base_url=f"{demo_url}/api/v1",
            api_key=Secret(DEMO_KEY),
            logs_url=f"{demo_url}/openai/sk/log",
            create_url=f"{demo_url}/openai/sk/create",
            balance_dialect="opencodex",
            label=_("the DEMO gateway"),
        )
    return GatewaySpec(
        name=profile.name,
        base_url=profile.base_url,
        api_key=profile.key() if key else None,
        logs_url=None if profile.logs == "none" else profile.logs_url,
        create_url=profile.create_url,
        balance_dialect=profile.balance,
        adapter=profile.adapter,
        timeouts=Timeouts(stall=profile.stall_timeout) if profile.stall_timeout else Timeouts(),
        logs=None if profile.logs in (None, "none", "openai-hk") else profile.logs,
        access_token=profile.access_token,
        user_id=profile.user_id,
        software=profile.software,
    )


# A demo gateway in a child process: it prints its URL, then serves until its stdin closes
# (when the app ends, or dies: no server is left behind).
_CHILD = """
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
from tui.demo import DemoGateway
demo = DemoGateway(history_rows=None).start()
print(demo.url, flush=True)
sys.stdin.read()
demo.stop()
"""
_early: subprocess.Popen[str] | None = None


def start_demo_early() -> None:
    """Start the app's demo gateway in a child process now, so that it seeds its history on the
    other core while this one imports the app; the next DemoHandle without options adopts it.
    (One-shot CLI commands keep an in-process demo: a second interpreter would cost more.)"""
    global _early
    if _early is None and not os.environ.get(DEMO_URL_ENV):
        root = str(Path(__file__).resolve().parents[2])  # the folder holding tui/
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        try:
            _early = subprocess.Popen(
                [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, env=env, start_new_session=True,
            )  # fmt: skip
        except OSError:
            _early = None  # the in-process demo will do


def stop_demo_early() -> None:
    """End an early demo child nobody adopted (e.g. the config turned out broken)."""
    global _early
    child, _early = _early, None
    if child is not None:
        _end(child)


def _end(child: subprocess.Popen[str]) -> None:
    with suppress(OSError):
        if child.stdin is not None:
            child.stdin.close()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    if child.stdout is not None:
        child.stdout.close()


class DemoHandle(AbstractContextManager["DemoHandle"]):
    """The demo gateway for a demo profile: a running one named by $TOKENDECK_DEMO_URL, the
    child process `start_demo_early` started, or one started in-process on an ephemeral
    loopback port (stopped on exit). An adopted child's URL is read when first asked for: the
    app paints its first frame meanwhile (the child may still be seeding on the other core)."""

    def __init__(self, **options: Any) -> None:
        self._url = os.environ.get(DEMO_URL_ENV, "").rstrip("/") or None
        self.server: DemoGateway | None = None
        self.child: subprocess.Popen[str] | None = None
        self._options = options

    def __enter__(self) -> DemoHandle:
        global _early
        if self._url is None and _early is not None and not self._options:
            self.child, _early = _early, None
        elif self._url is None:
            self._start_here()
        return self

    @property
    def url(self) -> str:
        """The demo gateway's base URL (waits for an adopted child to say it)."""
        if self._url is None and self.child is not None:
            line = self.child.stdout.readline().strip() if self.child.stdout else ""
            if line.startswith("http://"):
                self._url = line
            else:  # it could not start: an in-process demo instead
                _end(self.child)
                self.child = None
        if self._url is None:
            self._start_here()
        assert self._url is not None
        return self._url

    def _start_here(self) -> None:
        from ..demo import DemoGateway  # the demo server: in-process demo only

        self.server = DemoGateway(**{"history_rows": None, **self._options}).start()
        self._url = self.server.url

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()
        if self.child is not None:
            _end(self.child)


def demo_for(profile: Profile, **options: Any) -> AbstractContextManager[DemoHandle | None]:
    """A context that runs the demo gateway if `profile` needs it (else yields None)."""
    return DemoHandle(**options) if profile.demo else nullcontext(None)
