"""The shard cache stays bounded: when a channel's shard index changes, the shards no cached index
names any more (and older than a day) are removed, at most once a day; shards still named, shards
just written by another process, and a live writer's temporary file are kept; a shard removed
under a running solve is fetched again."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from solver.conda.channel import CHANNEL_ALIAS_ENV
from solver.conda.gateway import Gateway
from solver.conda.shard_cache import PRUNE_STAMP, ROOTS_DIR, SHARD_CACHE_DIR
from solver.http.cache import cache_paths
from support.shard_channel import write_sharded_channel

DAY = 86400


@pytest.fixture(autouse=True)
def no_alias_env(monkeypatch):
    monkeypatch.delenv(CHANNEL_ALIAS_ENV, raising=False)


def rec(name, version, depends=()):
    return {"name": name, "version": version, "build": "0", "build_number": 0, "depends": list(depends),
            "md5": "0123456789abcdef0123456789abcdef", "sha256": "ab" * 32, "size": 10, "subdir": "linux-64"}


def publish(srv_root: Path, lib_version: str) -> dict[str, str]:
    """The channel (app -> lib -> base) as shards; returns {name: hex hash} of linux-64."""
    plain = srv_root / "plain" / "linux-64"
    plain.mkdir(parents=True, exist_ok=True)
    (plain / "repodata.json").write_text(json.dumps({"info": {"subdir": "linux-64"}, "packages": {}, "packages.conda": {
        "app-1.0-0.conda": rec("app", "1.0", ["lib"]),
        f"lib-{lib_version}-0.conda": rec("lib", lib_version, ["base"]),
        "base-1.0-0.conda": rec("base", "1.0"),
    }}))
    noarch = srv_root / "plain" / "noarch"
    noarch.mkdir(exist_ok=True)
    (noarch / "repodata.json").write_text(json.dumps({"info": {"subdir": "noarch"}, "packages": {},
                                                      "packages.conda": {}}))
    hashes = write_sharded_channel(srv_root / "plain", srv_root / "sharded")["linux-64"]
    # each version of the index a Last-Modified of its own (the server's dates have 1 s steps)
    index = srv_root / "sharded" / "linux-64" / "repodata_shards.msgpack.zst"
    later = time.time() + 10 * len(_PUBLISHED.setdefault(srv_root, []))
    _PUBLISHED[srv_root].append(lib_version)
    os.utime(index, (later, later))
    return hashes


_PUBLISHED: dict[Path, list[str]] = {}


def shards_on_disk(cache: Path) -> set[str]:
    return {p.name.split(".")[0] for p in (cache / SHARD_CACHE_DIR).glob("*.msgpack.zst")}


def age(paths, seconds: float) -> None:
    then = time.time() - seconds
    for p in paths:
        os.utime(p, (then, then))


def solve_names(url: str, cache: Path) -> list[str]:
    gw = Gateway([f"{url}/sharded"], "linux-64", cache_dir=cache)
    return [f"{r.name}-{r.version}" for name in ("app", "lib", "base") for _, r in gw.records(name)]


def test_shards_the_channel_no_longer_names_are_removed_when_its_index_changes(tmp_path, serve_dir):
    srv_root, cache = tmp_path / "srv", tmp_path / "cache"
    v1 = publish(srv_root, "1.0")
    server = serve_dir(srv_root)
    assert solve_names(server.url, cache) == ["app-1.0", "lib-1.0", "base-1.0"]
    assert shards_on_disk(cache) == set(v1.values())
    folder = cache / SHARD_CACHE_DIR
    age(folder.glob("*.msgpack.zst"), 2 * DAY)
    age([folder / PRUNE_STAMP], 2 * DAY)
    # another process, for an index newer than any we have, has just written a shard; one of its
    # writes is under way (its temporary file, our own pid: a live process); one was killed long ago
    fresh_foreign = folder / f"{'cd' * 32}.msgpack.zst"
    fresh_foreign.write_bytes(b"x")
    live_temp = folder / f".{'ef' * 32}.msgpack.zst.{os.getpid()}.0a1b2c.tmp"
    live_temp.write_bytes(b"x")
    dead_temp = folder / f".{'ef' * 32}.msgpack.zst.999999999.0a1b2c.tmp"
    dead_temp.write_bytes(b"x")

    v2 = publish(srv_root, "1.1")  # lib rebuilt: a new shard for lib, the old one named by nobody
    assert v2["lib"] != v1["lib"] and v2["app"] == v1["app"]
    assert solve_names(server.url, cache) == ["app-1.0", "lib-1.1", "base-1.0"]
    on_disk = shards_on_disk(cache)
    assert v1["lib"] not in on_disk
    assert set(v2.values()) <= on_disk  # still named (however old), or just fetched
    assert fresh_foreign.exists() and live_temp.exists() and not dead_temp.exists()


def test_a_prune_runs_at_most_once_a_day(tmp_path, serve_dir):
    srv_root, cache = tmp_path / "srv", tmp_path / "cache"
    v1 = publish(srv_root, "1.0")
    server = serve_dir(srv_root)
    solve_names(server.url, cache)
    folder = cache / SHARD_CACHE_DIR
    age(folder.glob("*.msgpack.zst"), 2 * DAY)  # the stamp is recent: the first run pruned
    publish(srv_root, "1.1")
    solve_names(server.url, cache)
    assert v1["lib"] in shards_on_disk(cache)  # kept until a day has passed since the last prune
    age([folder / PRUNE_STAMP], 2 * DAY)
    publish(srv_root, "1.2")
    solve_names(server.url, cache)
    assert v1["lib"] not in shards_on_disk(cache)


def test_an_index_that_does_not_read_stops_the_prune(tmp_path, serve_dir):
    srv_root, cache = tmp_path / "srv", tmp_path / "cache"
    v1 = publish(srv_root, "1.0")
    server = serve_dir(srv_root)
    solve_names(server.url, cache)
    folder = cache / SHARD_CACHE_DIR
    # a second channel's cached index, damaged on disk: what it names cannot be known
    damaged = tmp_path / "damaged-index"
    damaged.write_bytes(b"not zstd")
    (folder / ROOTS_DIR / "other").write_text(str(damaged))
    age(folder.glob("*.msgpack.zst"), 2 * DAY)
    age([folder / PRUNE_STAMP], 2 * DAY)
    publish(srv_root, "1.1")
    solve_names(server.url, cache)
    assert v1["lib"] in shards_on_disk(cache)


def test_shards_of_a_channel_unused_for_a_month_go(tmp_path, serve_dir):
    srv_root, cache = tmp_path / "srv", tmp_path / "cache"
    other_root = tmp_path / "other"
    other = publish(other_root, "7.0")
    v1 = publish(srv_root, "1.0")
    server, other_server = serve_dir(srv_root), serve_dir(other_root)
    solve_names(other_server.url, cache)
    solve_names(server.url, cache)
    folder = cache / SHARD_CACHE_DIR
    assert other["lib"] in shards_on_disk(cache)
    age(folder.glob("*.msgpack.zst"), 40 * DAY)
    age([folder / PRUNE_STAMP], 2 * DAY)
    roots = list((folder / ROOTS_DIR).iterdir())
    assert len(roots) == 4  # two channels, two subdirs each
    other_indexes = {str(cache_paths(cache / "http", f"{other_server.url}/sharded/{sd}/repodata_shards.msgpack.zst",
                                     {})[1].resolve()) for sd in ("linux-64", "noarch")}
    age([r for r in roots if r.read_text() in other_indexes], 40 * DAY)
    publish(srv_root, "1.1")
    solve_names(server.url, cache)
    on_disk = shards_on_disk(cache)
    assert other["lib"] not in on_disk  # only that channel named it, and nobody asked in 40 days
    assert other["app"] == v1["app"] and v1["app"] in on_disk  # the same shard, named by the channel in use


def test_a_shard_removed_under_a_running_solve_is_fetched_again(tmp_path, serve_dir):
    srv_root, cache = tmp_path / "srv", tmp_path / "cache"
    publish(srv_root, "1.0")
    server = serve_dir(srv_root)
    solve_names(server.url, cache)
    gw = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("app")] == ["1.0"]
    for shard in (cache / SHARD_CACHE_DIR).glob("*.msgpack.zst"):
        shard.unlink()  # another process pruned them
    assert [r.version for _, r in gw.records("base")] == ["1.0"]
