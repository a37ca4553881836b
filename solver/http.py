"""The one HTTP client both stages use: connection reuse, a cache directory with HTTP caching
semantics (ETag / Last-Modified revalidation, ``Cache-Control: max-age``), retries with backoff,
timeouts, bounded concurrency, and credentials that never leak.

Standard library only (``http.client``): it is small, thread-safe per connection, and keeps the
cold start of the command line free of third-party imports.

Credentials may come in the URL (``https://user:pass@host/...``) or from an ``auth`` callable
``(url) -> (user, password) | None``; either way they travel as an ``Authorization`` header and
every URL that reaches a message, a log or a result goes through :func:`redact_url` first.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

# The transport (http.client, ssl, email, hashlib, a thread pool) is imported where it is first
# used: a solve from local channels and a lock that is up to date never reach the network, and
# a command-line user should not pay ~15 ms of imports (OpenSSL included) for it.
if TYPE_CHECKING:
    import http.client
    import ssl
    from concurrent.futures import ThreadPoolExecutor

from .atomic import write_atomic
from .errors import NetworkError
from .redact import redact_url, split_credentials

__all__ = [
    "HttpClient",
    "Response",
    "CachedResponse",
    "NotFoundError",
    "HttpStatusError",
    "redact_url",
    "split_credentials",
]

_REDIRECTS = {301, 302, 303, 307, 308}
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_USER_AGENT = "solver/0.1"


class HttpStatusError(NetworkError):
    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class NotFoundError(HttpStatusError):
    """404 or 410: the caller may fall back (``repodata.json.zst`` -> ``repodata.json``)."""


class Response:
    __slots__ = ("status", "headers", "body", "url", "from_cache")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, url: str, from_cache: bool = False):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body
        self.url = url  # final URL after redirects, credential-free
        self.from_cache = from_cache

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.url} {len(self.body)} bytes{' cached' if self.from_cache else ''}>"


class CachedResponse:
    """A body stored on disk in the cache (large files: repodata)."""

    __slots__ = ("status", "headers", "path", "url", "from_cache")

    def __init__(self, status: int, headers: dict[str, str], path: Path, url: str, from_cache: bool):
        self.status = status
        self.headers = headers
        self.path = path
        self.url = url
        self.from_cache = from_cache

    def __repr__(self) -> str:
        return f"<CachedResponse {self.status} {self.url} -> {self.path}{' cached' if self.from_cache else ''}>"


def _ssl_context(verify: bool) -> ssl.SSLContext:
    import ssl

    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    return ssl.create_default_context(cafile=cafile, capath=capath)


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class _Decoder:
    """Undoes ``Content-Encoding: gzip/deflate`` while streaming."""

    def __init__(self, encoding: str):
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            self._z = None

    def feed(self, chunk: bytes) -> bytes:
        return self._z.decompress(chunk) if self._z else chunk

    def flush(self) -> bytes:
        return self._z.flush() if self._z else b""


class HttpClient:
    """Thread-safe. ``cache_dir`` None disables the on-disk cache.

    ``auth(url) -> (user, password) | None`` is asked for URLs that carry no credentials of
    their own (the PyPI stage plugs in netrc, environment variables and keyring there).
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        concurrency: int = 8,
        verify: bool = True,
        auth: Callable[[str], tuple[str, str] | None] | None = None,
        backoff: float = 0.25,
    ):
        self.cache_dir = Path(cache_dir) / "http" if cache_dir is not None else None
        self.timeout = timeout
        self.retries = max(0, retries)
        self.concurrency = max(1, concurrency)
        self.verify = verify
        self.auth = auth
        self.backoff = backoff
        self._ssl: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    # -- public API -------------------------------------------------------------------------------

    def get(self, url: str, headers: dict[str, str] | None = None, *, cache: bool = True) -> Response:
        """GET into memory. With a cache dir, responses with validators are revalidated (304)."""
        if url.startswith("file:"):
            return self._get_file(url)
        entry = self._cache_paths(url, headers) if (cache and self.cache_dir) else None
        meta = self._read_meta(entry) if entry else None
        if meta is not None and self._fresh(meta):
            body = self._read_body(entry)
            if body is not None:
                return Response(200, meta["headers"], body, meta["url"], from_cache=True)
        req_headers = dict(headers or {})
        if meta is not None:
            req_headers.update(self._validators(meta))
        status, resp_headers, final_url, body = self._request("GET", url, req_headers)
        if status == 304 and meta is not None:
            body = self._read_body(entry)
            if body is not None:
                meta["stored"] = time.time()
                meta["cache_control"] = resp_headers.get("cache-control", meta.get("cache_control", ""))
                self._write_meta(entry, meta)
                return Response(200, meta["headers"], body, meta["url"], from_cache=True)
            # The body vanished under us: ask again without validators.
            status, resp_headers, final_url, body = self._request("GET", url, dict(headers or {}))
        self._raise_for_status(status, final_url)
        if entry and self._storable(resp_headers):
            try:
                write_atomic(entry[1], body)
            except OSError as exc:
                raise _cache_unwritable(self.cache_dir, exc) from None
            self._write_meta(entry, self._new_meta(final_url, resp_headers))
        return Response(status, resp_headers, body, final_url)

    def fetch_to_cache(self, url: str, *, accept: str | None = None) -> CachedResponse:
        """GET a (possibly large) body into the cache dir, streaming; revalidates with
        ETag / Last-Modified. Requires a cache dir. A ``file:`` URL returns the file itself."""
        if url.startswith("file:"):
            path = _file_url_path(url)
            if not path.is_file():
                raise NotFoundError(f"not found: {redact_url(url)}", 404, redact_url(url))
            return CachedResponse(200, {}, path, redact_url(url), from_cache=False)
        if self.cache_dir is None:
            raise ValueError("fetch_to_cache needs a cache_dir")
        headers = {"Accept": accept} if accept else {}
        entry = self._cache_paths(url, headers)
        meta = self._read_meta(entry)
        if meta is not None and not entry[1].is_file():
            meta = None
        if meta is not None and self._fresh(meta):
            return CachedResponse(200, meta["headers"], entry[1], meta["url"], from_cache=True)
        if meta is not None:
            headers.update(self._validators(meta))
        status, resp_headers, final_url = self._request_to_file("GET", url, headers, entry[1])
        if status == 304 and meta is not None:
            meta["stored"] = time.time()
            meta["cache_control"] = resp_headers.get("cache-control", meta.get("cache_control", ""))
            self._write_meta(entry, meta)
            return CachedResponse(200, meta["headers"], entry[1], meta["url"], from_cache=True)
        self._raise_for_status(status, final_url)
        self._write_meta(entry, self._new_meta(final_url, resp_headers))
        return CachedResponse(status, resp_headers, entry[1], final_url, from_cache=False)

    def get_range(self, url: str, start: int, end: int | None = None) -> Response:
        """Bytes ``start..end`` (inclusive); a negative ``start`` asks for the last ``-start``
        bytes. The status is 206 when the server honoured the range, 200 when it sent it all."""
        if start < 0:
            spec = f"bytes={start}"
        else:
            spec = f"bytes={start}-{'' if end is None else end}"
        if url.startswith("file:"):
            data = _file_url_path(url).read_bytes()
            chunk = data[start:] if start < 0 else data[start : None if end is None else end + 1]
            return Response(206, {"content-length": str(len(chunk))}, chunk, redact_url(url))
        status, headers, final_url, body = self._request("GET", url, {"Range": spec, "Accept-Encoding": "identity"})
        if status == 416:
            raise HttpStatusError(f"range {spec} not satisfiable for {final_url}", status, final_url)
        self._raise_for_status(status, final_url)
        return Response(status, headers, body, final_url)

    def head(self, url: str) -> Response:
        if url.startswith("file:"):
            path = _file_url_path(url)
            if not path.is_file():
                return Response(404, {}, b"", redact_url(url))
            return Response(200, {"content-length": str(path.stat().st_size)}, b"", redact_url(url))
        status, headers, final_url, _ = self._request("HEAD", url, {})
        return Response(status, headers, b"", final_url)

    def exists(self, url: str) -> bool:
        status = self.head(url).status
        if status in (404, 410):
            return False
        if status == 405:  # HEAD not allowed: ask for one byte instead
            try:
                self.get_range(url, 0, 0)
                return True
            except NotFoundError:
                return False
        self._raise_for_status(status, redact_url(url))
        return True

    def fetch_many(self, urls: Iterable[str], fn: Callable | None = None) -> list:
        """Runs ``fn(url)`` (default :meth:`get`) for every URL concurrently, in order. An
        exception is returned in place of its result, so one failure does not hide the others."""
        fn = fn or self.get
        urls = list(urls)
        if len(urls) <= 1:
            return [self._capture(fn, u) for u in urls]
        return list(self._executor().map(lambda u: self._capture(fn, u), urls))

    def submit(self, fn: Callable, *args):
        """Runs ``fn(*args)`` on the client's bounded pool (prefetching)."""
        return self._executor().submit(fn, *args)

    def close(self) -> None:
        with self._lock:
            conns = [c for lst in self._idle.values() for c in lst]
            self._idle.clear()
            pool, self._pool = self._pool, None
        for c in conns:
            c.close()
        if pool is not None:
            pool.shutdown(wait=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- transport --------------------------------------------------------------------------------

    @staticmethod
    def _capture(fn, url):
        try:
            return fn(url)
        except Exception as exc:  # returned, not raised: see fetch_many
            return exc

    def _executor(self) -> ThreadPoolExecutor:
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="solver-http")
            return self._pool

    def _auth_header(self, url: str) -> tuple[str, dict[str, str]]:
        clean, creds = split_credentials(url)
        if creds is None and self.auth is not None:
            creds = self.auth(clean)
        if creds is None:
            return clean, {}
        import base64

        token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        return clean, {"Authorization": f"Basic {token}"}

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        import http.client

        key = (scheme, host, port)
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop()
        if scheme == "https":
            with self._lock:  # one context for all threads: each costs ~0.15 s of CPU to load
                if self._ssl is None:
                    self._ssl = _ssl_context(self.verify)
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._ssl)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _release(self, key, conn, reusable: bool) -> None:
        if not reusable:
            conn.close()
            return
        with self._lock:
            self._idle.setdefault(key, []).append(conn)

    def _request(self, method: str, url: str, headers: dict[str, str]):
        buf = io.BytesIO()
        status, resp_headers, final_url = self._send(method, url, headers, buf.write, restart=buf)
        return status, resp_headers, final_url, buf.getvalue()

    def _request_to_file(self, method: str, url: str, headers: dict[str, str], dest: Path):
        import tempfile

        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        except OSError as exc:
            raise _cache_unwritable(self.cache_dir, exc) from None
        f = os.fdopen(fd, "wb")
        try:
            status, resp_headers, final_url = self._send(method, url, headers, f.write, restart=f)
            f.close()
            if status == 200:
                os.replace(tmp, dest)
            else:
                _unlink(tmp)
            return status, resp_headers, final_url
        except BaseException:
            f.close()
            _unlink(tmp)
            raise

    def _send(self, method: str, url: str, headers: dict[str, str], sink, restart=None):
        """Sends with redirects and retries; streams a 200/206 body into ``sink``. Returns
        (status, headers, final credential-free url)."""
        current = url
        for _hop in range(10):
            clean, auth = self._auth_header(current)
            status, resp_headers = self._send_with_retries(method, clean, {**headers, **auth}, sink, restart)
            if status in _REDIRECTS and "location" in resp_headers:
                from urllib.parse import urljoin

                target = urljoin(clean, resp_headers["location"])
                # Credentials embedded in the original URL follow only to the same host.
                if urlsplit(target).netloc == urlsplit(clean).netloc and current != clean:
                    parts = urlsplit(current)
                    t = urlsplit(target)
                    target = urlunsplit((t.scheme, parts.netloc, t.path, t.query, t.fragment))
                current = target
                if status == 303:
                    method = "GET"
                continue
            return status, resp_headers, clean
        raise NetworkError(f"too many redirects fetching {redact_url(url)}")

    def _send_with_retries(self, method, clean_url, headers, sink, restart):
        import http.client
        import random
        import ssl

        parts = urlsplit(clean_url)
        if parts.scheme not in ("http", "https"):
            raise NetworkError(f"unsupported URL scheme {parts.scheme!r} in {clean_url}")
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, host, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        all_headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "gzip", **headers}
        last_error: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))
                if restart is not None:
                    restart.seek(0)
                    restart.truncate()
            conn = self._connection(*key)
            try:
                conn.request(method, target, headers=all_headers)
                resp = conn.getresponse()
                status = resp.status
                resp_headers = {k.lower(): v for k, v in resp.getheaders()}
                if status in _RETRY_STATUS and attempt < self.retries:
                    resp.read()
                    self._release(key, conn, not resp.will_close)
                    delay = _retry_after(resp_headers.get("retry-after"))
                    if delay:
                        time.sleep(min(delay, 10.0))
                    last_error = None
                    continue
                if method != "HEAD" and status in (200, 203, 206):
                    decoder = _Decoder(resp_headers.get("content-encoding", ""))
                    while True:
                        chunk = resp.read(1 << 16)
                        if not chunk:
                            break
                        sink(decoder.feed(chunk))
                    if resp.length:  # read(amt) ends quietly when the peer closes before Content-Length
                        raise http.client.IncompleteRead(b"", resp.length)
                    sink(decoder.flush())
                    resp_headers.pop("content-encoding", None)
                else:
                    resp.read()
                self._release(key, conn, not resp.will_close)
                return status, resp_headers
            except (OSError, http.client.HTTPException, zlib.error) as exc:
                conn.close()
                last_error = exc
                if isinstance(exc, ssl.SSLCertVerificationError):
                    break
        if last_error is None:
            return status, resp_headers
        raise NetworkError(f"could not fetch {clean_url}: {_describe(last_error)}")

    def _raise_for_status(self, status: int, url: str) -> None:
        if 200 <= status < 300:
            return
        if status in (404, 410):
            raise NotFoundError(f"not found (HTTP {status}): {url}", status, url)
        if status in (401, 403):
            raise HttpStatusError(
                f"access denied (HTTP {status}) for {url}: check the credentials for this host "
                "(URL, .netrc, environment variables or keyring)",
                status,
                url,
            )
        raise HttpStatusError(f"HTTP {status} fetching {url}", status, url)

    def _get_file(self, url: str) -> Response:
        path = _file_url_path(url)
        try:
            return Response(200, {}, path.read_bytes(), redact_url(url))
        except FileNotFoundError:
            raise NotFoundError(f"not found: {path}", 404, redact_url(url)) from None
        except IsADirectoryError:
            raise NotFoundError(f"is a directory, not a file: {path}", 404, redact_url(url)) from None
        except OSError as exc:
            raise NetworkError(f"could not read {path}: {exc.strerror}") from None

    # -- cache ------------------------------------------------------------------------------------

    def _cache_paths(self, url: str, headers: dict[str, str] | None):
        import hashlib

        vary = (headers or {}).get("Accept", "")
        digest = hashlib.sha256(f"{redact_url(url)}\n{vary}".encode()).hexdigest()[:40]
        base = self.cache_dir / digest[:2]
        return base / f"{digest}.json", base / f"{digest}.body"

    @staticmethod
    def _read_meta(entry):
        try:
            with open(entry[0], "rb") as f:
                meta = json.load(f)
            return meta if isinstance(meta, dict) and "headers" in meta else None
        except (OSError, ValueError):
            return None

    @staticmethod
    def _read_body(entry):
        try:
            return entry[1].read_bytes()
        except OSError:
            return None

    @staticmethod
    def _write_meta(entry, meta) -> None:
        try:
            write_atomic(entry[0], json.dumps(meta).encode())
        except OSError as exc:
            raise _cache_unwritable(entry[0].parent.parent, exc) from None

    @staticmethod
    def _new_meta(url: str, headers: dict[str, str]) -> dict:
        keep = {k: v for k, v in headers.items() if k not in ("set-cookie", "authorization", "www-authenticate")}
        return {"url": url, "headers": keep, "stored": time.time(), "cache_control": headers.get("cache-control", "")}

    @staticmethod
    def _storable(headers: dict[str, str]) -> bool:
        cc = headers.get("cache-control", "").lower()
        return "no-store" not in cc

    @staticmethod
    def _validators(meta: dict) -> dict[str, str]:
        out = {}
        h = meta["headers"]
        if "etag" in h:
            out["If-None-Match"] = h["etag"]
        if "last-modified" in h:
            out["If-Modified-Since"] = h["last-modified"]
        return out

    @staticmethod
    def _fresh(meta: dict) -> bool:
        cc = meta.get("cache_control", "").lower()
        if "no-cache" in cc or "must-revalidate" in cc and "max-age=0" in cc:
            return False
        for part in cc.split(","):
            part = part.strip()
            if part.startswith("max-age="):
                try:
                    return time.time() - meta["stored"] < int(part[8:])
                except ValueError:
                    return False
        return False


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        path = f"//{parts.netloc}{path}"
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return Path(path)


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(value).timestamp()
            return max(0.0, when - time.time())
        except (TypeError, ValueError):
            return 0.0


def _cache_unwritable(http_dir: Path, exc: OSError):
    """The cache folder (``SOLVER_CACHE_DIR``) cannot take an entry: a setting to fix, not a bug."""
    from .errors import InputError

    folder = http_dir.parent if http_dir.name == "http" else http_dir
    return InputError(f"cannot write to the cache folder {folder}: {exc.strerror or exc}"
                      f"{' (' + exc.filename + ')' if getattr(exc, 'filename', None) else ''}; "
                      "set SOLVER_CACHE_DIR to a writable folder")


def _describe(exc: Exception) -> str:
    import ssl

    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed ({exc.verify_message}); set SSL_CERT_FILE or, for development only, disable verification"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if type(exc).__name__ == "IncompleteRead":
        return f"the connection closed {exc.expected} bytes before the end of the response"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text
