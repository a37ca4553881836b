"""The HTTP client both stages use: connection reuse, a cache directory with HTTP caching
semantics (ETag / Last-Modified revalidation, ``Cache-Control: max-age``), retries with backoff,
a deadline per request, bounded concurrency, proxies, mirrors, and credentials that never leak.

Standard library only (``http.client``): it gives us what a transport library would (pooled
connections, ``CONNECT`` tunnels through proxies), lets one deadline bound a whole request down to
each read, and keeps the cold start of the command line free of third-party imports.
"""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

# The transport (http.client, ssl, a thread pool) is imported where it is first used: a solve
# from local channels and a lock that is up to date never reach the network, and a command-line
# user should not pay ~15 ms of imports (OpenSSL included) for it.
if TYPE_CHECKING:
    import http.client
    import ssl
    from concurrent.futures import ThreadPoolExecutor

from ..atomic import temp_path_for, write_atomic
from ..credentials import Credential, CredentialStore
from ..errors import NetworkError
from ..lazyre import lazy as lazy_pattern
from ..redact import mask_credentials, split_credentials, strip_credentials
from .body import MAX_BODY_IN_MEMORY, MAX_BODY_TO_FILE, Damage, stream_body
from .cache import (Transfer, age_of, body_described, body_file, cache_paths, cache_unwritable, confirms,
                    drop_superseded_bodies, file_fingerprint, fresh, mark_used, memory_fingerprint, new_meta,
                    private_response, read_body, read_meta, reusable, storable, sweep_stale_temps, validators,
                    write_meta)
from .deadline import WATCHDOG, Deadline, lazy
from .model import CachedResponse, DamagedResponseError, FetchEvent, HttpStatusError, NotFoundError, Response
from .settings import BAD_PORT, Proxy, bypasses_proxy, ca_locations, no_proxy_list, parse_proxy, proxy_table

_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT_REDIRECTS = {301, 308}
_WITH_BODY = (200, 203)  # a whole body: 203 is a 200 a transforming proxy passed on
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_USER_AGENT = "solver/0.1"


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
        self._proxy_urls = proxy_table(proxies, env)
        self._proxies: dict[str, Proxy] = {}
        self._no_proxy = no_proxy_list(no_proxy, env)
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
        self._swept = False  # the daily sweep of dead writers' files was considered (once a process)

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
        resp = self._mirrored(url, lambda u: self._get(u, url, headers, cache, check), self._get_file)
        self._report("get", url, t0, resp.from_cache, len(resp.body))
        return resp

    def fetch_to_cache(self, url: str, *, accept: str | None = None,
                       check: Callable[[Path], None] | None = None) -> CachedResponse:
        """GET a (possibly large) body into the cache dir, streaming; revalidates with
        ETag / Last-Modified. Requires a cache dir. A ``file:`` URL returns the file itself.
        ``check(path)`` as for :meth:`get`."""
        if url.startswith("file:"):
            return _file_as_cached(url)
        if self.cache_dir is None:
            raise ValueError("fetch_to_cache needs a cache_dir")
        t0 = time.perf_counter()
        resp = self._mirrored(url, lambda u: self._fetch_to_cache(u, url, accept, check), _file_as_cached)
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
        asks the server without validators (see :meth:`_forget`)."""
        if self.cache_dir is None or url.startswith("file:"):
            return
        for private in (False, True):
            self._forget(cache_paths(self.cache_dir, url, {"Accept": accept} if accept else headers, private))

    def get_range(self, url: str, start: int, end: int | None = None) -> Response:
        """Bytes ``start..end`` (inclusive); a negative ``start`` asks for the last ``-start``
        bytes. The status is 206 when the server honoured the range, 200 when it sent it all."""
        if start < 0:
            spec = f"bytes={start}"
        else:
            spec = f"bytes={start}-{'' if end is None else end}"
        def local(file_url: str) -> Response:
            data = self._get_file(file_url).body
            chunk = data[start:] if start < 0 else data[start : None if end is None else end + 1]
            return Response(206, {"content-length": str(len(chunk))}, chunk, strip_credentials(file_url))

        if url.startswith("file:"):
            return local(url)
        t0 = time.perf_counter()

        def one(actual: str) -> Response:
            status, headers, final_url, body, _ = self._request(
                "GET", actual, {"Range": spec, "Accept-Encoding": "identity"})
            if status == 416:
                raise HttpStatusError(f"range {spec} not satisfiable for {_shown(final_url)}", status, _shown(final_url))
            self._raise_for_status(status, final_url)
            return Response(status, headers, body, final_url)

        resp = self._mirrored(url, one, local)
        self._report("get_range", url, t0, False, len(resp.body))
        return resp

    def head(self, url: str) -> Response:
        if url.startswith("file:"):
            return _file_head(url)

        def one(actual: str) -> Response:
            status, headers, final_url, _, _ = self._request("HEAD", actual, {})
            return Response(status, headers, b"", final_url)

        return self._mirrored(url, one, _file_head)

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
        cached = bool(cache and self.cache_dir)
        private = cached and self._sends_credentials(actual)
        entry = cache_paths(self.cache_dir, original, headers, private) if cached else None
        meta = read_meta(entry) if entry else None
        if meta is not None and fresh(meta):
            body = read_body(entry, meta)
            if body is not None and _passes(check, body):
                mark_used(entry)
                return Response(200, meta["headers"], body, meta.get("url") or strip_credentials(original), from_cache=True)
            meta = None
        req_headers = dict(headers or {})
        if meta is not None:
            req_headers.update(validators(meta))
        status, resp_headers, final_url, body, info = self._request("GET", actual, req_headers, check=check)
        if status == 304 and meta is not None:
            body = read_body(entry, meta) if confirms(meta, resp_headers) else None
            if body is not None and _passes(check, body):
                _revalidated(entry, meta, resp_headers, info)
                # the URL that answered now: a mirror an earlier redirect went to may be gone
                return Response(200, meta["headers"], body, final_url, from_cache=True)
            # The body vanished or went bad under us: ask again without validators.
            self._forget(entry)
            status, resp_headers, final_url, body, info = self._request("GET", actual, dict(headers or {}), check=check)
        self._raise_for_status(status, final_url)
        if (entry and status in _WITH_BODY and storable(resp_headers) and info.storable
                and info.authenticated == private and reusable(resp_headers)):
            self._sweep()
            _unlink(entry[0])  # cut short before the new meta, the old validators must not describe this body
            try:
                write_atomic(entry[1], body)
            except OSError as exc:
                raise cache_unwritable(self.cache_dir, exc) from None
            write_meta(entry, new_meta(final_url, original, resp_headers, info, memory_fingerprint(body)))
        elif entry:
            self._forget(entry)
        return Response(status, resp_headers, body, final_url)

    def _fetch_to_cache(self, actual: str, original: str, accept, check) -> CachedResponse:
        headers = {"Accept": accept} if accept else {}
        private = self._sends_credentials(actual)
        entry = cache_paths(self.cache_dir, original, headers, private)
        meta = read_meta(entry)
        held = body_file(entry, meta["body"], private) if meta is not None else None
        if meta is not None and not body_described(held, meta, whole=False):
            meta = None
        if meta is not None and fresh(meta) and _passes(check, held):
            mark_used(entry)
            return CachedResponse(200, meta["headers"], held, meta.get("url") or strip_credentials(original), True)
        if meta is not None:
            headers.update(validators(meta))
        status, resp_headers, final_url, info, body, path = self._request_to_file("GET", actual, headers, entry,
                                                                                  check, private)
        if status == 304 and meta is not None:
            if confirms(meta, resp_headers) and body_described(held, meta) and _passes(check, held):
                _revalidated(entry, meta, resp_headers, info)
                return CachedResponse(200, meta["headers"], held, final_url, from_cache=True)
            self._forget(entry)
            headers = {"Accept": accept} if accept else {}
            status, resp_headers, final_url, info, body, path = self._request_to_file("GET", actual, headers, entry,
                                                                                      check, private)
        self._raise_for_status(status, final_url)
        if status not in _WITH_BODY:  # a 204 (or 206) left the entry's file as it was: not this answer
            raise HttpStatusError(f"HTTP {status} fetching {_shown(final_url)}: the answer holds no file",
                                  status, _shown(final_url))
        if storable(resp_headers) and info.storable and info.authenticated == private:
            write_meta(entry, new_meta(final_url, original, resp_headers, info, body))
        elif path == entry[1]:
            _unlink(entry[0])  # the body is there for this run; the next one asks again
        return CachedResponse(status, resp_headers, path, final_url, from_cache=False)

    def _sends_credentials(self, url: str) -> bool:
        """A request to ``url`` will carry credentials: its answer goes to the private partition
        of the cache (see :mod:`solver.http.cache`). The lookups are the ones the request makes
        anyway (the credential sources keep what they found)."""
        return self._credentials(url)[1] is not None

    def _sweep(self) -> None:
        """Before this process's first new entry in the cache: the daily sweep of what killed
        downloads left (see :func:`solver.http.cache.sweep_stale_temps`)."""
        if self._swept:
            return
        with self._lock:
            if self._swept:
                return
            self._swept = True
        sweep_stale_temps(self.cache_dir)

    @staticmethod
    def _forget(entry) -> None:
        """The entry is no longer trusted: its meta goes, so nothing vouches for its body and the
        next fetch asks without validators. The body itself stays until a fetch replaces it (or the
        daily sweep removes it): another process may have been handed its path a moment ago."""
        _unlink(entry[0])

    def _mirrored(self, url: str, fetch: Callable[[str], object], local: Callable[[str], object]):
        """``fetch`` on the URL, or on each of its mirrors in order until one answers. A mirror
        that is a folder (``file://``, as the configuration allows) is read by ``local``."""
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
                    target = mirror + rest
                    resp = local(target) if target.startswith("file:") else fetch(target)
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
            raise NetworkError(f"every mirror of {_shown(clean)} failed: " + "; ".join(str(e) for e in errors))
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
        futures = lazy("concurrent.futures")
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
        ssl = lazy("ssl")
        with self._lock:
            ctx = self._ssl.get(verify)
            if ctx is None:
                if verify:
                    cafile, capath, _ = ca_locations(*self._ca)
                    ctx = ssl.create_default_context(cafile=cafile, capath=capath)
                else:
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                self._ssl[verify] = ctx
            return ctx

    def _proxy(self, scheme: str, host: str, port: int) -> Proxy | None:
        url = self._proxy_urls.get(scheme)
        if not url or bypasses_proxy(host, port, self._no_proxy):
            return None
        with self._lock:
            proxy = self._proxies.get(scheme)
        if proxy is None:
            proxy = parse_proxy(url, f"{scheme} proxy")
            with self._lock:
                self._proxies[scheme] = proxy
        return proxy

    def _connection(self, key: tuple, deadline: Deadline) -> http.client.HTTPConnection:
        client = lazy("http.client")
        scheme, host, port, proxy = key
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None:
                break
            if not _dropped(conn):
                return conn
            conn.close()  # the server closed it while it sat idle (its keep-alive timeout)
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

    def _request_to_file(self, method: str, url: str, headers: dict[str, str], entry, check, private: bool):
        """Streams the answer into the entry's body file (replaced only by a whole 200 answer; a
        private one's named by its fingerprint, see :func:`~solver.http.cache.body_file`). Returns
        (status, headers, final url, transfer info, the body's fingerprint and file, or None)."""
        dest = entry[1]
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = temp_path_for(dest, ".part")
        except OSError as exc:
            raise cache_unwritable(self.cache_dir, exc) from None
        f = os.fdopen(fd, "w+b")
        try:
            status, resp_headers, final_url, info = self._send(
                method, url, headers, f, MAX_BODY_TO_FILE,
                check=(lambda: (f.flush(), check(Path(tmp)))) if check else None)
            # taken from the file we wrote, before it is in place: another process may replace it next
            # An anonymous request a redirect took to credentials got someone's own body: it goes
            # beside the anonymous entry (named by its fingerprint), never over its body.
            personal = private or info.authenticated
            fingerprint = file_fingerprint(f, checksum=personal) if status in _WITH_BODY else None
            f.close()
            if status in _WITH_BODY:
                self._sweep()
                dest = body_file(entry, fingerprint, personal)
                if dest == entry[1]:
                    _unlink(entry[0])  # the old validators must not describe the new body
                os.replace(tmp, dest)
                if dest != entry[1]:
                    drop_superseded_bodies(entry, dest)
            else:
                _unlink(tmp)
                dest = None
            return status, resp_headers, final_url, info, fingerprint, dest
        except BaseException:
            f.close()
            _unlink(tmp)
            raise

    def _send(self, method: str, url: str, headers: dict[str, str], out, limit: int, check=None):
        """Sends with redirects and retries within one deadline; streams a 200/206 body into
        ``out`` (a seekable file). Returns (status, headers, final credential-free url, info)."""
        deadline = Deadline(self.timeout)
        current = url
        info = Transfer()
        for _hop in range(10):
            clean, cred = self._credentials(current)
            if cred is not None:
                info.authenticated = True
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
                # Credentials embedded in the original URL follow only to the same host, and never
                # from https to plain http (``https://host/`` -> ``http://host/``: the same netloc)
                was = urlsplit(clean)
                if t.netloc == was.netloc and current != clean and (t.scheme == was.scheme or t.scheme == "https"):
                    parts = urlsplit(current)
                    target = urlunsplit((t.scheme, parts.netloc, t.path, t.query, t.fragment))
                if status not in _PERMANENT_REDIRECTS:
                    info.temporary_redirect = True
                current = target
                if status == 303:
                    method = "GET"
                continue
            info.redirected = current != url
            # data, not a message: a PyPI index may have a ``t`` folder (``_shown`` would mask it)
            return status, resp_headers, clean, info
        raise NetworkError(f"too many redirects fetching {_shown(url)}")

    def _send_with_retries(self, method, clean_url, headers, cred, out, limit, deadline, info, check):
        client = lazy("http.client")
        ssl = lazy("ssl")
        try:
            parts = urlsplit(clean_url)
        except ValueError as exc:  # ``http://[::1/x``
            raise NetworkError(f"invalid URL {_shown(clean_url)}: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise NetworkError(f"unsupported URL scheme {parts.scheme!r} in {_shown(clean_url)}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise NetworkError(f"invalid URL {_shown(clean_url)}: {BAD_PORT}") from None
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
                random = lazy("random")
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
                token = WATCHDOG.watch(deadline.end, conn.sock)
                conn.request(method, target, headers=all_headers)
                resp = conn.getresponse()
                status = resp.status
                resp_headers = {k.lower(): v for k, v in resp.getheaders()}
                if status in _RETRY_STATUS and attempt < retries:
                    reusable = _skip_body(resp)
                    WATCHDOG.cancel(token)
                    self._release(key, conn, reusable)
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
                    stream_body(resp, resp_headers, out, limit, info)
                    if check is not None:
                        try:
                            check()
                        except ValueError as exc:
                            raise Damage(str(exc)) from None
                    reusable = not resp.will_close
                else:
                    reusable = _skip_body(resp)
                WATCHDOG.cancel(token)
                self._release(key, conn, reusable)
                return status, resp_headers
            except Damage as exc:
                if token is not None:
                    WATCHDOG.cancel(token)
                conn.close()
                if deadline.passed:  # the watchdog closed the socket: a cut short body of our making
                    last_error = TimeoutError("timed out")
                    break
                last_error = DamagedResponseError(f"damaged response from {_shown(clean_url)}: {exc}")
                if not exc.retry:
                    break
            except (OSError, client.HTTPException, ValueError) as exc:
                if token is not None:
                    WATCHDOG.cancel(token)
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

    def _raise_for_status(self, status: int, url: str) -> None:
        if 200 <= status < 300:
            return
        url = _shown(url)  # a conda channel URL may hold its /t/<token>
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


def _revalidated(entry, meta, resp_headers: dict[str, str], info) -> None:
    """A 304 confirmed the entry: it is fresh from now, under the 304's ``Cache-Control``; a 304
    to a request with credentials makes it an entry that is always asked about again."""
    meta["stored"] = time.time()
    meta["age"] = age_of(resp_headers)
    meta["cache_control"] = resp_headers.get("cache-control", meta.get("cache_control", ""))
    meta["private"] = bool(meta.get("private")) or private_response(resp_headers, info.authenticated)
    write_meta(entry, meta)


def _auth_headers(cred: Credential | None) -> dict[str, str]:
    if cred is None or cred.kind == "conda-token":
        return {}
    if cred.kind == "bearer":
        return {"Authorization": f"Bearer {cred.secret}"}
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{cred.username}:{cred.secret}".encode()).decode()}


_SKIPPED_BODY = 1 << 16  # an error page or a redirect's note; what is longer is not read at all


def _skip_body(resp) -> bool:
    """Reads the body nobody uses (an error page, a redirect's, a 304's), up to ``_SKIPPED_BODY``
    bytes: a server streaming one without end must not hold the request until its deadline. True
    when the body ended there and the connection may carry the next request."""
    resp.read(_SKIPPED_BODY)
    return resp.isclosed() and not resp.will_close


def _dropped(conn) -> bool:
    """An idle pooled connection the server has closed: it has something to read (the end of the
    stream) where a live idle one has nothing. Sent a request, it would fail with "Remote end
    closed connection" and cost the request an attempt (its only one with ``retries=0``)."""
    sock = conn.sock
    if sock is None:
        return True
    select = lazy("select")
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


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


def _file_as_cached(url: str) -> CachedResponse:
    """A ``file:`` URL as :meth:`HttpClient.fetch_to_cache` answers it: the file itself."""
    path = _file_url_path(url)
    if not path.is_file():
        raise NotFoundError(f"not found: {strip_credentials(url)}", 404, strip_credentials(url))
    return CachedResponse(200, {}, path, strip_credentials(url), from_cache=False)


def _file_head(url: str) -> Response:
    path = _file_url_path(url)
    if not path.is_file():
        return Response(404, {}, b"", strip_credentials(url))
    return Response(200, {"content-length": str(path.stat().st_size)}, b"", strip_credentials(url))


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        path = f"//{parts.netloc}{path}"
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return Path(path)


_QUOTED_TARGET = lazy_pattern(r"'(?:/|[A-Za-z][A-Za-z0-9+.-]*://)[^']*'")


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return max(0.0, float(value))
    except ValueError:
        utils = lazy("email.utils")
        try:
            when = utils.parsedate_to_datetime(value).timestamp()
            return max(0.0, when - time.time())
        except (TypeError, ValueError, IndexError):
            return 0.0


def _describe(exc: Exception) -> str:
    ssl = lazy("ssl")
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
        # http.client quotes the request target, which holds a conda token (``/t/<token>``)
        return f"invalid URL ({' '.join(_QUOTED_TARGET.sub('', str(exc)).split())})"
    if isinstance(exc, ValueError) and str(exc).startswith("Invalid header value"):
        return "a request header holds a line break (check the credentials for this host)"  # it quotes the value
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return mask_credentials(text)
