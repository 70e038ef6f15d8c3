"""Helpers for tests of the history database."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tui import store
from tui.store import schema as store_schema


@contextmanager
def old_db(path: Path, version: int) -> Iterator[store.Database]:
    """A database made by the tokendeck whose schema stopped at `version` (migration tests)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_schema, "MIGRATIONS", store_schema.MIGRATIONS[:version])
        with store.open_db(path) as db:
            yield db


def damage_messages(path: Path) -> None:
    """Overwrite the messages table's root page of the database at `path` with noise (a file
    with damaged pages; the tests of what is never written into one)."""
    with store.open_db(path) as db:
        root = db.query("SELECT rootpage FROM sqlite_master WHERE name = 'messages'")[0][0]
    damaged = bytearray(path.read_bytes())
    size = damaged[16] * 256 + damaged[17]
    damaged[(root - 1) * size : root * size] = random.Random(8).randbytes(size)
    path.write_bytes(bytes(damaged))
