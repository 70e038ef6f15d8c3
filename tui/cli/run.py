"""Dispatch of CLI commands, with every failure turned into one stderr line and an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

from ..base.i18n import _, set_language
from ..base.times import TimeError
from ..gateway.errors import ExitCode, GatewayError
from ..profiles.config import ConfigError, peek_language
from .errors import UsageError
from .output import err

if TYPE_CHECKING:
    from ..store.errors import StoreError


def _early_language(argv: list[str]) -> None:
    """Set the language before --help is built: config `language`, else the environment."""
    path = None
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            path = argv[i + 1]
        elif arg.startswith("--config="):
            path = arg.split("=", 1)[1]
    # only the language: the command loads the whole config once, itself
    set_language(peek_language(path))


def run(argv: list[str]) -> int:
    _early_language(argv)
    if argv:
        from .parser import build_parser  # every command's options: not for plain `tokendeck`

        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
            return int(exc.code or 0)
    else:  # plain `tokendeck` opens the app: no need to build every command's parser
        args = app_args()
    try:
        return _dispatch(args)
    except (UsageError, TimeError) as exc:
        err(_("error: {problem}").format(problem=exc))
        return ExitCode.USAGE
    except ConfigError as exc:
        err(_("config error: {problem}").format(problem=exc))
        return ExitCode.CONFIG
    except GatewayError as exc:
        err(_("error: {problem}").format(problem=exc.detail))
        return exc.exit_code
    except _store_error() as exc:
        err(exc.message)
        return ExitCode.STORE
    except KeyboardInterrupt:
        err(_("interrupted"))
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return ExitCode.OK


def app_args() -> argparse.Namespace:
    """What the parser makes of no arguments at all (a test keeps the two the same)."""
    return argparse.Namespace(command=None, profile=None, config=None, json=False)


def _store_error() -> type[StoreError] | tuple[()]:
    """StoreError, if the history store was loaded at all (else nothing can have raised it):
    the store package stays off the path of commands that never open it."""
    errors = sys.modules.get("tui.store.errors")
    return errors.StoreError if errors is not None else ()


def silence_stdout() -> None:
    """After the reader of a pipe went away (`| head`), keep Python from complaining at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


# Each command's module is imported only when that command runs: `tokendeck balance` never
# loads the store, the compare engine or Textual (bench/cli.py; tests/test_start_imports.py).
COMMANDS: dict[str | None, tuple[str, str]] = {
    None: (".app_entry", "run_app"),  # plain `tokendeck`: the app
    "history": (".history_cmds", "run"),
    "export": (".history_cmds", "run"),
    "completion": (".completion", "run"),
    "report": (".usage_cmds", "report"),
    "probe": (".probe_cmds", "run"),
    "status": (".status_cmds", "run"),
    "compare": (".compare_cmds", "run"),
    "chat": (".chat_cmds", "run"),
    "config": (".config_cmds", "run"),
}
OTHERS = (".gateway_cmds", "run")  # balance, models, logs, chat, ...


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo-server":
        from ..demo import serve_forever  # the demo gateway, for this command only

        serve_forever(
            args.port, history_rows=None, token_rate=args.token_rate,
            page_latency=args.page_latency,
            balance_dialect=args.family, newapi_version=args.newapi_version,
        )  # fmt: skip
        return ExitCode.OK
    module, function = COMMANDS.get(args.command, OTHERS)
    command: Callable[[argparse.Namespace], int] = getattr(
        import_module(module, __package__), function
    )
    return command(args)
