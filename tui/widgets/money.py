"""Credits as people read them: amounts in the gateway's own unit, unlimited said so."""

from __future__ import annotations

from ..gateway import Balance
from ..i18n import _
from ..money import unit_label, unit_places
from ..textfmt import number


def unit_name(balance: Balance, unit: str | None = None) -> str:
    return unit_label(unit or balance.unit)


def balance_text(balance: Balance, unit: str | None = None) -> str:
    if balance.unlimited:
        return _("balance unlimited")
    if balance.remaining is None:
        return _("balance unknown")
    return _("balance {amount} {unit}").format(
        amount=number(balance.remaining, unit_places(balance.unit)),
        unit=unit_name(balance, unit),
    )
