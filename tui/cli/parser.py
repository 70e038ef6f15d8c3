"""The argument parser: every command, its options, and an example in each --help."""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from .. import __version__
from ..base.i18n import _
from . import argparse_texts

# what `tokendeck status --format` may show of a profile's cached record (here, not beside the
# record in spend.status_cache: building the parser then loads no money code)
STATUS_FIELDS = ("profile", "balance", "unit", "today", "burn", "days_left", "basis", "age")


class _Formatter(argparse_texts.HelpFormatter):
    pass


def _globals(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """Options accepted before or after the command (`tokendeck models --json`)."""
    parser.add_argument(
        "--profile", "-p", default=default, help=_("profile to use (default: default_profile)")
    )
    parser.add_argument(
        "--config",
        default=default,
        help=_("config file (default: $TOKENDECK_CONFIG or ~/.config/tokendeck/config.toml)"),
    )
    parser.add_argument(
        "--json", action="store_true", default=default, help=_("machine-readable JSON output")
    )


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _globals(common)
    return common


def _sub(
    subs: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_: str,
    example: str,
    *,
    common: argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    """A command's parser; `common` (the options every command takes) is one parser shared by
    all commands: argparse copies its options into each."""
    return subs.add_parser(
        name,
        help=help_,
        description=help_,
        epilog=_("example:\n  {example}").format(example=example),
        formatter_class=_Formatter,
        parents=[common],
    )


def build_parser() -> argparse.ArgumentParser:
    argparse_texts.install()
    sub = partial(_sub, common=_common())  # one parent parser, not one a command (~2 ms)
    parser = argparse.ArgumentParser(
        prog="tokendeck",
        description=_(
            "Chat, models, usage logs and balance for OpenAI-compatible gateways. "
            "With no command, opens the app."
        ),
        epilog=_(
            "Exit codes: 0 ok, 1 error, 2 usage, 3 config, 4 auth, 5 out of credits, "
            "6 rate limited, 7 network, 8 server, 9 protocol, 10 bad request, "
            "11 balance below threshold or over budget, 12 history store, "
            "13 no balance endpoint, 130 interrupted."
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"tokendeck {__version__}",
        help=_("show the version and exit"),
    )
    _globals(parser, default=None)
    parser.set_defaults(json=False)
    subs = parser.add_subparsers(dest="command", metavar=_("COMMAND"))

    sub(subs, "models", _("list the gateway's models"), "tokendeck models --json | jq '.[].id'")

    p = sub(subs, "balance", _("show the credit left"), "tokendeck balance --check || notify")
    p.add_argument(
        "--check",
        action="store_true",
        help=_(
            "exit 11 when the balance is below the threshold, or today's or this month's "
            "spend is over the profile's daily_budget or monthly_budget"
        ),
    )
    p.add_argument(
        "--threshold", help=_("low-balance threshold (default: the profile's low_balance)")
    )

    p = sub(
        subs,
        "logs",
        _("show usage-log rows, newest first"),
        "tokendeck logs --since 7d --model 'gpt-4o*' --format csv > usage.csv\n"
        "  tokendeck logs sync",
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=("sync",),
        metavar=_("ACTION"),
        help=_("'sync': copy new rows into the local usage cache (used by report and costs)"),
    )
    p.add_argument("--since", help=_("only rows at or after this time (2026-11-01, 7d, 12h)"))
    p.add_argument("--until", help=_("only rows before this time (same forms as --since)"))
    p.add_argument("--model", help=_("only this model (wildcards * and ? allowed)"))
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        help=_("at most N rows (default 100, or all rows with --since; 0 = no limit)"),
    )
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default=None,
        help=_("output format (default: table, or json with --json)"),
    )

    p = sub(
        subs,
        "report",
        _("requests, tokens and credits per day, week or model, from the local usage cache"),
        "tokendeck report --by model --since 30d --format csv > spend.csv",
    )
    p.add_argument("--by", choices=("day", "week", "model"), default="day")
    p.add_argument("--model", help=_("only this model (wildcards * and ? allowed)"))
    p.add_argument("--since", help=_("only rows at or after this time (2026-11-01, 7d, 12h)"))
    p.add_argument("--until", help=_("only rows before this time (same forms as --since)"))
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default=None,
        help=_("output format (default: table, or json with --json)"),
    )
    p.add_argument(
        "--offline", action="store_true", help=_("use the cache as it is, without syncing first")
    )

    p = sub(
        subs,
        "chat",
        _(
            "ask a model; the answer streams to stdout and is kept as a conversation "
            "in the history (see `tokendeck history`; -c continues it)"
        ),
        "git diff | tokendeck chat 'Review this diff' -m deepseek-chat\n"
        "  tokendeck chat -c 'And the tests?'\n"
        "  tokendeck chat -a photo.png -t describe --json | jq -r .text",
    )
    _prompt_argument(p)
    p.add_argument(
        "-m", "--model", help=_("model id or alias (default: the profile's default_model)")
    )
    p.add_argument("-s", "--system", help=_("system prompt"))
    p.add_argument(
        "-t", "--template", metavar=_("NAME"),
        help=_("use the [templates.NAME] preset of the config (system prompt, model, "
               "parameters, prompt prefix)"),
    )  # fmt: skip
    p.add_argument(
        "-a", "--attach", action="append", default=[], metavar=_("PATH"),
        help=_("attach a file (repeatable): text goes in as a fenced block with its name, "
               "PNG/JPEG/WebP/GIF images as image parts"),
    )  # fmt: skip
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "-c", "--continue", action="store_true", dest="cont",
        help=_("continue the most recent conversation"),
    )  # fmt: skip
    which.add_argument("--cid", type=int, metavar=_("ID"), help=_("continue conversation ID"))
    p.add_argument(
        "--no-save", action="store_true", help=_("do not keep this exchange in the history")
    )
    p.add_argument(
        "-e", "--edit", action="store_true",
        help=_("write the prompt in $VISUAL / $EDITOR first (the words given start it)"),
    )  # fmt: skip
    p.add_argument(
        "-u", "--usage", action="store_true",
        help=_("print tokens and cost on stderr after the answer"),
    )  # fmt: skip
    _sampling_arguments(p)
    p.add_argument("--stop", action="append", default=[], help=_("stop sequence (repeatable)"))
    p.add_argument("--no-stream", action="store_true", help=_("wait for the whole answer"))
    p.add_argument(
        "--show-reasoning", action="store_true", help=_("print the model's reasoning to stderr")
    )

    p = sub(
        subs,
        "compare",
        _("one prompt to 2-4 models at once: the answers, then time to first token, tokens/s, "
          "tokens and cost of each"),
        "tokendeck compare -m deepseek-chat -m gpt-4o-mini 'Explain SSE in one paragraph'",
    )
    _prompt_argument(p)
    p.add_argument(
        "-m", "--model", action="append", default=[],
        help=_("a model id or alias to ask (2 to 4 of them)"),
    )  # fmt: skip
    p.add_argument("-s", "--system", help=_("system prompt"))
    _sampling_arguments(p)
    p.add_argument(
        "--concurrency", type=int, help=_("requests streaming at once (default: all of them)")
    )

    p = sub(subs, "key", _("manage API keys"), "tokendeck key create")
    keys = p.add_subparsers(dest="key_command", metavar=_("ACTION"), required=True)
    sub(
        keys,
        "create",
        _("create a new key (openai-hk; shown once)"),
        "tokendeck key create > new-key.txt",
    )

    p = sub(
        subs,
        "config",
        _("create or show the configuration"),
        "tokendeck config init --preset opencodex --api-key-env OPENCODEX_KEY",
    )
    actions = p.add_subparsers(dest="config_command", metavar=_("ACTION"), required=True)
    init = sub(
        actions,
        "init",
        _("add a profile (prompts for what flags omit)"),
        "tokendeck config init --preset openai-hk --name work --api-key-env HK_KEY",
    )
    init.add_argument("--preset", choices=("opencodex", "openai-hk", "custom"))
    init.add_argument("--name", help=_("profile name (default: the preset's name)"))
    init.add_argument("--base-url")
    init.add_argument("--api-key", help=_("the key itself (prefer --api-key-env)"))
    init.add_argument("--api-key-env", help=_("read the key from this environment variable"))
    init.add_argument("--api-key-cmd", help=_("read the key from this command's output"))
    init.add_argument("--logs-url")
    init.add_argument("--model", help=_("default model"))
    init.add_argument("--default", action="store_true", help=_("make it the default profile"))
    init.add_argument("--force", action="store_true", help=_("replace a profile of that name"))
    init.add_argument(
        "--no-check", action="store_true", help=_("save without checking the key with the gateway")
    )
    sub(
        actions,
        "show",
        _("print the configuration with keys masked"),
        "tokendeck config show --json",
    )
    sub(actions, "path", _("print the config file's path"), '"$EDITOR" "$(tokendeck config path)"')
    sub(actions, "profiles", _("print the profile names, one a line"), "tokendeck config profiles")

    p = sub(subs, "history", _("list stored conversations"), "tokendeck history --json")
    p.add_argument("--limit", type=int, default=50, help=_("at most N conversations (0 = all)"))

    p = sub(
        subs,
        "export",
        _("print a stored conversation as Markdown or JSON"),
        "tokendeck export 12 --format md > chat.md",
    )
    p.add_argument("id", type=int, help=_("conversation id (see `tokendeck history`)"))
    p.add_argument("--format", choices=("md", "json"), default="md")

    p = sub(
        subs,
        "demo-server",
        _("run the built-in demo gateway on 127.0.0.1"),
        "tokendeck demo-server --port 8765",
    )
    p.add_argument("--port", type=int, default=8765)
    p.add_argument(
        "--token-rate",
        type=float,
        default=None,
        help=_("tokens per second to stream (default: as fast as possible)"),
    )
    p.add_argument(
        "--page-latency",
        type=float,
        default=0.0,
        help=_("seconds to wait before each usage-log page"),
    )
    p.add_argument(
        "--family",
        default="opencodex",
        choices=("opencodex", "openai-hk", "oneapi", "newapi-token", "openrouter", "deepseek",
                 "moonshot", "siliconflow", "litellm"),  # fmt: skip
        help=_("the gateway family to answer as: its balance endpoint and usage log"),
    )
    p.add_argument(
        "--newapi-version",
        default="paged",
        choices=("query", "bearer", "paged"),
        help=_("new-api's key log: ?key= (older), Bearer, or Bearer with pages"),
    )

    p = sub(
        subs,
        "completion",
        _("print a shell completion script"),
        "tokendeck completion bash > ~/.local/share/bash-completion/completions/tokendeck",
    )
    p.add_argument("shell", choices=("bash", "zsh", "fish"))
    _probe(subs, sub)
    _status(subs, sub)
    return parser


def _prompt_argument(p: argparse.ArgumentParser) -> None:
    """The prompt words of `chat` and `compare`."""
    p.add_argument(
        "prompt",
        nargs="*",
        help=_(
            "the prompt: the instruction; piped stdin is sent after it as the material "
            "(with no prompt or '-', stdin is the prompt)"
        ),
    )


def _sampling_arguments(p: argparse.ArgumentParser) -> None:
    """The sampling parameters `chat` and `compare` send."""
    p.add_argument("--temperature", type=float)
    p.add_argument("--top-p", type=float, dest="top_p")
    p.add_argument("--max-tokens", type=int, dest="max_tokens")


def _probe(subs: Any, sub: Any) -> None:
    """Add `probe` to the parser (`sub` makes a command's parser)."""
    p = sub(
        subs,
        "probe",
        _("detect a gateway's family, units, logs and key creation (never sends a chat)"),
        "tokendeck probe --base-url https://gw.example/v1 --key-env GW_KEY --json",
    )
    p.add_argument("--base-url", help=_("the gateway's base URL (default: the profile's)"))
    p.add_argument(
        "--key-env", metavar=_("VAR"), help=_("read the key from this environment variable")
    )


def _status(subs: Any, sub: Any) -> None:
    """Add `status` to the parser (`sub` makes a command's parser)."""
    p = sub(
        subs,
        "status",
        _(
            "one short line for shell prompts and tmux: profile, balance, today's spend, days "
            "left (from the local cache, refreshed in the background at most once a minute)"
        ),
        "tmux set -g status-right '#(tokendeck status)'\n"
        "  tokendeck status --format '{profile}: {balance} {unit}'",
    )
    p.add_argument(
        "--format",
        help=_("a template using {fields}").format(
            fields=" ".join(f"{{{f}}}" for f in STATUS_FIELDS)
        ),
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help=_(
            "ask the gateway and sync the usage log now, then print (what runs in the background)"
        ),
    )
