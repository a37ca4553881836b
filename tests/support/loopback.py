"""One loopback HTTP server for every test and benchmark: serves a folder on 127.0.0.1 at a free
port (no network beyond loopback) with a given handler class, and records each request so tests
can assert what was (not) fetched."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import NamedTuple


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class RecordedRequest(NamedTuple):
    method: str
    path: str
    range: str | None  # the Range header, if any


class LoopbackServer:
    """Serves ``root`` with ``handler`` (a ``SimpleHTTPRequestHandler`` subclass; default: quiet
    static files). ``url`` ends without a slash; ``requests`` holds one entry per GET or HEAD:
    ``(method, path)``, or with ``record_ranges`` a :class:`RecordedRequest` (method, path, Range
    header). Runs from construction until :meth:`close` (also a context manager)."""

    def __init__(self, root: Path, handler=None, *, record_ranges: bool = False, poll_interval: float = 0.02):
        self.root = Path(root)
        self.requests: list = []
        server = self
        base = handler or QuietHandler

        def record(method: str, handler) -> None:
            if record_ranges:
                server.requests.append(RecordedRequest(method, handler.path, handler.headers.get("Range")))
            else:
                server.requests.append((method, handler.path))

        class Handler(base):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(server.root), **kw)

            def do_GET(self):
                record("GET", self)
                return super().do_GET()

            def do_HEAD(self):
                record("HEAD", self)
                return super().do_HEAD()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": poll_interval}, daemon=True)
        self.thread.start()
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.httpd.shutdown()
            self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
