"""Parsed project pages kept on disk between runs (for indexes that send no validators, whose pages
come down again each run): the same files as a fresh parse, a changed page parsed again, a damaged
entry dropped and never trusted."""

import json

import pytest

import solver.pypi.index as index_module
from solver.pypi.index import parse_html_page, parse_json_page
from solver.pypi.page_cache import PageCache, StoreLater
from support.pypi_index import Dist, IndexHandler, build_index

from .conftest import versions

PAGE = "https://index.example.invalid/simple/demo/"
JSON_PAGE = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "files": [
    {"filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz", "hashes": {"sha256": "aa" * 32},
     "requires-python": ">=3.8", "size": 1234, "upload-time": "2024-01-02T03:04:05Z"},
    {"filename": "demo-1.0-py3-none-any.whl", "url": "../../files/demo-1.0-py3-none-any.whl#sha256=" + "bb" * 32,
     "core-metadata": {"sha256": "cc" * 32}, "yanked": "broken"},
    {"filename": "demo-2.0-1build-cp312-cp312-manylinux_2_17_x86_64.whl", "url": "https://files.example.invalid/d.whl",
     "hashes": {"sha256": "dd" * 32}, "core-metadata": True},
    {"filename": "demo-2.0-cp312-cp312-win_amd64.whl", "url": "https://files.example.invalid/w.whl",
     "hashes": {"sha256": "ee" * 32}},
    {"filename": "other-1.0.tar.gz", "url": "https://files.example.invalid/o.tar.gz"},
]}).encode()
HTML_PAGE = (b'<a href="../../files/demo-1.0.tar.gz#sha256=' + b"aa" * 32 + b'" data-requires-python="&gt;=3.8"'
             b' data-yanked="">demo-1.0.tar.gz</a>')


def linux_only(tags) -> bool:
    return any("linux" in t.platform or t.platform == "any" for t in tags)


def only_entry(cache: PageCache):
    entries = list(cache.root.rglob("*.json"))
    assert len(entries) == 1
    return entries[0]


@pytest.mark.parametrize("kind", ["json", "html"])
def test_cached_page_gives_the_files_a_fresh_parse_gives(tmp_path, kind):
    cache = PageCache(tmp_path, "target-a")
    body = JSON_PAGE if kind == "json" else HTML_PAGE
    fresh = parse_json_page(body, PAGE, "idx", "demo", linux_only) if kind == "json" else \
        parse_html_page(body, PAGE, "idx", "demo")
    assert fresh  # the table above keeps files, so the comparison below means something
    assert cache.load(body, PAGE, "idx", "demo", kind) is None
    cache.store(body, PAGE, "idx", "demo", kind, fresh)
    assert cache.load(body, PAGE, "idx", "demo", kind) == fresh


def test_a_deferred_store_writes_on_flush(tmp_path):
    files = parse_json_page(JSON_PAGE, PAGE, "idx", "demo", linux_only)
    later = StoreLater(PageCache(tmp_path, "target-a"))
    later.store(JSON_PAGE, PAGE, "idx", "demo", "json", files, path=later.path(JSON_PAGE, PAGE, "idx", "demo", "json"))
    assert later.load(JSON_PAGE, PAGE, "idx", "demo", "json") is None  # nothing written yet
    later.flush()
    assert PageCache(tmp_path, "target-a").load(JSON_PAGE, PAGE, "idx", "demo", "json") == files
    later.flush()  # once only
    assert len(list((tmp_path / "pypi-pages").rglob("*.json"))) == 1


def test_entry_is_per_page_bytes_url_index_name_and_target(tmp_path):
    files = parse_json_page(JSON_PAGE, PAGE, "idx", "demo", linux_only)
    PageCache(tmp_path, "target-a").store(JSON_PAGE, PAGE, "idx", "demo", "json", files)
    cache = PageCache(tmp_path, "target-a")
    assert cache.load(JSON_PAGE + b" ", PAGE, "idx", "demo", "json") is None
    assert cache.load(JSON_PAGE, PAGE + "x/", "idx", "demo", "json") is None
    assert cache.load(JSON_PAGE, PAGE, "other-idx", "demo", "json") is None
    assert cache.load(JSON_PAGE, PAGE, "idx", "demo2", "json") is None
    assert cache.load(JSON_PAGE, PAGE, "idx", "demo", "html") is None
    assert PageCache(tmp_path, "target-b").load(JSON_PAGE, PAGE, "idx", "demo", "json") is None
    assert cache.load(JSON_PAGE, PAGE, "idx", "demo", "json") == files


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _altered(data: bytes) -> bytes:  # a URL changed, the digest left as it was
    return data.replace(b"files.example.invalid", b"files.example.invaliX", 1)


def _resealed_other_name(data: bytes) -> bytes:  # a well-formed entry that does not describe the page
    import hashlib

    head, digest, payload = data.split(b"\n", 2)
    payload = payload.replace(b"demo-1.0.tar.gz", b"evil-1.0.tar.gz")
    return head + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


@pytest.mark.parametrize("damage", [_truncated, _altered, _resealed_other_name, lambda d: b"",
                                    lambda d: d.replace(b"solver-pypi-page-1", b"solver-pypi-page-0")],
                         ids=["truncated", "altered", "other-name", "empty", "other-format"])
def test_damaged_entry_is_dropped(tmp_path, damage):
    cache = PageCache(tmp_path, "target-a")
    files = parse_json_page(JSON_PAGE, PAGE, "idx", "demo", linux_only)
    cache.store(JSON_PAGE, PAGE, "idx", "demo", "json", files)
    entry = only_entry(cache)
    damaged = damage(entry.read_bytes())
    assert damaged != entry.read_bytes()
    entry.write_bytes(damaged)
    assert cache.load(JSON_PAGE, PAGE, "idx", "demo", "json") is None
    assert not entry.exists()


class NoMaxAgeHandler(IndexHandler):  # pages that must be asked for again each run
    page_max_age = None


DISTS = [Dist(name="app", version="1.0", requires=["dep>=1"]), Dist(name="dep", version="1.5"),
         Dist(name="dep", version="0.5")]


@pytest.mark.parametrize("damaged", [False, True])
def test_warm_solve_reads_parsed_pages_and_matches_cold(solve, tmp_path, serve_index, monkeypatch, damaged):
    build_index(tmp_path / "i", DISTS)
    srv = serve_index(tmp_path / "i", NoMaxAgeHandler)
    cold = solve([("app",)], [srv.url + "/simple"])
    entries = sorted((tmp_path / "cache" / "pypi-pages").rglob("*.json"))
    assert len(entries) == 2  # app and dep
    parses = []
    real = index_module.parse_json_page
    monkeypatch.setattr(index_module, "parse_json_page", lambda *a, **k: parses.append(a[3]) or real(*a, **k))
    if damaged:
        entries[0].write_bytes(entries[0].read_bytes()[:-3])
    warm = solve([("app",)], [srv.url + "/simple"])
    assert warm.packages == cold.packages
    assert len(parses) == (1 if damaged else 0)  # only the damaged page parsed again
    assert all(e.exists() for e in entries)  # ... and its entry written anew


def test_changed_page_is_parsed_again(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS)
    srv = serve_index(tmp_path / "i", NoMaxAgeHandler)
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    build_index(tmp_path / "i", DISTS + [Dist(name="dep", version="2.0")])
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "2.0"}
