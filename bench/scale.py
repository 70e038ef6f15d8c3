"""A million usage rows: `tokendeck logs sync` (first run and with nothing new), `report --by
model --offline` and `logs --limit 0 --format csv`, against a loopback gateway serving an
openai-hk usage log of 1,000,000 rows (bench/_hklog.py, in a child process: made up page by
page, `limit` <= 300). Each command is a fresh process, timed from spawn to exit, with its CPU
seconds and peak RSS (the whole process). Then the Usage panel over the million cached rows
(bench/usage_table.py --rows 1000000: first rows shown, one filter key).

The first sync runs once per --sync-runs (each into an empty data directory: ~10 s each);
the others --runs times over the cache of the last one.

Usage: python bench/scale.py [--rows 1000000] [--runs 5] [--sync-runs 1] [--no-panel] [--csv-only]
(--csv-only: only `logs --limit 0 --format csv`, no sync, report or panel)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    ROOT,
    clean_env,
    load_note,
    measured_run,
    report,
    runs,
    url_child,
)
from bench._hklog import SERVER  # noqa: E402

KEY = "hk-bench0000000000000000"


def write_config(home: Path, url: str) -> Path:
    path = home / "config" / "tokendeck" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        f'default_profile = "hk"\n\n[profiles.hk]\nbase_url = "{url}/v1"\n'
        f'logs_url = "{url}/openai/sk/log"\napi_key = "{KEY}"\n'
    )
    path.chmod(0o600)
    return path


def tokendeck(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]


def checked(done: dict, what: str) -> dict:
    if done["code"] != 0:
        raise SystemExit(f"{what} failed (exit {done['code']}): {done['stderr']}")
    return done


def figures(name: str, done: list[dict], wall: float | None, rss: float | None) -> None:
    report(name, [d["wall"] for d in done], "s", target=wall)
    report(f"{name}, CPU", [d["cpu"] for d in done], "s")
    report(f"{name}, peak RSS", [d["rss_mb"] for d in done], "MB", target=rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=runs(5))
    parser.add_argument("--sync-runs", type=int, default=1)
    parser.add_argument("--no-panel", action="store_true")
    parser.add_argument("--csv-only", action="store_true")
    args = parser.parse_args()
    rows = f"{args.rows:,} rows"
    print(load_note(), flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="tokendeck-bench-") as tmp,
        url_child(SERVER, str(args.rows)) as url,
    ):
        home = Path(tmp)
        write_config(home, url)
        env = clean_env(home)
        measured_run(tokendeck("--help"), env)  # fills the bytecode cache

        first = []
        for i in range(0 if args.csv_only else args.sync_runs):
            env = clean_env(home, TOKENDECK_DATA_DIR=str(home / f"data{i}"))
            first.append(checked(measured_run(tokendeck("logs", "sync"), env), "logs sync"))
            print(f"first sync {i + 1}: {first[-1]['stderr'].strip()}", flush=True)
        if not args.csv_only:
            figures(f"logs sync, first run, {rows}", first, 10.0, 150.0)
            again = [checked(measured_run(tokendeck("logs", "sync"), env), "logs sync")
                     for _ in range(args.runs)]  # fmt: skip
            figures(f"logs sync, nothing new, {rows} cached", again, 0.35, None)
            reported = [
                checked(
                    measured_run(tokendeck("report", "--by", "model", "--offline"), env), "report"
                )
                for _ in range(args.runs)
            ]
            figures(f"report --by model --offline, {rows}", reported, 0.3, None)

        csv = home / "logs.csv"
        exported = []
        for _ in range(max(1, args.runs // 2)):
            with csv.open("wb") as out:
                command = tokendeck("logs", "--limit", "0", "--format", "csv")
                exported.append(checked(measured_run(command, env, stdout=out.fileno()), "logs"))
            with csv.open("rb") as written:
                lines = sum(1 for _ in written)
            if lines != args.rows + 1:
                raise SystemExit(f"logs --format csv wrote {lines} lines, not {args.rows + 1}")
        figures(f"logs --limit 0 --format csv, {rows}", exported, 5.0, 100.0)
    if not (args.no_panel or args.csv_only):
        panel = [sys.executable, str(ROOT / "bench" / "usage_table.py"), "--rows",
                 str(args.rows), "--first-target", "0.2", "--runs", str(runs(3))]  # fmt: skip
        subprocess.run(panel, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
