"""The shared HTTP client against a loopback server: caching, retries, auth, ranges, redaction."""

from __future__ import annotations

import base64
import gzip
import http.server
import threading

import pytest

from solver.errors import NetworkError
from solver.http import HttpClient, NotFoundError
from solver.redact import split_credentials, strip_credentials


class Server:
    """A scripted loopback server: ``routes[path] = (status, headers, body)`` or a callable."""

    def __init__(self):
        self.routes = {}
        self.seen = []  # (method, path, headers)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _serve(self, method):
                outer.seen.append((method, self.path, dict(self.headers)))
                route = outer.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {}, b"missing"
                elif callable(route):
                    status, headers, body = route(self)
                else:
                    status, headers, body = route
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)

            def do_GET(self):
                self._serve("GET")

            def do_HEAD(self):
                self._serve("HEAD")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


def etag_route(body: bytes, etag: str):
    def route(handler):
        if handler.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"ETag": etag}, body

    return route


def test_etag_revalidation_uses_cache_on_304(server, tmp_path):
    server.routes["/a.json"] = etag_route(b'{"x": 1}', '"v1"')
    client = HttpClient(tmp_path)
    first = client.get(server.url + "/a.json")
    second = client.get(server.url + "/a.json")
    assert first.body == second.body == b'{"x": 1}'
    assert not first.from_cache and second.from_cache
    assert server.seen[1][2].get("If-None-Match") == '"v1"'


def test_changed_etag_replaces_cached_body(server, tmp_path):
    server.routes["/a"] = etag_route(b"old", '"1"')
    client = HttpClient(tmp_path)
    assert client.get(server.url + "/a").body == b"old"
    server.routes["/a"] = etag_route(b"new", '"2"')
    assert client.get(server.url + "/a").body == b"new"


def test_max_age_skips_the_request(server, tmp_path):
    server.routes["/m"] = (200, {"Cache-Control": "max-age=600"}, b"fresh")
    client = HttpClient(tmp_path)
    client.get(server.url + "/m")
    assert client.get(server.url + "/m").from_cache
    assert len(server.seen) == 1


@pytest.mark.parametrize("headers, kept", [
    ({}, False),                                   # nothing to revalidate with: asked for whole again
    ({"Cache-Control": "max-age=0"}, False),
    ({"Cache-Control": "no-cache"}, False),
    ({"ETag": '"v1"'}, True),
    ({"Last-Modified": "Sun, 06 Dec 2026 09:00:00 GMT"}, True),
    ({"Cache-Control": "public, max-age=600"}, True),
])
def test_only_bodies_a_later_request_can_use_are_stored(server, tmp_path, headers, kept):
    server.routes["/page"] = (200, headers, b"page body")
    client = HttpClient(tmp_path)
    assert client.get(server.url + "/page").body == b"page body"
    stored = list((tmp_path / "http").rglob("*.json"))  # entries (a body is named by its meta)
    assert bool(stored) is kept
    assert client.get(server.url + "/page").body == b"page body"


def test_a_body_without_validators_drops_the_old_entry(server, tmp_path):
    server.routes["/page"] = (200, {"ETag": '"v1"'}, b"old")
    client = HttpClient(tmp_path)
    client.get(server.url + "/page")
    server.routes["/page"] = (200, {}, b"new")  # the index stopped sending validators
    assert client.get(server.url + "/page").body == b"new"
    assert not list((tmp_path / "http").rglob("*.json"))  # no entry describes a body any more
    assert client.get(server.url + "/page").body == b"new"
    assert "If-None-Match" not in server.seen[-1][2]


def test_fetch_to_cache_streams_and_revalidates(server, tmp_path):
    payload = b"0123456789" * 100_000
    server.routes["/big"] = etag_route(payload, '"big"')
    client = HttpClient(tmp_path)
    first = client.fetch_to_cache(server.url + "/big")
    assert first.path.read_bytes() == payload and not first.from_cache
    second = client.fetch_to_cache(server.url + "/big")
    assert second.from_cache and second.path == first.path
    # no temporary files left beside the cache entry
    assert not [p for p in first.path.parent.iterdir() if p.name.endswith((".part", ".tmp"))]


def test_gzip_content_encoding_is_decoded(server, tmp_path):
    server.routes["/z"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"hello" * 50))
    assert HttpClient(tmp_path).get(server.url + "/z").body == b"hello" * 50


def test_retries_on_server_errors_then_succeeds(server, tmp_path):
    calls = []

    def flaky(handler):
        calls.append(1)
        return (503, {}, b"busy") if len(calls) < 3 else (200, {}, b"ok")

    server.routes["/f"] = flaky
    client = HttpClient(tmp_path, retries=3, backoff=0.01)
    assert client.get(server.url + "/f").body == b"ok"
    assert len(calls) == 3


def test_gives_up_after_retries_with_status_error(server, tmp_path):
    server.routes["/down"] = (500, {}, b"")
    client = HttpClient(tmp_path, retries=1, backoff=0.01)
    with pytest.raises(NetworkError, match=r"HTTP 500 fetching http://127\.0\.0\.1:\d+/down"):
        client.get(server.url + "/down")


def test_not_found_is_its_own_error(server, tmp_path):
    with pytest.raises(NotFoundError) as info:
        HttpClient(tmp_path).get(server.url + "/nope")
    assert info.value.status == 404


def test_unreachable_host_names_the_url():
    client = HttpClient(None, retries=0, timeout=2)
    with pytest.raises(NetworkError, match=r"could not fetch http://127\.0\.0\.1:9/x"):
        client.get("http://127.0.0.1:9/x")


def test_credentials_in_url_become_basic_auth_and_never_leak(server, tmp_path):
    expected = "Basic " + base64.b64encode(b"alice:s3cret").decode()

    def private(handler):
        if handler.headers.get("Authorization") != expected:
            return 401, {"WWW-Authenticate": "Basic"}, b""
        return 200, {}, b"private"

    server.routes["/p"] = private
    client = HttpClient(tmp_path)
    url = server.url.replace("http://", "http://alice:s3cret@") + "/p"
    resp = client.get(url)
    assert resp.body == b"private"
    assert "s3cret" not in resp.url and "alice" not in resp.url
    with pytest.raises(NetworkError) as info:
        client.get(server.url.replace("http://", "http://alice:wrong@") + "/p")
    assert "wrong" not in str(info.value) and "401" in str(info.value)
    # nothing in the cache mentions the secret either
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert b"s3cret" not in f.read_bytes()


def test_auth_callable_is_used_when_url_has_none(server, tmp_path):
    expected = "Basic " + base64.b64encode(b"bob:pw").decode()
    server.routes["/q"] = lambda h: (200, {}, b"yes") if h.headers.get("Authorization") == expected else (401, {}, b"")
    client = HttpClient(tmp_path, auth=lambda url: ("bob", "pw") if url.startswith(server.url) else None)
    assert client.get(server.url + "/q").body == b"yes"


def test_redirect_is_followed(server, tmp_path):
    server.routes["/old"] = (301, {"Location": "/new"}, b"")
    server.routes["/new"] = (200, {}, b"moved")
    resp = HttpClient(tmp_path).get(server.url + "/old")
    assert resp.body == b"moved" and resp.url.endswith("/new")


def test_range_request(server, tmp_path):
    data = bytes(range(256))

    def ranged(handler):
        spec = handler.headers.get("Range", "")
        if spec.startswith("bytes=-"):
            n = int(spec[7:])
            return 206, {}, data[-n:]
        return 200, {}, data

    server.routes["/r"] = ranged
    resp = HttpClient(tmp_path).get_range(server.url + "/r", -16)
    assert resp.status == 206 and resp.body == data[-16:]


def test_fetch_many_keeps_order_and_returns_errors_in_place(server, tmp_path):
    for i in range(5):
        server.routes[f"/{i}"] = (200, {}, str(i).encode())
    client = HttpClient(tmp_path, concurrency=4)
    results = client.fetch_many([server.url + f"/{i}" for i in (3, 1, 4, 9, 0)])
    assert [r.body for r in results if not isinstance(r, Exception)] == [b"3", b"1", b"4", b"0"]
    assert isinstance(results[3], NotFoundError)


def test_file_urls_are_read_directly(tmp_path):
    f = tmp_path / "x.txt"
    f.write_bytes(b"local")
    client = HttpClient(None)
    assert client.get(f.as_uri()).body == b"local"
    assert client.exists(f.as_uri()) and not client.exists((tmp_path / "y").as_uri())


def test_redaction_helpers():
    assert strip_credentials("https://u:p%40ss@host.invalid:8443/simple/") == "https://host.invalid:8443/simple/"
    assert split_credentials("https://u:p%40ss@h.invalid/x")[1] == ("u", "p@ss")
    assert strip_credentials("https://h.invalid/x") == "https://h.invalid/x"


def test_a_kept_alive_connection_carries_the_next_request_without_a_retry(server, tmp_path):
    server.routes["/a"] = (200, {}, b"first")
    server.routes["/b"] = (200, {"Content-Encoding": "gzip"}, gzip.compress(b"second"))
    client = HttpClient(tmp_path, retries=3, backoff=0.01)
    assert [client.get(server.url + p).body for p in ("/a", "/b", "/a")] == [b"first", b"second", b"first"]
    # each request reached the server once: none was lost on a connection left half-used
    assert [path for _, path, _ in server.seen] == ["/a", "/b", "/a"]
