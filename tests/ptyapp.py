"""The app as a user runs it: `python -m tui` in a child process on a pseudo-terminal, driven by
keys written to the terminal, its screen output drained (and kept) by a thread."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tui.demo import DEMO_KEY, DemoGateway

ROOT = Path(__file__).resolve().parent.parent


def write_config(folder: Path, demo: DemoGateway, name: str = "gw") -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'default_profile = "{name}"\ncursor_blink = false\n[profiles.{name}]\n'
        f'base_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        f'logs_url = "{demo.logs_url}"\ndefault_model = "gpt-4o-mini"\n'
    )
    path.chmod(0o600)
    return path


class PtyApp:
    """One app process. `output` is everything it drew; `close()` hangs the terminal up."""

    def __init__(
        self,
        env: dict[str, str],
        args: tuple[str, ...] = (),
        size: tuple[int, int] = (100, 30),
        argv: list[str] | None = None,
    ) -> None:
        """`argv` replaces `python -m tui ARGS` (a prefix such as `unshare ...` goes there)."""
        argv = argv or [sys.executable, "-m", "tui", *args]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a session leader with this terminal as its own
            try:
                os.chdir(ROOT)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        cols, rows = size
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = bytearray()
        self.status: int | None = None
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data

    def text(self) -> str:
        with self._lock:
            return self.output.decode("utf-8", "replace")

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def hang_up(self) -> None:
        """Close the terminal's master side, as sshd does when the connection drops: the
        kernel sends SIGHUP to the app, the terminal's session leader."""
        os.close(self.fd)
        self.fd = -1

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def wait(self, limit: float = 60.0) -> int:
        """The exit status (negative: killed by that signal); fails after `limit` seconds
        (a bound on a hang, not a timing assertion)."""
        deadline = time.monotonic() + limit
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError("the app did not exit:\n" + self.text()[-2000:])
            time.sleep(0.05)
        self._reader.join(timeout=5)
        return self.status

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                self.status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:
                pass
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def wait_until(
    condition: Callable[[], object], limit: float = 60.0, what: str | Callable[[], str] = ""
) -> None:
    """Poll `condition` until true; fail after `limit` s (a bound on a hang), saying `what`."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached: {what() if callable(what) else what}")
        time.sleep(0.05)
