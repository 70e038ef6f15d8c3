"""Error bodies the demo gateway sends: OpenAI-style errors and the openai-hk envelope."""

from __future__ import annotations

from typing import Any

UNAUTHORIZED_MESSAGE = "Invalid, expired, or malformed API key (must start with sk-live-)"

# Default body for a "status" fault: (message, type, code).
STATUS_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("Bad request: missing required fields or invalid format",
          "invalid_request_error", "bad_request"),
    401: (UNAUTHORIZED_MESSAGE, "invalid_request_error", "invalid_api_key"),
    402: ("Insufficient credits — please top up and try again",
          "insufficient_quota", "insufficient_credits"),
    403: ("user quota is not enough", "one_api_error", "insufficient_user_quota"),
    429: ("Too many requests — rate limit triggered, please retry later",
          "rate_limit_error", "rate_limit_exceeded"),
    500: ("Internal server error — please retry later or contact support",
          "server_error", "internal_error"),
    502: ("Bad gateway: the upstream provider returned an invalid response",
          "upstream_error", "bad_gateway"),
    503: ("Service temporarily unavailable, please retry later",
          "server_error", "service_unavailable"),
}

HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n"
    "<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
)


def openai_error(
    message: str, type_: str, code: str | int | None = None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def status_error(status: int) -> dict[str, Any]:
    """The default OpenAI error body for an HTTP status."""
    message, type_, code = STATUS_ERRORS.get(
        status, (f"HTTP {status} from the demo gateway", "server_error", str(status))
    )
    return openai_error(message, type_, code)


def unauthorized() -> dict[str, Any]:
    return status_error(401)


def out_of_credits() -> dict[str, Any]:
    return status_error(402)


def not_found() -> dict[str, Any]:
    return {"error": {"message": "not found", "type": "invalid_request_error"}}


def envelope(data: Any = None, error: int = 0, error_des: str = "") -> dict[str, Any]:
    """openai-hk's wrapper: a non-zero `error` is a failure even with HTTP 200."""
    return {"data": data, "error": error, "error_des": error_des}


JSON_200_ERROR = {
    "error": {
        "message": "upstream model overloaded", "type": "server_error", "code": "model_overloaded",
    }
}
EVENT_ERROR = {"error": {"message": "stream interrupted by upstream", "type": "server_error"}}
OBJECT_ERROR = {
    "object": "error", "message": "model crashed", "type": "InternalServerError", "code": 500,
}
CHUNK_ERROR = {"message": "upstream provider error", "code": 502}
ENVELOPE_BUSY = envelope(None, 500, "系统繁忙")
