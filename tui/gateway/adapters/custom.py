"""A gateway described in the config, not in code: balance (and logs) endpoint + JSON paths."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ...base.i18n import _
from ..errors import ProtocolError
from ..types import Balance, LogRow
from .base import Adapter, Client, dec

METHODS = ("GET", "POST")
BALANCE_FIELDS = ("remaining", "used", "total", "unlimited")
LOG_FIELDS = (
    "id", "time", "model", "prompt_tokens", "completion_tokens", "cost", "balance_after",
    "request_id", "ip",
)  # fmt: skip
LOG_REQUIRED = ("id", "time", "cost")


class AdapterSpecError(ValueError):
    """A bad `[profiles.NAME.adapter]` table: `key` is the dotted key under it."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A request a custom dialect sends: method, path and JSON body."""

    method: str
    path: str  # relative to the base URL; to the origin when `at_origin`; or a whole URL
    at_origin: bool = False
    body: Mapping[str, Any] | None = None  # JSON body; "{start}" / "{limit}" are filled in


@dataclass(frozen=True, slots=True)
class CustomSpec:
    """A parsed `[profiles.NAME.adapter]` table."""

    section: str  # "profiles.NAME.adapter", for messages
    name: str
    unit: str
    currency: str | None
    balance: Endpoint
    balance_fields: Mapping[str, str]
    scale: Decimal = Decimal(1)
    logs: Endpoint | None = None
    rows: str = ""
    log_fields: Mapping[str, str] = field(default_factory=dict)
    log_scale: Decimal = Decimal(1)


def lookup(payload: Any, path: str) -> tuple[bool, Any, str]:
    """(found, value, the part missing) of a dotted JSON path like `data.items.0.left`."""
    value = payload
    walked: list[str] = []
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif (
            isinstance(value, list)
            and part.lstrip("-").isdigit()
            and -len(value) <= int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            return False, None, ".".join([*walked, part])
        walked.append(part)
    return True, value, ""


def parse_custom(table: Mapping[str, Any], section: str) -> CustomSpec:
    """Check and read an adapter table; AdapterSpecError names the key at fault."""
    known = {"name", "unit", "currency", "balance", "logs"}
    _no_unknown(table, known, "")
    balance = _mapping(table.get("balance"), "balance")
    endpoint = _endpoint(balance, "balance")
    fields = {k: _path(balance, k, f"balance.{k}") for k in BALANCE_FIELDS if k in balance}
    if "remaining" not in fields:
        raise AdapterSpecError(
            "balance.remaining",
            _('is missing: the JSON path to the credit left, such as "data.remain"'),
        )
    _no_unknown(balance, {"method", "path", "url", "origin", "body", "scale", *BALANCE_FIELDS},
                "balance.")  # fmt: skip
    spec = CustomSpec(
        section=section,
        name=_text(table, "name", "name") or "custom",
        unit=_text(table, "unit", "unit") or "credits",
        currency=_text(table, "currency", "currency"),
        balance=endpoint,
        balance_fields=fields,
        scale=_scale(balance, "balance.scale"),
    )
    logs = _table(table, "logs", required=False)
    if logs is None:
        return spec
    _no_unknown(logs, {"method", "path", "url", "origin", "body", "scale", "rows", *LOG_FIELDS},
                "logs.")  # fmt: skip
    log_fields = {k: _path(logs, k, f"logs.{k}") for k in LOG_FIELDS if k in logs}
    for key in LOG_REQUIRED:
        if key not in log_fields:
            raise AdapterSpecError(
                f"logs.{key}", _("is missing: the JSON path to it inside each row")
            )
    rows = logs.get("rows", "")
    if not isinstance(rows, str):
        raise AdapterSpecError("logs.rows", _('must be a JSON path such as "data.items"'))
    return CustomSpec(
        **{f: getattr(spec, f) for f in ("section", "name", "unit", "currency", "balance",
                                          "balance_fields", "scale")},
        logs=_endpoint(logs, "logs"),
        rows=rows,
        log_fields=log_fields,
        log_scale=_scale(logs, "logs.scale"),
    )  # fmt: skip


def _no_unknown(table: Mapping[str, Any], known: set[str], prefix: str) -> None:
    for key in table:
        if key not in known:
            raise AdapterSpecError(
                prefix + str(key),
                _("unknown key (known: {known})").format(known=", ".join(sorted(known))),
            )


def _table(table: Mapping[str, Any], key: str, *, required: bool) -> Mapping[str, Any] | None:
    value = table.get(key)
    if value is None and not required:
        return None
    return _mapping(value, key)


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise AdapterSpecError(key, _("must be a table ([{key}] with method, path and fields)")
                               .format(key=key))  # fmt: skip
    return value


def _text(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise AdapterSpecError(where, _("must be a non-empty string"))
    return value.strip() if isinstance(value, str) else None


def _path(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip() or ".." in value:
        raise AdapterSpecError(where, _('must be a JSON path such as "data.remain"'))
    return value.strip().strip(".")


def _scale(table: Mapping[str, Any], where: str) -> Decimal:
    value = table.get("scale", 1)
    number = None if isinstance(value, bool) else dec(value)
    if number is None or number <= 0:
        raise AdapterSpecError(where, _("must be a number above 0 (amounts are multiplied by it)"))
    return number


def _endpoint(table: Mapping[str, Any], section: str) -> Endpoint:
    method = str(table.get("method", "GET")).upper()
    if method not in METHODS:
        raise AdapterSpecError(f"{section}.method", _("must be GET or POST"))
    url, path = table.get("url"), table.get("path")
    target = url if url is not None else path
    if not isinstance(target, str) or not target.strip():
        raise AdapterSpecError(
            f"{section}.path", _('is missing: the endpoint\'s path, such as "/user/balance"')
        )
    target = target.strip()
    if url is not None and not target.startswith(("http://", "https://")):
        raise AdapterSpecError(f"{section}.url", _("must start with http:// or https://"))
    if url is None and not target.startswith("/"):
        raise AdapterSpecError(f"{section}.path", _("must start with /"))
    origin = table.get("origin", False)
    if not isinstance(origin, bool):
        raise AdapterSpecError(f"{section}.origin", _("must be true or false"))
    body = table.get("body")
    if body is not None and not isinstance(body, Mapping):
        raise AdapterSpecError(f"{section}.body", _("must be a table (the JSON body)"))
    return Endpoint(method, target, origin, body)


def _fill(body: Mapping[str, Any] | None, start: int, limit: int) -> dict[str, Any] | None:
    if body is None:
        return None
    slots = {"{start}": start, "{limit}": limit}
    return {k: slots.get(v, v) if isinstance(v, str) else v for k, v in body.items()}


class Custom(Adapter):
    """The adapter a profile describes in TOML."""

    name = "custom"

    def __init__(self, spec: CustomSpec) -> None:
        self.spec = spec
        self.name = spec.name  # type: ignore[misc]
        self.unit = spec.unit  # type: ignore[misc]
        self.has_logs = spec.logs is not None  # type: ignore[misc]

    async def _fetch(self, client: Client, endpoint: Endpoint, start: int = 0,
                     limit: int = 1) -> Any:  # fmt: skip
        body = _fill(endpoint.body, start, limit)
        return await client.fetch_json(
            endpoint.method, endpoint.path, at_origin=endpoint.at_origin, json=body
        )

    def _missing(self, client: Client, what: str, key: str, path: str, part: str) -> ProtocolError:
        return ProtocolError(
            _(
                "{where}'s {what} answer has no field '{path}' ('{part}' is missing): "
                "check {key} in [{section}]."
            ).format(
                where=client.where, what=what, path=path, part=part, key=key,
                section=self.spec.section,
            )
        )  # fmt: skip

    def _number(self, client: Client, payload: Any, key: str, what: str) -> Decimal | None:
        path = self.spec.balance_fields[key] if what == "balance" else self.spec.log_fields[key]
        found, value, part = lookup(payload, path)
        if not found:
            raise self._missing(client, what, f"{what}.{key}", path, part)
        if value is None:
            return None
        number = dec(value)
        if number is None:
            raise ProtocolError(
                _("{where}'s {what} field '{path}' is not a number: {value!r}.").format(
                    where=client.where, what=what, path=path, value=str(value)[:40]
                )
            )
        return number

    async def balance(self, client: Client) -> Balance | None:
        spec = self.spec
        payload = await self._fetch(client, spec.balance)
        amounts = {
            key: self._number(client, payload, key, "balance")
            for key in ("remaining", "used", "total")
            if key in spec.balance_fields
        }
        unlimited = False
        if "unlimited" in spec.balance_fields:
            found, value, _part = lookup(payload, spec.balance_fields["unlimited"])
            unlimited = found and value not in (False, 0, "0", "false", None, "")
        scaled = {k: None if v is None else v * spec.scale for k, v in amounts.items()}
        remaining = scaled.pop("remaining", None)
        if remaining is not None and remaining < 0 and not unlimited and remaining == -spec.scale:
            unlimited = True  # -1 means unlimited in most dashboards
        return Balance(
            spec.name,
            None if unlimited else remaining,
            used=scaled.get("used"),
            total=scaled.get("total"),
            unlimited=unlimited,
            unit=spec.unit,
            currency=spec.currency,
        )

    async def usage_logs(self, client: Client, start: int, limit: int) -> list[LogRow]:
        spec = self.spec
        if spec.logs is None:
            raise ProtocolError(
                _("{where} has no usage-log endpoint in [{section}].").format(
                    where=client.where, section=spec.section
                )
            )
        payload = await self._fetch(client, spec.logs, start, limit)
        rows: Any = payload
        if spec.rows:
            found, rows, part = lookup(payload, spec.rows)
            if not found:
                raise self._missing(client, "logs", "logs.rows", spec.rows, part)
        if not isinstance(rows, list):
            raise ProtocolError(
                _("{where}'s logs field '{path}' is not a list of rows.").format(
                    where=client.where, path=spec.rows or "."
                )
            )
        return [self._row(client, row) for row in rows]

    def _row(self, client: Client, row: Any) -> LogRow:
        spec = self.spec

        def text(key: str) -> str:
            if key not in spec.log_fields:
                return ""
            found, value, _part = lookup(row, spec.log_fields[key])
            return "" if not found or value is None else str(value)

        def amount(key: str) -> Decimal:
            if key not in spec.log_fields:
                return Decimal(0)
            return (self._number(client, row, key, "logs") or Decimal(0)) * spec.log_scale

        def count(key: str) -> int:
            value = self._number(client, row, key, "logs") if key in spec.log_fields else None
            return int(value or 0)

        ident = self._number(client, row, "id", "logs")
        return LogRow.of(
            id=int(ident or 0),
            user_id="",
            ctime=_when(client, text("time")),
            prompt_tokens=count("prompt_tokens"),
            completion_tokens=count("completion_tokens"),
            fen=amount("cost"),
            model=text("model"),
            yufen=amount("balance_after"),
            reqid=text("request_id"),
            ip=text("ip"),
            note="",
        )


def _when(client: Client, value: str) -> datetime:
    """A row time from unix seconds (or milliseconds) or an ISO 8601 text."""
    number = dec(value)
    try:
        if number is not None:
            seconds = float(number) / (1000 if number > 10**11 else 1)
            return datetime.fromtimestamp(seconds, UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ProtocolError(
            _("{where} sent a row time that cannot be read: {value!r}.").format(
                where=client.where, value=value[:40]
            )
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
