"""The terminal going away under the app: SIGHUP (a dropped SSH session, a closed window) and
SIGTERM.

Textual writes the screen from a thread of its own; once the terminal is gone every write
fails (EIO), that thread dies, and the app blocks as soon as its queue of writes is full. The
driver here writes through `_Output`, which drops what cannot be written; `detach` then points
the process's standard streams at /dev/null and stops reading keys, so the app can go on
without a terminal (to finish an answer it is receiving) and exit cleanly.

Private members: `LinuxDriver._file` (the stream the writer thread writes to, wrapped here),
`App._driver` (the running driver, for `detach_app`). Pinned: textual 8.2.8. Fails when
upstream changes: tests/test_hangup.py (SIGHUP while an answer streams), tests/unit/test_patches.py.
"""

from __future__ import annotations

import os
from contextlib import suppress
from typing import IO, Any

from textual.app import App
from textual.driver import Driver

try:
    from textual.drivers.linux_driver import LinuxDriver
except ImportError:  # no termios: not a POSIX terminal
    LinuxDriver = None  # type: ignore[assignment,misc]

SYMBOLS = ("textual.drivers.linux_driver.LinuxDriver.__init__", "textual.app.App._driver")
PINNED = {"textual": "8.2.8"}
TESTS = ("tests/test_hangup.py",)


class _Output:
    """The terminal's output stream for Textual's writer thread; after a failed write (the
    terminal hung up) or `detach`, writes go nowhere."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.detached = False

    def write(self, text: str) -> int:
        if not self.detached:
            try:
                self._file.write(text)
            except OSError:  # EIO: the terminal is gone
                self.detached = True
        return len(text)

    def flush(self) -> None:
        if not self.detached:
            try:
                self._file.flush()
            except OSError:
                self.detached = True

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return not self.detached


def detachable(base: type[Driver]) -> type[Driver]:
    """`base` (Textual's driver for this platform) writing through `_Output`; other drivers
    (headless, web) as they are."""
    if LinuxDriver is None or not issubclass(base, LinuxDriver):
        return base

    class DetachableDriver(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            driver: Any = self  # LinuxDriver's `_file` is not typed
            driver._file = _Output(driver._file)

    return DetachableDriver


def detach_app(app: App[Any]) -> None:
    """`detach` the app's running driver."""
    detach(app._driver)


def detach(driver: Driver | None) -> None:
    """Stop using the terminal: nothing more is written to it or read from it (stdin, stdout
    and stderr become /dev/null, so a stray print cannot fail either)."""
    output = getattr(driver, "_file", None)
    if isinstance(output, _Output):
        output.detached = True
    exit_event = getattr(driver, "exit_event", None)
    if exit_event is not None:
        exit_event.set()  # the key thread ends (a hung-up tty reads as endless EOF)
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        with suppress(OSError):
            os.dup2(devnull, fd)
    os.close(devnull)
