"""Helpers for the app run in child processes by the durability tests (imported there, with
the repository as the working directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def fill_disk(folder: str | Path) -> None:
    """Write a file in `folder` until its file system has no byte left."""
    with open(Path(folder) / "filler", "wb", buffering=0) as f:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass


def record_notifications(app: Any) -> list[str]:
    """Every notification the app shows from now on (it still shows them)."""
    said: list[str] = []
    notify = app.notify

    def record(message: object, *args: Any, **kwargs: Any) -> None:
        said.append(str(message))
        notify(message, *args, **kwargs)

    app.notify = record
    return said
