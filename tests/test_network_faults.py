"""Network faults fed over loopback (issue 11 and issue 15's HTTP items): each damaged answer ends
in a clear error with nothing cached, or a correct result on the next healthy run, and no secret
reaches the disk or a message."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support.netfault import (FaultServer, LoopbackProxy, close_delimited, etagged, gzip_cut_short, make_tls_material,
                      response, static, trickle)
from solver.errors import InputError, NetworkError
from solver.http import DamagedResponseError, HttpClient, NotFoundError

BODY = json.dumps({"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}, "pad": "x" * 2000}).encode()

PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
              "NO_PROXY", "RATTLER_AUTH_FILE")


@pytest.fixture(autouse=True)
def clean_network_env(monkeypatch, tmp_path):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.rattler/credentials.json of the user


@pytest.fixture
def server():
    srv = FaultServer()
    yield srv
    srv.close()


def cache_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_no_secret(root: Path, *secrets: str) -> None:
    for name, data in cache_files(root).items():
        for secret in secrets:
            assert secret.encode() not in data and secret not in name, f"{secret!r} written to {name}"


def json_check(body: bytes) -> None:
    try:
        json.loads(body)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from None


# -- 1. damaged bodies are never cached ------------------------------------------------------------


def test_gzip_cut_short_inside_an_exact_content_length_is_refused_then_recovers(server, tmp_path):
    server.routes["/r.json"] = gzip_cut_short(BODY)
    client = HttpClient(tmp_path, retries=1, backoff=0.01)
    with pytest.raises(DamagedResponseError, match=r"gzip stream ends before its end marker \(the body was cut short\)"):
        client.get(server.url + "/r.json")
    assert cache_files(tmp_path) == {}
    server.routes["/r.json"] = etagged(gzip.compress(BODY), headers={"Content-Encoding": "gzip"})
    assert client.get(server.url + "/r.json").body == BODY


def test_close_delimited_body_is_used_but_never_trusted_from_the_cache(server, tmp_path):
    server.routes["/page"] = close_delimited(BODY)
    client = HttpClient(tmp_path)
    assert client.get(server.url + "/page").body == BODY
    assert not [n for n in cache_files(tmp_path) if n.endswith(".json")]  # no validators stored
    client.get(server.url + "/page")
    assert "if-none-match" not in server.seen[-1].headers  # asked again in full, not revalidated


def test_close_delimited_body_cut_short_fails_the_check_and_leaves_nothing(server, tmp_path):
    server.routes["/page"] = close_delimited(BODY[: len(BODY) // 2])
    client = HttpClient(tmp_path, retries=1, backoff=0.01)
    with pytest.raises(DamagedResponseError, match="not JSON"):
        client.get(server.url + "/page", check=json_check)
    assert cache_files(tmp_path) == {}
    server.routes["/page"] = etagged(BODY)
    assert client.get(server.url + "/page", check=json_check).body == BODY


@pytest.mark.parametrize("encoding", ["br", "zstd"])
def test_an_encoding_we_never_asked_for_is_named(server, tmp_path, encoding):
    server.routes["/e"] = static(200, b"\x28\xb5\x2f\xfd garbage", {"Content-Encoding": encoding, "ETag": '"e"'})
    with pytest.raises(DamagedResponseError) as info:
        HttpClient(tmp_path, retries=0).get(server.url + "/e")
    assert f"Content-Encoding '{encoding}', which was not asked for" in str(info.value)
    assert "UTF-8" not in str(info.value)
    assert cache_files(tmp_path) == {}


def test_garbage_gzip_says_what_went_wrong(server, tmp_path):
    server.routes["/g"] = static(200, b"this is not gzip at all", {"Content-Encoding": "gzip"})
    with pytest.raises(DamagedResponseError) as info:
        HttpClient(tmp_path, retries=0).get(server.url + "/g")
    assert "the body is not valid gzip data" in str(info.value) and server.url + "/g" in str(info.value)
    assert cache_files(tmp_path) == {}


def test_cached_entry_that_no_longer_passes_is_dropped_and_a_304_does_not_bring_it_back(server, tmp_path):
    server.routes["/p"] = etagged(b"{not json", '"bad"')
    client = HttpClient(tmp_path)
    client.get(server.url + "/p")  # an older version cached it without a check
    server.routes["/p"] = etagged(BODY, '"bad"')  # same ETag: a revalidation would answer 304
    assert client.get(server.url + "/p", check=json_check).body == BODY
    assert "if-none-match" not in server.seen[-1].headers
    assert client.get(server.url + "/p", check=json_check).from_cache


def test_decompression_bomb_ends_in_a_clear_error(server, tmp_path):
    bomb = gzip.compress(b"\0" * (8 << 20))  # 8 KiB that inflate to 8 MiB
    server.routes["/bomb"] = static(200, bomb, {"Content-Encoding": "gzip"})
    with pytest.raises(DamagedResponseError, match=r"larger than 1 MiB once decoded"):
        HttpClient(tmp_path, max_body=1 << 20).get(server.url + "/bomb")
    assert cache_files(tmp_path) == {}


def test_in_memory_cap_stays_below_what_a_gzip_page_bomb_reaches():
    from solver.http import MAX_BODY_IN_MEMORY

    assert MAX_BODY_IN_MEMORY < 644 * 1000 * 1000  # the 292 KB page of issue 15 inflated to 644 MB


# -- 2. no credential on disk --------------------------------------------------------------------


def test_conda_token_and_basic_auth_never_reach_the_cache(server, tmp_path):
    server.routes["/t/tk-SECRET-42/chan/noarch/repodata.json"] = etagged(
        BODY, '"1"', {"Set-Cookie": "session=COOKIE-SECRET", "Cache-Control": "max-age=60"})
    client = HttpClient(tmp_path)
    url = server.url.replace("http://", "http://alice:PW-SECRET@") + "/t/tk-SECRET-42/chan/noarch/repodata.json"
    resp = client.fetch_to_cache(url)
    assert resp.path.read_bytes() == BODY
    # stored, and (an authenticated answer) confirmed with the server before it is used again
    assert client.fetch_to_cache(url).from_cache
    assert_no_secret(tmp_path, "tk-SECRET-42", "PW-SECRET", "alice", "COOKIE-SECRET")


def test_redirect_to_a_url_holding_a_token_is_not_stored(server, tmp_path):
    server.routes["/chan/noarch/repodata.json"] = static(301, b"", {"Location": "/t/tk-REDIRECT/chan/noarch/repodata.json"})
    server.routes["/t/tk-REDIRECT/chan/noarch/repodata.json"] = static(200, BODY, {"ETag": '"1"', "Cache-Control": "max-age=60"})
    client = HttpClient(tmp_path)
    assert client.get(server.url + "/chan/noarch/repodata.json").body == BODY
    assert_no_secret(tmp_path, "tk-REDIRECT")


# -- 3. --timeout is a deadline per request --------------------------------------------------------


def test_a_server_trickling_one_byte_at_a_time_hits_the_deadline(server, tmp_path):
    server.routes["/slow"] = trickle(b"x" * 200, every=0.2)  # 40 s in all, each read well inside 1 s
    with pytest.raises(NetworkError) as info:
        HttpClient(tmp_path, timeout=1, retries=3, backoff=0.01).get(server.url + "/slow")
    assert "timed out (the --timeout of 1 s per request passed)" in str(info.value)
    assert len(server.seen) == 1  # no retry after the deadline
    assert cache_files(tmp_path) == {}


def test_retry_after_past_the_deadline_is_not_waited_for(server, tmp_path):
    server.routes["/busy"] = static(503, b"", {"Retry-After": "30"})
    with pytest.raises(NetworkError) as info:
        HttpClient(tmp_path, timeout=2, retries=3).get(server.url + "/busy")
    assert "asks to retry after 30 s, past the --timeout of 2 s" in str(info.value)
    assert len(server.seen) == 1


# -- 5. a temporary redirect is not remembered -------------------------------------------------------


def test_a_temporary_redirect_is_not_remembered(tmp_path):
    origin, mirror = FaultServer(), FaultServer()
    try:
        origin.routes["/simple/pkg/"] = static(302, b"", {"Location": mirror.url + "/simple/pkg/"})
        mirror.routes["/simple/pkg/"] = etagged(b"<a href='pkg-1.0.tar.gz'>", '"m"')
        client = HttpClient(tmp_path)
        first = client.get(origin.url + "/simple/pkg/")
        assert first.url == mirror.url + "/simple/pkg/"
        mirror.close()  # the mirror goes away; the origin now answers itself
        origin.routes["/simple/pkg/"] = etagged(b"<a href='pkg-1.0.tar.gz'>", '"m"')
        second = client.get(origin.url + "/simple/pkg/")
        assert second.from_cache and second.url == origin.url + "/simple/pkg/"
    finally:
        origin.close()
        mirror.close()


# -- 15: redirects to URLs nobody can fetch ---------------------------------------------------------


@pytest.mark.parametrize("location, reason", [
    ("http://127.0.0.1:99999/x", "Port out of range"),
    ("http://[::1/x", "Invalid IPv6 URL"),
    ("ftp://127.0.0.1/x", "not an http(s) URL"),
])
def test_redirect_to_an_unfetchable_url_is_a_clear_network_error(server, tmp_path, location, reason):
    server.routes["/go"] = static(302, b"", {"Location": location})
    with pytest.raises(NetworkError) as info:
        HttpClient(tmp_path).get(server.url + "/go")
    assert reason in str(info.value) and server.url + "/go" in str(info.value)


# -- 6. temporary files after kill -9 ---------------------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from solver.atomic import atomic_writer
    from solver.http import HttpClient

    url, cache, lock = sys.argv[1:4]
    with atomic_writer(Path(lock)) as f:   # a lock write caught mid-way
        f.write(b"partial")
        print("writing", flush=True)
        HttpClient(cache, timeout=60).fetch_to_cache(url)  # a repodata download caught mid-way
""")


def test_temporary_files_stay_bounded_after_repeated_kill_9(server, tmp_path):
    server.routes["/big/repodata.json"] = trickle(b"{" + b" " * 400 + b"}", every=0.05)
    project = tmp_path / "project"
    project.mkdir()
    lock = project / "pixi.lock"
    env = {**os.environ, "PYTHONPATH": str(Path(__import__("solver").__file__).parents[1])}
    kills = 20
    seen_part = 0
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, server.url + "/big/repodata.json", str(tmp_path / "cache"),
                                 str(lock)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"writing"
        for _wait in range(200):  # until the download has started writing its .part file
            if list((tmp_path / "cache").rglob(f".*.{proc.pid}.*.part")):
                seen_part += 1
                break
            __import__("time").sleep(0.01)
        proc.kill()
        proc.wait()
    parts = list((tmp_path / "cache").rglob("*.part"))
    temps = [p for p in project.iterdir() if p.name.startswith(".pixi.lock.")]
    assert seen_part >= kills // 2  # the kills did land mid-download
    assert len(parts) <= 1 and len(temps) <= 1  # the last run's leftovers only, not 20 of each


def test_a_download_killed_midway_is_cleaned_even_if_its_url_is_never_fetched_again(server, tmp_path):
    # the .part of a URL nobody asks for again (a channel dropped from the manifest) would stay for
    # good, as large as a repodata file: the daily sweep of the next run that writes removes it
    server.routes["/gone/repodata.json"] = trickle(b"{" + b" " * 400 + b"}", every=0.05)
    server.routes["/other"] = static(200, b"other", {"ETag": '"o"'})
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(Path(__import__("solver").__file__).parents[1])}

    def killed_midway() -> None:
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, server.url + "/gone/repodata.json", str(cache),
                                 str(tmp_path / "pixi.lock")], stdout=subprocess.PIPE, env=env)
        assert proc.stdout.readline().strip() == b"writing"
        for _wait in range(500):
            if list(cache.rglob(f".*.{proc.pid}.*.part")):
                break
            __import__("time").sleep(0.01)
        proc.kill()
        proc.wait()
        assert list(cache.rglob("*.part")), "the kill landed mid-download"

    killed_midway()
    HttpClient(cache).get(server.url + "/other")
    assert not list(cache.rglob("*.part"))
    killed_midway()
    HttpClient(cache).get(server.url + "/other")
    assert list(cache.rglob("*.part"))  # swept today already: not again within a day
    day_ago = __import__("time").time() - 86400 - 60
    os.utime(cache / "http" / ".last-sweep", (day_ago, day_ago))
    HttpClient(cache).get(server.url + "/other")
    assert not list(cache.rglob("*.part"))


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    from solver.atomic import remove_stale_temps, temp_path_for

    fd, mine = temp_path_for(tmp_path / "pixi.lock", ".tmp")
    os.close(fd)
    dead = tmp_path / ".pixi.lock.999999999.abc.tmp"
    dead.write_bytes(b"x")
    assert remove_stale_temps(tmp_path, ".pixi.lock.", ".tmp") == 1
    assert Path(mine).exists() and not dead.exists()


# -- 7. the lazy imports are thread-safe ---------------------------------------------------------------

_RACE = textwrap.dedent("""
    import sys, threading
    from solver.http import HttpClient
    assert "http.client" not in sys.modules and "ssl" not in sys.modules  # the threads import them
    url = sys.argv[1]
    client = HttpClient(None, retries=0)
    barrier = threading.Barrier(16)
    errors = []
    def one():
        barrier.wait()
        try:
            client.get(url)
        except Exception as exc:
            errors.append(repr(exc))
    threads = [threading.Thread(target=one) for _ in range(16)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(errors)
""")


def test_first_requests_from_many_threads_at_once_all_succeed(server):
    server.routes["/ok"] = static(200, b"ok")
    env = {**os.environ, "PYTHONPATH": str(Path(__import__("solver").__file__).parents[1])}
    for _ in range(5):  # fresh interpreters: the transport is imported by the racing threads
        out = subprocess.run([sys.executable, "-c", _RACE, server.url + "/ok"], capture_output=True, text=True,
                             env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "[]"


# -- proxies ------------------------------------------------------------------------------------------


def test_http_proxy_from_the_environment_with_credentials(server, tmp_path, monkeypatch):
    proxy = LoopbackProxy(require_auth="Basic " + base64.b64encode(b"pu:PROXY-SECRET").decode())
    try:
        server.routes["/x"] = static(200, b"via proxy", {"ETag": '"x"'})
        monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://pu:PROXY-SECRET@"))
        assert HttpClient(tmp_path).get(server.url + "/x").body == b"via proxy"
        assert proxy.seen[0][:2] == ("GET", server.url + "/x")
        assert_no_secret(tmp_path, "PROXY-SECRET")
        monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://pu:WRONG-SECRET@"))
        with pytest.raises(NetworkError, match=r"the proxy refused the request .*\(HTTP 407\)") as info:
            HttpClient(tmp_path).get(server.url + "/x")
        assert "WRONG-SECRET" not in str(info.value)
    finally:
        proxy.close()


def test_no_proxy_bypasses_and_settings_win_over_the_environment(server, tmp_path, monkeypatch):
    proxy = LoopbackProxy()
    try:
        server.routes["/x"] = static(200, b"direct")
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        assert HttpClient(tmp_path).get(server.url + "/x").body == b"direct"
        monkeypatch.delenv("NO_PROXY")
        client = HttpClient(tmp_path, proxies={"http": proxy.url})
        assert client.get(server.url + "/x").body == b"direct" and len(proxy.seen) == 1
        with pytest.raises(InputError, match="only http:// proxies are supported"):
            HttpClient(tmp_path, proxies={"http": "socks5://127.0.0.1:1080"}).get(server.url + "/x")
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    material = make_tls_material(tmp_path_factory.mktemp("tls"))
    if material is None:
        pytest.skip("openssl not available to make a test CA")
    return material


def test_https_through_a_connect_proxy_with_a_custom_ca_bundle(tls, tmp_path):
    ca, cert, key = tls
    origin = FaultServer(tls=(str(cert), str(key)))
    proxy = LoopbackProxy()
    try:
        origin.routes["/s"] = static(200, b"secure")
        with pytest.raises(NetworkError, match="TLS certificate verification failed"):
            HttpClient(tmp_path, retries=0, ca_bundle=None, env={}).get(origin.url + "/s")
        client = HttpClient(tmp_path, proxies={"https": proxy.url}, ca_bundle=str(ca))
        assert client.get(origin.url + "/s").body == b"secure"
        assert proxy.seen == [("CONNECT", f"127.0.0.1:{origin.port}", None)]
        # the standard variable, and a host marked insecure
        assert HttpClient(tmp_path, env={"SSL_CERT_FILE": str(ca)}).get(origin.url + "/s").body == b"secure"
        assert HttpClient(tmp_path, env={}, insecure_hosts=["127.0.0.1"]).get(origin.url + "/s").body == b"secure"
        with pytest.raises(InputError, match=r"CA certificates .*missing\.pem \(from the ca_bundle setting"):
            HttpClient(tmp_path, ca_bundle=str(tmp_path / "missing.pem")).get(origin.url + "/s")
    finally:
        origin.close()
        proxy.close()


# -- conda channel authentication as pixi stores it ------------------------------------------------


def test_rattler_credentials_file_bearer_conda_token_and_basic_matched_by_host(server, tmp_path, monkeypatch):
    seen = {}

    def record(req, sock):
        seen[req.target] = req.headers.get("authorization")
        sock.sendall(response(200, b"ok"))

    server.routes["/t/CONDA-TOKEN/chan/noarch/repodata.json"] = record
    server.routes["/chan/noarch/repodata.json"] = record
    auth = tmp_path / "credentials.json"

    def client_with(entry, host="127.0.0.1"):
        auth.write_text(json.dumps({host: entry}))
        return HttpClient(tmp_path / "cache", auth_file=str(auth))

    client_with({"BearerToken": "BEARER-SECRET"}).get(server.url + "/chan/noarch/repodata.json")
    assert seen.pop("/chan/noarch/repodata.json") == "Bearer BEARER-SECRET"
    client_with({"CondaToken": "CONDA-TOKEN"}).get(server.url + "/chan/noarch/repodata.json")
    assert seen.pop("/t/CONDA-TOKEN/chan/noarch/repodata.json") is None
    client_with({"BasicHTTP": {"username": "u", "password": "BASIC-SECRET"}}).get(server.url + "/chan/noarch/repodata.json")
    assert seen.pop("/chan/noarch/repodata.json") == "Basic " + base64.b64encode(b"u:BASIC-SECRET").decode()
    # another host's entry is not sent; RATTLER_AUTH_FILE is read like the setting
    auth.write_text(json.dumps({"*.example.invalid": {"BearerToken": "OTHER"}}))
    monkeypatch.setenv("RATTLER_AUTH_FILE", str(auth))
    HttpClient(tmp_path / "cache").get(server.url + "/chan/noarch/repodata.json")
    assert seen.pop("/chan/noarch/repodata.json") is None
    assert_no_secret(tmp_path / "cache", "BEARER-SECRET", "CONDA-TOKEN", "BASIC-SECRET")


def test_credential_store_matches_wildcards_most_specific_first(tmp_path):
    from solver.credentials import CredentialStore

    auth = tmp_path / "c.json"
    auth.write_text(json.dumps({"*.example.invalid": {"BearerToken": "wide"},
                                "*.repo.example.invalid": {"BearerToken": "narrow"},
                                "exact.example.invalid": {"CondaToken": "exact"}}))
    store = CredentialStore(auth, env={})
    assert store("a.repo.example.invalid").secret == "narrow"
    assert store("b.example.invalid").secret == "wide"
    assert store("exact.example.invalid").kind == "conda-token"
    assert store("elsewhere.invalid") is None
    assert "narrow" not in repr(store("a.repo.example.invalid"))


def test_a_broken_credentials_file_is_named_without_its_content(tmp_path):
    from solver.credentials import CredentialStore

    auth = tmp_path / "c.json"
    auth.write_text('{"h.invalid": {"BearerToken": "LEAKY-SECRET"')
    with pytest.raises(InputError) as info:
        CredentialStore(auth, env={})("h.invalid")
    assert str(auth) in str(info.value) and "LEAKY-SECRET" not in str(info.value)
    auth.write_text('{"h.invalid": {"Kerberos": "LEAKY-SECRET"}}')
    with pytest.raises(InputError, match="unsupported authentication method 'Kerberos'") as info:
        CredentialStore(auth, env={})("h.invalid")
    assert "LEAKY-SECRET" not in str(info.value)


def test_keyring_entries_as_pixi_writes_them(tmp_path, monkeypatch):
    import types

    from solver.credentials import CredentialStore

    stored = {("rattler", "conda.example.invalid"): json.dumps({"BearerToken": "KR-TOKEN"})}
    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=lambda s, u: stored.get((s, u))))
    assert CredentialStore(env={})("conda.example.invalid") == __import__("solver.credentials").credentials.Credential(
        "bearer", secret="KR-TOKEN")
    assert CredentialStore(env={})("other.example.invalid") is None


# -- mirrors -------------------------------------------------------------------------------------------


def test_mirrors_are_tried_in_order_and_the_original_url_is_kept(server, tmp_path):
    server.routes["/m2/noarch/repodata.json"] = static(200, BODY)
    original = "https://conda.example.invalid/chan"
    client = HttpClient(tmp_path, mirrors={original: ["http://127.0.0.1:9/m1", server.url + "/m2"]}, retries=0)
    resp = client.fetch_to_cache(original + "/noarch/repodata.json")
    assert resp.path.read_bytes() == BODY and resp.url == original + "/noarch/repodata.json"
    with pytest.raises(NotFoundError):
        client.get(original + "/linux-64/repodata.json")


# -- fetch reporting is a callback of the client --------------------------------------------------------


def test_on_fetch_hears_each_remote_fetch_without_credentials(server, tmp_path):
    server.routes["/a"] = etagged(b"body")
    events = []
    client = HttpClient(tmp_path, on_fetch=events.append)
    url = server.url.replace("http://", "http://u:EVENT-SECRET@") + "/a"
    client.get(url)
    client.get(url)
    assert [(e.method, e.from_cache, e.bytes) for e in events] == [("get", False, 4), ("get", True, None)]
    assert all("EVENT-SECRET" not in e.url and e.url == server.url + "/a" for e in events)


@pytest.mark.parametrize("host, port, entries, bypass", [
    ("idx.corp.invalid", 443, ("corp.invalid",), True),
    ("idx.corp.invalid", 443, (".corp.invalid",), True),
    ("idx.corp.invalid", 443, ("*.corp.invalid",), True),
    ("corp.invalid", 443, (".corp.invalid",), True),
    ("notcorp.invalid", 443, ("corp.invalid",), False),
    ("idx.corp.invalid", 8443, ("idx.corp.invalid:443",), False),
    ("idx.corp.invalid", 443, ("idx.corp.invalid:443",), True),
    ("10.1.2.3", 80, ("10.0.0.0/8",), True),
    ("192.168.0.1", 80, ("10.0.0.0/8",), False),
    ("anything.invalid", 80, ("*",), True),
])
def test_no_proxy_entries_match_as_curl_reads_them(host, port, entries, bypass):
    from solver.http.settings import bypasses_proxy

    assert bypasses_proxy(host, port, entries) is bypass
