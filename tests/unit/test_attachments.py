"""Attached files: read with limits, sent as fenced blocks and image parts, stored once by
content hash (schema 5), kept by forks, export and the request of a continued conversation."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.store_helpers import old_db
from tui import store
from tui.chat.context import Earlier, texts_of
from tui.chat.conversation import Turn
from tui.chat.prompt_input import (
    IMAGE_LIMIT,
    TEXT_LIMIT,
    Attachment,
    AttachmentError,
    compose,
    pasted_paths,
    read_attachment,
    read_attachments,
    user_message,
)
from tui.store import schema as store_schema
from tui.store.records import StoredSettings

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_text_and_image_files_are_read_by_content(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a ``` fence\n")
    (tmp_path / "shot.PNG").write_bytes(PNG)
    (tmp_path / "picture.dat").write_bytes(PNG)  # an image whatever its name says
    text, image, other = read_attachments(
        [tmp_path / "notes.txt", tmp_path / "shot.PNG", tmp_path / "picture.dat"]
    )
    assert (text.media_type, text.is_image) == ("text/plain", False)
    assert (image.media_type, other.media_type) == ("image/png", "image/png")
    assert text.block() == "````notes.txt\na ``` fence\n````"  # a longer fence than inside


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("blob.bin", b"\x00\x01\x02", "neither UTF-8 text nor"),
        ("latin.txt", "caf\xe9".encode("latin-1"), "neither UTF-8 text nor"),
        ("fake.png", b"not a png", "is not a PNG, JPEG, WebP or GIF image"),
        ("big.txt", b"x" * (TEXT_LIMIT + 1), "a text file may have at most 524,288 bytes"),
    ],
)
def test_files_that_cannot_go_say_why(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(AttachmentError, match=words):
        read_attachment(tmp_path / name)


def test_a_missing_file_or_a_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match="no such file"):
        read_attachment(tmp_path / "gone.txt")
    with pytest.raises(AttachmentError, match="is a folder"):
        read_attachment(tmp_path)


def test_an_image_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    with huge.open("wb") as handle:
        handle.write(PNG)
        handle.truncate(IMAGE_LIMIT + 1)  # sparse: no 20 MB written
    with pytest.raises(AttachmentError, match="an image may have at most 20,971,520 bytes"):
        read_attachment(huge)


def test_the_message_has_text_blocks_then_image_parts() -> None:
    note = Attachment("a.txt", "text/plain", b"alpha\n")
    image = Attachment("p.png", "image/png", PNG)
    wire = user_message("look", [note, image]).wire()
    assert wire["content"][0] == {"type": "text", "text": "look\n\n```a.txt\nalpha\n```"}
    url = wire["content"][1]["image_url"]["url"]
    assert url == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert user_message("plain").wire() == {"role": "user", "content": "plain"}


def test_instruction_then_material_then_nothing_empty() -> None:
    assert compose("summarize", "the text\n", "Prefix:") == "Prefix:\n\nsummarize\n\nthe text\n"
    assert compose("summarize\n", None) == "summarize\n"
    assert compose("", "only stdin") == "only stdin"
    assert compose("  ", None) == ""


def test_a_pasted_path_is_recognised_only_when_every_word_is_a_file(tmp_path: Path) -> None:
    spaced = tmp_path / "my notes.txt"
    spaced.write_text("x")
    assert pasted_paths(f"'{spaced}'") == [spaced]
    assert pasted_paths(str(spaced).replace(" ", "\\ ")) == [spaced]
    assert pasted_paths(f"file://{str(spaced).replace(' ', '%20')}") == [spaced]
    assert pasted_paths("hello world") is None
    assert pasted_paths(f"{spaced} and more") is None


# ---- the store -------------------------------------------------------------------------


def _settings() -> StoredSettings:
    return StoredSettings(model="m")


def test_files_are_stored_once_by_hash_and_go_with_their_last_message(tmp_path: Path) -> None:
    image = Attachment("p.png", "image/png", PNG)
    with store.open_db(tmp_path / "h.db") as db:
        cid = store.create_conversation(db, _settings())
        first = store.add_message(db, cid, "user", "one", attachments=[image])
        second = store.add_message(db, cid, "user", "two", attachments=[image, image])
        assert store.blob_count(db) == 1
        found = store.messages(db, cid)
        assert [len(m.attachments) for m in found] == [1, 2]
        assert found[0].attachments[0].data == PNG and found[0].id == first
        fork_id = store.fork(db, cid, second)
        assert [len(m.attachments) for m in store.messages(db, fork_id)] == [1, 2]
        store.delete_conversation(db, cid)
        assert store.blob_count(db) == 1  # the fork still holds it
        store.delete_conversation(db, fork_id)
        assert store.blob_count(db) == 0


def test_an_edited_message_keeps_its_files_in_the_new_branch(tmp_path: Path) -> None:
    note = Attachment("a.txt", "text/plain", b"alpha\n")
    with store.open_db(tmp_path / "h.db") as db:
        cid = store.create_conversation(db, _settings())
        mid = store.add_message(db, cid, "user", "one", attachments=[note])
        branch = store.fork_with_edit(db, cid, mid, "one, edited")
        (edited,) = store.messages(db, branch)
        assert edited.content == "one, edited" and edited.attachments[0].name == "a.txt"


def test_export_keeps_the_files(tmp_path: Path) -> None:
    note = Attachment("a.txt", "text/plain", b"alpha\n")
    image = Attachment("p.png", "image/png", PNG)
    with store.open_db(tmp_path / "h.db") as db:
        cid = store.create_conversation(db, _settings())
        store.add_message(db, cid, "user", "look", attachments=[note, image])
        record, found = store.get_conversation(db, cid), store.messages(db, cid)
        assert record is not None
        data = json.loads(store.to_json(record, found))
        markdown = store.to_markdown(record, found)
    files = data["messages"][0]["attachments"]
    assert files[0] == {"name": "a.txt", "media_type": "text/plain", "size": 6,
                        "sha256": note.sha256, "text": "alpha\n"}  # fmt: skip
    assert base64.b64decode(files[1]["data"]) == PNG
    assert "```\nalpha\n```" in markdown and f"p.png (image/png, {len(PNG)} bytes)" in markdown


def test_a_continued_conversation_sends_its_earlier_files_again(tmp_path: Path) -> None:
    image = Attachment("p.png", "image/png", PNG)
    with store.open_db(tmp_path / "h.db") as db:
        cid = store.create_conversation(db, _settings())
        store.add_message(db, cid, "user", "", attachments=[image])  # a file and no words
        store.add_message(db, cid, "assistant", "a picture")
        rows = store.message_texts(db, cid, 99)
        files = store.message_files(db, cid, 99)
    assert [r[:2] for r in rows] == [(0, "user"), (1, "assistant")]
    earlier = Earlier([(0, "user", "", (image,)), rows[1]], upto=2)
    sent = texts_of([Turn("user", "and now?", position=2)], earlier).messages
    assert sent[0].images == (image.data_url(),) and sent[2].content == "and now?"
    assert files[0][0].sha256 == image.sha256


def test_migration_from_v5_adds_the_files_tables_and_keeps_the_history(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    with old_db(path, 5) as old:  # a database made by the version before attachments
        cid = store.create_conversation(old, _settings())
        old.conn.execute(
            "INSERT INTO messages (conversation_id, position, role, content, created)"
            " VALUES (?, 0, 'user', 'kept', 0)",
            (cid,),
        )
        tables = {r[0] for r in old.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "blobs" not in tables
    with store.open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == store_schema.target_version()
        (kept,) = store.messages(db, cid)
        assert kept.content == "kept" and kept.attachments == ()
        note = Attachment("a.txt", "text/plain", b"alpha\n")
        store.add_message(db, cid, "user", "more", attachments=[note])
        assert [len(m.attachments) for m in store.messages(db, cid)] == [0, 1]


def test_history_reads_a_database_an_older_version_made(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.test_cli import tokendeck

    monkeypatch.setenv("TOKENDECK_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    with old_db(tmp_path / "data" / "tokendeck.db", 5) as old:
        cid = store.create_conversation(old, _settings())
        store.add_message(old, cid, "user", "made before attachments")
    done = tokendeck("history", "--json")
    assert done.returncode == 0, done.stderr  # it said "read-only and needs an upgrade"
    assert json.loads(done.stdout)[0]["title"] == "made before attachments"


def test_files_waiting_with_a_draft_share_the_blobs_of_sent_files(tmp_path: Path) -> None:
    """A draft's files are stored by hash in the same blobs as sent files: a blob stays while a
    draft or a message links to it, and goes with the last link (schema 9)."""
    note = Attachment("n.txt", "text/plain", b"alpha\n")
    image = Attachment("p.png", "image/png", PNG)
    key = store.draft_key(None)
    with store.open_db(tmp_path / "h.db") as db:
        store.save_draft(db, key, "", [note, image])  # files only: no text is needed
        assert store.load_draft(db, key) == ""
        assert [(f.name, f.data) for f in store.load_draft_files(db, key)] == [
            ("n.txt", b"alpha\n"), ("p.png", PNG)]  # fmt: skip
        store.save_draft(db, key, "typed")  # files=None: the files stay as they are
        assert len(store.load_draft_files(db, key)) == 2
        cid = store.create_conversation(db, _settings())
        store.add_message(db, cid, "user", "", attachments=[note])
        assert store.blob_count(db) == 2
        store.save_draft(db, key, "", ())  # sent: nothing waits; the note is the message's
        assert store.load_draft_files(db, key) == [] and store.blob_count(db) == 1
        store.save_draft(db, store.draft_key(cid), "next", [note, image])
        store.delete_conversation(db, cid)  # its message and its draft: no link is left
        assert store.blob_count(db) == 0
        assert store.load_draft_files(db, store.draft_key(cid)) == []


def test_a_message_of_files_only_is_titled_by_their_names(tmp_path: Path) -> None:
    with store.open_db(tmp_path / "h.db") as db:
        cid = store.create_conversation(db, _settings())
        files = [Attachment("a.txt", "text/plain", b"a"), Attachment("b.png", "image/png", PNG)]
        store.add_message(db, cid, "user", "", attachments=files)
        assert [c.title for c in store.list_conversations(db)] == ["a.txt, b.png"]


def test_migration_from_v8_keeps_sent_files_and_adds_draft_files(tmp_path: Path) -> None:
    path = tmp_path / "v8.db"
    note = Attachment("n.txt", "text/plain", b"alpha\n")
    with old_db(path, 8) as old:
        cid = store.create_conversation(old, _settings())
        store.add_message(old, cid, "user", "with a file", attachments=[note])
    with store.open_db(path) as db:
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == store_schema.target_version()
        store.save_draft(db, store.draft_key(cid), "", [note])
        store.delete_conversation(db, cid)
        assert store.blob_count(db) == 0
        other = store.create_conversation(db, _settings())
        store.save_draft(db, store.draft_key(None), "", [note])
        store.add_message(db, other, "user", "", attachments=[note])
        store.delete_conversation(db, other)
        assert store.blob_count(db) == 1  # the draft still links to it
