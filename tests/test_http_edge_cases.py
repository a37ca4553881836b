"""Edge cases of the HTTP client: secrets in the forms its messages still showed, a URL it rewrote
that is data, answers (203, 204, endless bodies, dropped connections, bad URLs) it mishandled. Every case
over a loopback server (or a closed loopback port)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest

from support.netfault import etagged, response, static

from solver.errors import InputError, NetworkError
from solver.http import HttpClient, HttpStatusError

# the same environment as the other network fault tests: no proxy variables, no user's credentials file
from test_network_faults import clean_network_env, server  # noqa: E402,F401 (fixtures)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_pypi_index_in_a_t_folder_keeps_its_url(server, tmp_path):
    # ``/t/<x>/`` is a conda token only in conda channel URLs: the page URL is what relative
    # links are resolved against, so masking it would lock ``.../t/****/pkg/pkg-1.0.whl``
    page = b'<a href="pkg-1.0-py3-none-any.whl">pkg</a>'
    server.routes["/t/simple/pkg/"] = static(200, page, {"ETag": '"1"', "Cache-Control": "max-age=60"})
    client = HttpClient(tmp_path)
    url = server.url + "/t/simple/pkg/"
    assert client.get(url).url == url
    again = client.get(url)
    assert again.from_cache and again.url == url


def test_every_mirror_failing_does_not_show_the_conda_token(tmp_path):
    origin = f"http://127.0.0.1:{closed_port()}/"
    mirrors = [f"http://127.0.0.1:{closed_port()}/", f"http://127.0.0.1:{closed_port()}/"]
    client = HttpClient(tmp_path, retries=0, timeout=5, mirrors={origin: mirrors})
    with pytest.raises(NetworkError) as info:
        client.get(origin + "t/tk-MIRROR-SECRET/chan/noarch/repodata.json")
    message = str(info.value)
    assert "every mirror of" in message and "/t/****/chan/noarch/repodata.json" in message
    assert "tk-MIRROR-SECRET" not in message


@pytest.mark.parametrize("status", [500, 401, 404])
def test_an_error_status_does_not_show_the_conda_token(server, tmp_path, status):
    path = "/t/tk-STATUS-SECRET/chan/noarch/repodata.json"
    server.routes[path] = static(status, b"no")
    client = HttpClient(tmp_path, retries=0)
    for call in (client.exists, client.get, lambda u: client.get_range(u, 0, 10), client.fetch_to_cache):
        try:
            call(server.url + path)
        except HttpStatusError as exc:
            assert "/t/****/" in str(exc) and "tk-STATUS-SECRET" not in str(exc) + exc.url
        else:
            assert status == 404 and call == client.exists  # exists() answers False to a 404


@pytest.mark.parametrize("entry", [{"BearerToken": "BEARER-SECRET\n"}, {"BearerToken": "BEARER\r\nX-Injected: SECRET"},
                                   {"CondaToken": "CONDA SECRET"}, {"CondaToken": "CONDA/SECRET"}])
def test_a_stored_secret_that_cannot_be_sent_is_named_not_shown(server, tmp_path, entry):
    # a token pasted with its line break: http.client refuses the header (or path) and its
    # message quotes the value; ours names the file and host
    server.routes["/chan/noarch/repodata.json"] = static(200, b"{}")
    auth = tmp_path / "credentials.json"
    auth.write_text(json.dumps({"127.0.0.1": entry}))
    client = HttpClient(tmp_path / "cache", auth_file=str(auth), retries=0)
    with pytest.raises(InputError) as info:
        client.get(server.url + "/chan/noarch/repodata.json")
    message = str(info.value)
    assert str(auth) in message and "'127.0.0.1'" in message
    assert "SECRET" not in message and "Injected" not in message
    assert server.seen == []


def test_a_url_that_cannot_be_sent_does_not_show_the_conda_token(server, tmp_path):
    # the token goes into the request's path, which http.client quotes when it refuses it
    auth = tmp_path / "credentials.json"
    auth.write_text(json.dumps({"127.0.0.1": {"CondaToken": "tk-PATH-SECRET"}}))
    server.routes["/chan nel/noarch/repodata.json"] = lambda req, sock: sock.sendall(response(200, b"{}"))
    client = HttpClient(tmp_path / "cache", auth_file=str(auth), retries=0)
    with pytest.raises(NetworkError) as info:
        client.get(server.url + "/chan nel/noarch/repodata.json")
    assert "chan nel" in str(info.value) and "tk-PATH-SECRET" not in str(info.value)


@pytest.mark.parametrize("status, body", [(203, b"NEW"), (204, b"")])
def test_fetch_to_cache_never_pairs_a_new_answer_with_the_old_file(server, tmp_path, status, body):
    # a 203 (a proxy's 200) is the new file; a 204 holds none: neither may leave the old file
    # under the new answer's validators, which a later 304 would bring back as current
    server.routes["/r"] = static(200, b"OLD", {"ETag": '"old"'})
    client = HttpClient(tmp_path)
    assert client.fetch_to_cache(server.url + "/r").path.read_bytes() == b"OLD"
    server.routes["/r"] = static(status, body, {"ETag": '"new"'})
    if status == 203:
        assert client.fetch_to_cache(server.url + "/r").path.read_bytes() == b"NEW"
    else:
        with pytest.raises(HttpStatusError, match="HTTP 204"):
            client.fetch_to_cache(server.url + "/r")
    server.routes["/r"] = lambda req, sock: sock.sendall(
        response(304, b"", {"ETag": '"new"'}, length=False) if req.headers.get("if-none-match") == '"new"'
        else response(200, b"NEWEST", {"ETag": '"newest"'}))
    assert client.fetch_to_cache(server.url + "/r").path.read_bytes() == (body if status == 203 else b"NEWEST")


def test_a_write_cut_between_body_and_meta_leaves_no_old_validators_on_the_new_body(server, tmp_path, monkeypatch):
    # a process killed (or a disk filling up) after the new body is written and before its meta:
    # the old ETag must not be left describing the new body, or the old version's 304 serves it
    import solver.http.client as client_module

    server.routes["/p"] = static(200, b"A", {"ETag": '"a"'})
    client = HttpClient(tmp_path)
    assert client.get(server.url + "/p").body == b"A"
    server.routes["/p"] = static(200, b"B", {"ETag": '"b"'})

    def cut(entry, meta):
        raise InputError("cannot write to the cache folder: no space left on device")

    monkeypatch.setattr(client_module, "write_meta", cut)
    with pytest.raises(InputError):
        client.get(server.url + "/p")
    monkeypatch.undo()
    server.routes["/p"] = etagged(b"A", '"a"')  # the server went back to A: a 304 to If-None-Match "a"
    assert client.get(server.url + "/p").body == b"A"


def test_a_password_holding_an_unencoded_slash_is_not_shown(tmp_path):
    # urlsplit reads ``user:ab/cd@host`` as host ``user``, port ``ab``: its error quotes the port
    port = closed_port()
    client = HttpClient(tmp_path, retries=0, proxies={"https": "http://proxy-user:PX/SECRET@127.0.0.1:1"})
    with pytest.raises(NetworkError) as info:
        client.get(f"http://alice:PW/SECRET+x=@127.0.0.1:{port}/simple/")
    assert "SECRET" not in str(info.value) and "PW" not in str(info.value)
    assert "http://****@127.0.0.1" in str(info.value) and "%2F" in str(info.value)
    with pytest.raises(InputError) as info:
        client.get("https://127.0.0.1:1/simple/")
    assert "SECRET" not in str(info.value) and "PX" not in str(info.value) and "%2F" in str(info.value)


def test_a_pooled_connection_the_server_closed_is_not_reused(server, tmp_path):
    # HTTP/1.1 without "Connection: close": the client keeps the connection for the next request,
    # but the server closes it (as servers do once their keep-alive timeout passes)
    closed = threading.Event()

    def keep_alive_then_close(req, sock):
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        sock.shutdown(socket.SHUT_RDWR)
        closed.set()

    server.routes["/x"] = keep_alive_then_close
    client = HttpClient(None, retries=0)
    for _ in range(3):
        assert client.get(server.url + "/x").body == b"ok"
        assert closed.wait(10)  # the server closed the connection before the next request
        closed.clear()
    assert len(server.seen) == 3


def test_a_parsed_proxy_does_not_show_its_credentials():
    # like Credential: the connection pool keys on it, and a key may end up in a log or a traceback
    from solver.http.settings import parse_proxy

    proxy = parse_proxy("http://pu:PROXY-SECRET@127.0.0.1:3128", "https proxy")
    assert proxy.auth == "Basic " + base64.b64encode(b"pu:PROXY-SECRET").decode()
    assert proxy.auth not in repr(proxy) and proxy.auth not in str((proxy,)) and "127.0.0.1" in repr(proxy)


@pytest.mark.parametrize("url", ["http://[::1/x", "http://u:PW-SECRET@[::1/x"])
def test_a_url_urlsplit_refuses_is_a_network_error_naming_it(tmp_path, url):
    with pytest.raises(NetworkError, match=r"invalid URL http://(\*\*\*\*@)?\[::1/x: Invalid IPv6 URL") as info:
        HttpClient(tmp_path, retries=0).get(url)
    assert "PW-SECRET" not in str(info.value)
    # the same as a mirror of a channel
    client = HttpClient(tmp_path, retries=0, mirrors={"http://127.0.0.1:1/": [url.rsplit("/", 1)[0] + "/"]})
    with pytest.raises(NetworkError, match="Invalid IPv6 URL") as info:
        client.get("http://127.0.0.1:1/ch/noarch/repodata.json")
    assert "PW-SECRET" not in str(info.value)



@pytest.mark.parametrize("status", [302, 307, 503])
def test_an_endless_body_of_a_redirect_or_a_busy_answer_is_not_read_to_its_end(server, tmp_path, status):
    # nobody uses the body of a 302 or a 503: a server streaming one without end must not hold
    # the request until its deadline (nor fill the memory at loopback speed), so the redirect is
    # followed and the retry made
    def endless(req, sock):
        if req.target == "/there" or status == 503 and len(server.seen) > 1:
            sock.sendall(response(200, b"here"))
            return
        sock.sendall(response(status, b"", {"Location": "/there", "Retry-After": "0"}, length=False))
        for _ in range(2000):  # 64 KiB every 10 ms: 1.25 GiB if it is read to the end
            sock.sendall(b"\0" * 65536)
            time.sleep(0.01)

    server.routes["/endless"] = server.routes["/there"] = endless
    client = HttpClient(tmp_path, retries=1, backoff=0, timeout=5)
    assert client.get(server.url + "/endless").body == b"here"


@pytest.mark.parametrize("location, follows", [("https://idx.example.invalid/b", True),
                                               ("http://idx.example.invalid/b", False),
                                               ("https://other.example.invalid/b", False)])
def test_credentials_in_the_url_follow_a_redirect_to_the_same_host_and_scheme_only(tmp_path, monkeypatch, location,
                                                                                  follows):
    # https://host/ and http://host/ share their netloc: only the scheme tells that the password
    # would travel in clear text (what each hop sends is recorded instead of opening sockets)
    sent = []

    def hop(self, method, clean_url, headers, cred, *rest):
        sent.append((clean_url, cred))
        return (302, {"location": location}) if len(sent) == 1 else (200, {})

    monkeypatch.setattr(HttpClient, "_send_with_retries", hop)
    HttpClient(tmp_path).get("https://alice:PW-SECRET@idx.example.invalid/a", cache=False)
    (first, first_cred), (second, second_cred) = sent
    assert first_cred.secret == "PW-SECRET" and second == location
    assert (second_cred is not None and second_cred.secret == "PW-SECRET") == follows


@pytest.mark.parametrize("headers", [{"etag": ["x"]}, {"etag": '"a"\r\nX-Injected: 1'}, {"last-modified": 5}])
def test_a_cache_meta_whose_validators_are_not_one_line_text_counts_as_absent(server, tmp_path, headers):
    # the validators go back out as request headers: a damaged (or foreign) meta file must not
    # fail this run and every later one
    from solver.http.cache import cache_paths

    server.routes["/p"] = etagged(b"A", '"a"')
    client = HttpClient(tmp_path)
    url = server.url + "/p"
    for fetch, key in ((lambda: client.get(url).body, None), (lambda: client.fetch_to_cache(url).path.read_bytes(), {})):
        assert fetch() == b"A"
        meta = cache_paths(client.cache_dir, url, key)[0]
        meta.write_text(json.dumps({"headers": headers, "stored": 1}))
        assert fetch() == b"A"
        assert json.loads(meta.read_text())["headers"]["etag"] == '"a"'  # rewritten whole
    assert not any("x-injected" in r.headers for r in server.seen)
