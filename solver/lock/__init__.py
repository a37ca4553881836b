"""The lock layer: the typed ``pixi.lock`` model, reading (v4 to v7), writing (v6, v7) and checking
whether a lock still satisfies a manifest's requests."""

from .model import DEFAULT_VERSION, LockedEnvironment, LockedPlatform, LockFile, SolveOptions
from .read import LockFileError, parse_lock, read_lock
from .write import dumps_lock, write_lock, write_lock_text

__all__ = [
    "DEFAULT_VERSION",
    "LockFile",
    "LockFileError",
    "LockedEnvironment",
    "LockedPlatform",
    "SolveOptions",
    "dumps_lock",
    "parse_lock",
    "read_lock",
    "write_lock",
    "write_lock_text",
]
