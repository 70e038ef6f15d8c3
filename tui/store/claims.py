"""Work that one process at a time may do on the history database (a usage sync of a profile),
claimed with an advisory flock on a small file of its own beside the database.

Never on the database files: their POSIX locks belong to SQLite, and a descriptor of them
opened and closed here would drop every lock this process holds on them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path


class Claim:
    """One claim; taken by one holder at a time, across processes and within one (each Claim
    has its own descriptor). The file is never deleted (that would let two holders in)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def take(self) -> bool:
        """Take the claim unless another holder has it; True when this one may do the work.

        Where no claim file can be made (a read-only or missing data directory) the work
        goes on unclaimed: its writes are refused by the store with the store's own message.
        """
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError:  # a file system without flock: unclaimed, as above
            os.close(fd)
            return True
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # drops the flock


def sync_claim(db_path: Path, profile: str) -> Claim:
    """The claim on syncing `profile`'s usage log into the database at `db_path`."""
    digest = hashlib.sha256(profile.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return Claim(db_path.with_name(f".{db_path.name}.sync-{digest}.lock"))
