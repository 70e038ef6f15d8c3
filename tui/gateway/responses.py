"""Reading gateway answers: JSON bodies, error objects, Retry-After, request ids."""

from __future__ import annotations

import json
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import orjson

from ..base.i18n import _
from .errors import GatewayError, ProtocolError, body_error, status_error

REQUEST_ID_HEADERS = (
    "x-oneapi-request-id", "x-request-id", "request-id", "x-new-api-request-id",
)  # fmt: skip
# the price of the answer as the gateway billed it (LiteLLM, on non-streamed answers)
COST_HEADERS = ("x-litellm-response-cost",)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_ONEAPI_SUFFIX = re.compile(r"\s*\(request id: [^)]*\)\s*$")


def parse_duration(text: str) -> float | None:
    """Seconds in a reset value such as `12ms`, `1.5s`, `6m0s` or a bare number of seconds."""
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        return None
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, `retry-after` (seconds or HTTP date) or resets."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                current = time.time() if now is None else now
                return max(0.0, when.timestamp() - current)
    for kind in ("requests", "tokens"):
        if headers.get(f"x-ratelimit-remaining-{kind}", "").strip() == "0":
            reset = parse_duration(headers.get(f"x-ratelimit-reset-{kind}", ""))
            if reset is not None:
                return reset
    return None


def billed_cost_header(headers: Any) -> str | None:
    """The billed cost a response header states, as sent (None when none does)."""
    for name in COST_HEADERS:
        value = headers.get(name)
        if value and value.strip() not in ("None", ""):
            return str(value).strip()
    return None


def request_id(headers: Any) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return str(value).strip()
    return None


def error_fields(payload: Any) -> tuple[str | None, str]:
    """(message, kind) out of any known error shape, or (None, "") when it is not an error."""
    if not isinstance(payload, dict):
        return None, ""
    error = payload.get("error")
    if isinstance(error, dict):
        message = error.get("message") or error.get("msg") or ""
        kind = " ".join(str(error.get(k) or "") for k in ("type", "code")).strip()
        return clean_message(str(message)) or kind or _("unknown error"), kind
    if isinstance(error, str) and error:
        return clean_message(error), ""
    if payload.get("object") == "error":
        message = str(payload.get("message") or payload.get("type") or _("unknown error"))
        return clean_message(message), str(payload.get("type") or "")
    if payload.get("success") is False and payload.get("message"):
        return clean_message(str(payload["message"])), ""
    return None, ""


def clean_message(message: str) -> str:
    """A gateway message on one line: without one-api's `(request id: …)` tail, its lines
    joined, trimmed to ~300 characters (LiteLLM's run over six lines with a docs URL)."""
    message = " ".join(_ONEAPI_SUFFIX.sub("", message).split())
    return message if len(message) <= 300 else message[:299].rstrip() + "…"


def error_in_body(status: int, message: str, kind: str, where: str, headers: Any) -> GatewayError:
    """The error for an error object a gateway sent with a successful HTTP status: classified
    by its words, and said as what it is (no HTTP status it never sent)."""
    return body_error(status, where, message, kind=kind, request_id=request_id(headers))


def looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:200].lstrip().lower()
    return "html" in content_type or head.startswith((b"<!doctype", b"<html", b"<head", b"<body"))


def describe_body(body: bytes, content_type: str) -> str | None:
    """What to tell a user about a non-JSON body, or None if it may be JSON."""
    if not body.strip():
        return _("an empty body")
    if looks_like_html(body, content_type):
        return _("an HTML page instead of JSON (the gateway may be down, or the base URL wrong)")
    return None


def error_for(
    status: int, headers: Any, body: bytes, where: str, request_id_: str | None = None
) -> GatewayError:
    """The GatewayError for an HTTP error response."""
    payload = loads_or_none(body)
    message, kind = error_fields(payload)
    if message is None:
        if isinstance(payload, dict) and "error_des" in payload:
            message = str(payload.get("error_des") or "") or None
        elif payload is None:
            text = body.decode("utf-8", "replace").strip()
            is_html = looks_like_html(body, headers.get("content-type", ""))
            message = None if is_html or not text else clean_message(text)
    return status_error(
        status,
        where,
        message,
        kind=kind,
        retry_after=retry_after(headers),
        request_id=request_id_ or request_id(headers),
    )


def loads_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def loads(body: bytes) -> Any:
    """A JSON body's value. orjson reads it ~4x faster than the standard library (a first sync
    of a million usage-log rows: 2.6 s -> 0.6 s); what orjson refuses but the standard library
    reads (NaN, integers beyond 64 bits, lone surrogates) is read by the standard library, and
    what neither reads raises ValueError."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def parse_json(body: bytes, content_type: str, where: str, status: int = 200) -> Any:
    """The JSON value of a successful body, or a ProtocolError that says what came instead."""
    described = describe_body(body, content_type)
    if described is None:
        try:
            return loads(body)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            described = _("malformed JSON")
    raise ProtocolError(
        _("{where} answered with {what} (HTTP {status}).").format(
            where=where, what=described, status=status
        ),
        status=status,
    )
