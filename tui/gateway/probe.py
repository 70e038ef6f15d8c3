"""Which family a base URL + key speaks, found from its read-only endpoints (never a chat)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx2

from ..base.i18n import _
from . import adapters, families
from .adapters import Adapter
from .client import Gateway, single_tries
from .errors import AuthError, ExitCode, GatewayError, GatewayTimeout, NetworkError
from .families import NONE
from .types import Balance

HK_LOG_PATH = "/openai/sk/log"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One endpoint tried: what, whether it answered in the expected shape, and how."""

    what: str
    ok: bool
    detail: str = ""


@dataclass(slots=True)
class ProbeReport:
    """What probing a gateway found: models, balance dialect, usage log."""

    base_url: str
    models: int | None = None  # models listed by GET /models
    family: str | None = None  # the adapter whose balance answered
    balance: Balance | None = None
    unit: str | None = None
    logs_url: str | None = None  # where usage logs answered (None: no logs)
    logs_family: str | None = None  # the usage-log family that answered (newapi, litellm ...)
    software: str | None = None  # what answered, when no balance told (a LiteLLM proxy)
    unsure: bool = False  # a balance endpoint failed for now (timeout, 502-504): not "none"
    create_url: str | None = None  # key creation offered there (never tried: it makes a key)
    tried: list[Attempt] = field(default_factory=list)
    error: GatewayError | None = None  # what stopped the probe (bad key, unreachable)

    def settings(self) -> dict[str, str]:
        """What a profile should say to get what the probe found: its balance family ("none"
        when the gateway has no balance endpoint), its usage log and the unit of its money.
        Empty when the probe was stopped (a rejected key, an unreachable host)."""
        if self.error is not None or (self.models is None and self.family is None):
            return {}
        found = {"balance": self.family} if self.family else {}
        if self.family is None and not self.unsure:
            found["balance"] = NONE
        if self.logs_family == "openai-hk" and self.logs_url:
            found["logs_url"] = self.logs_url
        elif self.logs_family:
            found["logs"] = self.logs_family
        if self.unit and self.unit != "credits":
            found["unit"] = self.unit
        elif self.software == "litellm":
            found["unit"] = "USD"  # what LiteLLM states costs in
        if self.software == "litellm" and self.family != "litellm":
            found["software"] = "litellm"  # its /model/info prices, with no balance family
        return found

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return int(self.error.exit_code)
        if self.models is None and self.family is None:
            return int(ExitCode.PROTOCOL)
        return int(ExitCode.OK)


async def probe(gw: Gateway) -> ProbeReport:
    """Try GET /models, each family's balance endpoint and the usage log (one row), in that
    order; stop at a rejected key or an unreachable host. Sends no chat and creates no key."""
    report = ProbeReport(gw.spec.base_url)
    try:
        report.models = len(await gw.models())
        report.tried.append(Attempt("GET /models", True, str(report.models)))
    except (AuthError, NetworkError) as exc:
        report.tried.append(Attempt("GET /models", False, exc.message))
        report.error = exc
        return report
    except GatewayError as exc:
        report.tried.append(Attempt("GET /models", False, exc.message))
    return await explore(gw, report)


async def explore(gw: Gateway, report: ProbeReport) -> ProbeReport:
    """What `gw` offers besides chat and models: its balance family, what software answers
    (when no balance does) and its usage log; a rejected key or unreachable host stops it.
    What it finds is remembered: a gateway with no balance endpoint is not asked for a day."""
    try:
        with single_tries():  # an endpoint a gateway does not have is not retried
            await _balance(gw, report)
            if report.family is None:
                report.software = await _software(gw, report)
            await _logs(gw, report)
    except (AuthError, NetworkError) as exc:
        report.error = exc
    if report.error is None and gw.custom is None and not report.unsure:
        families.remember_no_balance(gw.spec.name, gw.spec.base_url, report.family is None)
    return report


def _order(gw: Gateway) -> list[Adapter]:
    if gw.custom is not None:
        return [gw.custom]
    host = httpx2.URL(gw.spec.base_url).host
    return [a for a in adapters.candidates(host, has_logs=False) if not a.has_logs]


async def _balance(gw: Gateway, report: ProbeReport) -> None:
    for adapter in _order(gw):
        what = _("balance ({family})").format(family=adapter.name)
        try:
            found = await gw._balance_with(adapter)
        except AuthError:
            raise
        except GatewayError as exc:
            report.tried.append(Attempt(what, False, exc.message))
            report.unsure |= isinstance(exc, GatewayTimeout) or exc.status in (502, 503, 504)
            continue
        if found is None:
            report.tried.append(Attempt(what, False, _("another shape")))
            continue
        report.tried.append(Attempt(what, True))
        report.family, report.balance, report.unit = adapter.name, found, found.unit
        gw.detected = adapter
        return


async def _software(gw: Gateway, report: ProbeReport) -> str | None:
    """A LiteLLM proxy without its database answers no balance, but says it is alive."""
    what = _("LiteLLM health")
    try:
        said = await gw.fetch_json("GET", "/health/liveliness", at_root=True)
    except GatewayError as exc:
        report.tried.append(Attempt(what, False, exc.message))
        return None
    found = isinstance(said, str) and "alive" in said.lower()
    report.tried.append(Attempt(what, found))
    return "litellm" if found else None


def _log_families(family: str | None, software: str | None = None) -> list[str]:
    """The usage-log families worth trying after `family`'s balance answered: LiteLLM's spend
    logs for LiteLLM, new-api's key log for the new-api and one-api family (and a gateway of
    no known family); none for the hosted providers."""
    if family == "litellm" or software == "litellm":
        return ["litellm"]
    if family in ("openrouter", "deepseek", "moonshot", "siliconflow"):
        return []
    return ["newapi"]


async def _logs(gw: Gateway, report: ProbeReport) -> None:
    if gw.custom is not None:
        logs = gw.custom.spec.logs
        if logs is not None:
            await _try_logs(gw, report, logs.path, custom=True)
        return
    for name in _log_families(report.family, report.software):
        reader = adapters.LOG_READERS[name]()
        what = _("usage log ({family}, 1 row)").format(family=name)
        try:
            await reader.rows(gw, 0, 1)
        except NetworkError:
            raise
        except GatewayError as exc:  # a key refused here is a log not offered to keys
            report.tried.append(Attempt(what, False, exc.message))
            continue
        report.tried.append(Attempt(what, True))
        report.logs_family, gw.log_reader = name, reader
        return
    configured = gw.logs_url
    gw.logs_url = configured or gw.origin + HK_LOG_PATH
    if not await _try_logs(gw, report, gw.logs_url):
        gw.logs_url = configured
        return
    hk = adapters.get("openai-hk")
    if report.family is None:  # no balance endpoint: the newest row's credits left is one
        rows = await gw.usage_logs(0, 1)
        report.family, report.unit = hk.name, hk.unit
        report.balance = Balance(hk.name, rows[0].yufen if rows else None)
    derived = gw.logs_url.rsplit("/", 1)[0] + "/create" if report.family == hk.name else None
    report.create_url = gw.create_url or derived


async def _try_logs(gw: Gateway, report: ProbeReport, where: str, custom: bool = False) -> bool:
    what = _("usage log (1 row)")
    try:
        await gw.usage_logs(0, 1)
    except AuthError as exc:
        if custom:
            raise
        report.tried.append(Attempt(what, False, exc.message))  # openai-hk says so for no log
        return False
    except GatewayError as exc:
        report.tried.append(Attempt(what, False, exc.message))
        return False
    report.tried.append(Attempt(what, True))
    report.logs_url = where
    if not custom:
        report.logs_family = "openai-hk"
    return True
