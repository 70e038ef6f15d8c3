"""Start the Textual app from the CLI (kept apart so scriptable commands never import Textual)."""

from __future__ import annotations

import argparse

from ..base.i18n import set_language
from ..profiles.config import ConfigError, load
from ..profiles.runtime import start_demo_early, stop_demo_early
from ..ui.gcfreeze import pause_for_start, resume_after_start


def run_app(args: argparse.Namespace) -> int:
    pause_for_start()  # until the first frame (TokenDeck.on_ready)
    try:  # a demo profile: its gateway starts in a child while this process imports the app
        config = load(args.config)  # no config yet: the welcome screen offers the demo
        if not config.exists or config.profile(args.profile).demo:
            start_demo_early()
    except (ConfigError, OSError):
        pass  # the app reports it
    try:
        # Texts made when a module is imported stay msgids (binding descriptions are N_ and
        # translated where they are painted); run sets the language before anything is shown.
        set_language("en")
        # Textual and the app, imported with the collector paused and the demo starting on
        # the other core (bench/cold_start.py: the first frame's time)
        from ..ui.app import run

        return run(config_path=args.config, profile=args.profile)
    finally:
        resume_after_start()  # when it never got to a first frame
        stop_demo_early()
