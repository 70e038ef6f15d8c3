"""The start-up floor: a bare one-widget Textual app's first frame, in fresh processes.

Headless at 120x40, from spawning the process to the first `Ready` event (the first frame is
displayed); interpreter start-up and imports included. Other figures are given as ratios to
this one (`bench._common.floor_first_frame()`).

Usage: python bench/floor.py [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import FLOOR_APP, first_frames, report, runs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=runs(5))
    args = parser.parse_args()
    report("floor: bare Textual app, first frame", first_frames(FLOOR_APP, args.runs), "s")


if __name__ == "__main__":
    main()
