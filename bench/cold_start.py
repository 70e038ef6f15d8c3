"""Cold start: `tokendeck` to its first frame, in fresh processes, against the floor.

Headless at 120x40 (the same first-frame hook as bench/floor.py), a first start: no config, no
key, so the built-in demo gateway. Two figures: the demo gateway started in-process (what a
new user gets), and a running `tokendeck demo-server` named by $TOKENDECK_DEMO_URL. Both are
also given as a ratio to the bare one-widget Textual app; the target is 1.5x that floor.

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
    first_frames,
    floor_first_frame,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=runs(5))
    args = parser.parse_args()
    floor = floor_first_frame(args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        seconds = first_frames(TOKENDECK, args.runs, clean_env(home))
        report("cold start: first frame (in-process demo)", seconds, "s", floor=floor,
               target=1.5, target_of="ratio")  # fmt: skip
        with demo_server() as url:
            seconds = first_frames(TOKENDECK, args.runs, clean_env(home, TOKENDECK_DEMO_URL=url))
        report("cold start: first frame (demo-server)", seconds, "s", floor=floor,
               target=1.5, target_of="ratio")  # fmt: skip


if __name__ == "__main__":
    main()
