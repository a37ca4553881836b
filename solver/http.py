"""The one HTTP client both stages use: connection reuse, a cache directory with HTTP caching
semantics (ETag / Last-Modified revalidation, ``Cache-Control: max-age``), retries with backoff,
a deadline per request, bounded concurrency, proxies, mirrors, and credentials that never leak.

Standard library only (``http.client``): it gives us what a transport library would (pooled
connections, ``CONNECT`` tunnels through proxies), lets one deadline bound a whole request down to
each read, and keeps the cold start of the command line free of third-party imports.

What the cache guarantees (see also the README):

* a body is stored only when it is known to be complete: its ``Content-Length`` or chunked
  framing was met, a gzip/deflate stream reached its end, no encoding we did not ask for was
  used, and the caller's ``check`` (a hash, a parse) accepted it; a body that fails ``check``
  later (a cache entry from an older version) is thrown away and fetched again;
* nothing secret is written: not the credentials, not a URL holding a conda token, not a header
  the server sent back about them;
* a temporary redirect is not remembered; a killed process leaves at most one temporary file per
  entry it was writing, removed by the next process that writes that entry.

Credentials may come in the URL (``https://user:pass@host/...``), from an ``auth`` callable
``(url) -> (user, password) | Credential | None``, or from pixi's credential store (``auth_file``,
keyring; matched by host); every URL that reaches a message, a log or a result is
credential-free.
"""

from __future__ import annotations

import heapq
import importlib
import io
import json
import os
import threading
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Literal
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import msgspec

# The transport (http.client, ssl, a thread pool) is imported where it is first used: a solve
# from local channels and a lock that is up to date never reach the network, and a command-line
# user should not pay ~15 ms of imports (OpenSSL included) for it.
if TYPE_CHECKING:
    import http.client
    import ssl
    from concurrent.futures import ThreadPoolExecutor

from .atomic import temp_path_for, write_atomic
from .credentials import Credential, CredentialStore
from .errors import InputError, NetworkError
from .redact import mask_credentials, split_credentials, strip_conda_credentials, strip_credentials

__all__ = [
    "HttpClient",
    "Response",
    "CachedResponse",
    "FetchEvent",
    "NotFoundError",
    "HttpStatusError",
    "DamagedResponseError",
]

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT_REDIRECTS = {301, 308}
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_USER_AGENT = "solver/0.1"
_ACCEPTED_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}
# Response headers a cache entry keeps: validators and what readers look at. Anything else (a
# cookie, a Location holding a token) is not written to disk.
_KEPT_HEADERS = ("etag", "last-modified", "cache-control", "content-type", "expires", "date", "content-range")
#: Decoded size past which a compressed (gzip/deflate) body is refused: a decompression bomb.
MAX_BODY_IN_MEMORY = 256 << 20
MAX_BODY_TO_FILE = 4 << 30
_DECODE_STEP = 1 << 20  # inflate at most this much per call, so a bomb is caught chunk by chunk


class HttpStatusError(NetworkError):
    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class NotFoundError(HttpStatusError):
    """404 or 410: the caller may fall back (``repodata.json.zst`` -> ``repodata.json``)."""


class DamagedResponseError(NetworkError):
    """The body arrived incomplete, in an encoding we did not ask for, too large, or the caller's
    ``check`` rejected it. Nothing of it is cached."""


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


class FetchEvent(msgspec.Struct, frozen=True):
    """What ``on_fetch`` hears after each remote fetch: the URL (credentials masked), which call
    made it, whether the cache answered, the body size (None from the cache) and the time taken."""

    url: str
    method: Literal["get", "get_range", "fetch_to_cache"]
    from_cache: bool
    bytes: int | None
    seconds: float


# -- thread-safe lazy imports ---------------------------------------------------------------------
#
# ``import http.client`` inside a function run by several pool threads at once can see the
# ``http`` package before its ``client`` attribute is set ("module 'http' has no attribute
# 'client'"). ``importlib.import_module`` returns the submodule itself (waiting for a module
# another thread is still initialising), and the lock makes the first import happen once.

_IMPORT_LOCK = threading.Lock()
_MODULES: dict[str, object] = {}


def _lazy(name: str):
    mod = _MODULES.get(name)
    if mod is None:
        with _IMPORT_LOCK:
            mod = _MODULES.get(name)
            if mod is None:
                mod = importlib.import_module(name)
                _MODULES[name] = mod
    return mod


# -- deadlines ------------------------------------------------------------------------------------


class _Watchdog:
    """Ends a request at its deadline however the server behaves (a byte every half second keeps
    each read alive): one daemon thread shuts the socket down, the read then fails, and the
    request reports "timed out". Started on the first request."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, object]] = []
        self._live: set[int] = set()
        self._seq = 0
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float, sock) -> int:
        with self._cond:
            self._seq += 1
            token = self._seq
            heapq.heappush(self._heap, (deadline, token, sock))
            self._live.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="solver-http-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()
            return token

    def cancel(self, token: int) -> None:
        with self._cond:
            self._live.discard(token)

    def _run(self) -> None:
        import socket

        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, token, sock = heapq.heappop(self._heap)
                self._live.discard(token)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


_WATCHDOG = _Watchdog()


class _Deadline:
    __slots__ = ("end", "timeout")

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.end = time.monotonic() + timeout

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.end


# -- bodies ---------------------------------------------------------------------------------------


class _Decoder:
    """Undoes ``Content-Encoding: gzip/deflate`` while streaming, and knows whether the stream
    reached its end (a gzip body cut short inside an exact ``Content-Length`` is still cut short)."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            self._z = None

    def feed(self, chunk: bytes, sink, budget: "_Budget") -> None:
        if self._z is None:  # the server sends these bytes itself: only decoding is capped
            sink(chunk)
            return
        try:
            out = self._z.decompress(chunk, _DECODE_STEP)
            while True:
                budget.take(len(out))
                sink(out)
                if not self._z.unconsumed_tail:
                    break
                out = self._z.decompress(self._z.unconsumed_tail, _DECODE_STEP)
        except zlib.error as exc:
            raise _Damage(f"the body is not valid {self.encoding} data ({exc})") from None
        if self._z.eof and self._z.unused_data.strip(b"\0"):
            raise _Damage(f"unexpected data after the end of the {self.encoding} stream")

    def finish(self, sink, budget: "_Budget") -> None:
        if self._z is None:
            return
        try:
            out = self._z.flush()
        except zlib.error as exc:
            raise _Damage(f"the body is not valid {self.encoding} data ({exc})") from None
        budget.take(len(out))
        sink(out)
        if not self._z.eof:
            raise _Damage(f"the {self.encoding} stream ends before its end marker (the body was cut short)")


class _Budget:
    __slots__ = ("left", "limit")

    def __init__(self, limit: int):
        self.left = self.limit = limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise _Damage(f"the body is larger than {self.limit >> 20} MiB once decoded (refused as a "
                          "decompression bomb)", retry=False)


class _Damage(Exception):
    """Internal: a body that must not be used. ``retry``: asking again may help."""

    def __init__(self, reason: str, retry: bool = True):
        super().__init__(reason)
        self.retry = retry


# -- settings helpers -----------------------------------------------------------------------------


def _env_get(env, *names: str) -> str | None:
    for name in names:
        value = env.get(name)
        if value:
            return value.strip()
    return None


def _proxy_table(proxies: dict[str, str] | None, env) -> dict[str, str]:
    """Per scheme (``http``, ``https``): the proxy URL. Explicit settings win, the standard
    environment variables fill what they leave out (lower case first, as curl reads them)."""
    table = {k.lower(): v for k, v in (proxies or {}).items() if v}
    every = table.get("all") or _env_get(env, "all_proxy", "ALL_PROXY")
    for scheme in ("http", "https"):
        if scheme not in table:
            found = _env_get(env, f"{scheme}_proxy", f"{scheme.upper()}_PROXY") or every
            if found:
                table[scheme] = found
    table.pop("all", None)
    return table


def _no_proxy_list(no_proxy: Iterable[str] | None, env) -> tuple[str, ...]:
    entries = list(no_proxy or ())
    text = _env_get(env, "no_proxy", "NO_PROXY")
    if text:
        entries += text.split(",")
    return tuple(e.strip().lower() for e in entries if e and e.strip())


def _bypasses_proxy(host: str, port: int, no_proxy: tuple[str, ...]) -> bool:
    host = host.lower().strip("[]")
    for entry in no_proxy:
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.strip("[]")
        if "/" in name:  # a CIDR block
            ipaddress = _lazy("ipaddress")
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        suffix = name.lstrip("*").lstrip(".")
        if host == suffix or host.endswith("." + suffix):
            return True
    return False


class _Proxy(msgspec.Struct, frozen=True):
    host: str
    port: int
    auth: str | None  # a ``Proxy-Authorization`` value


def _parse_proxy(url: str, source: str) -> _Proxy:
    text = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}) is not a valid URL: {exc}") from None
    if parts.scheme != "http":
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}): only http:// proxies are supported "
                         f"(not {parts.scheme}://); HTTPS requests go through them in a CONNECT tunnel")
    if not parts.hostname:
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}) has no host")
    _, creds = split_credentials(text)
    auth = None
    if creds is not None:
        import base64

        auth = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
    return _Proxy(parts.hostname, port or 80, auth)


def _ca_locations(ca_bundle: str | None, env) -> tuple[str | None, str | None, str]:
    """(cafile, capath, where it came from) for the verifying TLS context."""
    if ca_bundle:
        source = "the ca_bundle setting (tls-root-certs)"
        value = ca_bundle
    else:
        value, source = None, "the system store"
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"):
            if env.get(name):
                value, source = env[name], name
                break
    if value in (None, "native", "webpki", "all"):
        if value in ("webpki", "all"):  # Mozilla's roots, when certifi is installed
            try:
                certifi = importlib.import_module("certifi")
                return certifi.where(), (env.get("SSL_CERT_DIR") if value == "all" else None), "certifi"
            except ImportError:
                pass
        capath = env.get("SSL_CERT_DIR") if not ca_bundle else None
        return None, capath, source
    path = Path(value).expanduser()
    if path.is_dir():
        return None, str(path), source
    if path.is_file():
        capath = env.get("SSL_CERT_DIR") if source == "SSL_CERT_FILE" else None
        return str(path), capath, source
    raise InputError(f"CA certificates {value} (from {source}) do not exist: give a PEM file or a folder "
                     "of certificates")


# -- the client -----------------------------------------------------------------------------------


class HttpClient:
    """Thread-safe. ``cache_dir`` None disables the on-disk cache.

    ``auth(url) -> (user, password) | Credential | None`` is asked for URLs that carry no
    credentials of their own (the PyPI stage plugs in netrc, environment variables and keyring
    there); pixi's credential store (``auth_file``, ``RATTLER_AUTH_FILE``, keyring) answers after it.
    ``timeout`` is a deadline per request: retries, redirects, ``Retry-After`` and every read fit
    in it. ``proxies`` / ``no_proxy`` / ``ca_bundle`` come from configuration; the standard
    environment variables (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE``,
    ``SSL_CERT_DIR``, ``REQUESTS_CA_BUNDLE``) fill what they leave out. ``mirrors`` maps a URL
    prefix to mirror prefixes tried in order (the response keeps the original URL).
    ``on_fetch(FetchEvent)`` hears about every remote fetch.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        concurrency: int = 8,
        verify: bool = True,
        auth: Callable[[str], tuple[str, str] | Credential | None] | None = None,
        backoff: float = 0.25,
        proxies: dict[str, str] | None = None,
        no_proxy: Iterable[str] | None = None,
        ca_bundle: str | None = None,
        auth_file: str | None = None,
        mirrors: dict[str, Iterable[str]] | None = None,
        insecure_hosts: Iterable[str] = (),
        on_fetch: Callable[[FetchEvent], None] | None = None,
        max_body: int = MAX_BODY_IN_MEMORY,
        env=None,
    ):
        env = os.environ if env is None else env
        self.cache_dir = Path(cache_dir) / "http" if cache_dir is not None else None
        self.timeout = timeout
        self.retries = max(0, retries)
        self.concurrency = max(1, concurrency)
        self.verify = verify
        self.auth = auth
        self.backoff = backoff
        self.on_fetch = on_fetch
        self.max_body = max_body
        self._proxy_urls = _proxy_table(proxies, env)
        self._proxies: dict[str, _Proxy] = {}
        self._no_proxy = _no_proxy_list(no_proxy, env)
        self._ca = (ca_bundle, env)
        self._store = CredentialStore(auth_file, env=env)
        self._mirrors = sorted(((k.rstrip("/") + "/", tuple(m.rstrip("/") + "/" for m in v))
                                for k, v in (mirrors or {}).items()), key=lambda kv: -len(kv[0]))
        self._insecure = {h.lower().split(":")[0] for h in insecure_hosts}
        self._ssl: dict[bool, ssl.SSLContext] = {}
        self._idle: dict[tuple, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()  # per-thread retries while trying mirrors

    # -- public API -------------------------------------------------------------------------------

    def get(self, url: str, headers: dict[str, str] | None = None, *, cache: bool = True,
            check: Callable[[bytes], None] | None = None) -> Response:
        """GET into memory. With a cache dir, responses with validators are revalidated (304).

        ``check(body)`` raises ``ValueError(reason)`` for a body that must not be used (a hash
        that does not match, a page that does not parse): a fresh body it rejects is asked for
        once more and never cached; a cached one is thrown away and fetched again."""
        if url.startswith("file:"):
            return self._get_file(url)
        t0 = time.perf_counter()
        resp = self._mirrored(url, lambda u: self._get(u, url, headers, cache, check))
        self._report("get", url, t0, resp.from_cache, len(resp.body))
        return resp

    def fetch_to_cache(self, url: str, *, accept: str | None = None,
                       check: Callable[[Path], None] | None = None) -> CachedResponse:
        """GET a (possibly large) body into the cache dir, streaming; revalidates with
        ETag / Last-Modified. Requires a cache dir. A ``file:`` URL returns the file itself.
        ``check(path)`` as for :meth:`get`."""
        if url.startswith("file:"):
            path = _file_url_path(url)
            if not path.is_file():
                raise NotFoundError(f"not found: {strip_credentials(url)}", 404, strip_credentials(url))
            return CachedResponse(200, {}, path, strip_credentials(url), from_cache=False)
        if self.cache_dir is None:
            raise ValueError("fetch_to_cache needs a cache_dir")
        t0 = time.perf_counter()
        resp = self._mirrored(url, lambda u: self._fetch_to_cache(u, url, accept, check))
        size = None
        if not resp.from_cache:
            try:
                size = resp.path.stat().st_size
            except OSError:
                size = None
        self._report("fetch_to_cache", url, t0, resp.from_cache, size)
        return resp

    def invalidate(self, url: str, *, accept: str | None = None, headers: dict[str, str] | None = None) -> None:
        """Forget the cache entry of ``url`` (a caller found its body unusable): the next fetch
        asks the server without validators."""
        if self.cache_dir is None or url.startswith("file:"):
            return
        entry = self._cache_paths(url, {"Accept": accept} if accept else headers)
        for path in entry:
            _unlink(path)

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
            return Response(206, {"content-length": str(len(chunk))}, chunk, strip_credentials(url))
        t0 = time.perf_counter()

        def one(actual: str) -> Response:
            status, headers, final_url, body, _ = self._request(
                "GET", actual, {"Range": spec, "Accept-Encoding": "identity"})
            if status == 416:
                raise HttpStatusError(f"range {spec} not satisfiable for {final_url}", status, final_url)
            self._raise_for_status(status, final_url)
            return Response(status, headers, body, final_url)

        resp = self._mirrored(url, one)
        self._report("get_range", url, t0, False, len(resp.body))
        return resp

    def head(self, url: str) -> Response:
        if url.startswith("file:"):
            path = _file_url_path(url)
            if not path.is_file():
                return Response(404, {}, b"", strip_credentials(url))
            return Response(200, {"content-length": str(path.stat().st_size)}, b"", strip_credentials(url))

        def one(actual: str) -> Response:
            status, headers, final_url, _, _ = self._request("HEAD", actual, {})
            return Response(status, headers, b"", final_url)

        return self._mirrored(url, one)

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
        self._raise_for_status(status, strip_credentials(url))
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

    # -- cached GETs ------------------------------------------------------------------------------

    def _get(self, actual: str, original: str, headers, cache: bool, check) -> Response:
        entry = self._cache_paths(original, headers) if (cache and self.cache_dir) else None
        meta = self._read_meta(entry) if entry else None
        if meta is not None and self._fresh(meta):
            body = self._read_body(entry)
            if body is not None and _passes(check, body):
                return Response(200, meta["headers"], body, meta.get("url") or strip_credentials(original), from_cache=True)
            meta = None
        req_headers = dict(headers or {})
        if meta is not None:
            req_headers.update(self._validators(meta))
        status, resp_headers, final_url, body, info = self._request("GET", actual, req_headers, check=check)
        if status == 304 and meta is not None:
            body = self._read_body(entry)
            if body is not None and _passes(check, body):
                meta["stored"] = time.time()
                meta["cache_control"] = resp_headers.get("cache-control", meta.get("cache_control", ""))
                self._write_meta(entry, meta)
                # the URL that answered now: a mirror an earlier redirect went to may be gone
                return Response(200, meta["headers"], body, final_url, from_cache=True)
            # The body vanished or went bad under us: ask again without validators.
            self.invalidate(original, headers=headers)
            status, resp_headers, final_url, body, info = self._request("GET", actual, dict(headers or {}), check=check)
        self._raise_for_status(status, final_url)
        if entry and self._storable(resp_headers) and info.storable:
            try:
                write_atomic(entry[1], body)
            except OSError as exc:
                raise _cache_unwritable(self.cache_dir, exc) from None
            self._write_meta(entry, self._new_meta(final_url, original, resp_headers, info))
        elif entry:
            self.invalidate(original, headers=headers)
        return Response(status, resp_headers, body, final_url)

    def _fetch_to_cache(self, actual: str, original: str, accept, check) -> CachedResponse:
        headers = {"Accept": accept} if accept else {}
        entry = self._cache_paths(original, headers)
        meta = self._read_meta(entry)
        if meta is not None and not entry[1].is_file():
            meta = None
        if meta is not None and self._fresh(meta) and _passes(check, entry[1]):
            return CachedResponse(200, meta["headers"], entry[1], meta.get("url") or strip_credentials(original), True)
        if meta is not None:
            headers.update(self._validators(meta))
        status, resp_headers, final_url, info = self._request_to_file("GET", actual, headers, entry, check)
        if status == 304 and meta is not None:
            if _passes(check, entry[1]):
                meta["stored"] = time.time()
                meta["cache_control"] = resp_headers.get("cache-control", meta.get("cache_control", ""))
                self._write_meta(entry, meta)
                return CachedResponse(200, meta["headers"], entry[1], final_url, from_cache=True)
            self.invalidate(original, accept=accept)
            headers = {"Accept": accept} if accept else {}
            status, resp_headers, final_url, info = self._request_to_file("GET", actual, headers, entry, check)
        self._raise_for_status(status, final_url)
        if self._storable(resp_headers) and info.storable:
            self._write_meta(entry, self._new_meta(final_url, original, resp_headers, info))
        else:
            _unlink(entry[0])  # the body is there for this run; the next one asks again
        return CachedResponse(status, resp_headers, entry[1], final_url, from_cache=False)

    def _mirrored(self, url: str, fetch: Callable[[str], object]):
        """``fetch`` on the URL, or on each of its mirrors in order until one answers."""
        clean = strip_credentials(url)
        for prefix, mirrors in self._mirrors:
            if not (clean.rstrip("/") + "/").startswith(prefix):
                continue
            rest = clean[len(prefix):] if len(clean) >= len(prefix) else ""
            errors = []
            for i, mirror in enumerate(mirrors):
                # a mirror that fails moves on to the next one at once; only the last one retries
                self._local.retries = 0 if i < len(mirrors) - 1 else self.retries
                try:
                    resp = fetch(mirror + rest)
                except NetworkError as exc:
                    errors.append(exc)
                    continue
                finally:
                    self._local.retries = None
                resp.url = clean  # what the lock records: the channel's own URL
                return resp
            missing = [e for e in errors if isinstance(e, NotFoundError)]
            if missing or len(errors) == 1:  # a mirror that answers "not found" is believed
                raise (missing or errors)[-1]
            raise NetworkError(f"every mirror of {clean} failed: " + "; ".join(str(e) for e in errors))
        return fetch(url)

    def _report(self, method, url: str, t0: float, from_cache: bool, size) -> None:
        if self.on_fetch is None:
            return
        try:
            self.on_fetch(FetchEvent(url=mask_credentials(strip_credentials(url)), method=method, from_cache=from_cache,
                                     bytes=None if from_cache else size, seconds=time.perf_counter() - t0))
        except Exception:  # noqa: BLE001 (a broken progress callback must not fail a solve)
            pass

    # -- transport --------------------------------------------------------------------------------

    @staticmethod
    def _capture(fn, url):
        try:
            return fn(url)
        except Exception as exc:  # returned, not raised: see fetch_many
            return exc

    def _executor(self) -> ThreadPoolExecutor:
        futures = _lazy("concurrent.futures")
        with self._lock:
            if self._pool is None:
                self._pool = futures.ThreadPoolExecutor(self.concurrency, thread_name_prefix="solver-http")
            return self._pool

    def _credentials(self, url: str) -> tuple[str, Credential | None]:
        """(the URL to send, without ``user:password@``; how to authenticate it)."""
        clean, creds = split_credentials(url)
        if creds is not None and creds[1]:
            return clean, Credential("basic", creds[0], creds[1])
        found = self.auth(clean) if self.auth is not None else None
        if isinstance(found, tuple):
            found = Credential("basic", found[0], found[1])
        if found is None:
            try:
                host = urlsplit(clean).hostname or ""
            except ValueError:
                host = ""
            found = self._store(host)
        if found is None and creds is not None:  # ``user@host``: a user name alone
            found = Credential("basic", creds[0], "")
        return clean, found

    def _ssl_context(self, verify: bool) -> ssl.SSLContext:
        ssl = _lazy("ssl")
        with self._lock:
            ctx = self._ssl.get(verify)
            if ctx is None:
                if verify:
                    cafile, capath, _ = _ca_locations(*self._ca)
                    ctx = ssl.create_default_context(cafile=cafile, capath=capath)
                else:
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                self._ssl[verify] = ctx
            return ctx

    def _proxy(self, scheme: str, host: str, port: int) -> _Proxy | None:
        url = self._proxy_urls.get(scheme)
        if not url or _bypasses_proxy(host, port, self._no_proxy):
            return None
        with self._lock:
            proxy = self._proxies.get(scheme)
        if proxy is None:
            proxy = _parse_proxy(url, f"{scheme} proxy")
            with self._lock:
                self._proxies[scheme] = proxy
        return proxy

    def _connection(self, key: tuple, deadline: _Deadline) -> http.client.HTTPConnection:
        client = _lazy("http.client")
        scheme, host, port, proxy = key
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop()
        timeout = deadline.remaining()
        if proxy is not None:
            if scheme == "https":
                conn = client.HTTPSConnection(proxy.host, proxy.port, timeout=timeout,
                                              context=self._ssl_context(self.verify and host.lower() not in self._insecure))
                conn.set_tunnel(host, port, headers={"Proxy-Authorization": proxy.auth} if proxy.auth else None)
                return conn
            return client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)
        if scheme == "https":
            ctx = self._ssl_context(self.verify and host.lower() not in self._insecure)
            return client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
        return client.HTTPConnection(host, port, timeout=timeout)

    def _release(self, key, conn, reusable: bool) -> None:
        if not reusable:
            conn.close()
            return
        with self._lock:
            self._idle.setdefault(key, []).append(conn)

    def _request(self, method: str, url: str, headers: dict[str, str], check=None):
        buf = io.BytesIO()
        status, resp_headers, final_url, info = self._send(
            method, url, headers, buf, self.max_body, check=(lambda: check(buf.getvalue())) if check else None)
        return status, resp_headers, final_url, buf.getvalue(), info

    def _request_to_file(self, method: str, url: str, headers: dict[str, str], entry, check):
        dest = entry[1]
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temp_path_for(dest, ".part")
        except OSError as exc:
            raise _cache_unwritable(self.cache_dir, exc) from None
        f = os.fdopen(fd, "w+b")
        try:
            status, resp_headers, final_url, info = self._send(
                method, url, headers, f, MAX_BODY_TO_FILE,
                check=(lambda: (f.flush(), check(Path(tmp)))) if check else None)
            f.close()
            if status == 200:
                _unlink(entry[0])  # the old validators must not describe the new body
                os.replace(tmp, dest)
            else:
                _unlink(tmp)
            return status, resp_headers, final_url, info
        except BaseException:
            f.close()
            _unlink(tmp)
            raise

    def _send(self, method: str, url: str, headers: dict[str, str], out, limit: int, check=None):
        """Sends with redirects and retries within one deadline; streams a 200/206 body into
        ``out`` (a seekable file). Returns (status, headers, final credential-free url, info)."""
        deadline = _Deadline(self.timeout)
        current = url
        info = _Transfer()
        for _hop in range(10):
            clean, cred = self._credentials(current)
            status, resp_headers = self._send_with_retries(method, clean, headers, cred, out, limit, deadline,
                                                           info, check)
            if status in _REDIRECTS and "location" in resp_headers:
                location = resp_headers["location"]
                try:
                    target = urljoin(clean, location)
                    t = urlsplit(target)
                    t.port  # noqa: B018 (raises on a port out of range)
                except ValueError as exc:
                    raise NetworkError(f"{_shown(clean)} redirects to an invalid URL "
                                       f"{mask_credentials(location)!r}: {exc}") from None
                if t.scheme not in ("http", "https") or not t.hostname:
                    raise NetworkError(f"{_shown(clean)} redirects to {mask_credentials(target)!r}, which is not "
                                       "an http(s) URL with a host")
                # Credentials embedded in the original URL follow only to the same host.
                if t.netloc == urlsplit(clean).netloc and current != clean:
                    parts = urlsplit(current)
                    target = urlunsplit((t.scheme, parts.netloc, t.path, t.query, t.fragment))
                if status not in _PERMANENT_REDIRECTS:
                    info.temporary_redirect = True
                current = target
                if status == 303:
                    method = "GET"
                continue
            info.redirected = current != url
            return status, resp_headers, _shown(clean), info
        raise NetworkError(f"too many redirects fetching {_shown(url)}")

    def _send_with_retries(self, method, clean_url, headers, cred, out, limit, deadline, info, check):
        client = _lazy("http.client")
        ssl = _lazy("ssl")
        parts = urlsplit(clean_url)
        if parts.scheme not in ("http", "https"):
            raise NetworkError(f"unsupported URL scheme {parts.scheme!r} in {_shown(clean_url)}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise NetworkError(f"invalid URL {_shown(clean_url)}: {exc}") from None
        host = parts.hostname or ""
        if not host:
            raise NetworkError(f"invalid URL {_shown(clean_url)}: no host")
        path = parts.path or "/"
        if cred is not None and cred.kind == "conda-token" and not path.startswith("/t/"):
            path = f"/t/{cred.secret}{path}"
        target = path + (f"?{parts.query}" if parts.query else "")
        proxy = self._proxy(parts.scheme, host, port)
        key = (parts.scheme, host, port, proxy)
        all_headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "gzip", **headers, **_auth_headers(cred)}
        if proxy is not None and parts.scheme == "http":
            target = f"http://{parts.netloc}{target}"  # absolute form: the proxy forwards it
            if proxy.auth:
                all_headers["Proxy-Authorization"] = proxy.auth
        last_error: Exception | None = None
        retries = getattr(self._local, "retries", None)
        retries = self.retries if retries is None else retries
        for attempt in range(retries + 1):
            if attempt:
                random = _lazy("random")
                pause = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())
                if pause >= deadline.end - time.monotonic():
                    break
                time.sleep(pause)
                out.seek(0)
                out.truncate()
            conn = None
            token = None
            try:
                conn = self._connection(key, deadline)
                if conn.sock is None:
                    conn.timeout = deadline.remaining()
                    conn.connect()
                conn.sock.settimeout(deadline.remaining())
                token = _WATCHDOG.watch(deadline.end, conn.sock)
                conn.request(method, target, headers=all_headers)
                resp = conn.getresponse()
                status = resp.status
                resp_headers = {k.lower(): v for k, v in resp.getheaders()}
                if status in _RETRY_STATUS and attempt < retries:
                    resp.read()
                    _WATCHDOG.cancel(token)
                    self._release(key, conn, not resp.will_close)
                    delay = _retry_after(resp_headers.get("retry-after"))
                    if delay > deadline.end - time.monotonic():
                        raise HttpStatusError(
                            f"HTTP {status} fetching {_shown(clean_url)}: the server asks to retry after "
                            f"{delay:g} s, past the --timeout of {self.timeout:g} s per request", status, _shown(clean_url))
                    if delay:
                        time.sleep(delay)
                    last_error = HttpStatusError(
                        f"HTTP {status} fetching {_shown(clean_url)} (the server is busy or unavailable; the "
                        f"--timeout of {self.timeout:g} s per request passed before it answered)", status,
                        _shown(clean_url))
                    continue
                if method != "HEAD" and status in (200, 203, 206):
                    self._stream_body(resp, resp_headers, out, limit, info)
                    if check is not None:
                        try:
                            check()
                        except ValueError as exc:
                            raise _Damage(str(exc)) from None
                else:
                    resp.read()
                _WATCHDOG.cancel(token)
                self._release(key, conn, not resp.will_close)
                return status, resp_headers
            except _Damage as exc:
                if token is not None:
                    _WATCHDOG.cancel(token)
                conn.close()
                if deadline.passed:  # the watchdog closed the socket: a cut short body of our making
                    last_error = TimeoutError("timed out")
                    break
                last_error = DamagedResponseError(f"damaged response from {_shown(clean_url)}: {exc}")
                if not exc.retry:
                    break
            except (OSError, client.HTTPException, ValueError) as exc:
                if token is not None:
                    _WATCHDOG.cancel(token)
                if conn is not None:
                    conn.close()
                last_error = TimeoutError("timed out") if deadline.passed else exc
                if isinstance(exc, ssl.SSLCertVerificationError) or deadline.passed:
                    break
        if isinstance(last_error, (DamagedResponseError, HttpStatusError)):
            raise last_error
        if last_error is None:
            last_error = TimeoutError("timed out")
        if isinstance(last_error, TimeoutError):
            raise NetworkError(f"could not fetch {_shown(clean_url)}: timed out (the --timeout of "
                               f"{self.timeout:g} s per request passed)")
        raise NetworkError(f"could not fetch {_shown(clean_url)}: {_describe(last_error)}")

    @staticmethod
    def _stream_body(resp, resp_headers, out, limit: int, info: "_Transfer") -> None:
        encoding = resp_headers.get("content-encoding", "").strip().lower()
        if encoding not in _ACCEPTED_ENCODINGS:
            raise _Damage(f"the server sent Content-Encoding {encoding!r}, which was not asked for "
                          "(only gzip is accepted)", retry=False)
        framed = resp.chunked or resp.length is not None or resp.status == 206
        decoder = _Decoder(encoding)
        budget = _Budget(limit)
        while True:
            chunk = resp.read1(1 << 16)
            if not chunk:
                break
            decoder.feed(chunk, out.write, budget)
        if resp.length:  # read1 ends quietly when the peer closes before Content-Length
            raise _Damage(f"the connection closed {resp.length} bytes before the end of the response")
        decoder.finish(out.write, budget)
        resp_headers.pop("content-encoding", None)
        # A close-delimited identity body cannot be told from one cut short: used, not stored.
        info.storable = framed or encoding != "identity" and encoding != ""  # a stream that reached its end

    def _raise_for_status(self, status: int, url: str) -> None:
        if 200 <= status < 300:
            return
        if status in (404, 410):
            raise NotFoundError(f"not found (HTTP {status}): {url}", status, url)
        if status in (401, 403):
            raise HttpStatusError(
                f"access denied (HTTP {status}) for {url}: check the credentials for this host "
                "(URL, .netrc, environment variables, keyring or pixi's credentials file)",
                status,
                url,
            )
        if status == 407:
            raise HttpStatusError(f"the proxy refused the request for {url} (HTTP 407): check the proxy's "
                                  "user:password (proxy-config, HTTP(S)_PROXY)", status, url)
        if status in _RETRY_STATUS:
            raise HttpStatusError(f"HTTP {status} fetching {url} (the server is busy or unavailable; "
                                  f"asked {self.retries + 1} times)", status, url)
        raise HttpStatusError(f"HTTP {status} fetching {url}", status, url)

    def _get_file(self, url: str) -> Response:
        path = _file_url_path(url)
        try:
            return Response(200, {}, path.read_bytes(), strip_credentials(url))
        except FileNotFoundError:
            raise NotFoundError(f"not found: {path}", 404, strip_credentials(url)) from None
        except IsADirectoryError:
            raise NotFoundError(f"is a directory, not a file: {path}", 404, strip_credentials(url)) from None
        except OSError as exc:
            raise NetworkError(f"could not read {path}: {exc.strerror}") from None

    # -- cache ------------------------------------------------------------------------------------

    def _cache_paths(self, url: str, headers: dict[str, str] | None):
        hashlib = _lazy("hashlib")
        vary = (headers or {}).get("Accept", "")
        # a digest of the URL: a conda token in it is not recoverable from the file name
        digest = hashlib.sha256(f"{strip_credentials(url)}\n{vary}".encode()).hexdigest()[:40]
        base = self.cache_dir / digest[:2]
        return base / f"{digest}.json", base / f"{digest}.body"

    @staticmethod
    def _read_meta(entry):
        try:
            with open(entry[0], "rb") as f:
                meta = json.load(f)
            return meta if isinstance(meta, dict) and isinstance(meta.get("headers"), dict) else None
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
        # an entry an older version wrote may hold more than we keep now: rewritten, it loses it
        meta["headers"] = {k: v for k, v in meta["headers"].items() if k in _KEPT_HEADERS}
        url = meta.get("url")
        if url is not None and (url != strip_conda_credentials(url) or url != mask_credentials(url)):
            del meta["url"]
        try:
            write_atomic(entry[0], json.dumps(meta).encode())
        except OSError as exc:
            raise _cache_unwritable(entry[0].parent.parent, exc) from None

    @staticmethod
    def _new_meta(final_url: str, original: str, headers: dict[str, str], info: "_Transfer") -> dict:
        """What a cache entry records. The URL only when a permanent redirect moved it and it
        holds nothing that looks like a secret; a temporary redirect makes the entry one that is
        always revalidated at the original URL."""
        meta = {"headers": {k: headers[k] for k in _KEPT_HEADERS if k in headers}, "stored": time.time(),
                "cache_control": headers.get("cache-control", "")}
        if info.temporary_redirect:
            meta["cache_control"] = "no-cache"
        elif info.redirected:
            meta["url"] = final_url  # dropped by _write_meta when it looks like it holds a secret
        return meta

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
        cc = str(meta.get("cache_control", "")).lower()
        if "no-cache" in cc or "must-revalidate" in cc and "max-age=0" in cc:
            return False
        for part in cc.split(","):
            part = part.strip()
            if part.startswith("max-age="):
                try:
                    return time.time() - float(meta["stored"]) < int(part[8:])
                except (ValueError, KeyError, TypeError):
                    return False
        return False


class _Transfer:
    """What one request learnt on the way: redirects, and whether the body may be stored."""

    __slots__ = ("redirected", "temporary_redirect", "storable")

    def __init__(self):
        self.redirected = False
        self.temporary_redirect = False
        self.storable = True


def _auth_headers(cred: Credential | None) -> dict[str, str]:
    if cred is None or cred.kind == "conda-token":
        return {}
    if cred.kind == "bearer":
        return {"Authorization": f"Bearer {cred.secret}"}
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{cred.username}:{cred.secret}".encode()).decode()}


def _passes(check, body) -> bool:
    if check is None:
        return True
    try:
        check(body)
        return True
    except ValueError:
        return False


def _shown(url: str) -> str:
    """A URL as messages show it: no ``user:password@``, a conda token masked."""
    return mask_credentials(strip_credentials(url))


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


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
        utils = _lazy("email.utils")
        try:
            when = utils.parsedate_to_datetime(value).timestamp()
            return max(0.0, when - time.time())
        except (TypeError, ValueError, IndexError):
            return 0.0


def _cache_unwritable(http_dir: Path, exc: OSError):
    """The cache folder (``SOLVER_CACHE_DIR``) cannot take an entry: a setting to fix, not a bug."""
    folder = http_dir.parent if http_dir.name == "http" else http_dir
    return InputError(f"cannot write to the cache folder {folder}: {exc.strerror or exc}"
                      f"{' (' + exc.filename + ')' if getattr(exc, 'filename', None) else ''}; "
                      "set SOLVER_CACHE_DIR to a writable folder")


def _describe(exc: Exception) -> str:
    ssl = _lazy("ssl")
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"TLS certificate verification failed ({exc.verify_message}); set SSL_CERT_FILE or "
                "tls-root-certs, or, for development only, disable verification")
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if type(exc).__name__ == "IncompleteRead":
        return f"the connection closed {exc.expected} bytes before the end of the response"
    if type(exc).__name__ == "InvalidURL":
        return f"invalid URL ({exc})"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return mask_credentials(text)
