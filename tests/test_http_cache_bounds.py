"""The HTTP cache does not grow without bound: the daily sweep removes entries no run used for
30 days (pages, whole wheels, repodata of channels nobody asks for any more), while an entry a run
used lately, even straight from the cache without asking, stays."""

from __future__ import annotations

import json
import os
import time

import pytest

from support.netfault import FaultServer, etagged, static
from solver.http import HttpClient
from solver.http.cache import cache_paths

DAY = 86400


@pytest.fixture
def server():
    srv = FaultServer()
    yield srv
    srv.close()


def age(paths, seconds: float) -> None:
    then = time.time() - seconds
    for p in paths:
        os.utime(p, (then, then))


def test_entries_no_run_used_for_a_month_are_swept_and_used_ones_stay(server, tmp_path):
    old_url, used_url = server.url + "/old-channel/repodata.json", server.url + "/simple/used/"
    server.routes["/old-channel/repodata.json"] = etagged(b"old" * 1000, '"o"')
    server.routes["/simple/used/"] = static(200, b"used page", {"Cache-Control": f"max-age={100 * DAY}"})
    server.routes["/simple/new/"] = static(200, b"new page", {"ETag": '"n"'})
    http = tmp_path / "http"
    old_body = HttpClient(tmp_path).fetch_to_cache(old_url).path
    HttpClient(tmp_path).get(used_url)
    old_meta = cache_paths(http, old_url, {})[0]
    used_meta, used_body = cache_paths(http, used_url, None)
    # both stored 40 days ago; the page's max-age still covers it
    meta = json.loads(used_meta.read_text())
    meta["stored"] = time.time() - 40 * DAY
    used_meta.write_text(json.dumps(meta))
    age([old_body, old_meta, used_meta, used_body], 40 * DAY)
    assert HttpClient(tmp_path).get(used_url).from_cache  # a run uses it, without asking the server
    age([http / ".last-sweep"], 2 * DAY)
    HttpClient(tmp_path).get(server.url + "/simple/new/")  # the first entry stored today sweeps
    assert not old_body.exists() and not old_meta.exists()
    assert used_meta.exists() and used_body.exists()
    seen = len(server.seen)
    assert HttpClient(tmp_path).get(used_url).body == b"used page" and len(server.seen) == seen


def test_a_local_solve_runs_no_sweep_nor_writes_to_the_cache(tmp_path, monkeypatch):
    """The daily sweeps (HTTP, shards, git, repodata indexes, PyPI pages and metadata) belong to
    runs that fetch: a solve of local channels and wheels (the demo project) leaves the cache
    folder as it was, so its cold start pays for no sweep."""
    import shutil
    from pathlib import Path

    from solver.cli import main

    demo = Path(__file__).resolve().parents[1] / "fixtures" / "demo"
    root = tmp_path / "demo"
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(cache))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    assert main(["solve", str(root), "-q"]) == 0 and (root / "pixi.lock").is_file()
    assert main(["solve", str(root), "-q"]) == 0
    assert [p.relative_to(cache) for p in cache.rglob("*")] == []
