"""Helpers for the benchmark scripts: fresh-process runs, statistics, one JSON line per figure.

Every figure is printed as a human line (min / median / max) and one JSON line that `bench/run`
collects. A figure can declare its own target (`target=0.25, target_kind="max"`), and a ratio
to a floor measured in the same run (`floor=...`, e.g. `floor_first_frame()`); a target may
apply to that ratio instead of the median (`target_of="ratio"`).

Environment read here (set by `bench/run`, or by hand):
  BENCH_QUICK=1      fewer fresh runs per figure (`runs(5)` returns 2)
  BENCH_FLOOR=0.18   the bare-Textual first-frame floor in seconds, measured once by bench/run
  BENCH_FLOOR_CPU=.. the same floor as CPU seconds of the process
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUICK_ENV = "BENCH_QUICK"
FLOOR_ENV = "BENCH_FLOOR"
FLOOR_CPU_ENV = "BENCH_FLOOR_CPU"
SIZE = (120, 40)


def quick() -> bool:
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def runs(default: int) -> int:
    """How many fresh runs a figure gets: `default`, or 2 under `bench/run --quick`."""
    return min(default, 2) if quick() else default


Env = dict[str, str | None]


# Children compile to bytecode once and reuse it, as an installed tokendeck does (pip writes
# .pyc files), even where PYTHONDONTWRITEBYTECODE is set; the cache lives outside the checkout.
PYCACHE = Path(tempfile.gettempdir()) / f"tokendeck-bench-pycache-{os.getuid()}"


def child_env(env: Env | None = None) -> dict[str, str]:
    """This process's environment with `env` applied (a None value removes the variable), and
    the bytecode cache on."""
    merged = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": None,
        "PYTHONPYCACHEPREFIX": str(PYCACHE),
        **(env or {}),
    }
    return {k: v for k, v in merged.items() if v is not None}


def run_child(code: str, args: Sequence[str] = (), env: Env | None = None) -> dict:
    """Run `code` in a fresh Python process; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
        env=child_env(env), timeout=600, check=False,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(
            f"benchmark child failed (exit {done.returncode}):\n{done.stderr[-2000:]}"
            f"{done.stdout[-2000:]}"
        )
    return json.loads(lines[-1])


def timed_child(code: str, args: Sequence[str] = (), env: Env | None = None) -> dict:
    """Like `run_child`, and the child's `"at"` (its `time.monotonic()` at the moment measured)
    becomes `"elapsed"`: seconds from just before the process was spawned, interpreter start-up
    and imports included, as a user waits for them. (CLOCK_MONOTONIC is system-wide.)"""
    started = time.monotonic()
    result = run_child(code, args, env)
    result["elapsed"] = result["at"] - started
    return result


def report(
    name: str,
    values: Sequence[float],
    unit: str,
    *,
    target: float | None = None,
    target_kind: str = "max",
    target_of: str = "median",
    floor: float | None = None,
    **extra: object,
) -> dict:
    """Print min/median/max and a JSON line for one figure; returns the figure.

    `target` is what the figure should reach: at most (`target_kind="max"`) or at least
    (`"min"`) that value, for the median (`target_of="median"`) or for the ratio of the median
    to `floor` (`target_of="ratio"`). `floor` (same unit as the values) adds `ratio`.
    """
    median = statistics.median(values)
    figure: dict[str, object] = {
        "figure": name,
        "unit": unit,
        "runs": len(values),
        "min": round(min(values), 4),
        "median": round(median, 4),
        "max": round(max(values), 4),
    }
    if floor:
        figure["floor"] = round(floor, 4)
        figure["ratio"] = round(median / floor, 3)
    if target is not None:
        if target_kind not in ("max", "min") or target_of not in ("median", "ratio"):
            raise ValueError(f"bad target: {target_kind} of {target_of}")
        measured = figure["ratio"] if target_of == "ratio" else median
        if not isinstance(measured, float | int):
            raise ValueError("a target on the ratio needs a floor")
        ok = measured <= target if target_kind == "max" else measured >= target
        figure.update(target=target, target_kind=target_kind, target_of=target_of, ok=ok)
    figure.update(extra)
    line = (
        f"{name:48s} min {figure['min']:>10} median {figure['median']:>10} "
        f"max {figure['max']:>10} {unit}"
    )
    if "ratio" in figure:
        line += f"  ({figure['ratio']}x floor)"
    if "ok" in figure:
        line += f"  [{'ok' if figure['ok'] else 'MISSED'}: {describe_target(figure)}]"
    print(line)
    print(json.dumps(figure), flush=True)
    return figure


def describe_target(figure: dict) -> str:
    """`<= 0.25 s`, `<= 1.5x floor`, `>= 4000 tokens/s`; empty without a target."""
    if figure.get("target") is None:
        return ""
    sign = "<=" if figure.get("target_kind", "max") == "max" else ">="
    if figure.get("target_of") == "ratio":
        return f"{sign} {figure['target']}x floor"
    return f"{sign} {figure['target']} {figure.get('unit', '')}".rstrip()


def clean_env(home: Path, **more: str | None) -> Env:
    """A first-start environment under `home`: empty config and data directories, no key from
    the environment, no external demo gateway (unless `more` sets one)."""
    env: Env = {
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "TOKENDECK_CONFIG": None,
        "TOKENDECK_DEMO_URL": None,
        "LANG": "C.UTF-8",
    }
    env.update(more)
    return env


@contextmanager
def demo_server(*options: str) -> Iterator[str]:
    """`tokendeck demo-server` in a child process on a free loopback port; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo-server", "--port", str(port), *options],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the demo server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)


@contextmanager
def url_child(code: str, *args: str) -> Iterator[str]:
    """Run `code` (which prints a URL, then serves until its stdin closes) in a child."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


# ---- the start-up floor: a bare one-widget Textual app -------------------------------------

# Code run first in a child that measures a Textual app's first frame: `App.run()` becomes a
# headless run at SIZE, and the first `Ready` event (sent once the first frame is displayed)
# prints {"at": time.monotonic()} and exits. The same hook serves the floor and tokendeck,
# so their ratio compares like with like.
FIRST_FRAME_HOOK = r"""
import json as _json, sys as _sys, time as _time
import importlib.abc as _abc, importlib.machinery as _machinery


def _headless(App):
    run = App.run

    def _headless_run(self, *args, **kwargs):
        kwargs.update(headless=True, size=SIZE)
        return run(self, *args, **kwargs)

    def _on_ready(self, event):
        if not getattr(_sys, "_first_frame_seen", False):
            _sys._first_frame_seen = True
            print(_json.dumps({"at": _time.monotonic(), "cpu": _time.process_time(),
                               "screen": type(self.screen).__name__}),
                  file=_sys.__stdout__, flush=True)
            self.exit()

    App.run = _headless_run
    App._on_ready = _on_ready


class _PatchTextual(_abc.MetaPathFinder, _abc.Loader):
    # Patches textual.app once the program imports it, so the hook itself imports nothing
    # and the program's own import order (and what overlaps with it) stays as it is.
    def find_spec(self, name, path, target=None):
        if name != "textual.app":
            return None
        spec = _machinery.PathFinder.find_spec(name, path)
        self.loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        _headless(module.App)


_sys.meta_path.insert(0, _PatchTextual())
""".replace("SIZE", repr(SIZE))

FLOOR_APP = (
    FIRST_FRAME_HOOK
    + r"""
from textual.app import App, ComposeResult
from textual.widgets import Label


class Bare(App):
    def compose(self) -> ComposeResult:
        yield Label("hello")


Bare().run()
"""
)


def first_frames(code: str, count: int, env: Env | None = None) -> list[float]:
    """Seconds from spawning a fresh process running `code` (which starts with
    FIRST_FRAME_HOOK) to its first frame, `count` times (after one run not counted, which
    fills the bytecode cache)."""
    return [run["elapsed"] for run in first_frame_runs(code, count, env)]


def first_frame_runs(code: str, count: int, env: Env | None = None) -> list[dict]:
    """Like `first_frames`, each run as {"elapsed": wall seconds, "cpu": the child's CPU
    seconds (user + system) until its first frame, which other load on the machine disturbs
    less}."""
    timed_child(code, env=env)
    return [timed_child(code, env=env) for _ in range(count)]


def floor_first_frame(count: int | None = None, *, measure: bool = False) -> float:
    """Median seconds to the first frame of a bare one-widget Textual app (fresh processes,
    headless 120x40): taken from $BENCH_FLOOR when bench/run measured it already, else
    measured now over `count` (default 5, quick 2) runs."""
    given = os.environ.get(FLOOR_ENV)
    if given and not measure:
        return float(given)
    return statistics.median(first_frames(FLOOR_APP, count or runs(5)))


def floors(count: int | None = None) -> tuple[float, float]:
    """The floor's median wall and CPU seconds to its first frame: from $BENCH_FLOOR and
    $BENCH_FLOOR_CPU when bench/run measured them already, else measured now."""
    wall, cpu = os.environ.get(FLOOR_ENV), os.environ.get(FLOOR_CPU_ENV)
    if wall and cpu:
        return float(wall), float(cpu)
    measured = first_frame_runs(FLOOR_APP, count or runs(5))
    return (
        statistics.median(r["elapsed"] for r in measured),
        statistics.median(r["cpu"] for r in measured),
    )


def measured_run(
    argv: Sequence[str],
    env: Env | None = None,
    *,
    stdout: int | None = subprocess.DEVNULL,
    timeout: float = 600,
) -> dict:
    """Run a command to its end: {"wall": seconds from spawn to exit, "cpu": its user + system
    seconds (with its children's), "rss_mb": its peak resident memory with its children's
    (the sum of each process's peak: a large `logs sync` stores in a child process),
    "code": exit status, "stderr": the last of its stderr}. (os.wait4 gives this one child's
    figures, where RUSAGE_CHILDREN would give the largest of every child so far.)"""
    started = time.monotonic()
    peaks: dict[int, int] = {}
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            list(argv), cwd=ROOT, env=child_env(env), stdout=stdout, stderr=errors
        )
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        ended = threading.Event()
        watcher = threading.Thread(target=_watch_peaks, args=(child.pid, peaks, ended))
        watcher.start()
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
            ended.set()
            watcher.join()
        wall = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        errors.seek(0)
        tail = errors.read()[-2000:].decode(errors="replace")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": max(usage.ru_maxrss, sum(peaks.values())) / 1024,  # KB on Linux
        "code": child.returncode,
        "stderr": tail,
    }


def _watch_peaks(root: int, peaks: dict[int, int], ended: threading.Event) -> None:
    """Until `ended`: every 50 ms, the peak resident memory (KB) of `root` and each process
    under it, by pid (each process's own high-water mark, read while it runs)."""
    while not ended.wait(0.05):
        todo = [root]
        while todo:
            pid = todo.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                todo += map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
            except (OSError, ValueError):
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))


def load_note() -> str:
    """The machine's load average now (the figures of a busy machine are worse)."""
    try:
        one, five, _fifteen = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min), {os.cpu_count()} CPUs"
