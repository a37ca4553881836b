"""Faults of PyPI indexes over loopback: PEP 658 metadata that does not match its hash, metadata
cached by wheel hash, a name pinned to an index next to find-links, first-index and empty pages."""

from __future__ import annotations

import shutil

import pytest

from solver.errors import NetworkError, SolverError
from solver.pypi.model import PyPIIndex, PyPIRequirement
from support.pypi_index import Dist, build_find_links, build_index, metadata_text

from .conftest import versions

DISTS = [Dist(name="app", version="1.0", requires=["dep>=1"]), Dist(name="dep", version="1.5"),
         Dist(name="dep", version="0.5")]


def metadata_file(root):
    return next((root / "files").glob("app-1.0-*.whl.metadata"))


def test_metadata_that_does_not_match_its_pep658_hash_is_refused_then_recovers(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS, pep658=True)
    meta = metadata_file(tmp_path / "i")
    good = meta.read_bytes()
    # damaged in transit: the dependency line is gone, the rest still parses
    meta.write_bytes(metadata_text(Dist(name="app", version="1.0")).encode())
    srv = serve_index(tmp_path / "i")
    with pytest.raises(NetworkError) as info:
        solve([("app",)], [srv.url + "/simple"])
    text = str(info.value)
    assert "app-1.0" in text and "the metadata file's sha256 is" in text and "the index says" in text
    meta.write_bytes(good)
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}


def test_metadata_cached_by_wheel_hash_is_read_again_when_the_index_describes_it_differently(solve, tmp_path,
                                                                                             serve_index):
    build_index(tmp_path / "i", DISTS, pep658=True)
    srv = serve_index(tmp_path / "i")
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    # the index now publishes other metadata for the same wheel (a fixed upload): its hash changed
    new = Dist(name="app", version="1.0", requires=["dep<1"])
    build_index(tmp_path / "i2", [new, *DISTS[1:]], pep658=True)
    meta = metadata_file(tmp_path / "i")
    meta.write_bytes(metadata_file(tmp_path / "i2").read_bytes())
    page_json = tmp_path / "i" / "simple" / "app" / "index.json"
    page_html = tmp_path / "i" / "simple" / "app" / "index.html"
    import hashlib

    old_sha = hashlib.sha256(metadata_text(DISTS[0]).encode()).hexdigest()
    new_sha = hashlib.sha256(meta.read_bytes()).hexdigest()
    for page in (page_json, page_html):
        page.write_text(page.read_text().replace(old_sha, new_sha))
    shutil.rmtree(tmp_path / "cache" / "http")  # the pages' max-age ran out; the metadata cache stays
    assert (tmp_path / "cache" / "pypi-metadata").is_dir()
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "0.5"}


def test_find_links_never_serve_a_name_pinned_to_an_index(solve, tmp_path, serve_index):
    build_index(tmp_path / "priv", [Dist(name="secret-pkg", version="1.0.0")])
    srv = serve_index(tmp_path / "priv")
    links = build_find_links(tmp_path / "links", [Dist(name="secret-pkg", version="66.6.0")])
    sol = solve([PyPIRequirement(name="secret-pkg", index="priv")], [PyPIIndex(url=srv.url + "/simple", name="priv")],
                find_links=[str(links)])
    assert versions(sol) == {"secret-pkg": "1.0.0"}
    # not pinned: find-links still add their files
    sol = solve([("secret-pkg",)], [PyPIIndex(url=srv.url + "/simple", name="priv")], find_links=[str(links)])
    assert versions(sol) == {"secret-pkg": "66.6.0"}


def test_first_index_stops_at_an_index_that_has_a_page_without_files(solve, tmp_path, serve_index):
    # as uv: the first index with a page for the name answers for it, even with no files
    build_index(tmp_path / "a", [Dist(name="other", version="1.0")])
    empty = tmp_path / "a" / "simple" / "pkg"
    empty.mkdir()
    (empty / "index.html").write_text("<!DOCTYPE html><html><body></body></html>")
    (empty / "index.json").write_text('{"meta": {"api-version": "1.1"}, "name": "pkg", "files": []}')
    build_index(tmp_path / "b", [Dist(name="pkg", version="9.0")])
    a, b = serve_index(tmp_path / "a"), serve_index(tmp_path / "b")
    with pytest.raises(SolverError) as info:
        solve([("pkg",)], [a.url + "/simple", b.url + "/simple"])
    assert "pkg" in str(info.value)
    # a 404 on the first index moves on to the next one
    assert versions(solve([("pkg",)], [a.url + "/nothing-here", b.url + "/simple"])) == {"pkg": "9.0"}
    # unsafe-best-match looks at every index
    assert versions(solve([("pkg",)], [a.url + "/simple", b.url + "/simple"],
                          index_strategy="unsafe-best-match")) == {"pkg": "9.0"}


def test_a_cached_page_that_does_not_parse_is_thrown_away(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS, pep658=True)
    page = tmp_path / "i" / "simple" / "dep" / "index.json"
    good = page.read_bytes()
    page.write_bytes(good[: len(good) // 2])  # the index published a broken page (well framed, cacheable)
    srv = serve_index(tmp_path / "i")
    with pytest.raises(NetworkError, match="invalid JSON project page"):
        solve([("app",)], [srv.url + "/simple"])
    page.write_bytes(good)  # fixed; the broken copy is still fresh by its max-age
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}


@pytest.mark.parametrize("user_from", ["url", "env"])
def test_keyring_set_url_user_as_the_private_indexes_guide_does(solve, tmp_path, serve_index, monkeypatch, user_from):
    # `python -m keyring set <index url> <user>`: a basic backend answers get_password only
    import sys
    import types

    from support.pypi_index import auth_handler

    build_index(tmp_path / "p", DISTS)
    srv = serve_index(tmp_path / "p", auth_handler("alice@corp.invalid", "kr-SECRET"))
    stored = {(srv.url + "/simple", "alice@corp.invalid"): "kr-SECRET"}
    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(
        get_password=lambda service, user: stored.get((service, user)),
        get_credential=lambda service, user: None))
    host = srv.url.split("//")[1]
    if user_from == "url":
        index, env = PyPIIndex(url=f"http://alice%40corp.invalid@{host}/simple", name="cloudrepo"), {}
    else:
        index, env = PyPIIndex(url=srv.url + "/simple", name="cloudrepo"), {"PIXI_PYPI_USERNAME_CLOUDREPO": "alice@corp.invalid"}
    sol = solve([("app",)], [index], env=env)
    assert versions(sol) == {"app": "1.0", "dep": "1.5"}
    assert "kr-SECRET" not in repr(sol)


def test_a_temporary_redirect_to_a_mirror_is_not_locked_once_the_mirror_is_gone(solve, tmp_path):
    from support.netfault import FaultServer, etagged, static

    root = tmp_path / "i"
    build_index(root, [Dist(name="solo", version="1.0")], pep658=True)
    page = (root / "simple" / "solo" / "index.json").read_bytes()
    json_type = {"Content-Type": "application/vnd.pypi.simple.v1+json"}
    origin, mirror = FaultServer(), FaultServer()
    try:
        for server in (origin, mirror):  # both serve the files
            for f in (root / "files").iterdir():
                server.routes[f"/files/{f.name}"] = static(200, f.read_bytes())
        origin.routes["/simple/solo/"] = static(302, b"", {"Location": mirror.url + "/simple/solo/"})
        mirror.routes["/simple/solo/"] = etagged(page, '"p1"', json_type)
        first = solve([("solo",)], [origin.url + "/simple"])
        assert first.packages[0].url.startswith(mirror.url)  # this run did read the mirror's page
        mirror.close()  # the mirror goes away; the origin answers for itself, same page
        origin.routes["/simple/solo/"] = etagged(page, '"p1"', json_type)
        second = solve([("solo",)], [origin.url + "/simple"])
        assert second.packages[0].url.startswith(origin.url + "/files/")
    finally:
        origin.close()
        mirror.close()


def test_a_wheel_once_served_damaged_under_the_right_etag_is_not_revived_by_a_304(tmp_path):
    # A CDN served a damaged copy of a wheel under the origin's ETag, then the good one under the
    # same ETag. The damaged body must not be kept: a 304 to that ETag would bring it back in every
    # later run.
    import hashlib

    from solver.http import HttpClient
    from solver.pypi.metadata import HashMismatchError, fetch_bytes
    from support.netfault import FaultServer, etagged

    good, damaged = b"PK good wheel bytes", b"PK damaged wheel!!!"
    hashes = {"sha256": hashlib.sha256(good).hexdigest()}
    srv = FaultServer()
    try:
        srv.routes["/files/app-1.0-py3-none-any.whl"] = etagged(damaged, '"origin-etag"')
        url = srv.url + "/files/app-1.0-py3-none-any.whl"
        with pytest.raises(HashMismatchError):
            fetch_bytes(HttpClient(tmp_path), url, "app-1.0-py3-none-any.whl", hashes)
        srv.routes["/files/app-1.0-py3-none-any.whl"] = etagged(good, '"origin-etag"')
        assert fetch_bytes(HttpClient(tmp_path), url, "app-1.0-py3-none-any.whl", hashes) == good
        assert fetch_bytes(HttpClient(tmp_path), url, "app-1.0-py3-none-any.whl", hashes) == good
    finally:
        srv.close()


@pytest.mark.parametrize("bad", [b"<html>sign in to the network</html>", b'["not", "an", "object"]'])
def test_a_remote_conda_pypi_map_that_does_not_read_is_not_served_again_from_the_cache(tmp_path, bad):
    from solver.errors import InputError
    from solver.http import HttpClient
    from solver.pypi.conda_map import load_mapping
    from support.netfault import FaultServer, static

    srv = FaultServer()
    try:
        srv.routes["/map.json"] = static(200, bad, {"Cache-Control": "max-age=600", "ETag": '"1"'})
        with pytest.raises(InputError, match="conda-pypi-map"):
            load_mapping(srv.url + "/map.json", HttpClient(tmp_path))
        srv.routes["/map.json"] = static(200, b'{"numpy": "numpy"}', {"Cache-Control": "max-age=600", "ETag": '"2"'})
        assert load_mapping(srv.url + "/map.json", HttpClient(tmp_path)) == {"numpy": "numpy"}
    finally:
        srv.close()
