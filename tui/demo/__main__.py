"""Run the demo gateway from a shell: python -m tui.demo --port N."""

from __future__ import annotations

import argparse
import sys

from . import BALANCE_DIALECTS, serve_forever


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tui.demo", description="Run tokendeck's demo gateway on loopback.")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--history-rows", type=int, default=None,
                        help="this many rows ending now (default: the built-in demo's log, "
                        "the same in every run)")
    parser.add_argument("--token-rate", type=float, default=None,
                        help="stream pieces per second (default: as fast as possible)")
    parser.add_argument("--page-latency", type=float, default=0.0,
                        help="seconds before each usage-log page is answered")
    parser.add_argument("--balance-dialect", choices=BALANCE_DIALECTS, default="opencodex",
                        help="the gateway family: its balance endpoint and, for newapi-token, "
                        "oneapi and litellm, its usage log; openrouter states each answer's cost")
    parser.add_argument("--newapi-version", choices=("query", "bearer", "paged"),
                        default="paged", help="new-api's /api/log/token: ?key=, Bearer, paged")
    parser.add_argument("--mount", default="", help="serve every path under this prefix")
    args = parser.parse_args(argv)
    try:
        serve_forever(
            args.port, host=args.host, seed=args.seed, history_rows=args.history_rows,
            token_rate=args.token_rate or None, page_latency=args.page_latency,
            balance_dialect=args.balance_dialect, newapi_version=args.newapi_version,
            mount=args.mount,
        )
    except (OSError, ValueError) as exc:
        print(f"tokendeck demo gateway: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
