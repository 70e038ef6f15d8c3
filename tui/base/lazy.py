"""Package names loaded on first use (PEP 562), so that importing one light module of a
package (say `tui.gateway.errors` or the store's readings) does not import all of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any


def lazy_names(
    package: str, names: Sequence[str], modules: Sequence[str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's `__getattr__` and `__dir__`: a name of `names` is looked up in `modules`
    (in this order, the light ones first) when first asked for, then kept in `namespace`."""

    def __getattr__(name: str) -> Any:
        if name in names:
            for module in modules:
                found = import_module(f".{module}", package)
                if hasattr(found, name):
                    value = namespace[name] = getattr(found, name)  # later look-ups skip this
                    return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
