"""The scriptable commands end to end: `tokendeck balance|models|logs|status` against a running
demo gateway (`tokendeck demo-server` in a child, named by $TOKENDECK_DEMO_URL), each in fresh
processes, from spawning the process to its exit. Target: 0.25 s. Also the CPU time the
process used (less disturbed by other load on the machine), and whether each command imported
Textual (it must not: target 0 modules).

Every run has the bytecode cache on (as an installed tokendeck), after one run not counted.

Usage: python bench/cli.py [--runs 7] [--commands balance,models,logs,status]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, Env, child_env, clean_env, demo_server, report, run_child, runs  # noqa: E402

TARGET = 0.25
COMMANDS = ("balance", "models", "logs", "status")

# The command's main in this process, then which heavy modules it loaded.
IMPORTS = r"""
import contextlib, io, json, sys
from tui.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
also = [m for m in ("sqlite3", "tui.store", "tui.demo.server") if m in sys.modules]
print(json.dumps({"code": code, "textual": len(loaded), "also": also}))
"""


def exists(command: str, env: Env) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "tui", command, "--help"], cwd=ROOT, env=child_env(env),
        capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


def once(command: str, env: Env) -> tuple[float, float]:
    """Wall seconds of one run, and the CPU seconds (user + system) the process used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tui", command], cwd=ROOT, env=child_env(env),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"`tokendeck {command}` failed ({done.returncode}): {done.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=runs(7))
    parser.add_argument("--commands", default=",".join(COMMANDS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, demo_server() as url:
        env = clean_env(Path(tmp), TOKENDECK_DEMO_URL=url)
        for command in args.commands.split(","):
            if not exists(command, env):
                print(f"`tokendeck {command}` does not exist (yet): skipped", file=sys.stderr)
                continue
            once(command, env)  # fills the bytecode cache
            measured = [once(command, env) for _ in range(args.runs)]
            report(f"cli {command}: end to end", [m[0] for m in measured], "s", target=TARGET)
            report(f"cli {command}: CPU of the process", [m[1] for m in measured], "s")
            loaded = run_child(IMPORTS, [command], env)
            report(f"cli {command}: Textual modules imported", [loaded["textual"]], "modules",
                   target=0, also=loaded["also"])  # fmt: skip


if __name__ == "__main__":
    main()
