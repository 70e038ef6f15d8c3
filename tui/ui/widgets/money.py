"""Credits as people read them: amounts in the gateway's own unit, unlimited said so."""

from __future__ import annotations

from ...base.i18n import _
from ...base.textfmt import number
from ...gateway import Balance
from ...spend.money import unit_label, unit_places


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
    ) + also_text(balance)


def also_text(balance: Balance) -> str:
    """" + 2.00 USD": the account's balance in its other currencies (DeepSeek)."""
    return "".join(
        f" + {number(amount, unit_places(unit))} {unit}" for amount, unit in balance.also
    )
