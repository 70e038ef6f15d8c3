"""Start the Textual app from the CLI (kept apart so scriptable commands never import Textual)."""

from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    from .app import run

    return run(config_path=args.config, profile=args.profile)
