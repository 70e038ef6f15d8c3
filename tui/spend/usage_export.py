"""Usage-log rows as CSV or JSON records: one format for `tokendeck logs` and the panel export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Protocol

from ..base.safe import json_safe
from ..base.textfmt import plain
from ..gateway.types import LogPage, LogRow


class ExportRow(Protocol):
    """A usage-log row as written out: tui.gateway.LogRow (whose CSV is made from its raw
    fields), or store.UsageRow read back (made from its datetime and Decimals)."""

    @property
    def id(self) -> int: ...
    @property
    def ctime(self) -> datetime: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def fen(self) -> Decimal: ...
    @property
    def model(self) -> str: ...
    @property
    def yufen(self) -> Decimal: ...
    @property
    def reqid(self) -> str: ...
    @property
    def ip(self) -> str: ...
    @property
    def note(self) -> str: ...

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


_FORMULA_FIRST = frozenset(_FORMULA_STARTS)


_lead = itemgetter(slice(0, 1))  # a text's first character, "" for an empty text


def _guarded(texts: Sequence[str]) -> Sequence[str]:
    """csv_cell of each text: `texts` themselves when none starts with a formula character."""
    if _FORMULA_FIRST.isdisjoint(map(_lead, texts)):
        return texts
    return ["'" + t if t[:1] in _FORMULA_FIRST else t for t in texts]


def _plain_texts(texts: Sequence[str]) -> Sequence[str]:
    """plain() of the Decimal of each text written by format(Decimal, "f"): the text without
    a fraction's trailing zeros; `texts` themselves when none has a fraction."""
    if "." not in "".join(texts):
        return texts
    return [t if "." not in t else t.rstrip("0").rstrip(".") for t in texts]


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


def log_record(row: ExportRow, *, left: bool = True) -> dict[str, Any]:
    """A row as a record with the CLI's field names; the time in local time. `left` False:
    the log's rows say no balance after them (new-api, one-api, LiteLLM): balance_after is
    null, not the 0 they are stored with."""
    return {
        "id": row.id,
        "time": row.ctime.astimezone().isoformat(),
        "model": row.model,
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "credits": row.fen,
        "balance_after": row.yufen if left else None,
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


class RowWriter:
    """Writes rows as `csv` or `json` (a list, indented as `json.dumps(rows, indent=2)` would)
    as they come, batch by batch: a log of a million rows never sits in memory. `close()`
    ends the JSON list; `count` is how many rows were written. `left` False: the rows say no
    balance after them (an empty balance_after cell, null in JSON)."""

    def __init__(self, out: IO[str], fmt: str, *, left: bool = True) -> None:
        if fmt not in ("csv", "json"):
            raise ValueError(f"unknown row format {fmt!r}")
        self.out, self.fmt, self.count, self.left = out, fmt, 0, left
        self._csv = csv_writer(out) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(LOG_FIELDS)
        self._zones = _LocalTimes()

    def write(self, batch: Iterable[ExportRow]) -> None:
        batch = batch if isinstance(batch, list | tuple) else list(batch)
        if self._csv is not None:
            rows: list[tuple[str, ...]] = []  # or a column each of the CSV's cells:
            columns: list[Sequence[str]] | None = None
            if type(batch) is LogPage and len(batch.texts[0]) == len(batch):
                columns = self._page_columns(batch)  # the gateway's own texts
            elif all(type(row) is LogRow for row in batch):
                columns = self._raw_columns(batch)  # type: ignore[arg-type]
            else:
                rows = self._record_rows(batch)
            # a batch is written in one go, its rows' cells joined by commas (csv.writer took
            # ~2.8 µs a row); when the commas and line ends are not exactly the rows' own, or
            # a quote or CR is there, a field needs quoting: then csv.writer writes the batch
            cells = rows if columns is None else zip(*columns, strict=True)
            text = "\n".join(map(",".join, cells)) + "\n" if batch else ""
            if (
                text.count(",") == (len(LOG_FIELDS) - 1) * len(batch)
                and text.count("\n") == len(batch)
                and '"' not in text
                and "\r" not in text
            ):
                self.out.write(text)
            else:
                self._csv.writerows(rows if columns is None else zip(*columns, strict=True))
            self.count += len(batch)
            return
        for row in batch:
            text = json_safe(
                json.dumps(
                    log_record(row, left=self.left), ensure_ascii=False, indent=2,
                    default=json_value,
                )
            )
            lead = "[\n  " if self.count == 0 else ",\n  "
            self.out.write(lead + text.replace("\n", "\n  "))
            self.count += 1

    def _page_columns(self, page: LogPage) -> list[Sequence[str]]:
        """The CSV's columns of a page read a column at a time: the gateway's own texts (its
        numbers are digits without leading zeros, its credits whole: as str() and plain()
        write them), the times from the page's whole seconds."""
        ids, _users, _times, prompts, completions, fens, models, yufens, reqids, ips, notes = (
            page.texts
        )
        return [
            ids, self._zones.all_at(page.columns[2]), _guarded(models), prompts, completions,
            fens, yufens if self.left else ("",) * len(ids), _guarded(reqids), _guarded(ips),
            _guarded(notes),
        ]  # fmt: skip

    def _raw_columns(self, batch: list[LogRow]) -> list[Sequence[str]]:
        """csv_cell of log_record's values of gateway rows, as text, made from their raw fields
        a column at a time (a million rows: no datetime, Decimal, dict or call per cell): the
        time from unix seconds; the credits from their decimal text (as format(Decimal, "f")
        writes it, so plain() of it is the text without a fraction's trailing zeros); a column
        of texts none of which starts with a formula character as it is."""
        if not batch:
            return []
        ids, _users, times, prompts, completions, fens, models, yufens, reqids, ips, notes = (
            zip(*batch, strict=True)
        )
        return [
            [*map(str, ids)], self._zones.all_at(times), _guarded(models),
            [*map(str, prompts)], [*map(str, completions)], _plain_texts(fens),
            _plain_texts(yufens) if self.left else ("",) * len(batch),
            _guarded(reqids), _guarded(ips), _guarded(notes),
        ]  # fmt: skip

    def _record_rows(self, batch: Iterable[ExportRow]) -> list[tuple[str, ...]]:
        """csv_cell of log_record's values, as text, of rows with a datetime and Decimals (the
        cache's)."""
        zone, left, first = self._zones.iso, self.left, _FORMULA_FIRST
        return [
            (
                str(row.id), zone(row.ctime),
                "'" + m if (m := row.model)[:1] in first else m,
                str(row.prompt_tokens), str(row.completion_tokens),
                plain(row.fen), plain(row.yufen) if left else "",
                "'" + r if (r := row.reqid)[:1] in first else r,
                "'" + i if (i := row.ip)[:1] in first else i,
                "'" + n if (n := row.note)[:1] in first else n,
            )
            for row in batch
        ]  # fmt: skip

    def close(self) -> int:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "[]\n")
        return self.count


class _LocalTimes:
    """ISO times in local time (as datetime.astimezone().isoformat() writes them), the zone's
    offset looked up once per quarter hour of rows (zones change offsets only on those), not
    per row. Within a quarter hour whose offset is whole quarter hours (every zone's today)
    a whole-second time is its quarter's text with the minutes and seconds put in."""

    def __init__(self) -> None:
        self._quarter: int | None = None
        self._zone: Any = None
        self._head: str | None = None  # "YYYY-MM-DDTHH:" of the quarter
        self._minute = 0  # its first minute
        self._tail = ""  # its offset, "+08:00"
        self._first = 0  # its first second (unix)
        self._clock: list[str] = []  # "MM:SS" of each of its seconds

    def at(self, seconds: float) -> str:
        """iso() of a time given as unix seconds: a whole second of the last quarter hour
        without a datetime (also a whole float's: the log families' rows come from datetimes)."""
        if type(seconds) is float and seconds.is_integer():
            seconds = int(seconds)
        if type(seconds) is int and self._head is not None:
            into = seconds - self._first
            if 0 <= into < 900:
                return f"{self._head}{self._clock[into]}{self._tail}"
        return self.iso(datetime.fromtimestamp(seconds, UTC))

    def all_at(self, stamps: Iterable[float]) -> list[str]:
        """at() of each time, the quarter hour's texts kept in locals (~0.3 -> ~0.2 µs a time)."""
        texts: list[str] = []
        add = texts.append
        head, first, clock, tail = self._head, self._first, self._clock, self._tail
        for seconds in stamps:
            into = seconds - first
            if 0 <= into < 900 and type(into) is int and head is not None:
                add(f"{head}{clock[into]}{tail}")
            else:
                add(self.at(seconds))
                head, first, clock, tail = self._head, self._first, self._clock, self._tail
        return texts

    def iso(self, when: datetime) -> str:
        stamp = when.timestamp()
        quarter = int(stamp // 900)
        if quarter != self._quarter:
            self._start(quarter, when)
        whole = int(stamp)
        if self._head is None or whole != stamp or when.tzinfo is None:
            return when.astimezone(self._zone).isoformat()
        return f"{self._head}{self._clock[whole - self._first]}{self._tail}"

    def _start(self, quarter: int, when: datetime) -> None:
        self._quarter, self._zone = quarter, when.astimezone().tzinfo
        self._first = quarter * 900
        start = datetime.fromtimestamp(self._first, self._zone)
        offset = start.utcoffset()
        text = start.isoformat()
        whole = offset is not None and not offset.total_seconds() % 900
        self._head = text[:14] if whole and len(text) == 25 else None
        self._minute, self._tail = start.minute, text[19:]
        self._clock = _quarter_clock(self._minute)


@cache
def _quarter_clock(minute: int) -> list[str]:
    """The "MM:SS" of each second of a quarter hour starting at `minute`."""
    return [f"{minute + into // 60:02d}:{into % 60:02d}" for into in range(900)]


def write_rows(
    batches: Iterable[Iterable[ExportRow]], out: IO[str], fmt: str, *, left: bool = True
) -> int:
    """Write rows (in batches, so a large log never sits in memory) as `csv` or `json`; how
    many rows were written. `left` as for RowWriter."""
    writer = RowWriter(out, fmt, left=left)
    for batch in batches:
        writer.write(batch)
    return writer.close()


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
