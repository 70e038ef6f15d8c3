"""Opening the history database safely: pragmas, migrations, read-only fallback, clear errors."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..base.i18n import _
from ..base.paths import data_dir
from . import schema
from .errors import Problem, StoreError, corrupt, read_only, translate

FILENAME = "tokendeck.db"
_SIDE_FILES = ("-wal", "-shm", "-journal")
BUSY_TIMEOUT = 5.0  # seconds a write waits for another process's write before it fails


class Database:
    """One connection to the history database; every store function takes one."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        read_only: bool = False,
        fts: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.conn = conn
        self.path = path
        self.read_only = read_only
        self.fts = fts  # search uses the FTS5 index; else LIKE
        self.clock = clock  # wall time as a unix float; tests replace it
        self.recovered = 0  # answers found mid-stream at open and marked interrupted
        self.damaged: StoreError | None = None  # once seen damaged, never written again
        self.intact = False  # checked (or left so by a process that had checked it)

    def now(self) -> float:
        return self.clock()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; any failure rolls back and raises StoreError."""
        if self.damaged is not None:
            raise self.damaged
        if self.read_only:
            raise read_only(self.path)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise self._failed(exc) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: sqlite3.Error) -> StoreError:
        """The StoreError for `exc`; a damaged file is remembered, so that nothing more is
        written into it (what it still holds stays as it was, for a repair or a backup)."""
        error = translate(exc, self.path)
        if error.problem is Problem.CORRUPT:
            self.damaged = error
        return error

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        self.conn.close()
        if self.intact and self.damaged is None and not self.read_only:
            _stamp(self.path)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_db(
    path: Path | None = None,
    *,
    read_only: bool = False,
    busy_timeout: float = BUSY_TIMEOUT,
    recover: bool = True,
    checked: bool = False,
) -> Database:
    """Open (creating and migrating if needed) the history database; StoreError if it cannot.

    Every connection waits up to `busy_timeout` seconds for another one's write to end (the
    app, `status --refresh`, a sync from cron: each holds the write lock for milliseconds).
    `checked`: the process that asked for this one (a sync's writer child) has checked the
    file, so it is not checked again (a quick_check reads the whole file: seconds at a
    million usage rows)."""
    path = path or data_dir() / FILENAME
    if not read_only:
        read_only = _prepare(path)
    elif not _exists(path):
        message = _("There is no history database at {path} yet.")
        raise StoreError(message.format(path=path), Problem.MISSING)
    created = not read_only and not _exists(path)
    conn = _connect(path, read_only, busy_timeout)
    try:
        if created:  # private like the config, whatever the umask and the folder's mode
            _private(path)
        db = Database(conn, path, read_only=read_only)
        _configure(db, busy_timeout)
        if not read_only:
            _check_once(db, checked)
        if recover and not read_only:
            db.recovered = recover_interrupted(db)
    except BaseException:
        conn.close()
        raise
    return db


def recover_interrupted(db: Database) -> int:
    """Mark answers left 'streaming' (a process died mid-answer) as 'interrupted'; how many.

    A writer still alive in another process marks its row 'streaming' again on its next write.
    """
    with db.write() as conn:
        return conn.execute(
            "UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'"
        ).rowcount


def is_database_file(path: Path, database: Path | None = None) -> bool:
    """Whether `path` is the history database or its -wal, -shm or -journal file (compared by
    inode: a link or another spelling of the name counts). A process that uses the database
    must never open such a file itself: closing that descriptor would drop the locks its
    connections hold, and another process would then delete the WAL they write into."""
    database = database or data_dir() / FILENAME
    try:
        found = path.stat()
    except OSError:
        return False
    for name in (database, *(database.with_name(database.name + s) for s in _SIDE_FILES)):
        with suppress(OSError):
            same = name.stat()
            if (same.st_dev, same.st_ino) == (found.st_dev, found.st_ino):
                return True
    return False


def _exists(path: Path) -> bool:
    """Whether the database file is there; StoreError when that cannot even be looked at
    (a data directory without search permission, mode 000)."""
    try:
        return path.exists()
    except OSError as exc:
        message = _(
            "Cannot open the history database {path} ({reason}): check the permissions of "
            "{dir}, or set TOKENDECK_DATA_DIR to another directory."
        )
        raise StoreError(
            message.format(path=path, reason=exc.strerror or exc, dir=path.parent),
            Problem.UNAVAILABLE,
        ) from exc


def _private(path: Path) -> None:
    """Mode 0600 for a database file SQLite has just created (by name: never a descriptor of
    it outside SQLite); its -wal and -shm files take the same mode when SQLite makes them."""
    with suppress(OSError):
        os.chmod(path, 0o600)


# Databases found intact by this process (damaged ones with their error): a quick_check reads
# the whole file (~0.45 s of CPU at a million usage rows), once per process, before anything is
# written into it — unless the file is exactly as a process that had found it intact left it
# when it closed (inode, size and modification time of the file and of its WAL, kept beside it
# in `<db>.intact`): a `logs sync` or `status --refresh` run from cron or a status line then
# costs no pass over the file. A process that dies leaves no stamp, so the next one checks.
_checked: dict[Path, StoreError | None] = {}
_checked_lock = threading.Lock()
_STAMP_SUFFIX = ".intact"


def _signature(path: Path) -> list[int]:
    """The database file's and its WAL's inode, size and modification time (stat, no open)."""
    found: list[int] = []
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            st = name.stat()
        except OSError:
            found += [0, 0, 0]
        else:  # an empty WAL (a connection opened since: it makes one) holds nothing
            found += [st.st_ino, st.st_size, st.st_mtime_ns] if st.st_size else [0, 0, 0]
    return found


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + _STAMP_SUFFIX)


def _stamp(path: Path) -> None:
    """Note that `path` is, as it is now, a database this process found intact."""
    stamp = _stamp_path(path)
    temp = stamp.with_name(f"{stamp.name}.{os.getpid()}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(" ".join(map(str, _signature(path))))
        os.replace(temp, stamp)
    except OSError:
        with suppress(OSError):
            temp.unlink()


def _stamped(path: Path) -> bool:
    """Whether `path` is exactly as a process that had found it intact left it."""
    try:
        said = _stamp_path(path).read_text().split()
    except OSError:
        return False
    return said == [str(n) for n in _signature(path)]


def _check_once(db: Database, checked: bool = False) -> None:
    """Refuse to write into a database with damaged pages (`logs sync`, `balance` and
    `status --refresh` would otherwise add rows beside them): checked once per process."""
    key = db.path.absolute()
    with _checked_lock:
        if key not in _checked:
            if checked or _stamped(db.path):
                _checked[key] = None
            else:
                _checked[key] = _quick_check(db)
        error = _checked[key]
    if error is not None:
        db.damaged = error
        raise error
    db.intact = True


def _quick_check(db: Database) -> StoreError | None:
    try:
        found = db.conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        failed = translate(exc, db.path)
        if failed.problem is not Problem.CORRUPT:
            raise failed from exc  # locked, say: not an answer about the file
        return failed
    return None if found == "ok" else corrupt(db.path, found)


def _wal_mode(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL. SQLite answers 'locked' at once, without waiting, while another process
    creates the same new file (its journal mode needs the file to itself): ask again until
    the busy timeout, as any other statement would wait."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _prepare(path: Path) -> bool:
    """Create the data directory if needed; True when only read-only use is possible."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        if _exists(path):
            return True
        message = _("Cannot create the data directory {dir} ({reason}); set TOKENDECK_DATA_DIR.")
        raise StoreError(
            message.format(dir=path.parent, reason=exc.strerror or exc), Problem.UNAVAILABLE
        ) from exc
    writable = os.access(path.parent, os.W_OK)  # the -wal and -shm files go beside it
    if _exists(path):
        return not (writable and os.access(path, os.W_OK))
    if not writable:
        message = _(
            "Cannot create the history database in {dir}: the directory is read-only. "
            "Set TOKENDECK_DATA_DIR to a writable directory."
        )
        raise StoreError(message.format(dir=path.parent), Problem.READ_ONLY)
    return False


def _connect(path: Path, read_only: bool, busy_timeout: float) -> sqlite3.Connection:
    uri = "file:" + quote(str(path.absolute()))
    modes = ["?mode=ro", "?mode=ro&immutable=1"] if read_only else ["?mode=rwc"]
    for i, mode in enumerate(modes):
        conn = sqlite3.connect(uri + mode, uri=True, timeout=busy_timeout, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            # Reading page 1 is the header check: SQLite refuses a file that is not a
            # database (NOTADB) without writing to it. The database files are never opened
            # outside SQLite: closing any descriptor of the file drops every POSIX lock this
            # process holds on it, and another process then checkpoints and deletes the WAL
            # that this process's connections still write into (the history since is lost).
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.Error as exc:
            conn.close()
            # A WAL database in a read-only directory can only be read as immutable (SQLite
            # says READONLY, or CANTOPEN when it cannot create the -shm file beside it).
            problem = translate(exc, path).problem
            if i + 1 < len(modes) and problem in (Problem.READ_ONLY, Problem.UNAVAILABLE):
                continue
            raise translate(exc, path) from exc
    raise AssertionError("unreachable")


def _configure(db: Database, busy_timeout: float = BUSY_TIMEOUT) -> None:
    conn, path = db.conn, db.path
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        target = schema.target_version()
        if version > target:
            message = _(
                "The history database {path} was made by a newer tokendeck "
                "(schema {found} > {supported}); upgrade tokendeck."
            )
            raise StoreError(
                message.format(path=path, found=version, supported=target), Problem.NEWER
            )
        if version < target:
            if db.read_only:
                message = _("The history database {path} is read-only and needs an upgrade.")
                raise StoreError(message.format(path=path), Problem.READ_ONLY)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":  # never write into a damaged file
                raise corrupt(path, check)
        if not db.read_only:
            _wal_mode(conn, busy_timeout)
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Each migration in its own transaction. Another process may be creating or
        # migrating the same file right now: the version is read again under the write lock,
        # and a step it already took is skipped.
        for step in range(version, target):
            with db.write():
                if conn.execute("PRAGMA user_version").fetchone()[0] > step:
                    continue
                schema.MIGRATIONS[step](conn)
                conn.execute(f"PRAGMA user_version = {step + 1}")
        present = schema.has_fts(conn)
        if schema.fts5_available() and not present and not db.read_only:
            with db.write():
                if not schema.has_fts(conn):
                    schema.create_fts(conn)
            present = True
        if present and not schema.fts5_available():
            message = _("The history database {path} needs an SQLite build with FTS5.")
            raise StoreError(message.format(path=path), Problem.UNAVAILABLE)
        db.fts = present
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
