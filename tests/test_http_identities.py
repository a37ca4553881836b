"""One cache folder, several identities: a page fetched with A's credentials is never served to B
(other credentials, or none) on the strength of the cache; anonymous public pages stay shared and
are served without asking; and an entry another process rewrote meanwhile, or an older version
wrote, is not trusted (see solver/http/cache.py)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from support.netfault import FaultServer, Request, etagged, response
from solver.errors import NetworkError
from solver.http import HttpClient
from solver.http.cache import cache_paths

# The server's view of one page, per identity: the same Last-Modified for all (a date cannot
# tell A's page from B's), an ETag of its own for each.
LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"
PAGES = {
    "alice": (b"page of alice: secret-pkg 2.0", '"alice-1"'),
    "bob": (b"page of bob: secret-pkg 1.0", '"bob-1"'),
    None: (b"public page: secret-pkg 0.5", '"public-1"'),
}


def identity(req: Request) -> str | None:
    auth = req.headers.get("authorization", "")
    if auth.startswith("Basic "):
        return base64.b64decode(auth[6:]).decode().split(":", 1)[0]
    if auth.startswith("Bearer "):
        return auth[7:].split("-", 1)[0]
    return None


def per_identity(cache_control: str = "max-age=600"):
    """A page whose content depends on who asks, which answers 304 to a matching ETag or to an
    ``If-Modified-Since`` of its date (as static servers do), whoever asks."""

    def route(req: Request, sock) -> None:
        body, etag = PAGES[identity(req)]
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Cache-Control": cache_control}
        if req.headers.get("if-none-match") == etag or req.headers.get("if-modified-since") == LAST_MODIFIED:
            sock.sendall(response(304, b"", headers, length=False))
        else:
            sock.sendall(response(200, body, headers))

    return route


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no credentials file of the user
    monkeypatch.delenv("RATTLER_AUTH_FILE", raising=False)
    srv = FaultServer()
    yield srv
    srv.close()


def as_user(cache, user: str | None, **kw) -> HttpClient:
    """A new process's client over the shared cache folder, with ``user``'s credentials."""
    return HttpClient(cache, auth=(lambda url: (user, f"{user}-pw")) if user else None, retries=0, **kw)


@pytest.mark.parametrize("fetch", ["get", "fetch_to_cache"])
@pytest.mark.parametrize("order", [("alice", "bob"), ("alice", None), (None, "alice")])
def test_an_identity_never_sees_another_identitys_page(server, tmp_path, fetch, order):
    server.routes["/simple/secret-pkg/"] = per_identity()
    url = server.url + "/simple/secret-pkg/"
    shared = tmp_path / "cache"

    def page(user):
        client = as_user(shared, user)
        return client.get(url).body if fetch == "get" else client.fetch_to_cache(url).path.read_bytes()

    first, second = order
    assert page(first) == PAGES[first][0]
    assert page(second) == PAGES[second][0]
    # and back: the first one's next run gets its own page again, whatever the second stored
    assert page(first) == PAGES[first][0]


def test_an_authenticated_page_is_confirmed_by_its_etag_with_the_requesters_credentials(server, tmp_path):
    server.routes["/simple/secret-pkg/"] = per_identity()
    url = server.url + "/simple/secret-pkg/"
    assert as_user(tmp_path, "alice").get(url).body == PAGES["alice"][0]
    again = as_user(tmp_path, "alice").get(url)
    assert again.body == PAGES["alice"][0] and again.from_cache  # a 304: nothing downloaded twice
    revalidation = server.seen[-1]
    assert identity(revalidation) == "alice"
    assert revalidation.headers.get("if-none-match") == PAGES["alice"][1]
    # a date says nothing about whose page is stored: never sent for an authenticated entry
    assert "if-modified-since" not in revalidation.headers


def test_anonymous_public_pages_stay_shared_and_are_served_without_asking(server, tmp_path):
    server.routes["/simple/public/"] = etagged(b"public", '"p"', {"Cache-Control": "max-age=600"})
    url = server.url + "/simple/public/"
    assert as_user(tmp_path, None).get(url).body == b"public"
    second = as_user(tmp_path, None).get(url)  # another process, another (anonymous) user
    assert second.body == b"public" and second.from_cache
    assert len(server.seen) == 1


def test_an_authenticated_answer_the_server_marks_public_is_shared(server, tmp_path):
    # RFC 9111 §3.5: ``public`` lets a response to an authenticated request serve other requests
    server.routes["/simple/secret-pkg/"] = per_identity("public, max-age=600")
    url = server.url + "/simple/secret-pkg/"
    assert as_user(tmp_path, "alice").get(url).body == PAGES["alice"][0]
    again = as_user(tmp_path, "bob").get(url)
    assert again.from_cache and again.body == PAGES["alice"][0]
    assert len(server.seen) == 1


@pytest.mark.parametrize("cache_control, vary, asks", [
    ("private, max-age=600", "", True),
    ("max-age=600", "*", True),
    # headers we never send (absent both times: they match) or always send the same
    ("max-age=600", "Cookie, Origin", False),
    ("max-age=600", "Accept-Encoding, User-Agent", False),
])
def test_a_private_or_varying_anonymous_answer_is_asked_about_again(server, tmp_path, cache_control, vary, asks):
    headers = {"Cache-Control": cache_control, **({"Vary": vary} if vary else {})}
    server.routes["/p"] = etagged(b"page", '"1"', headers)
    url = server.url + "/p"
    assert as_user(tmp_path, None).get(url).body == b"page"
    again = as_user(tmp_path, None).get(url)
    assert again.body == b"page" and again.from_cache
    assert len(server.seen) == (2 if asks else 1)
    if asks:
        assert server.seen[-1].headers.get("if-none-match") == '"1"'


def test_conda_tokens_from_the_credential_store_get_each_identity_its_own_repodata(server, tmp_path):
    bodies = {"tok-A": b'{"packages": {"a-only": {}}}', "tok-B": b'{"packages": {"b-only": {}}}'}
    for n, (token, body) in enumerate(bodies.items()):
        server.routes[f"/t/{token}/chan/noarch/repodata.json"] = etagged(body, f'"v{n}"',
                                                                          {"Cache-Control": "max-age=600"})
    url = server.url + "/chan/noarch/repodata.json"
    shared = tmp_path / "cache"
    for token in ("tok-A", "tok-B", "tok-A"):
        auth_file = tmp_path / f"{token}.json"
        auth_file.write_text(json.dumps({"127.0.0.1": {"CondaToken": token}}))
        got = HttpClient(shared, auth_file=str(auth_file), retries=0).fetch_to_cache(url).path.read_bytes()
        assert got == bodies[token]
    for path in shared.rglob("*"):
        if path.is_file():
            assert b"tok-" not in path.read_bytes() and "tok-" not in path.name


def test_a_revoked_identity_gets_an_error_not_the_cached_page(server, tmp_path):
    def route(req: Request, sock) -> None:
        if identity(req) != "alice" or revoked:
            sock.sendall(response(401, b"", {"WWW-Authenticate": "Basic"}))
        else:
            per_identity()(req, sock)

    revoked = False
    server.routes["/simple/secret-pkg/"] = route
    url = server.url + "/simple/secret-pkg/"
    assert as_user(tmp_path, "alice").get(url).body == PAGES["alice"][0]
    revoked = True
    with pytest.raises(NetworkError, match="401"):
        as_user(tmp_path, "alice").get(url)


# -- entries that do not describe themselves -----------------------------------------------------

@pytest.mark.parametrize("fetch", ["get", "fetch_to_cache"])
def test_a_body_another_process_swapped_under_the_meta_is_not_vouched_for_by_a_304(server, tmp_path, fetch):
    # Two processes rewrite one private entry at once: this one holds alice's meta (ETag alice-1),
    # the body file is now bob's. A 304 to alice's ETag must not hand alice bob's page.
    server.routes["/simple/secret-pkg/"] = per_identity()
    url = server.url + "/simple/secret-pkg/"
    client = as_user(tmp_path, "alice")
    get = (lambda: client.get(url).body) if fetch == "get" else (lambda: client.fetch_to_cache(url).path.read_bytes())
    assert get() == PAGES["alice"][0]
    entry_body = cache_paths(client.cache_dir, url, {}, private=True)[1]
    held = [p for p in entry_body.parent.glob(entry_body.stem + "*.body") if p.read_bytes() == PAGES["alice"][0]]
    assert len(held) == 1
    held[0].write_bytes(PAGES["bob"][0])
    assert get() == PAGES["alice"][0]


def test_a_private_file_handed_out_keeps_its_identitys_body_when_another_identity_refreshes_it(server, tmp_path):
    # fetch_to_cache hands out a path the caller opens later: a concurrent run with other
    # credentials must not rename its own body over it meanwhile
    server.routes["/chan/noarch/repodata.json"] = per_identity()
    url = server.url + "/chan/noarch/repodata.json"
    alices = as_user(tmp_path, "alice").fetch_to_cache(url).path
    bobs = as_user(tmp_path, "bob").fetch_to_cache(url).path
    assert alices.read_bytes() == PAGES["alice"][0] and bobs.read_bytes() == PAGES["bob"][0]
    again = as_user(tmp_path, "alice").fetch_to_cache(url)  # the entry's meta is bob's: asked, and fetched
    assert again.path == alices and alices.read_bytes() == PAGES["alice"][0]
    assert bobs.read_bytes() == PAGES["bob"][0]  # bob's run, if still reading, keeps its own too


def test_private_bodies_no_entry_names_go_with_the_daily_sweep(server, tmp_path):
    import os

    server.routes["/chan/noarch/repodata.json"] = per_identity()
    server.routes["/other"] = etagged(b"other", '"o"')
    url = server.url + "/chan/noarch/repodata.json"
    alices = as_user(tmp_path, "alice").fetch_to_cache(url).path
    bobs = as_user(tmp_path, "bob").fetch_to_cache(url).path  # the entry now names bob's body
    two_days_ago = time.time() - 2 * 86400
    for path in (alices, bobs, tmp_path / "http" / ".last-sweep"):
        os.utime(path, (two_days_ago, two_days_ago))
    as_user(tmp_path, None).get(server.url + "/other")  # a run storing an entry sweeps, once a day
    assert not alices.exists() and bobs.read_bytes() == PAGES["bob"][0]
    assert as_user(tmp_path, "alice").fetch_to_cache(url).path.read_bytes() == PAGES["alice"][0]


@pytest.mark.parametrize("fetch", ["get", "fetch_to_cache"])
def test_an_anonymous_request_redirected_to_credentials_stores_nothing_over_the_public_entry(server, tmp_path, fetch):
    # the first hop is anonymous (the public partition), the second carries alice's credentials:
    # her page is used for this run, and never lands where anonymous requests read
    redirect = {"on": False}

    def public(req: Request, sock) -> None:
        if redirect["on"]:
            sock.sendall(response(302, b"", {"Location": "/private/repodata.json"}))
        else:
            sock.sendall(response(200, PAGES[None][0], {"ETag": PAGES[None][1]}))

    server.routes["/repodata.json"] = public
    server.routes["/private/repodata.json"] = per_identity()
    url = server.url + "/repodata.json"
    client = HttpClient(tmp_path, auth=lambda u: ("alice", "alice-pw") if "/private/" in u else None, retries=0)

    def body(c):
        return c.get(url).body if fetch == "get" else c.fetch_to_cache(url).path.read_bytes()

    assert body(client) == PAGES[None][0]
    redirect["on"] = True
    assert body(client) == PAGES["alice"][0]
    meta_file, body_file = cache_paths(tmp_path / "http", url, {})
    if fetch == "get":  # the entry is dropped: nothing vouches for a body (the next anonymous run asks again)
        assert not meta_file.exists()
        assert not body_file.exists() or body_file.read_bytes() == PAGES[None][0]
    else:  # the anonymous entry stays whole; alice's body went beside it
        assert body_file.read_bytes() == PAGES[None][0]
        assert json.loads(meta_file.read_text())["headers"]["etag"] == PAGES[None][1]
    redirect["on"] = False
    assert body(as_user(tmp_path, None)) == PAGES[None][0]


def test_a_private_file_updated_many_times_keeps_a_bounded_number_of_bodies(server, tmp_path):
    import os

    url = server.url + "/chan/noarch/repodata.json"
    entry_body = cache_paths(tmp_path / "http", url, {}, private=True)[1]
    hour_ago = time.time() - 3600
    for version in range(6):
        server.routes["/chan/noarch/repodata.json"] = etagged(f"version {version}".encode(), f'"{version}"')
        assert as_user(tmp_path, "alice").fetch_to_cache(url).path.read_bytes() == f"version {version}".encode()
        for path in [*entry_body.parent.glob(entry_body.stem + ".*"), entry_body.with_suffix(".json")]:
            os.utime(path, (hour_ago, hour_ago))  # time passes between the updates
    bodies = sorted(entry_body.parent.glob(entry_body.stem + ".*.body"))
    assert len(bodies) <= 2, bodies  # the current one, and the one it superseded (named until then)
    assert any(p.read_bytes() == b"version 5" for p in bodies)


def test_an_entry_an_older_version_wrote_is_not_trusted(server, tmp_path):
    # Older versions keyed entries by URL alone: an authenticated page may sit under the anonymous
    # key, fresh. An anonymous request after the upgrade must ask the server.
    server.routes["/simple/secret-pkg/"] = per_identity()
    url = server.url + "/simple/secret-pkg/"
    meta_file, body_file = cache_paths(tmp_path / "http", url, {})
    meta_file.parent.mkdir(parents=True)
    body_file.write_bytes(PAGES["alice"][0])
    meta_file.write_text(json.dumps({"headers": {"etag": PAGES["alice"][1]}, "stored": time.time(),
                                     "cache_control": "max-age=600"}))
    assert as_user(tmp_path, None).get(url).body == PAGES[None][0]


def test_an_entry_stored_in_the_future_is_asked_about(server, tmp_path):
    # the clock went back (or another machine sharing the folder runs ahead): max-age cannot be
    # counted from a time that has not come yet
    server.routes["/p"] = etagged(b"v2", '"2"', {"Cache-Control": "max-age=600"})
    url = server.url + "/p"
    assert as_user(tmp_path, None).get(url).body == b"v2"
    meta_file = cache_paths(tmp_path / "http", url, {})[0]
    meta = json.loads(meta_file.read_text())
    meta["stored"] = time.time() + 86400
    meta_file.write_text(json.dumps(meta))
    again = as_user(tmp_path, None).get(url)
    assert again.body == b"v2" and len(server.seen) == 2


def test_the_age_a_response_came_with_counts_against_its_max_age(server, tmp_path):
    # a CDN that kept the page 590 of its 600 seconds: 10 seconds left, not 600
    server.routes["/p"] = etagged(b"page", '"1"', {"Cache-Control": "max-age=600", "Age": "600"})
    url = server.url + "/p"
    as_user(tmp_path, None).get(url)
    as_user(tmp_path, None).get(url)
    assert len(server.seen) == 2


@pytest.mark.parametrize("body", [["a", "b"], [1.5], [-1, 2], [], None, [1, 2, 3]])
@pytest.mark.parametrize("private", [False, True])
def test_a_meta_whose_body_fingerprint_is_not_one_counts_as_absent(server, tmp_path, body, private):
    server.routes["/p"] = etagged(b"page", '"1"')
    url = server.url + "/p"
    client = as_user(tmp_path, "alice" if private else None)
    assert client.fetch_to_cache(url).path.read_bytes() == b"page"
    meta_file = cache_paths(tmp_path / "http", url, {}, private=private)[0]
    meta = json.loads(meta_file.read_text())
    meta["body"] = body
    meta_file.write_text(json.dumps(meta))
    assert client.fetch_to_cache(url).path.read_bytes() == b"page"
    assert client.get(url).body == b"page"


_HAMMER = """
import sys
from solver.http import HttpClient
url, cache, user, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(rounds):
    client = HttpClient(cache, auth=(lambda u: (user, user + "-pw")) if user != "-" else None, retries=2)
    page = client.get(url).body if i % 2 else client.fetch_to_cache(url).path.read_bytes()
    owner = page.split(b" ", 1)[0].decode()
    if owner != user:
        print(f"{user} got {owner}'s page: {page!r}")
        sys.exit(1)
"""


def test_identities_hammering_one_cache_folder_at_once_each_get_only_their_own_pages(server, tmp_path):
    # two identities and anonymous requests, two processes each, on the same entries at once,
    # while the pages change: every answer is the requester's own
    import itertools
    import os
    import subprocess
    import sys
    from pathlib import Path

    counter = itertools.count()

    def route(req: Request, sock) -> None:
        who = identity(req) or "-"
        version = next(counter) // 7  # the pages change as the runs go
        etag = f'"{who}-{version}"'
        if req.headers.get("if-none-match") == etag:
            sock.sendall(response(304, b"", {"ETag": etag}, length=False))
        else:
            sock.sendall(response(200, f"{who} page, version {version} ".encode() * 50, {"ETag": etag}))

    server.routes["/simple/pkg/"] = route
    env = {**os.environ, "PYTHONPATH": str(Path(__import__("solver").__file__).parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", _HAMMER, server.url + "/simple/pkg/", str(tmp_path), user, "15"],
                              env=env, stdout=subprocess.PIPE, text=True)
             for user in ("alice", "bob", "-") for _ in range(2)]
    outcomes = [(p.wait(timeout=120), p.stdout.read()) for p in procs]
    assert all(code == 0 for code, _ in outcomes), [out for _, out in outcomes if out]
