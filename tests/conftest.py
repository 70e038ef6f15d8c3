"""Fixtures for every test: the developer's own config, data and keys never leak in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ENV_DROP
from tui.base.i18n import set_language


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ENV_DROP:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    set_language("en")
    yield home
    set_language("en")


@pytest.fixture
def demo() -> Iterator[object]:
    """A fresh demo gateway on an ephemeral loopback port, fixed clock for stable data."""
    from tui.demo import DemoGateway

    with DemoGateway(now=1_763_900_000.0) as gateway:
        yield gateway
