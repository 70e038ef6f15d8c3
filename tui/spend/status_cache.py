"""The small cached-balance record `tokendeck status` answers from (JSON beside the database)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..base.i18n import _
from ..base.paths import data_dir
from .profile_figures import Figures

if TYPE_CHECKING:
    from ..store.errors import StoreError

FILENAME = "status.json"
_DECIMALS = ("balance", "today", "burn", "days_left")


def cache_path() -> Path:
    return data_dir() / FILENAME


def read_all(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every profile's record; an unreadable or foreign file reads as empty (it is a cache)."""
    try:
        data = json.loads((path or cache_path()).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    profiles = data.get("profiles") if isinstance(data, dict) else None
    return {k: v for k, v in profiles.items() if isinstance(v, dict)} if isinstance(
        profiles, dict
    ) else {}  # fmt: skip


def load(name: str, path: Path | None = None) -> tuple[Figures | None, float, float]:
    """(figures, fetched_at, attempted_at) of profile `name`; (None, 0, 0) when not cached."""
    record = read_all(path).get(name)
    if record is None:
        return None, 0.0, 0.0
    known = {f.name for f in fields(Figures)}
    values: dict[str, Any] = {k: v for k, v in record.items() if k in known}
    try:
        for key in _DECIMALS:
            if values.get(key) is not None:
                values[key] = Decimal(str(values[key]))
        found = Figures(**{"profile": name, **values})
    except (ArithmeticError, TypeError, ValueError):
        found = None
    return found, _seconds(record.get("fetched_at")), _seconds(record.get("attempted_at"))


def save(figures: Figures, fetched_at: float, path: Path | None = None) -> None:
    """Store a fresh record for the profile (atomically; other profiles' records are kept)."""
    record = {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(figures).items()}
    _update(figures.profile, {**record, "fetched_at": fetched_at, "attempted_at": fetched_at},
            path)  # fmt: skip


def mark_attempt(name: str, when: float, path: Path | None = None) -> None:
    """Note that a refresh was started, so that callers in the next minute do not start another."""
    _update(name, {"attempted_at": when}, path)


def _update(name: str, changes: dict[str, Any], path: Path | None) -> None:
    import tempfile  # writes only (~15 ms off `tokendeck status`)

    file = path or cache_path()
    profiles = read_all(file)
    profiles[name] = {**profiles.get(name, {}), **changes}
    try:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".status-", suffix=".json", dir=file.parent)  # 0600
    except OSError as exc:
        raise _unwritable(file, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "profiles": profiles}, handle, ensure_ascii=False)
        os.replace(tmp, file)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _unwritable(file, exc) from exc
        raise


def _unwritable(file: Path, exc: OSError) -> StoreError:
    from ..store.errors import Problem, StoreError  # not on the path of a plain `status`

    message = _(
        "Cannot write the status file {path} ({reason}): check the permissions of {dir} and "
        "the free space, or set TOKENDECK_DATA_DIR to another directory."
    )
    return StoreError(
        message.format(path=file, reason=exc.strerror or exc, dir=file.parent),
        Problem.UNAVAILABLE,
    )


def _seconds(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
