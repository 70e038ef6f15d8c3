"""One small exception hierarchy, each with a sentence a user can act on, and CLI exit codes."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from ..base.i18n import _


class ExitCode(IntEnum):
    """Documented exit codes of the `tokendeck` CLI."""

    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    AUTH = 4
    OUT_OF_CREDITS = 5
    RATE_LIMITED = 6
    NETWORK = 7
    SERVER = 8
    PROTOCOL = 9
    BAD_REQUEST = 10
    LOW_BALANCE = 11
    STORE = 12
    NO_BALANCE = 13
    INTERRUPTED = 130


class GatewayError(Exception):
    """A failure talking to a gateway; `str(err)` is a complete sentence for the user."""

    exit_code = ExitCode.ERROR
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        gateway_message: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.gateway_message = gateway_message
        self.request_id = request_id

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"

    @property
    def detail(self) -> str:
        """The message plus what the gateway itself said, as it said it."""
        if self.gateway_message and self.gateway_message not in self.message:
            return _("{message} Gateway said: {said}").format(
                message=self.message, said=self.gateway_message
            )
        return self.message


class BadRequest(GatewayError):
    exit_code = ExitCode.BAD_REQUEST


class NotFound(BadRequest):
    pass


class AuthError(GatewayError):
    exit_code = ExitCode.AUTH


class UnusableKey(AuthError):
    """The key cannot be sent at all (a line break or control character inside it): a config
    problem, never retried; the message names the profile, never the key."""

    exit_code = ExitCode.CONFIG


class OutOfCredits(GatewayError):
    exit_code = ExitCode.OUT_OF_CREDITS


class RateLimited(GatewayError):
    exit_code = ExitCode.RATE_LIMITED
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(GatewayError):
    exit_code = ExitCode.SERVER
    retryable = True


class NetworkError(GatewayError):
    exit_code = ExitCode.NETWORK
    retryable = True


class GatewayTimeout(NetworkError):
    pass


class Unreachable(NetworkError):
    """No connection could be made at all (refused, no route, name unknown): no other path
    on the same host will do better."""


class NoBalanceEndpoint(GatewayError):
    """The gateway offers no balance endpoint (said by `balance = "none"`, or found so by the
    probe, which is remembered): not a failure of the gateway, so it is not asked again."""

    exit_code = ExitCode.NO_BALANCE


class NoUsageLog(GatewayError):
    """The profile has no usage log to read: a configuration matter, not the gateway's fault."""

    exit_code = ExitCode.CONFIG


class NoKeyCreation(GatewayError):
    """The profile names no key-creation endpoint (only openai-hk has one): a configuration
    matter, like NoUsageLog — nothing was asked of the gateway."""

    exit_code = ExitCode.CONFIG


class ProtocolError(GatewayError):
    """The gateway answered something that is not the protocol (bad JSON, HTML, wrong shape)."""

    exit_code = ExitCode.PROTOCOL


# what a gateway says when it cannot check a key it does not know (LiteLLM without a database
# answers a wrong key with HTTP 400 "No connected db.")
KEY_NOT_CHECKED = ("no connected db",)
KEY_WORDS = (
    "invalid_api_key", "invalid api key", "api key", "apikey", "unauthorized", "invalid token",
    "无效的令牌", "令牌无效", "未提供令牌", *KEY_NOT_CHECKED,
)  # fmt: skip


def status_error(
    status: int,
    where: str,
    gateway_message: str | None,
    *,
    kind: str = "",
    retry_after: float | None = None,
    request_id: str | None = None,
) -> GatewayError:
    """The error for an HTTP failure `status` from `where` (a host name), classified by `kind`."""
    kw: dict[str, Any] = {
        "status": status,
        "gateway_message": gateway_message,
        "request_id": request_id,
    }
    said = gateway_message or ""
    lowered = f"{kind} {said}".lower()
    if status == 400 and any(words in lowered for words in KEY_NOT_CHECKED):
        status = 401  # the gateway could not check the key it was given: a key problem
        kw["status"] = 400
    if "insufficient_quota" in lowered or "insufficient_user_quota" in lowered or status == 402:
        return OutOfCredits(
            _(
                "Out of credits on {where} (HTTP {status}) — top up at your gateway, then retry."
            ).format(where=where, status=status),
            **kw,
        )
    if status in (401, 403):
        return AuthError(
            _(
                "{where} rejected the API key (HTTP {status}) — check the key in your profile."
            ).format(where=where, status=status),
            **kw,
        )
    if status == 404:
        return NotFound(
            _("{where} has no such endpoint (HTTP 404) — check the base URL.").format(where=where),
            **kw,
        )
    if status == 429:
        if retry_after is not None:
            text = _("Rate limited by {where} (HTTP 429) — retry in {seconds} s.").format(
                where=where, seconds=_seconds(retry_after)
            )
        else:
            text = _("Rate limited by {where} (HTTP 429) — wait a moment, then retry.").format(
                where=where
            )
        return RateLimited(text, retry_after=retry_after, **kw)
    if 400 <= status < 500:
        return BadRequest(
            _("{where} refused the request (HTTP {status}): {said}").format(
                where=where, status=status, said=said or _("no reason given")
            ),
            **kw,
        )
    if status >= 500:
        return ServerError(
            _("{where} had a server error (HTTP {status}) — retry later.").format(
                where=where, status=status
            ),
            **kw,
        )
    return ProtocolError(
        _("{where} answered with unexpected HTTP {status}.").format(where=where, status=status),
        **kw,
    )


def body_error(
    status: int,
    where: str,
    gateway_message: str,
    *,
    kind: str = "",
    request_id: str | None = None,
) -> GatewayError:
    """The error for an error object sent with a successful HTTP status (one-api's billing
    pair, new-api's `success: false`): classified by its words; the sentence names no HTTP
    status, since the gateway sent none but `status`."""
    kw: dict[str, Any] = {
        "status": status,
        "gateway_message": gateway_message,
        "request_id": request_id,
    }
    lowered = f"{kind} {gateway_message}".lower()
    if any(word in lowered for word in ("insufficient_quota", "insufficient_user_quota",
                                        "quota", "余额", "额度不足")):  # fmt: skip
        return OutOfCredits(
            _("Out of credits on {where} — top up at your gateway, then retry.").format(
                where=where
            ),
            **kw,
        )
    if any(word in lowered for word in KEY_WORDS):
        return AuthError(
            _("{where} rejected the API key — check the key in your profile.").format(where=where),
            **kw,
        )
    if "invalid_request" in lowered:
        return BadRequest(
            _("{where} refused the request: {said}").format(where=where, said=gateway_message),
            **kw,
        )
    return ServerError(
        _("{where} answered with an error: {said}").format(where=where, said=gateway_message),
        **kw,
    )


def retry_sentence(error: GatewayError, delay: float) -> str:
    """What to tell the user before an automatic retry `delay` seconds from now."""
    seconds = f"{delay:.0f}" if delay >= 1 else f"{delay:.1f}"
    if isinstance(error, RateLimited):
        return _("Rate limited, retrying in {seconds} s.").format(seconds=seconds)
    return _("{error} Retrying in {seconds} s.").format(error=error, seconds=seconds)


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")
