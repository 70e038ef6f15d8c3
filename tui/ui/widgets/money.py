"""Credits as people read them: amounts in the gateway's own unit, unlimited said so."""

from __future__ import annotations

from ...base.i18n import _
from ...gateway import Balance
from ...spend.money import also_text, in_unit, unit_label


def unit_name(balance: Balance, unit: str | None = None) -> str:
    return unit_label(unit or balance.unit)


def balance_text(balance: Balance, unit: str | None = None) -> str:
    if balance.unlimited:
        return _("balance unlimited")
    if balance.remaining is None:
        return _("balance unknown")
    return _("balance {amount} {unit}").format(
        amount=in_unit(balance.remaining, balance.unit),
        unit=unit_name(balance, unit),
    ) + also_text(balance)
