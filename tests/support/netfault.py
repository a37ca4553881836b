"""Loopback servers that misbehave on purpose, for the network fault tests.

* :class:`FaultServer`: an HTTP/1.1 server on 127.0.0.1 whose routes write raw bytes to the
  socket, so a test can send what a well-behaved server library never would: a body cut short
  inside its Content-Length, a close-delimited body, an encoding nobody asked for, a byte every
  half second, a redirect to port 99999. Optionally TLS (``tls=(certfile, keyfile)``).
* :class:`LoopbackProxy`: an HTTP proxy (absolute-form requests and ``CONNECT`` tunnels) that
  records what went through it, optionally requiring ``Proxy-Authorization``.
* :func:`make_tls_material`: a throwaway CA and a server certificate for 127.0.0.1 (openssl).

No network beyond loopback.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names

    @property
    def path(self) -> str:
        return self.target


def response(status: int, body: bytes = b"", headers: dict[str, str] | None = None, *, length: bool = True,
             reason: str = "X") -> bytes:
    """Raw HTTP/1.1 response bytes (``Connection: close``); ``length=False`` leaves out
    Content-Length (a close-delimited body)."""
    head = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    for k, v in (headers or {}).items():
        head.append(f"{k}: {v}")
    if length:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def etagged(body: bytes, etag: str = '"v1"', headers: dict[str, str] | None = None):
    """A route answering 304 to a matching If-None-Match, else 200 with ``body``."""

    def route(req: Request, sock: socket.socket) -> None:
        if req.headers.get("if-none-match") == etag:
            sock.sendall(response(304, b"", {"ETag": etag}, length=False))
        else:
            sock.sendall(response(200, body, {"ETag": etag, **(headers or {})}))

    return route


def static(status: int, body: bytes = b"", headers: dict[str, str] | None = None, **kw):
    return lambda req, sock: sock.sendall(response(status, body, headers, **kw))


def gzip_cut_short(body: bytes, keep: float = 0.5):
    """gzip whose stream is cut, sent with an exact Content-Length for what is sent."""
    data = gzip.compress(body)
    cut = data[: int(len(data) * keep)]
    return static(200, cut, {"Content-Encoding": "gzip", "ETag": '"cut"'})


def close_delimited(body: bytes, headers: dict[str, str] | None = None):
    """A body with no Content-Length: the end of the body is the end of the connection."""
    return static(200, body, {"ETag": '"cd"', **(headers or {})}, length=False)


def trickle(body: bytes, every: float = 0.5):
    """Headers at once, then one byte every ``every`` seconds."""

    def route(req: Request, sock: socket.socket) -> None:
        sock.sendall(response(200, b"", None, length=False).replace(b"\r\n\r\n", b"\r\n") +
                     f"Content-Length: {len(body)}\r\n\r\n".encode())
        for i in range(len(body)):
            time.sleep(every)
            sock.sendall(body[i:i + 1])

    return route


class FaultServer:
    """``routes[path] = fn(request, socket)``; ``seen`` lists every request."""

    def __init__(self, tls: tuple[str, str] | None = None):
        self.routes: dict[str, Callable[[Request, socket.socket], None]] = {}
        self.seen: list[Request] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._tls = None
        if tls is not None:
            import ssl

            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(*tls)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._tls is not None:
                conn = self._tls.wrap_socket(conn, server_side=True)
            req = _read_request(conn)
            if req is None:
                return
            self.seen.append(req)
            route = self.routes.get(req.target.split("?", 1)[0])
            if route is None:
                conn.sendall(response(404, b"missing"))
            else:
                route(req, conn)
        except OSError:
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._sock.close()


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, target, _ = head[0].split(" ", 2)
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Request(method, target, headers)


@dataclass
class LoopbackProxy:
    """An HTTP proxy on 127.0.0.1. ``seen``: (method, target, Proxy-Authorization or None)."""

    require_auth: str | None = None
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)

    def __post_init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = None
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            auth = next((ln.split(":", 1)[1].strip() for ln in lines[1:] if ln.lower().startswith("proxy-authorization:")), None)
            self.seen.append((method, target, auth))
            if self.require_auth is not None and auth != self.require_auth:
                client.sendall(response(407, b"", {"Proxy-Authenticate": "Basic"}))
                return
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host, int(port)))
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            else:
                from urllib.parse import urlsplit

                parts = urlsplit(target)
                upstream = socket.create_connection((parts.hostname, parts.port or 80))
                origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [ln for ln in lines[1:] if not ln.lower().startswith("proxy-authorization:")]
                upstream.sendall(("\r\n".join([f"{method} {origin_form} {version}", *kept]) + "\r\n\r\n").encode("latin-1") + rest)
            _pipe(client, upstream)
        except OSError:
            pass
        finally:
            client.close()
            if upstream is not None:
                upstream.close()

    def close(self) -> None:
        self._sock.close()


def _pipe(a: socket.socket, b: socket.socket) -> None:
    def one_way(src, dst):
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    t = threading.Thread(target=one_way, args=(b, a), daemon=True)
    t.start()
    one_way(a, b)
    t.join(10)


def make_tls_material(folder: Path) -> tuple[Path, Path, Path] | None:
    """(CA certificate, server certificate, server key) for 127.0.0.1; None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")

    def run(*args):
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=solver test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
        "-days", "2", "-extfile", str(ext))
    return ca, cert, key
