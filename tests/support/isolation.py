"""A test's process kept apart from the machine's own configuration: its own cache folder, and no
index, find-links, channel alias or snapshot folder taken from the environment or pip's files
(CI machines and developers' shells set some of these)."""

from __future__ import annotations

import os

USER_SETTINGS = (
    "PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS", "SOLVER_SNAPSHOT_DIR",
)


def isolate(tmp_path, monkeypatch) -> None:
    """Point the solver's cache at ``tmp_path / "cache"`` and drop the user's index settings."""
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    for var in USER_SETTINGS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
