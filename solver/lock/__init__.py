"""The lock layer: the typed ``pixi.lock`` model, reading (v4 to v7), writing (v6, v7) and checking
whether a lock still satisfies a manifest's requests.

The names below are loaded from their modules on first use: a solve with no lock yet never
needs the reader, a lock check never needs the writer."""

from typing import TYPE_CHECKING

from ..lazyattr import lazy_exports

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


__getattr__ = lazy_exports(__name__, _WHERE, globals())
