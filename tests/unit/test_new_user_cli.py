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
        "status": "cut", "finish_reason": None, "error": "The answer was cut off."
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
