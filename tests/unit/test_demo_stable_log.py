"""Issue 21, item 15: the built-in demo (a new one in every command) keeps one usage log for
every process, so a second `logs sync` fetches only what is new, and `logs` and `report` agree
from one command to the next. Real subprocesses (`python -m tui`), no config, no
$TOKENDECK_DEMO_URL: each command starts its own in-process demo gateway."""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta

from tests.unit.test_cli import tokendeck
from tui.demo import MODELS, DemoGateway
from tui.demo.ledger import LOCAL_IP, answer_id
from tui.demo.seed import ANSWER_IDS, ID_SCALE, SPAN_SECONDS, WEEK
from tui.profiles.config import demo_profile
from tui.store import count_usage, open_db, usage_rows

FALLEN_DUE = 3  # rows whose time came between two commands (about 4 an hour at most)


def synced(*extra: str) -> dict[str, int]:
    done = tokendeck("logs", "sync", "--json", *extra)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def cached() -> int:
    with closing(open_db()) as db:
        return count_usage(db, demo_profile().name)


def test_a_second_logs_sync_fetches_only_the_new_rows() -> None:
    first = synced()
    assert 2_000 <= first["new_rows"] <= 4_000  # about six weeks of a busy account
    assert cached() == first["new_rows"]
    second = tokendeck("logs", "sync")
    assert second.returncode == 0, second.stderr
    assert "afresh" not in second.stderr  # the old note: the log was fetched whole each time
    said = second.stderr.splitlines()[0]
    assert said.startswith("tokendeck: no new rows in ") or re.match(
        r"tokendeck: [1-3] new rows? \(1 page\) in ", said
    ), said  # it said "3,000 new rows (11 pages)" again
    again = synced()
    assert again["new_rows"] <= FALLEN_DUE  # was the whole log (3,000 rows) every time
    assert cached() <= first["new_rows"] + 2 * FALLEN_DUE  # nothing stored twice


def test_logs_and_report_are_the_same_in_every_command() -> None:
    """The rows up to an hour ago, listed by two commands a second apart: the same rows, the
    same times, the same totals (the old demo dated its rows from its own start)."""
    until = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    window = ("--since", (until - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S"),
              "--until", until.strftime("%Y-%m-%dT%H:%M:%S"))  # fmt: skip
    listed, reports = [], []
    for run in range(2):
        if run:
            time.sleep(1.1)  # a later second: rows dated from "now" would move
        done = tokendeck("logs", *window, "--format", "csv")
        assert done.returncode == 0, done.stderr
        listed.append(done.stdout)
        report = tokendeck("report", "--by", "day", "--json", *window)
        assert report.returncode == 0, report.stderr
        reports.append(json.loads(report.stdout))
    assert listed[0].count("\n") > 50
    assert listed[0] == listed[1]
    assert reports[0] == reports[1]


def test_the_answers_of_two_commands_both_keep_their_log_rows() -> None:
    """Each command's demo logs its answers under ids of its own: the second command's sync
    neither drops the first one's rows nor overwrites them (`compare` syncs the log after its
    answers, as the app does after each answer)."""
    for _run in range(2):
        done = tokendeck("compare", "-m", "deepseek-chat", "-m", "gpt-4o-mini", "Explain tests")
        assert done.returncode == 0, done.stderr
    again = synced()
    with closing(open_db()) as db:
        rows = usage_rows(db, demo_profile().name)
    answered = [r for r in rows if r.ip == LOCAL_IP]  # the log's own rows have other IPs
    assert len(answered) == 4  # the old demo kept the last command's answers only
    assert len({r.id for r in rows}) == len(rows)
    assert again["new_rows"] <= FALLEN_DUE


# -- the stable log itself (in-process, fixed clocks) -------------------------------------

NOW = 1_763_900_000.0
DAY = 86_400


def test_the_log_is_the_same_whichever_process_makes_it_and_whenever() -> None:
    """Two demos made three days apart: the rows they share are the same, field for field
    (the balance after each too); the later one has the rows of those three days as well."""
    earlier = DemoGateway(history_rows=None, now=NOW).logs
    later_now = NOW + 3 * DAY + 1_234
    later = DemoGateway(history_rows=None, now=later_now).logs
    shared = [r for r in earlier if int(r["ctime"]) > later_now - SPAN_SECONDS]
    assert len(shared) > 2_000
    assert later[-len(shared) :] == shared
    newer = later[: -len(shared)]
    assert 100 < len(newer) < 600 and all(int(r["ctime"]) > NOW for r in newer)
    assert DemoGateway(history_rows=None, seed=8, now=NOW).logs != earlier


def test_the_log_is_a_coherent_openai_hk_ledger() -> None:
    gw = DemoGateway(history_rows=None, now=NOW)
    rows = gw.logs
    assert 2_500 <= len(rows) <= 3_500  # six weeks of a busy account
    assert all(isinstance(v, str) for row in rows for v in row.values())
    assert list(rows[0]) == ["id", "user_id", "ctime", "prompt_tokens", "completion_tokens",
                             "fen", "model", "yufen", "reqid", "ip", "note"]  # fmt: skip
    assert rows[0]["yufen"] == str(gw.balance)
    assert all(int(r["id"]) // ID_SCALE == int(r["ctime"]) for r in rows)  # ordered by time
    top_ups = 0
    for newer, older in zip(rows, rows[1:], strict=False):
        assert int(newer["id"]) > int(older["id"]) and int(newer["ctime"]) > int(older["ctime"])
        expected = int(older["yufen"]) - int(newer["fen"])
        if int(newer["yufen"]) != expected:  # a top-up: only as a new week begins
            assert int(newer["yufen"]) > expected
            assert int(newer["ctime"]) // WEEK == int(older["ctime"]) // WEEK + 1
            top_ups += 1
    assert 5 <= top_ups <= 6
    assert all(int(r["yufen"]) > 0 and re.fullmatch(r"[A-Za-z0-9]{16}", r["reqid"]) for r in rows)
    assert int(rows[-1]["ctime"]) > NOW - SPAN_SECONDS and int(rows[0]["ctime"]) <= NOW
    assert len({r["model"] for r in rows}) >= 6
    assert gw.ledger.snapshot().used > 0


def test_rows_appear_as_time_passes_and_an_answer_is_logged_after_them() -> None:
    gw = DemoGateway(history_rows=None, now=NOW)
    before = gw.logs
    gw.ledger.set_clock(NOW + DAY)
    after = gw.logs
    assert after[len(after) - len(before) :] == before  # the old rows never change
    fresh = DemoGateway(history_rows=None, now=NOW + DAY).logs
    assert after[: len(after) - len(before)] == fresh[: len(after) - len(before)]

    row = gw.ledger.charge(MODELS[0], 1_000, 500, "R" * 16)
    assert row == gw.logs[0] and row["ctime"] == str(int(NOW + DAY))
    assert int(row["id"]) > int(after[0]["id"]) and int(row["id"]) % 500 == os.getpid() % 500
    assert row["yufen"] == str(gw.balance) == str(int(after[0]["yufen"]) - int(row["fen"]))
    gw.ledger.set_clock(NOW + 2 * DAY)
    later = gw.logs
    grown = later[: len(later) - len(after) - 1]  # the rows of the day after the answer
    assert grown and all(int(r["id"]) > int(row["id"]) for r in grown)
    same = DemoGateway(history_rows=None, now=NOW + 2 * DAY).logs[: len(grown)]
    spent = int(row["fen"])  # this process's answer: in its balance, not in another's
    assert [int(r["yufen"]) for r in grown] == [int(r["yufen"]) - spent for r in same]
    assert [r["id"] for r in grown] == [r["id"] for r in same]


def test_answer_ids_carry_the_second_the_half_and_the_process() -> None:
    second = int(NOW)
    first = answer_id(second, 0)
    assert second * ID_SCALE + ANSWER_IDS <= first < (second + 1) * ID_SCALE
    assert first % 500 == os.getpid() % 500
    after = answer_id(second, first)  # the same millisecond, or a clock standing still
    assert after > first and after % 500 == first % 500
