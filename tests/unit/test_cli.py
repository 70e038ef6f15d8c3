"""The scriptable CLI, run as a real subprocess against the demo gateway over loopback."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tui.cli.gateway_cmds import describe_balance
from tui.demo import DEMO_KEY, DemoGateway, Fault
from tui.gateway import Balance

KEY = "sk-live-0123456789abcdefghijklmnopqrstuv"


def tokendeck(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def demo_env(demo: DemoGateway) -> dict[str, str]:
    return {"TOKENDECK_DEMO_URL": demo.url}


def write_config(home: Path, demo: DemoGateway, key: str = DEMO_KEY, extra: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(
        f'default_profile = "oc"\n[profiles.oc]\nbase_url = "{demo.opencodex_base}"\n'
        f'api_key = "{key}"\nlogs_url = "{demo.logs_url}"\ndefault_model = "gpt-4o-mini"\n'
        f"low_balance = 1000\n{extra}"
    )
    path.chmod(0o600)
    return path


def test_no_config_at_all_uses_the_in_process_demo() -> None:
    done = tokendeck("models", "--json")
    assert done.returncode == 0, done.stderr
    ids = [m["id"] for m in json.loads(done.stdout)]
    assert "deepseek-chat" in ids


def test_balance_json(demo: DemoGateway, demo_env: dict[str, str]) -> None:
    done = tokendeck("balance", "--json", env=demo_env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["remaining"] == demo.balance
    assert data["dialect"] == "opencodex"
    assert data["low"] is False


def test_balance_check_exits_11_below_threshold(
    demo: DemoGateway, demo_env: dict[str, str]
) -> None:
    done = tokendeck("balance", "--check", "--threshold", str(demo.balance + 1), env=demo_env)
    assert done.returncode == 11
    assert "below the threshold" in done.stderr
    assert tokendeck("balance", "--check", "--threshold", "5", env=demo_env).returncode == 0


def test_the_balance_text_has_the_places_of_its_unit() -> None:
    usd = Balance("deepseek", Decimal("12.3456"), used=Decimal("0.5"), unit="USD",
                  also=((Decimal("3.14159"), "CNY"),))  # fmt: skip
    assert describe_balance(usd) == "Balance: 12.35 USD + 3.14 CNY  (used 0.50)"  # as the app
    assert describe_balance(Balance("opencodex", Decimal(12345))) == "Balance: 12,345 credits"


def test_logs_csv_pages_and_filters(demo: DemoGateway, demo_env: dict[str, str]) -> None:
    done = tokendeck("logs", "--format", "csv", "--limit", "450", env=demo_env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 450
    assert [int(r["id"]) for r in rows] == [int(r["id"]) for r in demo.logs[:450]]
    assert rows[0]["request_id"] == demo.logs[0]["reqid"]
    model = demo.logs[0]["model"]
    done = tokendeck("logs", "--json", "--model", model, "--limit", "0", env=demo_env)
    data = json.loads(done.stdout)
    assert len(data) == sum(1 for r in demo.logs if r["model"] == model)
    assert all(r["model"] == model for r in data)


def test_logs_since_stops_paging_early(demo: DemoGateway, demo_env: dict[str, str]) -> None:
    done = tokendeck("logs", "--json", "--since", "2d", env=demo_env)
    assert done.returncode == 0, done.stderr
    # the demo's seeded history uses a fixed clock; `2d` is relative to now, so count that way
    import time

    cutoff = time.time() - 2 * 86400
    expected = [r for r in demo.logs if int(r["ctime"]) >= cutoff]
    assert len(json.loads(done.stdout)) == len(expected)


def test_chat_streams_only_the_answer_to_stdout(
    demo: DemoGateway, demo_env: dict[str, str]
) -> None:
    done = tokendeck("chat", "hi", "there", env=demo_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert done.stderr == ""
    assert demo.logs[0]["ip"] == "127.0.0.1"


def test_chat_reads_stdin_and_matches_non_stream(
    demo: DemoGateway, demo_env: dict[str, str]
) -> None:
    streamed = tokendeck("chat", "-m", "qwen-plus", env=demo_env, stdin="Tell me about tea")
    whole = tokendeck(
        "chat", "--no-stream", "-m", "qwen-plus", "-", env=demo_env, stdin="Tell me about tea"
    )
    assert streamed.returncode == whole.returncode == 0, streamed.stderr + whole.stderr
    assert streamed.stdout == whole.stdout


def test_chat_without_prompt_is_a_usage_error(demo_env: dict[str, str]) -> None:
    done = tokendeck("chat", env=demo_env, stdin="")
    assert done.returncode == 2
    assert "prompt" in done.stderr


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        (lambda d: None, 4, "rejected the API key"),
        (lambda d: setattr(d, "balance", 0), 5, "Out of credits"),
        (
            lambda d: d.add_fault(Fault("status", status=429, headers={"retry-after": "120"})),
            6,
            "Rate limited",
        ),
        (lambda d: d.add_fault(Fault("status", status=500, times=3)), 8, "server error"),
        (lambda d: d.add_fault(Fault("html_502", times=3)), 8, "server error"),
        (lambda d: d.add_fault(Fault("cut")), 7, "cut off"),
    ],
)
def test_chat_errors_map_to_exit_codes(
    isolated_env: Path, demo: DemoGateway, setup: object, code: int, words: str
) -> None:
    key = "sk-live-nottherightkeyatall" if code == 4 else DEMO_KEY
    config = write_config(isolated_env, demo, key=key)
    setup(demo)  # type: ignore[operator]
    done = tokendeck("--config", str(config), "chat", "hello", env={})
    assert done.returncode == code, done.stderr
    assert words in done.stderr
    *retries, last = done.stderr.strip().splitlines()  # automatic retries are announced
    assert last.startswith("tokendeck: error: ") and words in last
    assert all("etrying in" in line for line in retries)
    assert "Traceback" not in done.stderr
    assert "nottherightkeyatall" not in done.stderr + done.stdout


def test_cut_stream_keeps_the_partial_answer_on_stdout(
    isolated_env: Path, demo: DemoGateway
) -> None:
    config = write_config(isolated_env, demo)
    demo.add_fault(Fault("cut", after=5))
    done = tokendeck("--config", str(config), "chat", "hello")
    assert done.returncode == 7
    assert done.stdout.strip()


def test_network_error_exit_code(isolated_env: Path) -> None:
    path = isolated_env / "c.toml"
    path.write_text('[profiles.x]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-live-x"\n')
    done = tokendeck("--config", str(path), "models")
    assert done.returncode == 7
    assert "Cannot reach" in done.stderr


def test_broken_config_exit_3_names_file_and_line(isolated_env: Path) -> None:
    path = isolated_env / "c.toml"
    path.write_text('[profiles.x]\nbase_url = "https://x/v1"\ntemperature = "warm"\n')
    done = tokendeck("--config", str(path), "models")
    assert done.returncode == 3
    assert f"{path}:3" in done.stderr
    assert "profiles.x.temperature" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage_errors_exit_2(demo_env: dict[str, str]) -> None:
    assert tokendeck("logs", "--since", "yesterday-ish", env=demo_env).returncode == 2
    assert tokendeck("frobnicate").returncode == 2
    assert tokendeck("balance", "--threshold", "lots", env=demo_env).returncode == 2


def test_key_create_prints_only_the_key(demo: DemoGateway, demo_env: dict[str, str]) -> None:
    done = tokendeck("key", "create", env=demo_env)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("hk-")
    assert "shown once" in done.stderr


def test_config_init_with_flags_then_show_masks_the_key(isolated_env: Path) -> None:
    path = isolated_env / "cfg" / "config.toml"
    done = tokendeck(
        "--config", str(path), "config", "init", "--preset", "opencodex", "--api-key", KEY,
        "--no-check",
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KEY in path.read_text()
    shown = tokendeck("--config", str(path), "config", "show")
    assert shown.returncode == 0
    assert KEY not in shown.stdout + shown.stderr
    assert "…stuv" in shown.stdout
    assert "opencodex.hk" in shown.stdout
    again = tokendeck(
        "--config", str(path), "config", "init", "--preset", "opencodex", "--api-key", KEY,
        "--no-check",
    )
    assert again.returncode == 2 and "--force" in again.stderr


def test_config_init_warns_about_a_key_of_the_other_gateway(isolated_env: Path) -> None:
    path = isolated_env / "config.toml"
    done = tokendeck(
        "--config",
        str(path),
        "config",
        "init",
        "--preset",
        "opencodex",
        "--api-key",
        "hk-abcdefabcdefabcdef",
        "--no-check",
    )
    assert done.returncode == 0
    assert "openai-hk" in done.stderr
    assert "hk-abcdefabcdefabcdef" not in done.stderr


def test_config_init_without_a_terminal_asks_for_flags(isolated_env: Path) -> None:
    done = tokendeck(
        "--config",
        str(isolated_env / "c.toml"),
        "config",
        "init",
        "--preset",
        "opencodex",
        stdin="",
    )
    assert done.returncode == 2
    assert "flag" in done.stderr


def test_version_and_help() -> None:
    assert tokendeck("--version").stdout.startswith("tokendeck ")
    done = tokendeck("logs", "--help")
    assert done.returncode == 0 and "example:" in done.stdout


def test_scriptable_commands_do_not_import_textual(demo_env: dict[str, str]) -> None:
    code = (
        "import sys; from tui.cli import main; rc = main(['balance']); "
        "print('TEXTUAL' if 'textual' in sys.modules else 'CLEAN', file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **demo_env},
        timeout=60,
        check=False,
    )
    assert "CLEAN" in done.stderr


def test_history_with_nothing_saved_says_so_on_stderr(isolated_env: Path) -> None:
    done = tokendeck("history")
    assert done.returncode == 0 and done.stdout == ""  # a pipe gets no rows
    assert "No saved conversations yet" in done.stderr
    done = tokendeck("history", "--json")
    assert done.returncode == 0 and done.stdout.strip() == "[]" and done.stderr == ""
