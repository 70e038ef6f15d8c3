"""Keys never show themselves; Retry-After and reset values are read in every documented form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tui.gateway.errors import (
    AuthError,
    BadRequest,
    NotFound,
    OutOfCredits,
    RateLimited,
    ServerError,
)
from tui.gateway.responses import error_for, parse_duration, retry_after
from tui.gateway.secret import Secret, redact

KEY = "sk-live-abcdefghijklmnopqrstuvwxyz123456"


def test_secret_repr_and_str_hide_the_key() -> None:
    secret = Secret(KEY)
    for text in (repr(secret), str(secret), f"{secret}", secret.masked()):
        assert KEY not in text
        assert text.endswith("3456") or text.endswith("3456')")
    assert secret.reveal() == KEY


def test_redact_replaces_every_occurrence() -> None:
    text = f"Invalid key {KEY} (key {KEY})"
    cleaned = redact(text, [Secret(KEY)])
    assert KEY not in cleaned
    assert cleaned.count("…3456") == 2


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "150"}, 0.15),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "12ms"}, 0.012),
        ({"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s"}, 360.0),
        ({"x-ratelimit-remaining-requests": "5", "x-ratelimit-reset-requests": "1s"}, None),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert (
        retry_after(headers) == pytest.approx(expected)
        if expected
        else retry_after(headers) is None
    )


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert retry_after({"retry-after": later}, now=now.timestamp()) == pytest.approx(42)
    past = format_datetime(now - timedelta(seconds=5), usegmt=True)
    assert retry_after({"retry-after": past}, now=now.timestamp()) == 0


@pytest.mark.parametrize(
    ("text", "seconds"), [("1m30s", 90), ("0.5s", 0.5), ("2h", 7200), ("", None), ("x", None)]
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, b'{"error":{"message":"bad field","type":"invalid_request_error"}}', BadRequest),
        (401, b'{"error":{"message":"Invalid key","code":"invalid_api_key"}}', AuthError),
        (403, b'{"error":{"message":"forbidden"}}', AuthError),
        (403, b'{"error":{"message":"quota","type":"insufficient_user_quota"}}', OutOfCredits),
        (402, b'{"error":{"message":"Insufficient credits"}}', OutOfCredits),
        (404, b"not found", NotFound),
        (429, b'{"error":{"message":"slow down","type":"rate_limit_exceeded"}}', RateLimited),
        (
            429,
            b'{"error":{"message":"You exceeded your quota","type":"insufficient_quota"}}',
            OutOfCredits,
        ),
        (500, b'{"error":{"message":"boom"}}', ServerError),
        (502, b"<html><body>502 Bad Gateway</body></html>", ServerError),
    ],
)
def test_error_mapping(status: int, body: bytes, kind: type) -> None:
    error = error_for(status, {"content-type": "application/json"}, body, "gw.example")
    assert type(error) is kind
    assert "gw.example" in str(error)
    assert "<html" not in error.detail


def test_oneapi_request_id_suffix_is_trimmed_and_message_kept() -> None:
    body = b'{"error":{"message":"model not allowed (request id: 2024abc)","type":"new_api_error"}}'
    error = error_for(400, {}, body, "gw")
    assert error.gateway_message == "model not allowed"
    assert "model not allowed" in error.detail


def test_rate_limited_carries_retry_after() -> None:
    error = error_for(429, {"retry-after": "7"}, b"{}", "gw")
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7
    assert "7" in str(error)
