"""The one store exception, and how SQLite failures become sentences a user can act on."""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from pathlib import Path

from ..base.i18n import _


class Problem(StrEnum):
    """What went wrong, for code that reacts differently (e.g. offer read-only mode)."""

    CORRUPT = "corrupt"
    LOCKED = "locked"
    NEWER = "newer"
    FULL = "full"
    READ_ONLY = "read_only"
    UNAVAILABLE = "unavailable"  # cannot open or create the file or its directory
    MISSING = "missing"  # a conversation or message that does not exist (any more)
    FAILED = "failed"


class StoreError(Exception):
    """A history-database failure, with a message fit to show the user as is."""

    def __init__(self, message: str, problem: Problem = Problem.FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem


# Primary SQLite result codes (the low byte of the extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    for needle, guess in (
        ("locked", _BUSY),
        ("readonly", _READONLY),
        ("disk is full", _FULL),
        ("malformed", _CORRUPT),
        ("not a database", _NOTADB),
        ("unable to open", _CANTOPEN),
        ("disk i/o", _IOERR),
    ):
        if needle in text:
            return guess
    return None


def corrupt(path: Path, detail: str) -> StoreError:
    return StoreError(
        _(
            "The history database {path} is damaged or is not a tokendeck database ({detail}). "
            "It was left untouched: move it aside to start a new history, or restore a backup."
        ).format(path=path, detail=detail),
        Problem.CORRUPT,
    )


def read_only(path: Path) -> StoreError:
    return StoreError(
        _(
            "The history database {path} is open read-only (no write permission), "
            "so changes are not saved."
        ).format(path=path),
        Problem.READ_ONLY,
    )


def translate(exc: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError that explains `exc`, an error raised while using the database at `path`."""
    code, detail = _code(exc), str(exc)
    if code in (_CORRUPT, _NOTADB):
        return corrupt(path, detail)
    if code in (_BUSY, _LOCKED):
        message = _(
            "Another process holds the history database {path} ({detail}): "
            "close the other tokendeck, or the program using the file, and try again."
        )
        return StoreError(message.format(path=path, detail=detail), Problem.LOCKED)
    if code == _FULL:
        message = _(
            "Could not save to the history database {path}: the disk is full. "
            "Free some space and try again; what was saved before is intact."
        )
        return StoreError(message.format(path=path), Problem.FULL)
    if code == _READONLY:
        return read_only(path)
    if code == _CANTOPEN:
        message = _("Cannot open the history database {path} ({detail}).")
        return StoreError(message.format(path=path, detail=detail), Problem.UNAVAILABLE)
    if code == _IOERR:
        message = _(
            "Could not read or write the history database {path}: a disk error ({detail}). "
            "What was saved before is intact."
        )
        return StoreError(message.format(path=path, detail=detail), Problem.FAILED)
    message = _("The history database {path} failed: {detail}")
    return StoreError(message.format(path=path, detail=detail), Problem.FAILED)
