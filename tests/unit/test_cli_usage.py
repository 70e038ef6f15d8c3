"""`logs sync`, `report` and the budgets of `balance --check`, run as real subprocesses against
the demo gateway over loopback."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.test_cli import tokendeck
from tui.demo import DEMO_KEY, DemoGateway

SYNC_LINE = re.compile(r"^tokendeck: ([\d,]+) new rows? \(([\d,]+) pages?\) in \d+\.\d\d s$")


@pytest.fixture
def demo_env(demo: DemoGateway) -> dict[str, str]:
    return {"TOKENDECK_DEMO_URL": demo.url}


def sync_line(stderr: str) -> tuple[int, int]:
    match = SYNC_LINE.match(stderr.strip().splitlines()[0])  # (the demo's note after it)
    assert match, stderr
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def test_logs_sync_fills_the_cache_then_takes_only_new_rows(
    demo: DemoGateway, demo_env: dict[str, str]
) -> None:
    first = tokendeck("logs", "sync", env=demo_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    assert sync_line(first.stderr) == (3000, 11)  # 300-row pages that overlap by one row
    assert tokendeck("chat", "hello", env=demo_env).returncode == 0
    second = tokendeck("logs", "sync", env=demo_env)
    assert sync_line(second.stderr) == (1, 1)
    as_json = tokendeck("logs", "sync", "--json", env=demo_env)
    assert json.loads(as_json.stdout)["new_rows"] == 0
    assert json.loads(as_json.stdout)["newest_id"] == int(demo.logs[0]["id"])
    # `logs` with options alone still lists rows
    listed = tokendeck("logs", "--since", "2025-11-20", "--format", "csv", env=demo_env)
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert len(rows) == sum(1 for r in demo.logs if int(r["ctime"]) >= 1_763_596_800)
    assert tokendeck("logs", "resync", env=demo_env).returncode == 2


def expected(logs: list[dict[str, str]], by: str) -> dict[str, list[int]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in logs:
        day = datetime.fromtimestamp(int(r["ctime"]), UTC).date()  # TZ=UTC in the tests
        key = r["model"] if by == "model" else day.isoformat()
        for i, value in enumerate(
            (1, int(r["prompt_tokens"]), int(r["completion_tokens"]), int(r["fen"]))
        ):
            sums[key][i] += value
    return dict(sums)


def test_report_by_day_and_model_adds_up_to_the_gateways_rows(
    demo: DemoGateway, demo_env: dict[str, str]
) -> None:
    done = tokendeck("report", "--by", "day", "--json", env=demo_env)  # syncs first
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    logs = demo.logs
    assert len(logs) == 3000
    got = {r["key"]: [r["requests"], r["prompt_tokens"], r["completion_tokens"], r["credits"]]
           for r in data["rows"]}  # fmt: skip
    assert got == expected(logs, "day")
    total = data["total"]
    assert total["requests"] == 3000
    assert total["credits"] == sum(int(r["fen"]) for r in logs)
    assert total["prompt_tokens"] == sum(int(r["prompt_tokens"]) for r in logs)

    by_model = tokendeck("report", "--by", "model", "--format", "csv", "--offline", env=demo_env)
    assert by_model.returncode == 0, by_model.stderr
    table = list(csv.reader(io.StringIO(by_model.stdout)))
    assert table[0] == ["model", "requests", "prompt_tokens", "completion_tokens", "credits"]
    assert table[-1][0] == "total"
    assert table[-1][1:] == [str(v) for v in total.values() if not isinstance(v, str)]
    assert {row[0]: [int(v) for v in row[1:]] for row in table[1:-1]} == expected(logs, "model")

    window = tokendeck(
        "report", "--by", "model", "--offline", "--json",
        "--since", "2025-11-10", "--until", "2025-11-17", env=demo_env,
    )  # fmt: skip
    inside = [r for r in logs if 1_762_732_800 <= int(r["ctime"]) < 1_763_337_600]
    assert json.loads(window.stdout)["total"]["credits"] == sum(int(r["fen"]) for r in inside)

    one = tokendeck("report", "--by", "day", "--model", "GPT-4O*", "--offline", "--json",
                    env=demo_env)  # fmt: skip
    theirs = [r for r in logs if r["model"].startswith("gpt-4o")]
    assert {r["model"] for r in theirs} == {"gpt-4o", "gpt-4o-mini"}
    assert json.loads(one.stdout)["rows"] == [
        dict(zip(("key", "requests", "prompt_tokens", "completion_tokens", "credits"),
                 [key, *sums], strict=True))
        for key, sums in sorted(expected(theirs, "day").items())
    ]  # fmt: skip

    weeks = tokendeck("report", "--by", "week", "--offline", env=demo_env)
    assert weeks.returncode == 0 and "2025-W47" in weeks.stdout
    assert weeks.stdout.splitlines()[-1].split()[:2] == ["total", "3,000"]


def test_report_offline_with_nothing_cached(demo_env: dict[str, str]) -> None:
    done = tokendeck("report", "--offline", "--json", env=demo_env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["rows"] == [] and data["total"]["requests"] == 0


# ---- budgets in balance --check -----------------------------------------------------------


@pytest.fixture
def live_demo() -> Iterator[DemoGateway]:
    """A demo gateway on the wall clock: its rows and charges fall on today's date."""
    with DemoGateway() as gateway:
        yield gateway


def budget_config(home: Path, demo: DemoGateway, budgets: str) -> dict[str, str]:
    path = home / "config.toml"
    path.write_text(
        f'[profiles.oc]\nbase_url = "{demo.opencodex_base}"\napi_key = "{DEMO_KEY}"\n'
        f'logs_url = "{demo.logs_url}"\ndefault_model = "gpt-4o-mini"\nlow_balance = 5\n'
        f'credits_per_unit = 100\ncurrency = "CNY"\n{budgets}'
    )
    path.chmod(0o600)
    return {"TOKENDECK_CONFIG": str(path)}


def test_balance_check_exits_11_over_a_daily_or_monthly_budget(
    isolated_env: Path, live_demo: DemoGateway
) -> None:
    env = budget_config(isolated_env, live_demo, "daily_budget = 0\n")
    assert tokendeck("chat", "hello", env=env).returncode == 0  # something spent today
    done = tokendeck("balance", "--check", env=env)
    assert done.returncode == 11
    assert "today's spend" in done.stderr and "over the daily budget 0 credits" in done.stderr
    assert "monthly" not in done.stderr
    assert "¥" in done.stderr  # shown in money too

    env = budget_config(isolated_env, live_demo, "daily_budget = 1e12\nmonthly_budget = 0\n")
    done = tokendeck("balance", "--check", env=env)
    assert done.returncode == 11
    assert "over the monthly budget" in done.stderr and "daily" not in done.stderr

    env = budget_config(isolated_env, live_demo, "daily_budget = 1e12\nmonthly_budget = 1e12\n")
    done = tokendeck("balance", "--check", env=env)
    assert done.returncode == 0, done.stderr
    assert "today's spend" in done.stdout and "of the monthly budget" in done.stdout
    as_json = json.loads(tokendeck("balance", "--json", env=env).stdout)
    assert [b["period"] for b in as_json["budgets"]] == ["day", "month"]
    assert all(b["spent"] > 0 and b["over"] is False for b in as_json["budgets"])
    assert tokendeck("balance", env=budget_config(isolated_env, live_demo, "daily_budget = 0\n")
                     ).returncode == 0  # fmt: skip  # without --check it only reports


def test_logs_sync_of_a_row_whose_id_no_cache_can_hold_says_so(
    demo: DemoGateway, demo_env: dict[str, str]
) -> None:
    demo.ledger._rows[-1]["id"] = "99999999999999999999"  # the newest row, as served
    done = tokendeck("logs", "sync", env=demo_env)
    assert done.returncode == 9 and "Traceback" not in done.stderr  # a protocol error
    assert "sent a usage-log row that cannot be read" in done.stderr
    assert "id 99999999999999999999 is out of range" in done.stderr
