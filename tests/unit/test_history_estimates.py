"""`tokendeck history` shows a conversation's estimated credits as short as the app does
('≈5.9', not '≈5.898366': issue 21 shortened the app's and the chat's estimates only)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.unit.test_cli import tokendeck
from tui.base.textfmt import approx
from tui.demo import DEMO_KEY, DemoGateway
from tui.store import add_message, create_conversation, open_db
from tui.store.records import StoredSettings


def test_history_shows_an_estimate_short() -> None:
    db = open_db()
    cid = create_conversation(db, StoredSettings(model="gpt-4o-mini"), "demo")
    add_message(db, cid, "user", "hello")
    add_message(db, cid, "assistant", "An answer.", model="gpt-4o-mini",
                credits=Decimal("5.898366"), credits_estimated=True)  # fmt: skip
    db.close()
    shown = tokendeck("history")
    assert shown.returncode == 0, shown.stderr
    assert "≈5.9" in shown.stdout and "5.898366" not in shown.stdout, shown.stdout


def test_chat_usage_line_says_an_estimate_short(demo: DemoGateway, tmp_path: Path) -> None:
    """'chat -u' said '≈2.513887 credits (estimate)' where the app says '≈2.51'; --json keeps
    the exact figure."""
    import json

    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.p]\nbase_url = "{demo.v1_base}"\napi_key = "{DEMO_KEY}"\n'
                      '[profiles.p.prices]\n"deepseek-chat" = { prompt = 0.0123, '
                      'completion = 13.4567 }\n')  # fmt: skip
    config.chmod(0o600)
    done = tokendeck("--config", str(config), "chat", "-m", "deepseek-chat", "-u", "--json",
                     "Explain tests")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["cost_basis"] == "estimated"
    exact = Decimal(data["cost"])
    assert exact != Decimal(approx(exact))  # the figure has more digits than are shown
    assert f"≈{approx(exact)} credits (estimate)" in done.stderr, done.stderr
