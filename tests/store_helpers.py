"""Helpers for tests of the history database."""

from __future__ import annotations

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
