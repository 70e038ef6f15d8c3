"""Full-text search over message content (FTS5, or LIKE where FTS5 cannot serve the query)."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from .db import Database
from .errors import translate
from .records import SearchHit, utc
from .schema import FTS_TABLE

OPEN, CLOSE = "«", "»"  # match markers; not Rich markup, so safe to show escaped or not
_CONTEXT = 40  # characters kept before the first match in a LIKE snippet
_WIDTH = 120  # characters in a LIKE snippet
_SQL_ERROR = 1  # SQLITE_ERROR: how FTS5 reports a query it cannot parse
_COLUMNS = "m.id, m.conversation_id, c.title, m.position, m.role, m.created, m.content"


def terms(query: str) -> list[str]:
    """The words of a query: whitespace-separated, ignoring bits with no letter or digit."""
    words = query.replace("\x00", " ").split()  # NUL would end the query string early
    return [word for word in words if any(ch.isalnum() for ch in word)]


def fts_query(words: list[str]) -> str:
    """An FTS5 MATCH expression treating every word literally; the last one as a prefix."""
    phrases = ['"' + word.replace('"', '""') + '"' for word in words]
    phrases[-1] += " *"
    return " ".join(phrases)


def _unspaced(text: str) -> bool:
    """Chinese, Japanese and the like: words are not space-separated, FTS5 cannot split them."""
    return any(unicodedata.east_asian_width(ch) in ("W", "F") and ch.isalnum() for ch in text)


def search(db: Database, query: str, limit: int = 50) -> list[SearchHit]:
    """Messages whose content has every word of `query`, newest first. Never raises on odd
    input (quotes, *, -, :, NEAR, parentheses ...); StoreError only if the database fails."""
    words = terms(query)
    if not words or limit <= 0:
        return []
    if db.fts and not _unspaced(query):
        try:
            return _fts(db, words, limit)
        except sqlite3.Error as exc:
            if getattr(exc, "sqlite_errorcode", None) != _SQL_ERROR:
                raise translate(exc, db.path) from exc
            # A query FTS5 cannot parse after all: LIKE still answers it.
    return _like(db, words, limit)


def _fts(db: Database, words: list[str], limit: int) -> list[SearchHit]:
    rows = db.conn.execute(
        f"SELECT {_COLUMNS}, snippet({FTS_TABLE}, 0, ?, ?, '…', 12) AS snip"
        f" FROM {FTS_TABLE} JOIN messages m ON m.id = {FTS_TABLE}.rowid"
        " JOIN conversations c ON c.id = m.conversation_id"
        f" WHERE {FTS_TABLE} MATCH ? ORDER BY m.created DESC, m.id DESC LIMIT ?",
        (OPEN, CLOSE, fts_query(words), limit),
    ).fetchall()
    return [_hit(row, row["snip"]) for row in rows]


def _like(db: Database, words: list[str], limit: int) -> list[SearchHit]:
    where = " AND ".join(["m.content LIKE ? ESCAPE '\\'"] * len(words))
    patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", word) + "%" for word in words]
    rows = db.query(
        f"SELECT {_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        f" WHERE {where} ORDER BY m.created DESC, m.id DESC LIMIT ?",
        (*patterns, limit),
    )
    return [_hit(row, snippet(row["content"], words)) for row in rows]


def _hit(row: sqlite3.Row, text: str) -> SearchHit:
    return SearchHit(
        conversation_id=row["conversation_id"],
        conversation_title=row["title"],
        message_id=row["id"],
        position=row["position"],
        role=row["role"],
        snippet=" ".join(text.split()),
        created=utc(row["created"]),
    )


def snippet(text: str, words: list[str]) -> str:
    """A window of `text` around the first match, every match marked «like this»."""
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    found = pattern.search(text)
    start = max(0, found.start() - _CONTEXT) if found else 0
    end = min(len(text), start + _WIDTH)
    window = pattern.sub(lambda m: OPEN + m.group(0) + CLOSE, text[start:end])
    return ("…" if start else "") + window + ("…" if end < len(text) else "")
