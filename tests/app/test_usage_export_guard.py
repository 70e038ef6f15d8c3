"""The Usage export (e) asks before replacing a file or making a folder, never writes over
tokendeck's own database or config (through symbolic or hard links), and neutralises
spreadsheet formulas in the cells (the same function as `tokendeck logs --format csv`)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from tests.app.test_usage import notices, open_usage
from tests.helpers import make_app, screen_text, wait_for
from tui.demo import DemoGateway, Fault
from tui.demo.hostile import FORMULAS

STARTS = ("=", "+", "-", "@", "\t", "\r")


async def export_to(pilot: Any, target: Path | str) -> None:
    await pilot.press("e", "ctrl+u", *str(target), "enter")
    await pilot.pause()


def fingerprint(path: Path) -> tuple[int, int, bytes]:
    st = path.stat()
    return st.st_ino, st.st_size, path.read_bytes()


async def test_the_export_never_replaces_its_own_files_and_asks_first(
    demo: DemoGateway, tmp_path: Path
) -> None:
    app = make_app(demo, tmp_path)
    config = app.config.path
    config.write_text('theme = "textual-dark"\n')
    async with app.run_test(size=(100, 30)) as pilot:
        usage = await open_usage(pilot)
        db = app.history.db.path
        before = fingerprint(db)
        (tmp_path / "link.csv").symlink_to(db)
        os.link(config, tmp_path / "hard.csv")
        for target in (db, tmp_path / "link.csv", tmp_path / "hard.csv", config):
            await export_to(pilot, target)
            await wait_for(pilot, lambda t=target: f"{t} is one of tokendeck's own files"
                           in notices(app))  # fmt: skip
        await app.workers.wait_for_complete()
        assert usage.exported is None
        assert fingerprint(db) == before and (tmp_path / "link.csv").is_symlink()
        assert config.read_text() == 'theme = "textual-dark"\n'

        existing = tmp_path / "mine.csv"
        existing.write_text("keep me\n")
        await export_to(pilot, existing)
        await wait_for(pilot, lambda: "exists. Replace it?" in screen_text(app))
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert existing.read_text() == "keep me\n" and usage.exported is None
        await export_to(pilot, existing)
        await wait_for(pilot, lambda: "exists. Replace it?" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: usage.exported is not None)
        assert existing.read_text().startswith("id,time,model")

        nested = tmp_path / "new" / "deeper" / "usage.csv"
        await export_to(pilot, nested)
        await wait_for(pilot, lambda: "does not exist. Create it" in screen_text(app))
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert not (tmp_path / "new").exists()


async def test_formulas_from_the_gateway_are_neutralised_in_the_csv(
    demo: DemoGateway, tmp_path: Path
) -> None:
    demo.add_fault(Fault("hostile", endpoint="logs", times=-1))
    app = make_app(demo, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        usage = await open_usage(pilot)
        target = tmp_path / "usage.csv"
        await export_to(pilot, target)
        await wait_for(pilot, lambda: usage.exported is not None)
    with target.open(encoding="utf-8", newline="") as handle:
        check_csv(handle.read())


def check_csv(text: str) -> None:
    """No cell starts with a formula character; each formula of the corpus is there, quoted."""
    table = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in table[1:] for cell in row[2:3] + row[7:]]  # model, reqid, ip, note
    assert cells and not [c for c in cells if c.startswith(STARTS)]
    for formula in FORMULAS:
        assert "'" + formula in cells, (formula, sorted(set(cells))[:40])
