"""The lock layer: the typed ``pixi.lock`` model, reading (v4 to v7), writing (v6, v7) and checking
whether a lock still satisfies a manifest's requests.

The names below are loaded from their modules on first use: a solve with no lock yet never
needs the reader, a lock check never needs the writer."""

from importlib import import_module

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
    return getattr(import_module(f"{__name__}.{module}"), name)  # the import lock makes this thread-safe


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
