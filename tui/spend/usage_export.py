"""Usage-log rows as CSV or JSON records: one format for `tokendeck logs` and the panel export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

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
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(LOG_FIELDS)
        for batch in batches:
            for row in batch:
                record = log_record(row)
                writer.writerow(
                    [plain(v) if isinstance(v, Decimal) else v for v in record.values()]
                )
                count += 1
        return count
    if fmt != "json":
        raise ValueError(f"unknown row format {fmt!r}")
    for batch in batches:
        for row in batch:
            text = json.dumps(log_record(row), ensure_ascii=False, indent=2, default=json_value)
            out.write(("[\n" if count == 0 else ",\n") + "  " + text.replace("\n", "\n  "))
            count += 1
    out.write("\n]\n" if count else "[]\n")
    return count
