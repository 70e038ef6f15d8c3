"""Store: schema and migrations, damaged/locked/read-only/full files, CRUD, forks, streaming
writes, drafts, search and export — all on real SQLite files in tmp_path."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest

from tui import store
from tui.chat.conversation import Settings
from tui.gateway.types import UsageInfo
from tui.store import Problem, StoreError, StreamWriter, open_db
from tui.store import schema as store_schema

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_763_900_000.0


class WallClock:
    """Wall time that moves one second per reading: every row gets a distinct time."""

    def __init__(self, start: float = T0) -> None:
        self.t = start

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def db(tmp_path: Path) -> Iterator[store.Database]:
    database = open_db(tmp_path / "history.db")
    database.clock = WallClock()
    yield database
    database.close()


def settings(model: str = "gpt-test", **kw: object) -> Settings:
    return Settings(model=model, **kw)  # type: ignore[arg-type]


def chat(db: store.Database, *texts: str, profile: str = "demo") -> int:
    """A conversation whose messages alternate user / assistant, starting with the user."""
    cid = store.create_conversation(db, settings(), profile)
    for i, text in enumerate(texts):
        store.add_message(db, cid, "user" if i % 2 == 0 else "assistant", text)
    return cid


def snapshot(db: store.Database, cid: int) -> tuple[object, ...]:
    return (store.get_conversation(db, cid), tuple(store.messages(db, cid)))


def other_connection(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=0)


# ---- the layer boundary -----------------------------------------------------------------


def test_store_imports_neither_textual_nor_httpx() -> None:
    code = "import sys, tui.store; print('textual' in sys.modules, 'httpx2' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


# ---- opening, schema, migrations -----------------------------------------------------------


def test_default_location_pragmas_and_schema(isolated_env: Path) -> None:
    with open_db() as db:
        path = isolated_env / ".local" / "share" / "tokendeck" / "tokendeck.db"
        assert db.path == path and path.exists() and not db.read_only
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        pragma = {
            name: db.conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("user_version", "journal_mode", "foreign_keys", "synchronous")
        }
        assert pragma == {
            "user_version": store_schema.target_version(),
            "journal_mode": "wal",
            "foreign_keys": 1,
            "synchronous": 1,  # NORMAL
        }
        assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"conversations", "messages", "drafts", "messages_fts"} <= tables
        assert db.fts


def test_migrates_an_older_file_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a v0 file: user_version 0, something else inside
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    with open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == store_schema.target_version()
        assert db.query("SELECT text FROM notes")[0][0] == "keep me"
        assert store.create_conversation(db, settings()) == 1


def test_migrations_run_in_order_one_transaction_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.db"
    open_db(path).close()
    base = store_schema.target_version()  # the real migrations; two test ones follow

    def v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE conversations ADD COLUMN colour TEXT")

    def v3_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE v3_half_done (x)")
        conn.execute("CREATE TABLE conversations (x)")  # fails: already there

    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS, v2, v3_broken])
    with pytest.raises(StoreError):
        open_db(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == base + 1  # v2 committed
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        columns = {r[1] for r in conn.execute("PRAGMA table_info(conversations)")}
    conn.close()
    assert "v3_half_done" not in names  # v3 rolled back as a whole
    assert "colour" in columns

    monkeypatch.setattr(store_schema, "MIGRATIONS", [*store_schema.MIGRATIONS[: base + 2]])
    store_schema.MIGRATIONS[base + 1] = lambda conn: conn.execute("CREATE TABLE v3 (x)")
    with open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == base + 2


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    open_db(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        open_db(path)
    assert caught.value.problem is Problem.NEWER
    supported = store_schema.target_version()
    assert f"newer tokendeck (schema 99 > {supported}); upgrade tokendeck" in str(caught.value)
    assert path.read_bytes() == before


def test_random_bytes_are_refused_and_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "tokendeck.db"
    path.write_bytes(b"not sqlite" + random.Random(1).randbytes(8000))
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreError) as caught:
            open_db(path, read_only=read_only)
        assert caught.value.problem is Problem.CORRUPT
        assert "damaged" in str(caught.value) and "left untouched" in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "tokendeck.db"]


def test_damaged_pages_are_reported_and_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with open_db(path) as db:
        cid = chat(db, "hello", "answer")
        root = db.query("SELECT rootpage FROM sqlite_master WHERE name = 'messages'")[0][0]
    data = bytearray(path.read_bytes())
    size = data[16] * 256 + data[17]
    noise = random.Random(2).randbytes(size)
    data[(root - 1) * size : root * size] = noise  # the messages table's page
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with open_db(path) as db, pytest.raises(StoreError) as caught:
        store.messages(db, cid)
    assert caught.value.problem is Problem.CORRUPT
    assert path.read_bytes() == before

    data[100:size] = noise[: size - 100]  # now the schema page itself
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        open_db(path)
    assert caught.value.problem is Problem.CORRUPT
    assert path.read_bytes() == before


def test_locked_database_at_open(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    holder = other_connection(path)  # another program, rollback journal, exclusive lock
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError) as caught:
            open_db(path, busy_timeout=0.05)
        assert caught.value.problem is Problem.LOCKED
        assert "Another process holds the history database" in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    open_db(path).close()


def test_locked_database_on_write(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = open_db(path, busy_timeout=0.05)
    cid = chat(db, "before the lock")
    holder = other_connection(path)
    holder.execute("BEGIN EXCLUSIVE")  # WAL: readers go on, writers wait
    try:
        assert store.messages(db, cid)[0].content == "before the lock"
        with pytest.raises(StoreError) as caught:
            store.add_message(db, cid, "assistant", "blocked")
        assert caught.value.problem is Problem.LOCKED
        assert "close the other tokendeck" in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.add_message(db, cid, "assistant", "after")
    assert [m.content for m in store.messages(db, cid)] == ["before the lock", "after"]
    db.close()


def _permissions_enforced(directory: Path) -> bool:
    probe = directory / "probe"
    try:
        probe.touch()
    except PermissionError:
        return True
    probe.unlink()
    return False


def test_read_only_directory_opens_read_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with open_db(data / "tokendeck.db") as db:
        cid = chat(db, "saved earlier")
    data.chmod(0o500)
    try:
        if not _permissions_enforced(data):
            pytest.skip("permissions are not enforced for this user (root)")
        with open_db(data / "tokendeck.db") as db:
            assert db.read_only
            assert store.messages(db, cid)[0].content == "saved earlier"
            assert store.search(db, "saved")[0].message_id == 1
            with pytest.raises(StoreError) as caught:
                store.add_message(db, cid, "user", "lost?")
            assert caught.value.problem is Problem.READ_ONLY
            with pytest.raises(StoreError):
                store.save_draft(db, "new", "draft")
        with pytest.raises(StoreError) as caught:
            open_db(data / "other.db")
        assert caught.value.problem is Problem.READ_ONLY
        assert "read-only" in str(caught.value)
    finally:
        data.chmod(0o700)


def test_read_only_file_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with open_db(path) as db:
        cid = chat(db, "saved earlier")
    path.chmod(0o400)
    try:
        if not _permissions_enforced(tmp_path) and os.access(path, os.W_OK):
            pytest.skip("permissions are not enforced for this user (root)")
        with open_db(path) as db:
            assert db.read_only
            assert store.messages(db, cid)[0].content == "saved earlier"
            with pytest.raises(StoreError):
                store.rename_conversation(db, cid, "x")
    finally:
        path.chmod(0o600)


def test_read_only_on_request(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with pytest.raises(StoreError) as caught:
        open_db(path, read_only=True)
    assert caught.value.problem is Problem.MISSING and not path.exists()
    with open_db(path) as db:
        cid = chat(db, "hi")
        store.add_message(db, cid, "assistant", "", status="streaming")
    with open_db(path, read_only=True) as db:
        assert db.read_only and db.recovered == 0
        assert store.count_messages(db, cid) == 2
        with pytest.raises(StoreError) as caught:
            store.pin_conversation(db, cid)
        assert caught.value.problem is Problem.READ_ONLY


def test_full_disk_fails_the_write_and_keeps_earlier_rows(db: store.Database) -> None:
    cid = chat(db, "question", "answer")
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreError) as caught:
        store.add_message(db, cid, "user", "x" * 200_000)
    assert caught.value.problem is Problem.FULL
    assert "disk is full" in str(caught.value)
    assert [m.content for m in store.messages(db, cid)] == ["question", "answer"]

    writer = StreamWriter.start(db, cid, max_bytes=100)
    with pytest.raises(StoreError):
        writer.append_content("y" * 200_000)
    assert writer.pending == ("y" * 200_000, "")  # kept in memory, nothing lost
    db.conn.execute("PRAGMA max_page_count = 1073741823")
    writer.finish("done")
    assert store.get_message(db, writer.message_id).content == "y" * 200_000  # type: ignore[union-attr]


# ---- conversations ------------------------------------------------------------------------


def test_conversation_crud_and_order(db: store.Database) -> None:
    first = store.create_conversation(db, settings("m1", stop=("END",), temperature=0.5), "p1")
    second = store.create_conversation(db, settings("m2"), "p2")
    third = store.create_conversation(db, settings("m3"))
    assert [c.id for c in store.list_conversations(db)] == [third, second, first]

    store.add_message(db, first, "user", "bump me")  # activity moves it to the top
    store.add_message(db, first, "assistant", "a", credits=Decimal("0.1"))
    store.add_message(db, first, "assistant", "b", credits=Decimal("0.2"), credits_estimated=True)
    store.pin_conversation(db, second)
    rows = store.list_conversations(db)
    assert [c.id for c in rows] == [second, first, third]
    assert rows[0].pinned and not rows[1].pinned
    assert rows[1].message_count == 3 and rows[1].credits == Decimal("0.3")
    assert rows[1].credits_estimated and rows[0].credits is None
    assert [c.id for c in store.list_conversations(db, limit=1, offset=1)] == [first]
    assert store.count_conversations(db) == 3

    store.pin_conversation(db, second, False)
    assert [c.id for c in store.list_conversations(db)] == [first, third, second]

    record = store.get_conversation(db, first)
    assert record is not None
    assert record.profile == "p1" and record.title == "bump me" and not record.title_custom
    assert record.settings == store.StoredSettings("m1", "", 0.5, None, None, ("END",))
    assert record.created.tzinfo is UTC and record.updated > record.created
    assert Settings(**vars_of(record.settings)) == settings("m1", stop=("END",), temperature=0.5)

    store.update_settings(db, first, settings("m9", system="Be brief."))
    changed = store.get_conversation(db, first)
    assert changed is not None and changed.settings.model == "m9"
    assert changed.settings.system == "Be brief."
    assert store.get_conversation(db, 999) is None
    with pytest.raises(StoreError) as caught:
        store.pin_conversation(db, 999)
    assert caught.value.problem is Problem.MISSING


def vars_of(stored: store.StoredSettings) -> dict[str, object]:
    return {name: getattr(stored, name) for name in stored.__dataclass_fields__}


def test_titles_derive_from_first_user_message_until_renamed(db: store.Database) -> None:
    assert store.derive_title("\n\n   Explain   the\tWAL  mode \nsecond line") == (
        "Explain the WAL mode"
    )
    long = store.derive_title("word " * 30)
    assert len(long) == 48 and long.endswith("…")
    wide = store.derive_title("光" * 40)
    assert wide == "光" * 23 + "…"  # 46 cells + the ellipsis: within 48 cells
    assert store.derive_title("   \n  ") == ""

    cid = store.create_conversation(db, settings())
    store.add_message(db, cid, "system", "You are terse.")
    store.add_message(db, cid, "assistant", "greeting first")
    assert store.get_conversation(db, cid).title == ""  # type: ignore[union-attr]
    store.add_message(db, cid, "user", "How do forks work?\nmore detail")
    store.add_message(db, cid, "user", "another question")
    assert store.get_conversation(db, cid).title == "How do forks work?"  # type: ignore[union-attr]

    store.rename_conversation(db, cid, "  My  forks  ")
    store.add_message(db, cid, "user", "does not retitle")
    renamed = store.get_conversation(db, cid)
    assert renamed is not None and renamed.title == "My forks" and renamed.title_custom
    store.rename_conversation(db, cid, "")
    back = store.get_conversation(db, cid)
    assert back is not None and back.title == "How do forks work?" and not back.title_custom

    named = store.create_conversation(db, settings(), title="Chosen")
    store.add_message(db, named, "user", "not the title")
    assert store.get_conversation(db, named).title == "Chosen"  # type: ignore[union-attr]


def test_delete_cascades_to_messages_drafts_and_search(db: store.Database) -> None:
    cid = chat(db, "zebra question", "zebra answer")
    keep = chat(db, "unrelated")
    child = store.fork(db, cid, store.messages(db, cid)[0].id)
    store.save_draft(db, store.draft_key(cid), "unsent")
    store.delete_conversation(db, cid)
    assert store.get_conversation(db, cid) is None
    assert db.query("SELECT count(*) FROM messages WHERE conversation_id = ?", (cid,))[0][0] == 0
    assert store.load_draft(db, str(cid)) == ""
    hits = store.search(db, "zebra")
    assert [h.conversation_id for h in hits] == [child]  # only the fork's copy is left
    orphan = store.get_conversation(db, child)
    assert orphan is not None and orphan.parent_id is None and orphan.fork_message_id is None
    assert store.count_messages(db, keep) == 1
    with pytest.raises(StoreError) as caught:
        store.delete_conversation(db, cid)
    assert caught.value.problem is Problem.MISSING


# ---- messages -----------------------------------------------------------------------------


def test_messages_order_windows_and_updates(db: store.Database) -> None:
    cid = chat(db, *[f"m{i}" for i in range(10)])
    assert store.count_messages(db, cid) == 10
    assert [m.position for m in store.messages(db, cid)] == list(range(10))
    assert [m.content for m in store.messages(db, cid, offset=2, limit=3)] == ["m2", "m3", "m4"]
    assert [m.position for m in store.messages_before(db, cid, 5, 3)] == [2, 3, 4]
    assert [m.position for m in store.messages_before(db, cid, 2, 5)] == [0, 1]
    assert [m.position for m in store.messages_tail(db, cid, 3)] == [7, 8, 9]

    mid = store.add_message(
        db, cid, "assistant", "answer", model="gpt-x", params={"temperature": 0.2},
        status="stopped", prompt_tokens=5, completion_tokens=7,
        credits=Decimal("1E-7"), request_id="req-1", finish_reason="length",
    )  # fmt: skip
    stored = db.query("SELECT credits FROM messages WHERE id = ?", (mid,))[0][0]
    assert stored == "0.0000001"  # Decimal as plain text, never an exponent
    store.update_message(db, mid, content="answer, edited", status="failed", error="boom",
                         credits=Decimal("0.25"), credits_estimated=True)  # fmt: skip
    message = store.get_message(db, mid)
    assert message is not None
    assert (message.content, message.status, message.error) == ("answer, edited", "failed", "boom")
    assert message.credits == Decimal("0.25") and message.credits_estimated
    assert message.params == {"temperature": 0.2} and message.position == 10
    assert (message.prompt_tokens, message.completion_tokens) == (5, 7)
    assert message.created.tzinfo is UTC
    with pytest.raises(TypeError):
        store.update_message(db, mid, conversation_id=3)
    with pytest.raises(ValueError):
        store.update_message(db, mid, status="exploded")
    with pytest.raises(StoreError):
        store.update_message(db, 12345, content="x")
    with pytest.raises(StoreError):
        store.add_message(db, 12345, "user", "nowhere")


def test_fork_copies_up_to_a_message_and_keeps_the_original(db: store.Database) -> None:
    cid = chat(db, "q1", "a1", "q2", "a2")
    store.rename_conversation(db, cid, "Original")
    original = store.messages(db, cid)
    before = snapshot(db, cid)
    new = store.fork(db, cid, original[1].id)
    assert snapshot(db, cid) == before
    forked = store.get_conversation(db, new)
    assert forked is not None
    assert (forked.parent_id, forked.fork_message_id) == (cid, original[1].id)
    assert forked.title == "Original" and forked.settings == before[0].settings  # type: ignore[attr-defined]
    copies = store.messages(db, new)
    assert [(m.role, m.content, m.position) for m in copies] == [
        ("user", "q1", 0),
        ("assistant", "a1", 1),
    ]
    assert {m.id for m in copies}.isdisjoint(m.id for m in original)
    store.add_message(db, new, "user", "branch goes on")
    assert snapshot(db, cid) == before
    other = chat(db, "elsewhere")
    with pytest.raises(StoreError) as caught:
        store.fork(db, other, original[0].id)
    assert caught.value.problem is Problem.MISSING


def test_fork_with_edit_resends_an_edited_message(db: store.Database) -> None:
    cid = chat(db, "first question", "a1", "second question", "a2")
    original = store.messages(db, cid)
    before = snapshot(db, cid)
    new = store.fork_with_edit(db, cid, original[2].id, "second question, better")
    assert snapshot(db, cid) == before
    assert [(m.role, m.content) for m in store.messages(db, new)] == [
        ("user", "first question"),
        ("assistant", "a1"),
        ("user", "second question, better"),
    ]
    record = store.get_conversation(db, new)
    assert record is not None and record.fork_message_id == original[2].id
    assert record.title == "first question"

    retitled = store.fork_with_edit(db, cid, original[0].id, "A new start")
    assert [m.content for m in store.messages(db, retitled)] == ["A new start"]
    assert store.get_conversation(db, retitled).title == "A new start"  # type: ignore[union-attr]
    assert store.get_conversation(db, cid).title == "first question"  # type: ignore[union-attr]


# ---- streaming writes ---------------------------------------------------------------------


def stored_text(db: store.Database, message_id: int) -> tuple[str, str]:
    message = store.get_message(db, message_id)
    assert message is not None
    return message.content, message.reasoning


def test_stream_writer_batches_by_time_and_size(db: store.Database) -> None:
    cid = chat(db, "tell me")
    clock = FakeClock()
    writer = StreamWriter.start(db, cid, model="gpt-x", interval=0.25, max_bytes=1024, clock=clock)
    row = store.get_message(db, writer.message_id)
    assert row is not None and row.status == "streaming" and row.model == "gpt-x"

    for _ in range(10):
        assert not writer.append_content("abc ")
        clock.t += 0.02
    assert writer.writes == 0 and stored_text(db, writer.message_id) == ("", "")
    clock.t += 0.1  # 0.3 s since the row was made
    assert writer.append_reasoning("thinking")
    assert writer.writes == 1
    assert stored_text(db, writer.message_id) == ("abc " * 10, "thinking")

    assert writer.append_content("x" * 1024)  # size alone triggers a write
    assert writer.writes == 2
    assert not writer.append_content("tail")
    assert stored_text(db, writer.message_id)[0] == "abc " * 10 + "x" * 1024
    assert writer.flush() and not writer.flush()  # nothing pending: no empty write
    assert writer.writes == 3

    usage = UsageInfo(prompt_tokens=11, completion_tokens=22, total_tokens=33)
    writer.append_content(" end")
    writer.finish("done", usage=usage, credits=Decimal("0.0042"), request_id="req-9",
                  finish_reason="stop")  # fmt: skip
    message = store.get_message(db, writer.message_id)
    assert message is not None
    assert message.content == "abc " * 10 + "x" * 1024 + "tail end"
    assert (message.status, message.finish_reason, message.request_id) == ("done", "stop", "req-9")
    assert (message.prompt_tokens, message.completion_tokens) == (11, 22)
    assert message.credits == Decimal("0.0042")
    assert store.list_conversations(db)[0].credits == Decimal("0.0042")
    with pytest.raises(RuntimeError):
        writer.append_content("late")


def test_a_crash_loses_at_most_the_pending_batch(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    db = open_db(path)
    cid = chat(db, "go")
    clock, rng = FakeClock(), random.Random(7)
    writer = StreamWriter.start(db, cid, interval=0.25, max_bytes=256, clock=clock)
    sent, appends = "", 0
    for _ in range(400):
        chunk = "".join(rng.choice("abcdé 中\n") for _ in range(rng.randint(1, 40)))
        writer.append_content(chunk)
        sent, appends = sent + chunk, appends + 1
        clock.t += rng.choice((0.0, 0.01, 0.05, 0.3))
        on_disk, _reasoning = stored_text(db, writer.message_id)
        pending, _ = writer.pending
        assert on_disk + pending == sent  # the database holds everything but one batch
        assert len(pending.encode()) < 256
    assert 0 < writer.writes < appends
    lost = writer.pending[0]
    db.close()  # the process dies: no flush, no finish

    with open_db(path) as reopened:
        assert reopened.recovered == 1
        message = store.get_message(reopened, writer.message_id)
        assert message is not None and message.status == "interrupted"
        assert message.content == sent[: len(sent) - len(lost)]
        assert store.recover_interrupted(reopened) == 0


def test_recover_interrupted_and_fork_of_a_live_answer(db: store.Database) -> None:
    cid = chat(db, "q")
    live = StreamWriter.start(db, cid)
    live.append_content("partial")
    live.flush()
    copy = store.fork(db, cid, live.message_id)
    assert store.messages(db, copy)[-1].status == "interrupted"
    assert store.recover_interrupted(db) == 1
    assert store.get_message(db, live.message_id).status == "interrupted"  # type: ignore[union-attr]
    live.append_content(" more")
    live.flush()  # a writer still alive takes its row back
    assert store.get_message(db, live.message_id).status == "streaming"  # type: ignore[union-attr]
    live.finish("stopped")
    assert store.recover_interrupted(db) == 0


# ---- drafts -------------------------------------------------------------------------------


def test_drafts(db: store.Database) -> None:
    assert store.draft_key(None) == "new" and store.draft_key(7) == "7"
    assert store.load_draft(db, "new") == ""
    store.save_draft(db, "new", "half a thought")
    store.save_draft(db, "new", "a whole thought\n")
    store.save_draft(db, "3", "other")
    assert store.load_draft(db, "new") == "a whole thought\n"
    store.save_draft(db, "new", "  \n ")
    assert store.load_draft(db, "new") == "" and store.load_draft(db, "3") == "other"
    assert db.query("SELECT count(*) FROM drafts")[0][0] == 1


# ---- search -------------------------------------------------------------------------------


def test_search_finds_old_words_newest_first(db: store.Database) -> None:
    old = chat(db, "Tell me about photosynthesis in plants", "Chlorophyll absorbs light.")
    for i in range(30):
        chat(db, f"filler {i}", "nothing to see")
    new = chat(db, "and more", "Photosynthesis again, briefly.")
    hits = store.search(db, "photosynth")  # prefix on the last word
    assert [(h.conversation_id, h.role) for h in hits] == [(new, "assistant"), (old, "user")]
    assert hits[1].conversation_title == "Tell me about photosynthesis in plants"
    assert "«photosynthesis»" in hits[1].snippet and "«Photosynthesis»" in hits[0].snippet
    assert hits[1].position == 0 and hits[0].created > hits[1].created
    assert store.search(db, "chlorophyll light")[0].conversation_id == old
    assert store.search(db, "chlorophyll darkness") == []
    assert len(store.search(db, "nothing", limit=5)) == 5
    assert store.search(db, "   ") == [] and store.search(db, "x", limit=0) == []


def test_search_index_follows_updates_and_streams(db: store.Database) -> None:
    cid = chat(db, "original wording")
    mid = store.messages(db, cid)[0].id
    store.update_message(db, mid, content="replacement wording")
    assert store.search(db, "original") == []
    assert store.search(db, "replacement")[0].message_id == mid
    writer = StreamWriter.start(db, cid)
    writer.append_content("streamed kangaroo")
    writer.flush()
    assert store.search(db, "kangaroo")[0].message_id == writer.message_id
    assert store.search(db, "café") == []
    store.add_message(db, cid, "user", "un café noir")
    assert store.search(db, "cafe")[0].snippet == "un «café» noir"


TRICKY = [
    '"', '""', "'", "*", "**", "-", "--x", "a-b", "foo:bar", "col:", ":", "NEAR", "NEAR(a b)",
    "NEAR(", "(", ")", "(a OR b)", "AND", "OR", "NOT", "a AND", "NOT a", "^a", "+", "{a b}",
    "a*b", 'say "hi', "\\", "%", "_", "100%", "'; DROP TABLE messages; --", "🙂", "中文",
    "a\x00b", "\t", "e.g.", "x" * 500, "c++", "$(rm)", "[bold]",
]  # fmt: skip


@pytest.mark.parametrize("fts", [True, False], ids=["fts5", "like"])
def test_tricky_queries_never_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fts: bool
) -> None:
    if not fts:
        monkeypatch.setattr(store_schema, "fts5_available", lambda: False)
    with open_db(tmp_path / "h.db") as db:
        assert db.fts is fts
        cid = chat(db, "a-b and foo:bar, 100% sure", "c++ NEAR the [bold] (a OR b) 中文内容")
        for query in TRICKY:
            assert isinstance(store.search(db, query), list), query
        assert store.search(db, "100%")[0].conversation_id == cid
        assert store.search(db, "a-b")[0].role == "user"
        assert store.search(db, "中文")[0].snippet.count("«中文»") == 1
        assert store.search(db, "[bold]")[0].role == "assistant"
        assert store.search(db, "photosynthesis") == []
        assert store.count_messages(db, cid) == 2


def test_a_query_fts5_rejects_falls_back_to_like(
    db: store.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.store import fulltext

    chat(db, "plain words here")
    monkeypatch.setattr(fulltext, "fts_query", lambda words: 'AND AND "')
    assert store.search(db, "words")[0].snippet == "plain «words» here"


def test_like_search_marks_every_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_schema, "fts5_available", lambda: False)
    with open_db(tmp_path / "h.db") as db:
        chat(db, "x " * 100 + "Needle here, needle there " + "y " * 100)
        [hit] = store.search(db, "needle")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert hit.snippet.count("«") == 2 and "«Needle» here, «needle» there" in hit.snippet


def test_index_is_built_when_fts5_becomes_available(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.db"
    with monkeypatch.context() as patch:
        patch.setattr(store_schema, "fts5_available", lambda: False)
        with open_db(path) as db:
            chat(db, "written without an index")
    with open_db(path) as db:
        assert db.fts
        assert store.search(db, "index")[0].snippet == "written without an «index»"


# ---- export -------------------------------------------------------------------------------


def exported(db: store.Database) -> tuple[store.ConversationRecord, list[store.StoredMessage]]:
    cid = store.create_conversation(db, settings("gpt-x", system="Be brief.\nNo fluff."), "demo")
    store.add_message(db, cid, "user", "What is WAL?")
    store.add_message(
        db, cid, "assistant", "Write-ahead logging.", reasoning="Think about journals.",
        model="gpt-x", params={"temperature": 0.3, "api_key": "sk-secret-123"},
        prompt_tokens=12, completion_tokens=34, credits=Decimal("0.00120"),
        credits_estimated=True, request_id="req-1", finish_reason="stop",
    )  # fmt: skip
    store.add_message(db, cid, "assistant", "Partial", status="stopped", error="user stopped")
    record = store.get_conversation(db, cid)
    assert record is not None
    return record, store.messages(db, cid)


def test_export_markdown(db: store.Database) -> None:
    text = store.to_markdown(*exported(db))
    assert text.startswith("# What is WAL?\n")
    assert "- Profile: demo" in text and "- Model: gpt-x" in text
    assert "- Created: 2025-11-23" in text
    assert "> Be brief.\n> No fluff." in text
    assert "## User\n\nWhat is WAL?" in text and "## Assistant" in text
    assert "<details>\n<summary>Reasoning</summary>\n\nThink about journals.\n\n</details>" in text
    assert "*gpt-x · 12 prompt + 34 completion tokens · 0.0012 credits (estimated)*" in text
    assert "*stopped: user stopped*" in text
    assert "sk-secret" not in text


def test_export_json(db: store.Database) -> None:
    text = store.to_json(*exported(db))
    assert "sk-secret" not in text and "api_key" not in text
    data = json.loads(text)
    assert list(data) == ["format", "version", "conversation", "messages"]
    assert (data["format"], data["version"]) == ("tokendeck.conversation", 1)
    conversation = data["conversation"]
    assert conversation["title"] == "What is WAL?" and conversation["profile"] == "demo"
    assert conversation["settings"]["system"] == "Be brief.\nNo fluff."
    assert conversation["created"].endswith("+00:00")
    user, answer, stopped = data["messages"]
    assert user["role"] == "user" and user["usage"] is None and user["credits"] is None
    assert answer["credits"] == "0.0012" and answer["credits_estimated"] is True
    assert answer["usage"] == {"prompt_tokens": 12, "completion_tokens": 34}
    assert answer["params"] == {"temperature": 0.3} and answer["reasoning"]
    assert stopped["status"] == "stopped" and stopped["error"] == "user stopped"
    assert text == store.to_json(*exported_again(db, data["conversation"]["id"]))


def exported_again(
    db: store.Database, cid: int
) -> tuple[store.ConversationRecord, list[store.StoredMessage]]:
    record = store.get_conversation(db, cid)
    assert record is not None
    return record, store.messages(db, cid)
