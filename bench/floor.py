"""The start-up floor: a bare one-widget Textual app's first frame, in fresh processes.

Headless at 120x40, from spawning the process to the first `Ready` event (the first frame is
displayed); interpreter start-up and imports included. Also the CPU time the process used
until then, which other load on the machine disturbs less. Other figures are given as ratios
to these (`bench._common.floors()`).

Usage: python bench/floor.py [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import FLOOR_APP, first_frame_runs, report, runs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=runs(5))
    args = parser.parse_args()
    measured = first_frame_runs(FLOOR_APP, args.runs)
    report("floor: bare Textual app, first frame", [r["elapsed"] for r in measured], "s",
           floor_of="wall")  # fmt: skip
    report("floor: bare Textual app, CPU to first frame", [r["cpu"] for r in measured], "s",
           floor_of="cpu")  # fmt: skip


if __name__ == "__main__":
    main()
