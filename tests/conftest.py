"""Fixtures every test folder shares: the real data in ../shared (skipped when absent) and a
loopback HTTP server serving a folder (no network beyond 127.0.0.1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SOLVER_SHARED_DATA", REPO.parent / "shared" / "data"))
# tests/support (test-only oracles and fixtures) imports as ``support`` from any working folder
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.oracles import (  # noqa: E402,F401  (hooks: the oracle tests' line in the summary)
    pytest_configure,
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)
from support.loopback import LoopbackServer  # noqa: E402


@pytest.fixture(scope="session")
def shared_conda() -> Path:
    """``../shared/data/conda``: real channels. Tests using it skip cleanly when it is absent."""
    path = SHARED / "conda"
    if not (path / "conda-forge" / "noarch" / "repodata.json").is_file():
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture
def serve_dir():
    """``with serve_dir(path) as server: server.url`` (stopped at test end if not closed)."""
    servers: list[LoopbackServer] = []

    def start(root, handler_class=None) -> LoopbackServer:
        srv = LoopbackServer(root, handler_class)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.close()


@pytest.fixture(autouse=True)
def _no_machine_pixi_config(monkeypatch):
    """No test reads the machine's pixi configuration files (system, user, PIXI_HOME): only a
    project's own ``.pixi/config.toml``. Tests of the configuration layer undo this."""
    monkeypatch.setenv("PIXI_NO_CONFIG", "1")
    monkeypatch.delenv("PIXI_CONFIG_FILE", raising=False)
