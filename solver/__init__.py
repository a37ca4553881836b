"""solver: a dependency solver engine for pixi-style projects.

Imports are lazy on purpose: ``solver --help`` and small library uses must not pay for numpy,
the loader or the PyPI client. The public API lives in :mod:`solver.api`.
"""

__version__ = "0.1.0"

_API = {
    "load_manifest",
    "build_requests",
    "solve",
    "read_lock",
    "write_lock",
    "check_lock",
}


def __getattr__(name):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")
