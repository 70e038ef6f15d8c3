"""The README screenshots in docs/screenshots are what the current app draws."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "screenshots"
PANELS = ("chat", "models", "usage", "balance")


def test_readme_screenshots_match_the_app(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    stale = [
        panel
        for panel in PANELS
        if not (COMMITTED / f"{panel}.svg").is_file()
        or (tmp_path / f"{panel}.svg").read_text(encoding="utf-8")
        != (COMMITTED / f"{panel}.svg").read_text(encoding="utf-8")
    ]
    assert not stale, (
        f"docs/screenshots/{{{','.join(stale)}}}.svg no longer match the app; "
        "look at the change, then run `python scripts/screenshots.py` to update them"
    )
