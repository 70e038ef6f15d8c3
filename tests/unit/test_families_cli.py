"""The CLI against each gateway family (the demo in its dialect, over loopback, the CLI as a
child process): balance, logs, report and budgets from the gateway's own figures; a gateway
without a balance endpoint or a profile without a usage log said plainly, with their exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tui.demo import DEMO_KEY, DemoGateway

CENT = Decimal(100)


def tokendeck(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False,
    )  # fmt: skip


def profile(tmp_path: Path, base: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'default_profile = "p"\n[profiles.p]\nbase_url = "{base}"\napi_key = "{DEMO_KEY}"\n'
        f'default_model = "gpt-4o-mini"\n{extra}'
    )
    path.chmod(0o600)
    return path


@pytest.fixture
def newapi() -> Iterator[DemoGateway]:
    with DemoGateway(history_rows=60, balance_dialect="newapi-token") as demo:
        yield demo


def test_newapi_balance_logs_report_and_budget_are_the_gateways_figures(
    tmp_path: Path, newapi: DemoGateway
) -> None:
    config = profile(tmp_path, newapi.v1_base,
                     'logs = "newapi"\nunit = "USD"\ndaily_budget = "0.01"\n')  # fmt: skip
    chat = tokendeck(config, "chat", "Explain decorators")  # spent today
    assert chat.returncode == 0, chat.stderr
    balance = tokendeck(config, "balance", "--json")
    logs = tokendeck(config, "logs", "--limit", "5", "--format", "json")
    report = tokendeck(config, "report", "--by", "model", "--json")
    check = tokendeck(config, "balance", "--check")
    assert balance.returncode == 0, balance.stderr
    data = json.loads(balance.stdout)
    assert (data["dialect"], data["unit"]) == ("newapi-token", "USD")
    assert Decimal(str(data["remaining"])) == Decimal(newapi.balance) / CENT
    assert logs.returncode == 0, logs.stderr
    rows = json.loads(logs.stdout)
    assert [Decimal(str(r["credits"])) for r in rows] == [
        Decimal(w["fen"]) / CENT for w in newapi.logs[:5]
    ]
    assert report.returncode == 0, report.stderr
    total = json.loads(report.stdout)["total"]
    assert total["requests"] == 61
    assert Decimal(str(total["credits"])) == sum(Decimal(w["fen"]) for w in newapi.logs) / CENT
    # today's spend (the answer above) is over 0.01 USD: --check fails
    assert check.returncode == 11, check.stderr
    assert "is over the daily budget $0.01" in check.stderr  # in the log's money, not credits
    assert "credits" not in check.stderr


def test_no_usage_log_is_a_config_problem_never_zero_spent(
    tmp_path: Path, newapi: DemoGateway
) -> None:
    config = profile(tmp_path, newapi.v1_base, 'daily_budget = "5"\n')
    check = tokendeck(config, "balance", "--check")
    report = tokendeck(config, "report")
    assert check.returncode == 3, check.stderr
    assert "budgets need a usage log" in check.stderr
    assert "spend" not in check.stdout  # no "today's spend 0"
    assert report.returncode == 3, report.stderr
    assert "no usage log" in report.stderr and "Traceback" not in report.stderr


def test_a_gateway_without_a_balance_endpoint_exits_13_and_is_not_asked_again(
    tmp_path: Path,
) -> None:
    with DemoGateway(history_rows=5, balance_dialect="openai-hk") as demo:
        config = profile(tmp_path, demo.v1_base)
        first = tokendeck(config, "balance")
        asked = len(demo.requests)
        second = tokendeck(config, "balance", "--check")
        again = len(demo.requests)
        config.write_text(config.read_text().replace('default_model', 'balance = "none"\n'
                                                     'default_model'))  # fmt: skip
        said = tokendeck(config, "balance")
        after = len(demo.requests)
    assert (first.returncode, second.returncode, said.returncode) == (13, 13, 13)
    assert "offers no balance endpoint" in first.stderr
    assert "check the base URL" not in first.stderr + second.stderr
    assert asked > 0 and again == asked and after == asked  # remembered; "none" asks nothing
    assert first.stderr.count("\n") == 1  # one line


def test_chat_says_the_billed_cost_openrouter_states(tmp_path: Path) -> None:
    with DemoGateway(history_rows=5, balance_dialect="openrouter") as demo:
        config = profile(tmp_path, demo.v1_base, 'balance = "openrouter"\n')
        streamed = tokendeck(config, "chat", "--usage", "Explain decorators")
        whole = tokendeck(config, "chat", "--no-stream", "--json", "Explain decorators")
        charged = demo.logs[:2]
    assert streamed.returncode == 0 and whole.returncode == 0, streamed.stderr + whole.stderr
    assert f"{Decimal(charged[1]['fen']) / CENT} USD (billed)" in streamed.stderr
    data = json.loads(whole.stdout)
    assert (data["cost"], data["cost_basis"], data["cost_unit"]) == (
        str(Decimal(charged[0]["fen"]) / CENT), "billed", "USD")


def test_a_litellm_proxy_without_its_database_estimates_streamed_answers_in_usd(
    tmp_path: Path,
) -> None:
    """balance = "none" (no /key/info without a database), no spend logs, and a streamed answer
    states no cost: software = "litellm" (as setup saves it) prices it from /model/info."""
    with DemoGateway(history_rows=5, balance_dialect="litellm") as demo:
        config = profile(tmp_path, demo.v1_base,
                         'balance = "none"\nsoftware = "litellm"\nunit = "USD"\n')  # fmt: skip
        listed = tokendeck(config, "models", "--json")
        chat = tokendeck(config, "chat", "--json", "-u", "Explain decorators")
    assert listed.returncode == 0, listed.stderr
    price = next(m["pricing"] for m in json.loads(listed.stdout) if m["id"] == "gpt-4o-mini")
    assert chat.returncode == 0, chat.stderr
    data = json.loads(chat.stdout)
    expected = (Decimal(str(price["prompt"])) * data["prompt_tokens"]
                + Decimal(str(price["completion"])) * data["completion_tokens"])  # fmt: skip
    assert (data["cost_basis"], data["cost_unit"]) == ("estimated", "USD")
    assert Decimal(data["cost"]) == expected.quantize(Decimal("0.000001")).normalize()
    assert "USD (estimate)" in chat.stderr and "cost unknown" not in chat.stderr


def test_a_usd_log_is_said_in_usd_by_logs_and_report(
    tmp_path: Path, newapi: DemoGateway
) -> None:
    """'logs' and 'report' tables head a new-api log's amounts with its unit (they said
    'credits' for USD, as the Usage panel no longer does) and show '—' where its rows say no
    balance after them (was 0); one row is '1 row'."""
    config = profile(tmp_path, newapi.v1_base, 'logs = "newapi"\nunit = "USD"\n')
    logs = tokendeck(config, "logs", "--limit", "1")
    report = tokendeck(config, "report", "--by", "model")
    assert logs.returncode == 0 and report.returncode == 0, logs.stderr + report.stderr
    header, row, summary = logs.stdout.splitlines()
    assert header.split()[4] == "USD" and "credits" not in logs.stdout
    assert row.split()[6] == "—"  # after time (2 words), model, prompt, completion, amount
    amount = Decimal(newapi.logs[0]["fen"]) / CENT
    assert summary.startswith("1 row · ") and summary.endswith(f" · {amount} USD"), summary
    assert report.stdout.splitlines()[0].split()[-1] == "USD", report.stdout


def test_an_estimate_at_the_demo_as_new_api_is_near_what_it_bills(
    tmp_path: Path, newapi: DemoGateway
) -> None:
    """The demo as new-api priced /models in credits while it bills USD (a credit is a cent):
    'tokendeck chat --json' estimated 58.62 USD for an answer billed 0.59 USD."""
    config = profile(tmp_path, newapi.v1_base, 'logs = "newapi"\nunit = "USD"\n')
    chat = tokendeck(config, "chat", "--json", "Explain decorators")
    assert chat.returncode == 0, chat.stderr
    data = json.loads(chat.stdout)
    billed = Decimal(newapi.logs[0]["fen"]) / CENT
    assert (data["cost_basis"], data["cost_unit"]) == ("estimated", "USD")
    assert abs(Decimal(data["cost"]) - billed) <= Decimal("0.01"), (data["cost"], billed)


@pytest.mark.parametrize(
    ("dialect", "settings"),
    [
        ("newapi-token", 'balance = "newapi-user"\nlogs = "newapi-user"\nuser_id = "9"\n'),
        ("oneapi", 'balance = "oneapi"\nlogs = "oneapi-user"\n'),
    ],
)
def test_a_users_log_costs_answers_by_request_id_and_checks_the_budget(
    tmp_path: Path, dialect: str, settings: str
) -> None:
    """new-api's access-token mode (/api/log/self with New-Api-User) and one-api's user log:
    the answer's exact cost is its own row's (joined by X-Oneapi-Request-Id), and
    'balance --check' holds today's spend from those rows against daily_budget."""
    from tui import store
    from tui.demo.families import ACCESS_TOKEN

    with DemoGateway(history_rows=30, balance_dialect=dialect) as demo:
        config = profile(tmp_path, demo.v1_base, settings + f'access_token = "{ACCESS_TOKEN}"\n'
                         'unit = "USD"\ndaily_budget = "0.01"\n')  # fmt: skip
        chats, syncs = [], []
        for _answer in range(2):  # the second sync is incremental: it stops at the first's rows
            chats.append(tokendeck(config, "chat", "--json", "Explain decorators"))
            syncs.append(tokendeck(config, "logs", "sync"))
        check = tokendeck(config, "balance", "--check")
        charged = demo.logs[1::-1]  # oldest first, as the chats went
        report = tokendeck(config, "report", "--json")
    assert all(done.returncode == 0 for done in chats + syncs), [d.stderr for d in chats + syncs]
    answers = [json.loads(done.stdout) for done in chats]
    # the header new-api and one-api send is what their rows keep
    assert [a["request_id"] for a in answers] == [row["reqid"] for row in charged]
    db = store.open_db(read_only=True)
    try:
        stored = [store.messages_tail(db, a["conversation_id"], 1)[-1] for a in answers]
    finally:
        db.close()
    assert [m.request_id for m in stored] == [row["reqid"] for row in charged]
    assert [m.credits for m in stored] == [Decimal(row["fen"]) / CENT for row in charged]
    assert not any(m.credits_estimated for m in stored)
    assert check.returncode == 11, check.stderr  # the answer alone is over 0.01 USD
    assert "is over the daily budget $0.01" in check.stderr and "credits" not in check.stderr
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["total"]["requests"] == 32


def test_exported_rows_of_a_log_without_balance_after_carry_none(
    tmp_path: Path, newapi: DemoGateway
) -> None:
    """'logs --format json|csv' (and the Usage export, which writes the same way) of new-api's
    rows: balance_after is null / an empty cell, not the 0 they are cached with."""
    config = profile(tmp_path, newapi.v1_base, 'logs = "newapi"\nunit = "USD"\n')
    as_json = tokendeck(config, "logs", "--limit", "3", "--format", "json")
    as_csv = tokendeck(config, "logs", "--limit", "3", "--format", "csv")
    assert as_json.returncode == 0 and as_csv.returncode == 0, as_json.stderr + as_csv.stderr
    rows = json.loads(as_json.stdout)
    assert [r["balance_after"] for r in rows] == [None] * 3
    assert [Decimal(str(r["credits"])) for r in rows] == [
        Decimal(w["fen"]) / CENT for w in newapi.logs[:3]
    ]
    head, *lines = as_csv.stdout.splitlines()
    column = head.split(",").index("balance_after")
    assert len(lines) == 3 and all(line.split(",")[column] == "" for line in lines)
