"""Fixtures every test folder shares: the real data in ../shared (skipped when absent) and a
loopback HTTP server serving a folder (no network beyond 127.0.0.1)."""

from __future__ import annotations

import http.server
import os
import sys
import threading
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


@pytest.fixture(scope="session")
def shared_conda() -> Path:
    """``../shared/data/conda``: real channels. Tests using it skip cleanly when it is absent."""
    path = SHARED / "conda"
    if not (path / "conda-forge" / "noarch" / "repodata.json").is_file():
        pytest.skip(f"shared data not found at {path}")
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class LoopbackServer:
    """Serves ``root`` on 127.0.0.1 at a free port; ``url`` ends without a slash. ``requests``
    records each request path, so tests can assert what was (not) fetched."""

    def __init__(self, root: Path, handler_class=None):
        self.root = Path(root)
        self.requests: list[tuple[str, str]] = []
        server_self = self
        base = handler_class or _QuietHandler

        class Handler(base):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(server_self.root), **kw)

            def send_head(self):
                server_self.requests.append((self.command, self.path))
                return super().send_head()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve_dir():
    """``with serve_dir(path) as server: server.url`` (stopped at test end if not closed)."""
    servers: list[LoopbackServer] = []

    def start(root, handler_class=None) -> LoopbackServer:
        srv = LoopbackServer(root, handler_class)
        srv.__enter__()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.__exit__(None, None, None)
