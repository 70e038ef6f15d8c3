"""Large config files: `tokendeck config profiles` with 10,000 [prices] entries, and a 191 MB
config.toml (refused, quickly and in little memory, with the exit status of a config error).

Each run is a fresh process, timed from spawn to exit, with its peak RSS (the whole process).
Half of the prices are one number, half {prompt, completion} tables, under one profile.

The floor is a bare `python -c` that imports stdlib tomllib and parses the same file (the
design card's reader: what no change of ours can go below). Linear: the CPU each further
1,000 prices cost from 10,000 to 50,000, over the same from 1,000 to 10,000 (1 when the cost
is linear; a lookup per entry made it ~5).

Usage: python bench/config_scale.py [--runs 5] [--prices 10000] [--big-mb 191]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import clean_env, load_note, measured_run, report, runs  # noqa: E402

CONFIG_EXIT = 3  # ExitCode.CONFIG
FLOOR = "import sys, tomllib; tomllib.loads(open(sys.argv[1], encoding='utf-8').read())"
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


def linear(home: Path, env: dict, count: int, cpu: float, runs: int) -> None:
    """CPU per further 1,000 prices from count/10 to count and from count to 5 x count."""
    medians = {count: cpu}
    for size in (count // 10, count * 5):
        path = home / f"prices-{size}.toml"
        write_prices(path, size)
        command = [sys.executable, "-m", "tui", "--config", str(path), "config", "profiles"]
        medians[size] = statistics.median(
            measured_run(command, env)["cpu"] for _ in range(max(2, runs // 2))
        )
    small, big = count // 10, count * 5
    low = (medians[count] - medians[small]) / ((count - small) / 1000)
    high = (medians[big] - medians[count]) / ((big - count) / 1000)
    for size in (small, big):
        report(f"config profiles, {size:,} prices, CPU", [medians[size]], "s")
    report(f"CPU per 1,000 prices, {small:,} to {count:,}", [low * 1000], "ms")
    report(f"CPU per 1,000 prices, {count:,} to {big:,}", [high * 1000], "ms")
    report("config profiles: linear in prices", [high / low], "x", target=1.5)


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
        floor = [sys.executable, "-c", FLOOR, str(prices)]
        measured_run(command, env)  # fills the bytecode cache
        done, bare = [], []
        for _ in range(args.runs):  # in turns: the machine's load weighs on both alike
            done.append(measured_run(command, env))
            bare.append(measured_run(floor, env))
        if any(d["code"] != 0 for d in done + bare):
            raise SystemExit(f"config profiles failed: {done[0]['stderr']}{bare[0]['stderr']}")
        name = f"config profiles, {args.prices:,} prices"
        floor_wall = statistics.median(d["wall"] for d in bare)
        floor_cpu = statistics.median(d["cpu"] for d in bare)
        report(f"tomllib alone, {args.prices:,} prices (floor)", [d["wall"] for d in bare], "s")
        report(f"tomllib alone, {args.prices:,} prices (floor), CPU", [d["cpu"] for d in bare], "s")
        report(
            name, [d["wall"] for d in done], "s", target=0.2, floor=floor_wall,
            bytes=prices.stat().st_size,
        )  # fmt: skip
        report(f"{name}, CPU", [d["cpu"] for d in done], "s", floor=floor_cpu)
        report(f"{name}, peak RSS", [d["rss_mb"] for d in done], "MB")
        linear(home, env, args.prices, statistics.median(d["cpu"] for d in done), args.runs)

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
