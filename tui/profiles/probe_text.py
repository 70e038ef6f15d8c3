"""A probe's report as text: aligned `name  value` lines, for `tokendeck probe` and the profile
form's Probe button (the gateway layer finds the facts; this says them)."""

from __future__ import annotations

from ..base.i18n import _
from ..base.textfmt import cell_len, number
from ..gateway.probe import ProbeReport
from ..spend.money import unit_label


def describe(report: ProbeReport) -> str:
    """The report as aligned `name  value` lines (also shown by the profile form's Probe)."""
    yes, no = _("yes"), _("no")
    balance = report.balance
    if balance is None:
        amount = _("none found")
    elif balance.unlimited:
        amount = _("unlimited")
    elif balance.remaining is None:
        amount = _("unknown")
    else:
        amount = _("{amount} {unit}").format(
            amount=number(balance.remaining), unit=unit_label(balance.unit)
        )
    models = _("not offered") if report.models is None else number(report.models)
    rows = [
        (_("gateway"), report.base_url),
        (_("models"), models),
        (_("family"), report.family or _family_unknown(report)),
        (_("balance"), amount),
        (_("unit"), unit_label(report.unit) if report.unit else "—"),
        (
            _("usage logs"),
            _("{yes} ({url})").format(yes=yes, url=report.logs_url) if report.logs_url
            else _("{yes} ({family})").format(yes=yes, family=report.logs_family)
            if report.logs_family else no,
        ),
        (
            _("key creation"),
            _("{yes} ({url}; not tried)").format(yes=yes, url=report.create_url)
            if report.create_url
            else no,
        ),
    ]
    tried = ", ".join(f"{a.what} {'✓' if a.ok else '✗'}" for a in report.tried)
    rows.append((_("tried"), tried))
    width = max(cell_len(name) for name, _v in rows)
    return "\n".join(f"{name}{' ' * (width - cell_len(name))}  {value}" for name, value in rows)


def _family_unknown(report: ProbeReport) -> str:
    """Why no family was found: the probe failed (a rejected key, say) or none answered."""
    if report.error is not None:
        return _("not known: the probe failed")
    if report.software == "litellm":
        return _("a LiteLLM proxy without its database (no balance, no spend logs)")
    return _("unknown (chat and models only)")
