"""Cold start: `tokendeck` to its first frame, in fresh processes, against the floor.

Headless at 120x40 (the same first-frame hook as bench/floor.py), a first start: no config, no
key, so the built-in demo gateway. Figures: the demo gateway started in-process (what a new
user gets), and a running `tokendeck demo-server` named by $TOKENDECK_DEMO_URL; each as wall
time and as the CPU time of the process until its first frame (less disturbed by other load),
and as a ratio to the bare one-widget Textual app. The target is 1.5x that floor.

Usage: python bench/cold_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    FIRST_FRAME_HOOK,
    clean_env,
    demo_server,
    first_frame_runs,
    floors,
    report,
    runs,
)

TOKENDECK = (
    FIRST_FRAME_HOOK
    + r"""
from tui.cli import main
main([])
"""
)


def measure(label: str, count: int, env: dict, floor: float, floor_cpu: float) -> None:
    measured = first_frame_runs(TOKENDECK, count, env)
    report(f"cold start: first frame ({label})", [r["elapsed"] for r in measured], "s",
           floor=floor, target=1.5, target_of="ratio")  # fmt: skip
    report(f"cold start: CPU to first frame ({label})", [r["cpu"] for r in measured], "s",
           floor=floor_cpu, target=1.5, target_of="ratio")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=runs(5))
    args = parser.parse_args()
    floor, floor_cpu = floors(args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        measure("in-process demo", args.runs, clean_env(home), floor, floor_cpu)
        with demo_server() as url:
            env = clean_env(home, TOKENDECK_DEMO_URL=url)
            measure("demo-server", args.runs, env, floor, floor_cpu)


if __name__ == "__main__":
    main()
