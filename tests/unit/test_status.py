"""`tokendeck status` answers from the local cache (no network, no Textual) and refreshes it in
a detached child at most once a minute; `tokendeck probe` finds a gateway's family without ever
sending a chat."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.demo import DEMO_HK_KEY, DEMO_KEY, DemoGateway
from tui.spend import status_cache

NOW = 1_763_900_000.0


def tokendeck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def write_config(home: Path, body: str) -> Path:
    path = home / "config.toml"
    path.write_text(body)
    path.chmod(0o600)
    return path


def oc_config(home: Path, demo: DemoGateway, key: str = DEMO_KEY) -> Path:
    return write_config(
        home,
        f'default_profile = "oc"\n[profiles.oc]\nbase_url = "{demo.opencodex_base}"\n'
        f'api_key = "{key}"\nlogs_url = "{demo.logs_url}"\n',
    )


def chats(demo: DemoGateway) -> list[tuple[str, str]]:
    return [r for r in demo.requests if r[1].endswith("/chat/completions")]


# ---- status --------------------------------------------------------------------------------


def test_status_answers_from_the_cache_without_the_gateway(isolated_env: Path) -> None:
    with DemoGateway() as demo:  # rows up to the wall clock, so that today and burn count
        config = oc_config(isolated_env, demo)
        done = tokendeck("status", "--refresh", "--config", str(config))
        assert done.returncode == 0, done.stderr
        balance = demo.balance
        seen = len(demo.requests)
    assert seen > 0
    # the gateway is gone: the line still comes, from the cache, and nothing is spawned
    code = (
        "import sys; from tui.cli import main; code = main(sys.argv[1:]); "
        "print('textual' in sys.modules, 'httpx2' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "status", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("oc · ") and f"{balance:,} credits" in line
    assert "today" in line and "days left" in line
    assert done.stderr.strip() == "False False"  # no Textual, no HTTP client loaded
    record = json.loads(tokendeck("status", "--json", "--config", str(config)).stdout)
    assert record["profile"] == "oc" and record["balance"] == balance
    assert record["refreshing"] is False and record["age"] < 60
    fmt = tokendeck("status", "--format", "{profile}={balance} {basis}", "--config", str(config))
    assert fmt.stdout.strip() == f"oc={balance:,} log"
    bad = tokendeck("status", "--format", "{nope}", "--config", str(config))
    assert bad.returncode == 2 and "nope" in bad.stderr


def test_a_stale_cache_is_refreshed_by_a_detached_child_once(isolated_env: Path) -> None:
    with DemoGateway(now=NOW) as demo:
        config = oc_config(isolated_env, demo)
        first = tokendeck("status", "--config", str(config))
        assert first.returncode == 0
        assert "not known yet" in first.stdout
        cache = isolated_env / ".local" / "share" / "tokendeck" / status_cache.FILENAME
        deadline = time.monotonic() + 60
        while status_cache.load("oc", cache)[1] == 0.0:  # the child writes fetched_at
            assert time.monotonic() < deadline, "the background refresh never wrote the cache"
            time.sleep(0.05)
        found, fetched, _attempted = status_cache.load("oc", cache)
        assert found is not None and found.balance == demo.balance
        assert not chats(demo)
        # a second call within the minute answers from the cache and starts nothing
        before = len(demo.requests)
        again = tokendeck("status", "--json", "--config", str(config))
        assert json.loads(again.stdout)["refreshing"] is False
        assert len(demo.requests) == before


def test_a_cache_file_that_is_not_json_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text("{broken")
    assert status_cache.load("x", path) == (None, 0.0, 0.0)
    status_cache.mark_attempt("x", 5.0, path)
    assert status_cache.load("x", path)[2] == 5.0


# ---- probe ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "base", "family", "logs", "keys"),
    [
        ("opencodex", "/api/v1", "opencodex", True, False),
        ("deepseek", "/v1", "deepseek", False, False),
        ("openai-hk", "/v1", "openai-hk", True, True),
        ("siliconflow", "/v1", "siliconflow", False, False),
    ],
)
def test_probe_finds_the_family_and_never_chats(
    dialect: str, base: str, family: str, logs: bool, keys: bool
) -> None:
    with DemoGateway(now=NOW, balance_dialect=dialect) as demo:
        done = tokendeck(
            "probe", "--base-url", demo.url + base, "--key-env", "GW_KEY", "--json",
            env={"GW_KEY": DEMO_HK_KEY},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["family"] == family and report["models"] > 0
        assert report["logs"] is logs and report["key_creation"] is keys
        assert report["balance"]["remaining"] is not None
        assert not chats(demo)
        assert ("GET", "/openai/sk/create") not in demo.requests  # creating a key is not a probe
        assert DEMO_HK_KEY not in done.stdout + done.stderr


def test_probe_a_profile_with_a_custom_adapter(isolated_env: Path) -> None:
    with DemoGateway(now=NOW) as demo:
        config = write_config(
            isolated_env,
            f'[profiles.w]\nbase_url = "{demo.url}/v1"\napi_key = "{DEMO_KEY}"\n'
            '[profiles.w.adapter]\nname = "wallet"\nunit = "CNY"\n'
            '[profiles.w.adapter.balance]\npath = "/custom/wallet"\norigin = true\n'
            'remaining = "result.wallet.left"\n',
        )
        done = tokendeck("probe", "--config", str(config))
        assert done.returncode == 0, done.stderr
        assert "wallet" in done.stdout and f"{demo.balance / 100:,.2f} CNY" in done.stdout
        assert not chats(demo)


def test_probe_with_a_rejected_key_exits_4_and_an_unreachable_host_7() -> None:
    with DemoGateway(now=NOW) as demo:
        done = tokendeck("probe", "--base-url", demo.opencodex_base, "--key-env", "GW_KEY",
                         env={"GW_KEY": "sk-live-wrong"})  # fmt: skip
        assert done.returncode == 4 and "sk-live-wrong" not in done.stdout + done.stderr
        assert demo.requests == [("GET", "/api/v1/models")]
        url = demo.url
    done = tokendeck("probe", "--base-url", url + "/v1")
    assert done.returncode == 7, done.stderr
    assert tokendeck("probe", "--base-url", "ftp://x").returncode == 2


def test_status_and_probe_in_chinese_say_credits_and_line_up(isolated_env: Path) -> None:
    from tui.base.textfmt import cell_len

    zh = {"LANG": "zh_CN.UTF-8"}
    with DemoGateway() as demo:
        config = oc_config(isolated_env, demo)
        done = tokendeck("status", "--refresh", "--config", str(config), env=zh)
        assert f"{demo.balance:,} 积分" in done.stdout and "credits" not in done.stdout
        done = tokendeck("probe", "--config", str(config), env=zh)
    assert done.returncode == 0, done.stderr
    assert "credits" not in done.stdout and "积分" in done.stdout
    lines = done.stdout.splitlines()
    # every value starts in the same column, counted in cells ("用量日志" is 8 cells, 4 chars)
    found = [re.match(r".*?\S {2,}(?=\S)", line) for line in lines]
    starts = {cell_len(m.group()) for m in found if m is not None}
    assert len(starts) == 1 and len(found) == len(lines) >= 8, lines


# ---- figures from balance readings (a gateway without a usage log) ------------------------


def ds_config(home: Path, demo: DemoGateway) -> Path:
    return write_config(
        home,
        f'default_profile = "ds"\n[profiles.ds]\nbase_url = "{demo.url}/v1"\n'
        f'api_key = "{DEMO_KEY}"\nbalance = "deepseek"\n',
    )


def test_status_of_a_gateway_without_a_log_burns_from_two_readings_an_hour_apart(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from tui import store
    from tui.base.clock import FrozenClock
    from tui.cli import main, status_cmds

    start = datetime(2025, 11, 23, 12, 0, tzinfo=UTC)  # TZ=UTC: today began at 00:00
    clock = FrozenClock(start)
    monkeypatch.setattr(status_cmds, "clock", clock)
    with DemoGateway(now=NOW, balance_dialect="deepseek") as demo:
        config = str(ds_config(isolated_env, demo))
        assert main(["status", "--refresh", "--config", config]) == 0
        first = capsys.readouterr().out.strip()
        assert "≈" not in first and "days left" not in first  # one reading: nothing to tell
        demo.balance -= 300  # 3.00 CNY spent in the hour
        clock.at = start + timedelta(hours=1)
        assert main(["status", "--refresh", "--config", config]) == 0
        left = Decimal(demo.balance) / 100
        capsys.readouterr()
        assert not chats(demo)
    # later calls answer from the cache, with the gateway gone
    assert main(["status", "--config", config]) == 0
    days = left / 72  # 3.00 an hour = 72.00 CNY a day
    assert capsys.readouterr().out.strip() == (
        f"ds · {left:,.2f} CNY · today ≈3.00 · ≈{days:,.1f} days left"
    )
    assert main(["status", "--json", "--config", config]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["basis"] == "balance" and Decimal(str(record["burn"])) == 72
    with store.open_db(read_only=True) as db:
        assert store.count_balance_samples(db, "ds") == 2


def test_tokendeck_balance_keeps_its_reading(isolated_env: Path) -> None:
    from decimal import Decimal

    from tui import store

    with DemoGateway(now=NOW, balance_dialect="deepseek") as demo:
        done = tokendeck("balance", "--config", str(ds_config(isolated_env, demo)))
        assert done.returncode == 0, done.stderr
        balance = demo.balance
    data = isolated_env / ".local" / "share" / "tokendeck"
    with store.open_db(data / "tokendeck.db", read_only=True) as db:
        rows = store.balance_samples(db, "ds", 0, time.time() + 60)
    assert [(amount, unit) for _at, amount, unit in rows] == [(Decimal(balance) / 100, "CNY")]
