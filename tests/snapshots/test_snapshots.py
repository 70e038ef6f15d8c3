"""SVG snapshots of each panel at 80x24 and 120x40, with fixed demo data and a frozen clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import DEMO_NOW, PANEL_SCENES, make_app
from tui.demo import DemoGateway

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def fixed_demo() -> Iterator[DemoGateway]:
    with DemoGateway(now=DEMO_NOW, seed=7) as gateway:
        yield gateway


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("panel", list(PANEL_SCENES))
def test_panel(
    snap_compare: Callable[..., bool],
    fixed_demo: DemoGateway,
    tmp_path: Path,
    panel: str,
    size: tuple[int, int],
) -> None:
    app = make_app(fixed_demo, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=PANEL_SCENES[panel])
