"""Fixtures shared by the unit tests: a history database and a gateway on the demo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.gateway_helpers import make_gateway
from tui import store
from tui.demo import DemoGateway
from tui.gateway import Gateway


@pytest.fixture
def db(tmp_path: Path) -> Iterator[store.Database]:
    """A fresh history database (modules that need a fixed clock override this)."""
    database = store.open_db(tmp_path / "history.db")
    yield database
    database.close()


@pytest.fixture
async def gw(demo: DemoGateway) -> AsyncIterator[Gateway]:
    async with make_gateway(demo) as gateway:
        yield gateway
