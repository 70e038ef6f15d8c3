"""Usage-log rows as CSV or JSON records: one format for `tokendeck logs` and the panel export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..base.safe import json_safe
from ..base.textfmt import plain

if TYPE_CHECKING:
    from ..store.usage import LogRowLike

LOG_FIELDS = (
    "id",
    "time",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "credits",
    "balance_after",
    "request_id",
    "ip",
    "note",
)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a
    leading ' (OWASP's CSV-injection advice). Numbers stay numbers (a refund's -5 is data)."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class _LineFeedEnds:
    """A file for csv.writer(lineterminator="\r\n") that ends each row with \n instead. The
    writer quotes only fields holding its terminator's characters: with "\n" alone, a CR in a
    gateway's field went out unquoted and split the row for every reader."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, line: str) -> int:
        return self.out.write(line[:-2] + "\n" if line.endswith("\r\n") else line)


def csv_writer(out: IO[str]) -> Any:
    """A csv.writer for tokendeck's CSV: rows end in \n, any field with CR or LF is quoted."""
    return csv.writer(_LineFeedEnds(out), lineterminator="\r\n")


def log_record(row: LogRowLike) -> dict[str, Any]:
    """A row as a record with the CLI's field names; the time in local time."""
    return {
        "id": row.id,
        "time": row.ctime.astimezone().isoformat(),
        "model": row.model,
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "credits": row.fen,
        "balance_after": row.yufen,
        "request_id": row.reqid,
        "ip": row.ip,
        "note": row.note,
    }


def json_value(value: Any) -> Any:
    """What json.dumps cannot write itself: Decimal as a number, datetime as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_rows(batches: Iterable[Iterable[LogRowLike]], out: IO[str], fmt: str) -> int:
    """Write rows (in batches, so a large log never sits in memory) as `csv` or `json` (a
    list, indented as `json.dumps(rows, indent=2)` would); how many rows were written."""
    count = 0
    if fmt == "csv":
        writer = csv_writer(out)
        writer.writerow(LOG_FIELDS)
        for batch in batches:
            for row in batch:
                record = log_record(row)
                writer.writerow([csv_cell(v) for v in record.values()])
                count += 1
        return count
    if fmt != "json":
        raise ValueError(f"unknown row format {fmt!r}")
    for batch in batches:
        for row in batch:
            text = json_safe(
                json.dumps(log_record(row), ensure_ascii=False, indent=2, default=json_value)
            )
            out.write(("[\n" if count == 0 else ",\n") + "  " + text.replace("\n", "\n  "))
            count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def own_file(target: Path, protected: Iterable[Path]) -> Path | None:
    """Which of tokendeck's own files (`protected`: the database, the config …) `target` is,
    through symbolic links (resolved paths) and hard links (same device and inode); None if
    it is none of them."""
    real = target.resolve()
    try:
        st = target.stat()
        ident: tuple[int, int] | None = (st.st_dev, st.st_ino)
    except OSError:
        ident = None
    for own in protected:
        if own.resolve() == real:
            return own
        if ident is not None:
            try:
                st = own.stat()
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == ident:
                return own
    return None


def database_files(db: Path) -> list[Path]:
    """The database and the files SQLite keeps beside it."""
    return [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))]
