"""`tokendeck history` shows a conversation's estimated credits as short as the app does
('≈5.9', not '≈5.898366': issue 21 shortened the app's and the chat's estimates only)."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.test_cli import tokendeck
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
