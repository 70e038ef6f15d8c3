"""Child processes seen through /proc (Linux), for the tests of processes that start others."""

from __future__ import annotations

import os
from pathlib import Path

WRITER = b"tui.spend.usage_writer"  # a large usage sync's writer child, in its command line


def running(pid: int) -> bool:
    """Whether `pid` runs (a process that exited and waits to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def children_running(parent: int, command: bytes = WRITER) -> list[int]:
    """The running processes whose parent is `parent` and whose command line holds
    `command`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            line = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if int(ppid) == parent and state != "Z" and command in line:
            found.append(int(entry))
    return found


def marked(name: str, value: str) -> list[int]:
    """The running processes with `name`=`value` in their environment (a test's mark: found
    however they were started, also once their parent is gone)."""
    found = []
    wanted = f"{name}={value}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0") and running(int(entry)):
            found.append(int(entry))
    return found
