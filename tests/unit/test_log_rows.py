"""openai-hk usage-log pages: the column-at-a-time reading of usual pages gives exactly the rows
the row-by-row reading gives, for any mix of values a gateway may send."""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.gateway import ProtocolError
from tui.gateway.client import RecentIds
from tui.gateway.logs import _usual_rows, parse_row, parse_rows
from tui.gateway.types import LogPage

USUAL = {
    "id": "7000001", "user_id": "9", "ctime": "1740000000", "prompt_tokens": "12",
    "completion_tokens": "30", "fen": "5", "model": "gpt-4o", "yufen": "99995",
    "reqid": "ab12", "ip": "43.154.119.189", "note": "",
}  # fmt: skip

digits = st.from_regex(r"[1-9][0-9]{0,12}", fullmatch=True)
numbers = st.one_of(
    digits,
    st.sampled_from(["0", "007", "0.5", "12.50", "-3", "1e3", "", " 4"]),
    st.integers(-5, 10**12),
    st.floats(0, 1e6, allow_nan=False),
)
texts = st.one_of(st.text(max_size=6), st.integers(0, 99), st.none())


@st.composite
def rows(draw: Any) -> dict[str, Any]:
    row = dict(USUAL)
    for name in ("id", "ctime", "prompt_tokens", "completion_tokens"):
        if draw(st.booleans()):
            row[name] = draw(
                st.one_of(digits, st.integers(1, 10**10), st.sampled_from(["1740000000.0", "0",
                                                                          "0012", "٣", "1,2"]))
            )  # fmt: skip
    for name in ("fen", "yufen"):
        if draw(st.booleans()):
            row[name] = draw(numbers)
    for name in ("user_id", "model", "reqid", "ip", "note"):
        if draw(st.integers(0, 3)) == 0:
            row[name] = draw(texts)
    if draw(st.integers(0, 5)) == 0:
        row.pop(draw(st.sampled_from(sorted(row))))
    return row


def one_by_one(page: list[dict[str, Any]]) -> list[Any] | type[Exception]:
    try:
        return [parse_row(row) for row in page]
    except (KeyError, TypeError, ValueError) as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(st.lists(rows(), max_size=8))
def test_a_page_reads_as_its_rows_one_by_one(page: list[dict[str, Any]]) -> None:
    expected = one_by_one(page)
    if isinstance(expected, list):
        got = parse_rows({"logs": page}, "gw")
        assert got == expected
        if isinstance(got, LogPage):  # its columns are its rows' fields, its texts theirs
            assert list(zip(*got.columns, strict=True)) == got
            assert [tuple(map(str, row)) for row in got] == list(zip(*got.texts, strict=True))
    else:
        with pytest.raises(ProtocolError):
            parse_rows({"logs": page}, "gw")


def test_a_usual_page_is_read_a_column_at_a_time() -> None:
    """The fast path takes openai-hk's own shape (and only that): text digits, plain credits."""
    page = [USUAL, {**USUAL, "id": "7000002", "fen": "0", "yufen": "99995"}]
    rows = _usual_rows(page)
    assert rows == [parse_row(row) for row in page]
    assert rows is not None and rows[0].fen == Decimal(5) and rows[0].seconds == 1740000000
    assert isinstance(rows, LogPage) and rows.texts[0] == ("7000001", "7000002")
    assert _usual_rows([{**USUAL, "fen": "007"}]) is None  # made plain ("7") row by row
    for name in ("id", "ctime", "prompt_tokens", "yufen"):  # each number's text as str() of it
        assert _usual_rows([USUAL, {**USUAL, name: "012"}]) is None
        assert _usual_rows([{**USUAL, name: "012"}, USUAL]) is None
        assert _usual_rows([USUAL, {**USUAL, name: "1,2"}]) is None
        assert _usual_rows([USUAL, {**USUAL, name: ""}]) is None
    assert _usual_rows([{**USUAL, "completion_tokens": "0"}]) is not None
    assert _usual_rows([{**USUAL, "model": 4}]) is None
    assert _usual_rows([{**USUAL, "fen": "0.5"}]) is None
    assert _usual_rows([{**USUAL, "note": None}]) is None
    assert _usual_rows([{k: v for k, v in USUAL.items() if k != "ip"}]) is None
    assert _usual_rows([]) == []


def test_a_page_keeps_its_columns_when_its_overlap_is_dropped() -> None:
    """Pages overlap by a row; the page without it is still a LogPage whose columns are its
    rows' (the CSV is written from them), and a page pickles with them."""
    page = _usual_rows([{**USUAL, "id": str(10 - i), "reqid": f"r{i}"} for i in range(4)])
    assert isinstance(page, LogPage)
    seen = RecentIds(2)
    assert seen.fresh(page) == page
    after = _usual_rows([{**USUAL, "id": str(7 - i), "reqid": f"s{i}"} for i in range(3)])
    assert isinstance(after, LogPage)
    fresh = seen.fresh(after)  # its first row (id 7) repeats the last of the page before
    assert isinstance(fresh, LogPage) and fresh == after[1:]
    assert list(zip(*fresh.columns, strict=True)) == fresh
    assert fresh.texts[0] == ("6", "5") and fresh.texts[8] == ("s1", "s2")
    copied = pickle.loads(pickle.dumps(fresh))
    assert copied == fresh and copied.texts == fresh.texts and copied.columns == fresh.columns


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("id", "99999999999999999999", "id 99999999999999999999 is out of range"),
        ("id", str(2**63), f"id {2**63} is out of range"),
        ("prompt_tokens", "1" + "0" * 30, "prompt_tokens 1" + "0" * 30 + " is out of range"),
        ("completion_tokens", -(2**64), f"completion_tokens {-(2**64)} is out of range"),
        ("ctime", "1000000000000", "time 1000000000000 is out of range"),
        ("ctime", "-99999999999", "time -99999999999 is out of range"),
        ("ctime", "inf", "cannot convert float infinity to integer"),
    ],
)
def test_a_number_the_cache_cannot_hold_is_a_clear_protocol_error(
    field: str, value: Any, said: str
) -> None:
    # a 20-digit id stopped a sync with an OverflowError traceback from SQLite
    page = [dict(USUAL), {**USUAL, "id": "7000000", field: value}]
    with pytest.raises(ProtocolError) as refused:
        parse_rows({"logs": page}, "gw")
    assert said in str(refused.value) and "gw sent a usage-log row" in str(refused.value)


def test_the_largest_stored_numbers_are_read() -> None:
    row = {**USUAL, "id": str(2**63 - 1), "prompt_tokens": str(2**63 - 1), "ctime": "253402300799"}
    early = {**USUAL, "id": str(-(2**63)), "ctime": "-62135596800"}
    read = parse_rows({"logs": [row, early]}, "gw")
    assert (read[0].id, read[0].prompt_tokens) == (2**63 - 1, 2**63 - 1)
    assert read[0].seconds == 253402300799  # 9999-12-31 23:59:59
    assert (read[1].id, read[1].seconds) == (-(2**63), -62135596800)  # 0001-01-01
