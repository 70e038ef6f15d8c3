"""Starting a module of this program as a child process (a sync's writer, the log-page
helper): its environment, and the pipes between the two."""

from __future__ import annotations

import fcntl
import os
from contextlib import suppress
from pathlib import Path

PIPE_BYTES = 1 << 20  # what a pipe to or from a child holds (Linux lets anyone ask 1 MiB)
_SET_PIPE_SIZE = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only


def module_env() -> dict[str, str]:
    """This environment, with this copy of tokendeck first on the child's import path (the
    child runs `python -m tui...` with the same interpreter)."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[2])  # the folder holding the tui package
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (here, env.get("PYTHONPATH"))))
    return env


def widen_pipe(fd: int) -> None:
    """Let the pipe `fd` is an end of hold PIPE_BYTES, not 64 KiB, where the system allows it: a
    batch or a page goes through in one write, not in pieces each waiting for the other side
    (a no-op elsewhere, or when refused)."""
    if _SET_PIPE_SIZE is not None:
        with suppress(OSError, ValueError):
            fcntl.fcntl(fd, _SET_PIPE_SIZE, PIPE_BYTES)
