"""The lock layer: the typed ``pixi.lock`` model, reading (v4 to v7), writing (v6, v7) and checking
whether a lock still satisfies a manifest's requests.

The names below are loaded from their modules on first use: a solve with no lock yet never
needs the reader, a lock check never needs the writer."""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads them
    from .model import DEFAULT_VERSION, LockedEnvironment, LockedPlatform, LockFile, SolveOptions
    from .read import LockFileError, parse_lock, read_lock
    from .write import dumps_lock, write_lock, write_lock_text

_WHERE = {
    "DEFAULT_VERSION": "model",
    "LockFile": "model",
    "LockedEnvironment": "model",
    "LockedPlatform": "model",
    "SolveOptions": "model",
    "LockFileError": "read",
    "parse_lock": "read",
    "read_lock": "read",
    "dumps_lock": "write",
    "write_lock": "write",
    "write_lock_text": "write",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)  # the import lock makes this thread-safe
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
