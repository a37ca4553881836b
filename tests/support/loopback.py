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
    static files). ``url`` ends without a slash; ``requests`` holds a :class:`RecordedRequest`
    per GET or HEAD. Runs from construction until :meth:`close` (also a context manager)."""

    def __init__(self, root: Path, handler=None, *, poll_interval: float = 0.02):
        self.root = Path(root)
        self.requests: list[RecordedRequest] = []
        server = self
        base = handler or QuietHandler

        class Handler(base):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(server.root), **kw)

            def do_GET(self):
                server.requests.append(RecordedRequest("GET", self.path, self.headers.get("Range")))
                return super().do_GET()

            def do_HEAD(self):
                server.requests.append(RecordedRequest("HEAD", self.path, self.headers.get("Range")))
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
