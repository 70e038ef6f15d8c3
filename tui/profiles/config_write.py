"""Writing config.toml: re-read under a lock, apply only this change, keep the user's comments,
replace atomically (0600), and write through a symlink to its target.

Kept apart from loading (tui.profiles.config.load): a write never trusts the copy a process
read at start — another tokendeck (`config init` while the app runs) may have changed the file
since. tomlkit edits the document in place, so comments, order and layout survive; it is
imported only here, on the rare write.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError

Change = Callable[[Any], None]  # edits a tomlkit document in place


class BrokenFile(Exception):
    """The file on disk is not valid TOML now: nothing is written over it."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem, self.line = problem, line


def target_of(path: Path) -> Path:
    """The file to write: a symlinked config.toml (dotfiles) is written through to its target,
    so the link stays a link."""
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    target = target_of(path)
    return target.with_name(f".{target.name}.lock")


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the writers' lock of `path` (flock on a lock file beside its target, 0600; never on
    the config itself, which is replaced)."""
    lock = lock_path(path)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def apply(path: Path, changes: Sequence[Change]) -> str:
    """Apply `changes` to the file as it is now, under the lock; returns the text written."""

    target = target_of(path)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with locked(path):
        try:
            text = target.read_text("utf-8")
        except FileNotFoundError:
            text = ""
        try:
            doc = tomlkit.parse(text)
        except ParseError as exc:
            raise BrokenFile(str(exc), getattr(exc, "line", None)) from None
        for change in changes:
            change(doc)
        new = tomlkit.dumps(doc)
        _replace(target, new)
    return new


def _replace(target: Path, text: str) -> None:
    """Write `text` to a temp file beside `target` (0600), then rename it over `target`."""
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- changes --------------------------------------------------------------------------------


def set_top(key: str, value: Any) -> Change:
    """Set one top-level key (theme, language, default_profile …)."""

    def change(doc: Any) -> None:
        if _plain(doc.get(key)) != value:
            doc[key] = value

    return change


def put_profile(name: str, table: dict[str, Any]) -> Change:
    """Make [profiles.NAME] hold exactly `table`, editing the one on disk in place: unchanged
    keys keep their comments and places, other profiles are not touched."""

    def change(doc: Any) -> None:
        profiles = doc.get("profiles")
        if profiles is None:
            profiles = tomlkit.table(is_super_table=True)
            doc["profiles"] = profiles
        current = profiles.get(name)
        if current is None:
            fresh = tomlkit.table()
            for key, value in table.items():
                fresh[key] = value
            profiles[name] = fresh
            return
        for key in [k for k in current if k not in table]:
            del current[key]
        for key, value in table.items():
            if _plain(current.get(key)) != value:
                current[key] = value

    return change


def _plain(item: Any) -> Any:
    """A tomlkit item as plain Python values (for comparing with what a change sets)."""
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if unwrap is not None else item
