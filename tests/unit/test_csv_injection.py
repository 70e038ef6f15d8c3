"""`logs --format csv` and `report --format csv` write gateway text that a spreadsheet would
run as a formula (= + - @ tab CR at the start) with a leading ', by the same function as the
Usage panel's export; a CR inside a field is quoted, so no row is split."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.app.test_usage_export_guard import STARTS, check_csv
from tests.helpers import demo_config
from tui.cli import main
from tui.demo import DemoGateway, Fault
from tui.spend.usage_export import csv_cell


def test_logs_csv_neutralises_formulas(
    demo: DemoGateway, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.add_fault(Fault("hostile", endpoint="logs", times=-1))
    path = demo_config(isolated_env, demo)
    assert main(["--config", str(path), "logs", "--limit", "60", "--format", "csv"]) == 0
    check_csv(capsys.readouterr().out)


def test_report_csv_neutralises_formulas(
    demo: DemoGateway, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.add_fault(Fault("hostile", endpoint="logs", times=-1))
    path = demo_config(isolated_env, demo)
    assert main(["--config", str(path), "logs", "sync"]) == 0
    capsys.readouterr()
    args = ["--config", str(path), "report", "--by", "model", "--since", "3650d", "--format", "csv"]
    assert main(args) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    keys = [row[0] for row in table[1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in keys and "'\rCR" in keys
    assert not [k for k in keys if k.startswith(STARTS)]


def test_numbers_stay_numbers() -> None:
    from decimal import Decimal

    assert csv_cell(Decimal("-5")) == "-5" and csv_cell(-5) == -5
    assert csv_cell("-5") == "'-5" and csv_cell("gpt-4o") == "gpt-4o"
