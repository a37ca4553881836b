"""solver: a dependency solver engine for pixi-style projects.

Imports are lazy on purpose: ``solver --help`` and small library uses must not pay for numpy,
the loader or the PyPI client. The public API lives in :mod:`solver.api`.
"""

from .lazyattr import lazy_exports

__version__ = "0.1.0"

_API = {
    "load_manifest",
    "build_requests",
    "solve",
    "read_lock",
    "write_lock",
    "check_lock",
}


__getattr__ = lazy_exports(__name__, dict.fromkeys(_API, "api"), globals())
