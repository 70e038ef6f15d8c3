"""Large config files: `tokendeck config profiles` with 10,000 [prices] entries, and a 191 MB
config.toml (refused, quickly and in little memory, with the exit status of a config error).

Each run is a fresh process, timed from spawn to exit, with its peak RSS (the whole process).
Half of the prices are one number, half {prompt, completion} tables, under one profile.

Usage: python bench/config_scale.py [--runs 5] [--prices 10000] [--big-mb 191]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import clean_env, load_note, measured_run, report, runs  # noqa: E402

CONFIG_EXIT = 3  # ExitCode.CONFIG
HEAD = 'default_profile = "hk"\n\n[profiles.hk]\nbase_url = "http://127.0.0.1:9/v1"\n'


def price_lines(first: int, count: int) -> str:
    return "".join(
        f'"vendor-{i}/model-{i}" = {{prompt = {i % 50}.5, completion = {i % 70 + 1}}}\n'
        if i % 2
        else f'"model-{i}" = {i % 90}.25\n'
        for i in range(first, first + count)
    )


def write_prices(path: Path, count: int) -> None:
    path.write_text(HEAD + "\n[profiles.hk.prices]\n" + price_lines(0, count))
    path.chmod(0o600)


def write_big(path: Path, size: int) -> None:
    """A config of `size` bytes: one profile and price lines (valid TOML throughout)."""
    with path.open("w") as out:
        out.write(HEAD + "\n[profiles.hk.prices]\n")
        i = 0
        while out.tell() < size:
            out.write(price_lines(i, 10_000))
            i += 10_000
    path.chmod(0o600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=runs(5))
    parser.add_argument("--prices", type=int, default=10_000)
    parser.add_argument("--big-mb", type=int, default=191)
    args = parser.parse_args()
    print(load_note())
    with tempfile.TemporaryDirectory(prefix="tokendeck-bench-") as tmp:
        home = Path(tmp)
        env = clean_env(home)
        prices = home / "prices.toml"
        write_prices(prices, args.prices)
        command = [sys.executable, "-m", "tui", "--config", str(prices), "config", "profiles"]
        measured_run(command, env)  # fills the bytecode cache
        done = [measured_run(command, env) for _ in range(args.runs)]
        if any(d["code"] != 0 for d in done):
            raise SystemExit(f"config profiles failed: {done[0]['stderr']}")
        name = f"config profiles, {args.prices:,} prices"
        report(name, [d["wall"] for d in done], "s", target=0.2, bytes=prices.stat().st_size)
        report(f"{name}, CPU", [d["cpu"] for d in done], "s")
        report(f"{name}, peak RSS", [d["rss_mb"] for d in done], "MB")

        big = home / "big.toml"
        write_big(big, args.big_mb * 1_000_000)
        command = [sys.executable, "-m", "tui", "--config", str(big), "config", "profiles"]
        done = [measured_run(command, env) for _ in range(args.runs)]
        refused = all(d["code"] == CONFIG_EXIT for d in done)
        print(f"{args.big_mb} MB config: exit {done[0]['code']}: {done[0]['stderr'].strip()}")
        name = f"config profiles, {args.big_mb} MB config.toml"
        report(f"{name}, refused", [float(refused)], "yes", target=1, target_kind="min")
        report(name, [d["wall"] for d in done], "s")
        report(f"{name}, CPU", [d["cpu"] for d in done], "s")
        report(f"{name}, peak RSS", [d["rss_mb"] for d in done], "MB", target=50)


if __name__ == "__main__":
    main()
