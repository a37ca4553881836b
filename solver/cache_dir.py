"""Where the caches live: the one function that decides it, importable without the stages (the
``solver cache`` command and the stages both ask it)."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``SOLVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/solver``, else ``~/.cache/solver``."""
    env = os.environ.get("SOLVER_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "solver"
