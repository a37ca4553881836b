"""Package attributes loaded from their submodules on first use (PEP 562).

A package lists its public names and where each lives; nothing is imported until a name is asked
for, so ``solver --help`` and a solve with no lock yet never load what they do not use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The ``__getattr__`` for ``package``: ``where`` maps a name to the submodule defining it.

    A loaded name is stored in ``namespace`` (the package's globals), so the next lookup is a plain
    attribute. ``__import__`` rather than importlib keeps this module free of imports; the import
    lock makes a first use from several threads safe."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(__import__(f"{package}.{module}", fromlist=[name]), name)
        namespace[name] = value
        return value

    return __getattr__
