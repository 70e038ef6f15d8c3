"""The history schema: ordered migrations (PRAGMA user_version) and the optional FTS5 index."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]

FTS_TABLE = "messages_fts"

_V1 = (
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        title_custom INTEGER NOT NULL DEFAULT 0,
        pinned INTEGER NOT NULL DEFAULT 0,
        created REAL NOT NULL,
        updated REAL NOT NULL,
        profile TEXT,
        settings TEXT NOT NULL DEFAULT '{}',
        parent_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
        fork_message_id INTEGER
    )""",
    "CREATE INDEX conversations_order ON conversations(pinned DESC, updated DESC)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '',
        reasoning TEXT NOT NULL DEFAULT '',
        model TEXT,
        params TEXT,
        created REAL NOT NULL,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        credits TEXT,
        credits_estimated INTEGER NOT NULL DEFAULT 0,
        request_id TEXT,
        finish_reason TEXT,
        status TEXT NOT NULL DEFAULT 'done' CHECK (status IN
            ('streaming', 'done', 'stopped', 'cut', 'failed', 'interrupted')),
        error TEXT
    )""",
    "CREATE UNIQUE INDEX messages_order ON messages(conversation_id, position)",
    "CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming'",
    """CREATE TABLE drafts (
        key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        updated REAL NOT NULL
    )""",
)

# The usage-log cache: every gateway log row per profile (times as unix floats, credits as
# decimal text), per profile the newest id below which the cache is known complete, and on
# each answer the id of the log row that confirmed its cost.
_V2 = (
    """CREATE TABLE usage_rows (
        profile TEXT NOT NULL,
        id INTEGER NOT NULL,
        user_id TEXT NOT NULL DEFAULT '',
        ctime REAL NOT NULL,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        fen TEXT NOT NULL DEFAULT '0',
        model TEXT NOT NULL DEFAULT '',
        yufen TEXT NOT NULL DEFAULT '0',
        reqid TEXT NOT NULL DEFAULT '',
        ip TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (profile, id)
    ) WITHOUT ROWID""",
    "CREATE INDEX usage_rows_time ON usage_rows(profile, ctime)",
    "CREATE INDEX usage_rows_reqid ON usage_rows(profile, reqid)",
    """CREATE TABLE sync_state (
        profile TEXT PRIMARY KEY,
        complete_id INTEGER,
        synced_at REAL NOT NULL
    )""",
    "ALTER TABLE messages ADD COLUMN usage_id INTEGER",
)

# Indexes for the Usage table: a window of 100,000 rows in any order, filtered by model, and
# the answers' claims on log rows (orphan charges) without scanning the messages.
_V3 = (
    "CREATE INDEX usage_rows_model ON usage_rows(profile, model, ctime)",
    "CREATE INDEX usage_rows_prompt ON usage_rows(profile, prompt_tokens)",
    "CREATE INDEX usage_rows_completion ON usage_rows(profile, completion_tokens)",
    # credits as numbers, for ordering only (fen and yufen stay the exact decimal text)
    "ALTER TABLE usage_rows ADD COLUMN fen_n REAL NOT NULL DEFAULT 0",
    "ALTER TABLE usage_rows ADD COLUMN yufen_n REAL NOT NULL DEFAULT 0",
    "UPDATE usage_rows SET fen_n = CAST(fen AS REAL), yufen_n = CAST(yufen AS REAL)",
    "CREATE INDEX usage_rows_fen ON usage_rows(profile, fen_n)",
    "CREATE INDEX usage_rows_yufen ON usage_rows(profile, yufen_n)",
    "CREATE INDEX usage_rows_ip ON usage_rows(profile, ip)",
    "CREATE INDEX messages_usage ON messages(usage_id) WHERE usage_id IS NOT NULL",
)

# Balance readings, for the burn rate of profiles whose gateway keeps no usage log: at most one
# per profile per five-minute slot (slot = floor(at / 300), the newest reading of the slot
# wins), remaining as decimal text in the unit the gateway answered in.
_V4 = (
    """CREATE TABLE balance_samples (
        profile TEXT NOT NULL,
        slot INTEGER NOT NULL,
        at REAL NOT NULL,
        remaining TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (profile, slot)
    ) WITHOUT ROWID""",
)

# An answer that went on streaming after its terminal went away (SIGHUP: a dropped SSH session)
# and was stored whole without one: the next start says so under it.
_V5 = ("ALTER TABLE messages ADD COLUMN background INTEGER NOT NULL DEFAULT 0",)

# Attached files: each file's bytes once per content hash (blobs), linked in order to the
# messages that carry them; a blob is deleted with its last link (a message deleted, its
# conversation deleted).
_V6 = (
    """CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    )""",
    """CREATE TABLE attachments (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        PRIMARY KEY (message_id, ord)
    ) WITHOUT ROWID""",
    "CREATE INDEX attachments_blob ON attachments(sha256)",
    """CREATE TRIGGER attachments_unlink AFTER DELETE ON attachments
    WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = old.sha256) BEGIN
        DELETE FROM blobs WHERE sha256 = old.sha256;
    END""",
)

# Quarter-hour totals of the usage log (usage_buckets, schema 7): the slot of a row, and what
# is added up per slot and model. Whole credits are added exactly as integers; a row with a
# fraction (or too large for an integer) is counted in `odd`, and totals touching its bucket
# are added up from the rows instead.
BUCKET_SECONDS = 900
BUCKET_OF = f"CAST(ctime / {BUCKET_SECONDS} AS INTEGER)"
WHOLE = "typeof(fen + 0) = 'integer'"
BUCKET_PARTS = (
    "count(*)",
    "sum(prompt_tokens)",
    "sum(completion_tokens)",
    f"sum(CASE WHEN {WHOLE} THEN fen + 0 ELSE 0 END)",
    f"sum(NOT {WHOLE})",
)
BUCKET_COLUMNS = "profile, slot, model, requests, prompt_tokens, completion_tokens, credits, odd"


def _bucket_table(name: str) -> str:
    """A table of totals per profile, slot and model (usage_buckets, usage_days)."""
    return f"""CREATE TABLE {name} (
        profile TEXT NOT NULL,
        slot INTEGER NOT NULL,
        model TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        credits INTEGER NOT NULL DEFAULT 0,
        odd INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (profile, slot, model)
    ) WITHOUT ROWID"""


# A million log rows (issue 22). Quarter-hour totals per profile and model (usage_buckets,
# kept by store_pages with the rows), so reports, counts and totals add up buckets instead of
# every row. The indexes only the Usage table's sort by tokens or credits used are made when
# it is first sorted so (usage_view.ensure_sort_index): kept up to date by every sync they
# cost more than the rows themselves (random inserts into four more b-trees).
_V7 = (
    "DROP INDEX IF EXISTS usage_rows_prompt",
    "DROP INDEX IF EXISTS usage_rows_completion",
    "DROP INDEX IF EXISTS usage_rows_fen",
    "DROP INDEX IF EXISTS usage_rows_yufen",
    "DROP INDEX IF EXISTS usage_rows_ip",
    _bucket_table("usage_buckets"),
    "CREATE INDEX usage_buckets_model ON usage_buckets(profile, model, slot)",
    f"INSERT INTO usage_buckets ({BUCKET_COLUMNS}) SELECT profile, {BUCKET_OF} AS s, model,"
    f" {', '.join(BUCKET_PARTS)} FROM usage_rows GROUP BY profile, s, model",
    # per profile, the characters (lower case) that occur in each searched text field: a word
    # with another character cannot occur in that field, which need not be searched
    """CREATE TABLE usage_alphabets (
        profile TEXT NOT NULL,
        field TEXT NOT NULL,
        chars TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (profile, field)
    ) WITHOUT ROWID""",
)
SEARCHED_FIELDS = ("model", "reqid", "ip", "note")

# Day totals too (UTC days, usage_days): the all-time or per-model figures of a year of rows
# add up ~2,000 of them instead of ~130,000 quarter hours (the quarter hours stay for local
# days and a range's partial days). Kept by store_pages beside the quarter hours.
DAY_SECONDS = 86_400
BUCKET_TABLES = (("usage_buckets", BUCKET_SECONDS), ("usage_days", DAY_SECONDS))


def bucket_of(seconds: int) -> str:
    """The slot of a row in buckets of `seconds`."""
    return f"CAST(ctime / {seconds} AS INTEGER)"


_V8 = (
    _bucket_table("usage_days"),
    f"INSERT INTO usage_days ({BUCKET_COLUMNS}) SELECT profile, {bucket_of(DAY_SECONDS)} AS s,"
    f" model, {', '.join(BUCKET_PARTS)} FROM usage_rows GROUP BY profile, s, model",
)


# Files waiting with a draft (schema 9): linked to the draft's key as attachments are to their
# message, their bytes in the same blobs; a blob goes when neither links to it any more.
_UNLINK = """CREATE TRIGGER {name} AFTER DELETE ON {table}
    WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = old.sha256)
    AND NOT EXISTS (SELECT 1 FROM draft_files WHERE sha256 = old.sha256) BEGIN
        DELETE FROM blobs WHERE sha256 = old.sha256;
    END"""
_V9 = (
    """CREATE TABLE draft_files (
        key TEXT NOT NULL,
        ord INTEGER NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        PRIMARY KEY (key, ord)
    ) WITHOUT ROWID""",
    "CREATE INDEX draft_files_blob ON draft_files(sha256)",
    "DROP TRIGGER attachments_unlink",
    _UNLINK.format(name="attachments_unlink", table="attachments"),
    _UNLINK.format(name="draft_files_unlink", table="draft_files"),
)


def _v7(conn: sqlite3.Connection) -> None:
    _run(_V7)(conn)
    profiles = [row[0] for row in conn.execute("SELECT DISTINCT profile FROM usage_rows")]
    for profile in profiles:
        for name in SEARCHED_FIELDS:
            (text,) = conn.execute(
                f"SELECT group_concat({name}, '') FROM usage_rows WHERE profile = ?", (profile,)
            ).fetchone()
            conn.execute(
                "INSERT INTO usage_alphabets (profile, field, chars) VALUES (?, ?, ?)",
                (profile, name, "".join(sorted(set((text or "").lower())))),
            )


# External-content FTS5 index over messages.content, kept in sync by triggers.
_FTS = (
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content);
    END""",
    f"""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) VALUES ('delete', old.id, old.content);
    END""",
    f"""CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO {FTS_TABLE}(rowid, content) VALUES (new.id, new.content);
    END""",
)


def _run(statements: tuple[str, ...]) -> Migration:
    def migrate(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return migrate


# Append only: entry i takes a database from user_version i to i + 1.
MIGRATIONS: list[Migration] = [
    _run(_V1), _run(_V2), _run(_V3), _run(_V4), _run(_V5), _run(_V6), _v7,
    _run(_V8), _run(_V9),
]  # fmt: skip


def target_version() -> int:
    return len(MIGRATIONS)


@functools.cache
def fts5_available() -> bool:
    """Whether this SQLite build has FTS5 (checked once per process)."""
    try:
        with sqlite3.connect(":memory:") as conn:
            conn.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
        return True
    except sqlite3.Error:
        return False


def has_fts(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone()
    return row is not None


def create_fts(conn: sqlite3.Connection) -> None:
    """Add the search index to a database that lacks it and index what is already there."""
    _run(_FTS)(conn)
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
