"""What a new user tripped over in the CLI (issue 21): real subprocesses, the demo gateway over
loopback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.unit.test_cli import tokendeck
from tui.demo import DEMO_KEY, DemoGateway
from tui.store import add_message, create_conversation, open_db
from tui.store.records import StoredSettings


def test_a_hanging_key_command_is_named_and_stopped(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 16: stderr says what is awaited, and the command is stopped after its timeout."""
    path = tmp_path / "config.toml"
    hang = f"{sys.executable} -c 'import time; time.sleep(120)'"
    path.write_text(
        f'[profiles.slow]\nbase_url = "{demo.opencodex_base}"\napi_key_cmd = "{hang}"\n'
        "api_key_cmd_timeout = 2\n"
    )
    path.chmod(0o600)
    done = tokendeck("--config", str(path), "balance", timeout=25)
    assert done.returncode == 3
    assert "waiting for the key command of profile “slow” (" in done.stderr
    assert "did not finish within 2 s" in done.stderr
    assert "time.sleep" not in done.stderr  # the command line is not printed (it may hold secrets)


def test_the_key_command_waits_10_seconds_by_default() -> None:
    from tui.profiles.config import Profile

    assert Profile("p", "https://x/v1", api_key_cmd="true").api_key_cmd_timeout == 10


def stored_answers() -> dict[str, int]:
    """Conversations as the app leaves them: answers done, capped by max_tokens, cut off, none."""
    db = open_db()
    ids = {}
    for title, answer in (
        ("whole", {"status": "done", "finish_reason": "stop"}),
        ("capped", {"status": "done", "finish_reason": "length"}),
        ("cut", {"status": "cut", "error": "The answer was cut off."}),
        ("unanswered", None),
    ):
        cid = create_conversation(db, StoredSettings(model="gpt-4o-mini"), "demo")
        add_message(db, cid, "user", title)
        if answer is not None:
            add_message(db, cid, "assistant", "Some text", model="gpt-4o-mini", **answer)
        ids[title] = cid
    db.close()
    return ids


def test_history_json_and_markdown_say_how_the_last_answer_ended() -> None:
    """Item 12: an answer the token cap ended is marked in the Markdown export (as in the
    JSON one), and `history --json` says how each conversation's last answer ended."""
    ids = stored_answers()
    listed = tokendeck("history", "--json")
    assert listed.returncode == 0, listed.stderr
    ends = {row["id"]: row["last_answer"] for row in json.loads(listed.stdout)}
    assert ends[ids["whole"]] == {"status": "done", "finish_reason": "stop", "error": None}
    assert ends[ids["capped"]] == {"status": "done", "finish_reason": "length", "error": None}
    assert ends[ids["cut"]] == {
        "status": "cut",
        "finish_reason": None,
        "error": "The answer was cut off.",
    }
    assert ends[ids["unanswered"]] is None
    capped = tokendeck("export", str(ids["capped"]), "--format", "md")
    assert capped.returncode == 0, capped.stderr
    assert "ended early: length" in capped.stdout
    assert "ended early" not in tokendeck("export", str(ids["whole"]), "--format", "md").stdout


def test_config_init_checks_the_key_before_saving_it(demo: DemoGateway, tmp_path: Path) -> None:
    """Item 5: `config init --api-key` checks the key with the gateway as the app does; a
    rejected key is not saved (exit 4); --no-check saves without asking."""
    path = tmp_path / "config.toml"
    init = ("--config", str(path), "config", "init", "--preset", "custom", "--name", "oc",
            "--base-url", demo.opencodex_base)  # fmt: skip
    wrong = tokendeck(*init, "--api-key", "sk-live-not-a-real-key-0000")
    assert wrong.returncode == 4, wrong.stderr
    assert "rejected this key (HTTP 401)" in wrong.stderr and "Nothing was saved" in wrong.stderr
    assert "not-a-real-key" not in wrong.stderr + wrong.stdout
    assert not path.exists()
    right = tokendeck(*init, "--api-key", DEMO_KEY)
    assert right.returncode == 0, right.stderr
    assert "The key works" in right.stderr and "Saved profile 'oc'" in right.stdout
    unchecked = tokendeck(*init, "--name", "later", "--api-key", "sk-live-typed-offline-0000",
                          "--no-check")  # fmt: skip
    assert unchecked.returncode == 0, unchecked.stderr
    assert "Checking" not in unchecked.stderr
    assert "sk-live-typed-offline-0000" in path.read_text()
    unset = tokendeck(*init, "--name", "env", "--api-key-env", "NO_SUCH_VARIABLE_SET")
    assert unset.returncode == 3 and "NO_SUCH_VARIABLE_SET" in unset.stderr


def test_config_show_warns_about_an_unknown_binding_id(tmp_path: Path) -> None:
    """Item 9: an unknown binding id in [keymap] is named by `config show` (it was accepted
    silently); known ones are not."""
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"chat.list" = "f9"\n"chat.lsit" = "f10"\n')
    shown = tokendeck("--config", str(path), "config", "show")
    assert shown.returncode == 0, shown.stderr
    assert "chat.lsit" in shown.stderr and "binding ids" in shown.stderr
    assert "chat.list," not in shown.stderr and "chat.list " not in shown.stderr


def test_estimates_read_short_and_stay_put(tmp_path: Path) -> None:
    """Item 11: an estimate reads "≈5.9", not "≈5.898366", and a conversation's estimate does
    not drift when later log rows change the average it came from."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from tui.base.textfmt import approx
    from tui.chat.conversation import Turn
    from tui.gateway import LogRow
    from tui.spend.costs import apply_costs
    from tui.store import get_message, store_usage
    from tui.ui.widgets.chat.message import MessageItem

    assert approx(Decimal("5.898366")) == "5.9"
    assert approx(Decimal("1234.5678")) == "1,234.57"
    assert approx(Decimal("0.000123456")) == "0.000123"
    turn = Turn("assistant", "An answer.", credits=Decimal("5.898366"), credits_estimated=True)
    assert "≈5.9 credits (estimate)" in MessageItem(turn).meta_text()

    db = open_db(tmp_path / "h.db")
    at = datetime(2025, 11, 20, tzinfo=UTC)
    row = LogRow.of(1, "9", at, 60, 40, Decimal(7), "m", Decimal(100), "R1", "", "")
    store_usage(db, "p", [row])  # 0.07 credits a token for model m
    cid = create_conversation(db, StoredSettings(model="m"), "p")
    add_message(db, cid, "user", "hello")
    mid = add_message(db, cid, "assistant", "…", model="m", prompt_tokens=30, completion_tokens=20)
    apply_costs(db, "p")
    first = get_message(db, mid)
    assert first is not None and first.credits_estimated and first.credits == Decimal("3.5")
    later = LogRow.of(2, "9", at, 50, 50, Decimal(90), "m", Decimal(10), "R2", "", "")
    store_usage(db, "p", [later])  # the average is now ~0.49 a token
    apply_costs(db, "p")
    again = get_message(db, mid)
    assert again is not None and again.credits == Decimal("3.5")
    db.close()


def test_counts_are_singular_when_one(demo: DemoGateway) -> None:
    """Item 11: "1 new row (1 page)", not "1 new rows from 1 pages"; and the CLI's key-shape
    warning reads "has the shape of opencodex keys" (it said "a opencodex key")."""
    from tui.spend.usage_sync import new_rows, pages

    assert (new_rows(1), pages(1), new_rows(3000), pages(11)) == (
        "1 new row",
        "1 page",
        "3,000 new rows",
        "11 pages",
    )
    env = {"TOKENDECK_DEMO_URL": demo.url}
    assert tokendeck("logs", "sync", env=env).returncode == 0
    assert tokendeck("chat", "hello", env=env).returncode == 0
    again = tokendeck("logs", "sync", env=env)
    assert again.returncode == 0, again.stderr
    assert "1 new row (1 page)" in again.stderr


def test_the_key_shape_warning_reads_right(tmp_path: Path) -> None:
    init = ("--config", str(tmp_path / "c.toml"), "config", "init", "--preset", "openai-hk")
    done = tokendeck(*init, "--api-key", "sk-live-abcdefabcdefabcdef", "--no-check")
    assert done.returncode == 0, done.stderr
    assert "has the shape of opencodex keys (sk-live-…), not of openai-hk keys" in done.stderr


def test_a_custom_gateway_takes_any_key_shape(tmp_path: Path) -> None:
    """A custom gateway has no key shape of its own: an sk-live-… key is not "an opencodex
    key" there (the warning said so)."""
    init = ("--config", str(tmp_path / "c.toml"), "config", "init", "--preset", "custom")
    done = tokendeck(*init, "--name", "gw", "--base-url", "http://127.0.0.1:9/v1",
                     "--api-key", "sk-live-abcdefabcdefabcdef", "--no-check")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "shape" not in done.stderr


def test_the_built_in_demo_makes_a_new_key_each_time() -> None:
    """Item 15: `key create` against the built-in demo gives a new key each run (it gave the
    same one). (Its log, the same in every run: tests/unit/test_demo_stable_log.py.)"""
    keys = {tokendeck("key", "create").stdout.strip() for _ in range(2)}
    assert len(keys) == 2 and all(k.startswith("hk-demo") for k in keys)
