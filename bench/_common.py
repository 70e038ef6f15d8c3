"""Helpers for the benchmark scripts: fresh-process runs, statistics, one JSON line per figure."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(code: str, args: Sequence[str] = (), env: dict[str, str] | None = None) -> dict:
    """Run `code` in a fresh Python process; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, timeout=600, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(name: str, values: Sequence[float], unit: str, **extra: object) -> dict:
    """Print min/median/max and a JSON line for one figure; returns the figure."""
    figure = {
        "figure": name,
        "unit": unit,
        "runs": len(values),
        "min": round(min(values), 4),
        "median": round(statistics.median(values), 4),
        "max": round(max(values), 4),
        **extra,
    }
    print(f"{name:48s} min {figure['min']:>10} median {figure['median']:>10} "
          f"max {figure['max']:>10} {unit}")
    print(json.dumps(figure))
    return figure


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
