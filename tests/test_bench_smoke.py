"""The benchmarks of a million usage rows and ten thousand prices still run, at a small size
(they are not run by CI otherwise: one broke unseen when the rows' types changed). No figure is
asserted, only that each script runs to its end and reports its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("script", "options", "figure"),
    [
        # 30,000 rows: a sync large enough to store through its writer child process
        ("scale.py", ["--rows", "30000", "--runs", "1", "--no-panel"], "logs sync, first run"),
        ("usage_table.py", ["--rows", "3000", "--runs", "1"], "usage: first rows shown"),
        ("config_scale.py", ["--prices", "200", "--runs", "1"], "config profiles"),
    ],
)
def test_a_scale_benchmark_runs_and_reports(script: str, options: list[str], figure: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *options], cwd=ROOT, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert any(f["figure"].startswith(figure) for f in figures), done.stdout[-2000:]
    assert all(f["runs"] >= 1 and isinstance(f["median"], int | float) for f in figures)
