"""Start the Textual app from the CLI (kept apart so scriptable commands never import Textual)."""

from __future__ import annotations

import argparse


def run_app(args: argparse.Namespace) -> int:
    from ..ui.gcfreeze import pause_for_start, resume_after_start

    pause_for_start()  # until the first frame (TokenDeck.on_ready)
    from ..profiles.config import ConfigError, load
    from ..profiles.runtime import start_demo_early, stop_demo_early

    try:  # a demo profile: its gateway starts in a child while this process imports the app
        config = load(args.config)  # no config yet: the welcome screen offers the demo
        if not config.exists or config.profile(args.profile).demo:
            start_demo_early()
    except (ConfigError, OSError):
        pass  # the app reports it
    try:
        # Binding descriptions are translated when their modules are imported; import them
        # as msgids so that the language switch knows what each one says (run sets the
        # language again before anything is shown).
        from ..base.i18n import set_language

        set_language("en")
        from ..ui.app import run

        return run(config_path=args.config, profile=args.profile)
    finally:
        resume_after_start()  # when it never got to a first frame
        stop_demo_early()
