"""Sharded repodata (CEP-16) over loopback: a solve fetches the shard index and only the shards of
the names it reaches, verifies each against its hash, caches it for good, and reads the same
records as the full repodata.json would give; a channel without shards falls back."""

from __future__ import annotations

import json
import time
from pathlib import Path

import msgspec
import pytest
import zstandard

from solver.conda.channel import CHANNEL_ALIAS_ENV
from solver.conda.gateway import Gateway
from solver.conda.model import CondaRequest
from solver.conda.shards import SHARD_CACHE_DIR, dependency_name
from solver.conda.solve import solve_conda
from solver.errors import InputError, NetworkError
from support.shard_channel import write_sharded_channel, write_sharded_subdir


@pytest.fixture(autouse=True)
def no_alias_env(monkeypatch):
    monkeypatch.delenv(CHANNEL_ALIAS_ENV, raising=False)


def rec(name, version, build="0", depends=(), **extra):
    return {"name": name, "version": version, "build": build, "build_number": 0, "depends": list(depends),
            "md5": "0123456789abcdef0123456789abcdef", "sha256": "ab" * 32, "size": 10,
            "subdir": extra.pop("subdir", "linux-64"), **extra}


def write_channel(root: Path) -> Path:
    """app -> lib -> base (noarch helper too); ``unrelated`` and ``big`` are never reached."""
    linux = {
        "packages": {
            # a .tar.bz2 with a .conda twin: never returned
            "lib-1.0-0.tar.bz2": rec("lib", "1.0", depends=["base >=1"]),
        },
        "packages.conda": {
            "app-2.0-0.conda": rec("app", "2.0", depends=["lib >=1", "helper"]),
            "app-1.0-0.conda": rec("app", "1.0", depends=["lib"]),
            "lib-1.0-0.conda": rec("lib", "1.0", depends=["base >=1"]),
            "base-1.5-0.conda": rec("base", "1.5", timestamp=1_700_000_000),  # seconds: becomes ms
            "unrelated-1.0-0.conda": rec("unrelated", "1.0"),
            "big-1.0-0.conda": rec("big", "1.0", depends=[f"dep{i}" for i in range(50)]),
        },
    }
    noarch = {"packages": {}, "packages.conda": {
        "helper-0.1-py_0.conda": rec("helper", "0.1", "py_0", subdir="noarch", noarch="python"),
    }}
    for sd, data in (("linux-64", linux), ("noarch", noarch)):
        (root / sd).mkdir(parents=True, exist_ok=True)
        (root / sd / "repodata.json").write_text(json.dumps({"info": {"subdir": sd}, **data}))
    return root


@pytest.fixture
def channels(tmp_path):
    """The same channel as plain JSON and as shards (+ JSON), to serve over loopback."""
    plain = write_channel(tmp_path / "srv" / "plain")
    write_sharded_channel(plain, tmp_path / "srv" / "sharded")
    return tmp_path / "srv"


def shard_hashes(channels: Path) -> dict[str, dict[str, str]]:
    """``{subdir: {name: hex hash}}`` of the sharded channel (writing it again gives the same bytes)."""
    return write_sharded_channel(channels / "plain", channels / "sharded")


def shard_gets(server) -> list[str]:
    return [p for m, p in server.requests if m == "GET" and "/shards/" in p]


def by_name(gateway, name):
    return [(ci, r) for ci, r in gateway.records(name)]


def test_sharded_channel_gives_the_records_of_the_full_file(channels, tmp_path, serve_dir):
    server = serve_dir(channels)
    sharded = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=tmp_path / "c1")
    full = Gateway([f"{server.url}/plain"], "linux-64", cache_dir=tmp_path / "c2")
    for name in ("app", "lib", "base", "helper", "missing"):
        ours = [r for _, r in sharded.records(name)]
        theirs = [r for _, r in full.records(name)]
        # everything but the channel URL (two folders on one server) is the same record
        assert [(r.fn, r.url.replace("/sharded/", "/"), r.md5, r.sha256, r.depends, r.timestamp, r.subdir,
                 r.noarch) for r in ours] == \
               [(r.fn, r.url.replace("/plain/", "/"), r.md5, r.sha256, r.depends, r.timestamp, r.subdir,
                 r.noarch) for r in theirs]
    (_, lib), = sharded.records("lib")
    assert lib.fn == "lib-1.0-0.conda" and lib.md5 == "0123456789abcdef0123456789abcdef"
    (_, base), = sharded.records("base")
    assert base.timestamp == 1_700_000_000_000
    assert "helper" in sharded.names() and "unrelated" in sharded.names()
    sharded.close()
    full.close()


def test_a_solve_fetches_only_the_shards_of_the_names_it_reaches(channels, tmp_path, serve_dir):
    server = serve_dir(channels)
    url = f"{server.url}/sharded"
    request = CondaRequest(platform="linux-64", specs=["app"], channels=[url])
    solution = solve_conda(request, cache_dir=tmp_path / "cache")
    assert sorted(r.name for r in solution.records) == ["app", "base", "helper", "lib"]
    fetched = shard_gets(server)
    hashes = shard_hashes(channels)
    wanted = {hashes["linux-64"][n] for n in ("app", "lib", "base")} | {hashes["noarch"]["helper"]}
    assert {p.rsplit("/", 1)[1].split(".")[0] for p in fetched} == wanted
    assert len(fetched) == len(wanted)  # each shard once
    assert not any(p.endswith("repodata.json") or p.endswith(".json.zst") for m, p in server.requests)

    # a second cold-process-like run: shards come from the cache, only the index is revalidated
    server.requests.clear()
    again = solve_conda(request, cache_dir=tmp_path / "cache")
    assert [r.fn for r in again.records] == [r.fn for r in solution.records]
    assert shard_gets(server) == []


def test_a_damaged_shard_is_an_error_and_never_cached(channels, tmp_path, serve_dir):
    hashes = shard_hashes(channels)
    lib = channels / "sharded" / "linux-64" / "shards" / f"{hashes['linux-64']['lib']}.msgpack.zst"
    good = lib.read_bytes()
    lib.write_bytes(good[:-3] + b"xyz")  # served under its old name: the hash no longer matches
    server = serve_dir(channels)
    cache = tmp_path / "cache"
    gw = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("app")] == ["2.0", "1.0"]
    with pytest.raises(NetworkError) as err:
        gw.records("lib")
    message = str(err.value)
    assert hashes["linux-64"]["lib"] in message and "does not match" in message and "not cached" in message
    assert not (cache / SHARD_CACHE_DIR / lib.name).exists()

    lib.write_bytes(good)  # the server repaired: the next run fetches and uses it
    gw = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("lib")] == ["1.0"]
    assert (cache / SHARD_CACHE_DIR / lib.name).read_bytes() == good


def test_a_shard_damaged_in_the_cache_is_fetched_again(channels, tmp_path, serve_dir):
    server = serve_dir(channels)
    cache = tmp_path / "cache"
    gw = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert gw.records("base")
    cached = sorted((cache / SHARD_CACHE_DIR).glob("*.msgpack.zst"))
    assert cached
    for path in cached:
        path.write_bytes(b"\x28\xb5\x2f\xfd garbage")
    server.requests.clear()
    gw = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("base")] == ["1.5"]
    assert len(shard_gets(server)) >= 1


def test_channel_without_shards_falls_back_to_repodata_json(channels, tmp_path, serve_dir):
    server = serve_dir(channels)
    gw = Gateway([f"{server.url}/plain"], "linux-64", cache_dir=tmp_path / "cache")
    assert [r.version for _, r in gw.records("app")] == ["2.0", "1.0"]
    got = [p for m, p in server.requests if m == "GET"]
    assert "/plain/linux-64/repodata_shards.msgpack.zst" in got  # asked, 404
    assert "/plain/linux-64/repodata.json" in got
    assert shard_gets(server) == []


def test_sharded_and_plain_channels_mix_in_priority_order(channels, tmp_path, serve_dir):
    server = serve_dir(channels)
    gw = Gateway([f"{server.url}/sharded", f"{server.url}/plain"], "linux-64", cache_dir=tmp_path / "cache")
    assert [(ci, r.version) for ci, r in gw.records("app")] == [(0, "2.0"), (0, "1.0"), (1, "2.0"), (1, "1.0")]


@pytest.mark.parametrize("spec, name", [
    ("numpy >=1.2", "numpy"), ("python", "python"), ("libgcc-ng>=12", "libgcc-ng"),
    ("conda-forge::openssl 3.*", "openssl"), ("pkg[version='>=1']", "pkg"), ("a=1.0=py_0", "a"),
])
def test_dependency_names_for_prefetching(spec, name):
    assert dependency_name(spec) == name


def test_shared_conda_forge_as_shards_solves_like_the_local_channel(shared_conda, tmp_path, serve_dir):
    srv = tmp_path / "srv"
    write_sharded_channel(shared_conda / "conda-forge", srv / "conda-forge", ["linux-64", "noarch"], keep_json=False)
    server = serve_dir(srv)
    specs = ["python 3.12.*", "numpy"]
    remote = solve_conda(CondaRequest(platform="linux-64", specs=specs, channels=[f"{server.url}/conda-forge"]),
                         cache_dir=tmp_path / "c1")
    local = solve_conda(CondaRequest(platform="linux-64", specs=specs, channels=[(shared_conda / "conda-forge").as_uri()]),
                        cache_dir=tmp_path / "c2")
    assert [r.fn for r in remote.records] == [r.fn for r in local.records]
    assert [(r.md5, r.sha256, r.depends) for r in remote.records] == [(r.md5, r.sha256, r.depends) for r in local.records]
    names = {p.rsplit("/", 1)[1] for p in shard_gets(server)}
    total = sum(1 for _ in (srv / "conda-forge").glob("*/shards/*.msgpack.zst"))
    assert len(names) < total / 4  # a small part of the channel was fetched


def test_a_malformed_shard_index_is_an_error_naming_its_url_and_is_not_kept(channels, tmp_path, serve_dir):
    index = channels / "sharded" / "noarch" / "repodata_shards.msgpack.zst"
    good = index.read_bytes()
    index.write_bytes(b"\x28\xb5\x2f\xfd not really zstd")
    server = serve_dir(channels)
    cache = tmp_path / "cache"
    with pytest.raises(NetworkError) as err:
        Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert f"{server.url}/sharded/noarch/repodata_shards.msgpack.zst" in str(err.value)
    assert "zstd" in str(err.value)

    index.write_bytes(good)  # the server repaired: the next run reads it (nothing bad was cached)
    gw = Gateway([f"{server.url}/sharded"], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("helper")] == ["0.1"]


def test_shard_index_base_url_places_the_package_files(tmp_path, serve_dir):
    plain = write_channel(tmp_path / "plain")
    sharded = tmp_path / "srv" / "chan"
    for sd in ("linux-64", "noarch"):
        data = json.loads((plain / sd / "repodata.json").read_text())
        write_sharded_subdir(data, sharded / sd, base_url="https://files.example.org/pkgs/")
    server = serve_dir(tmp_path / "srv")
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache")
    (_, base), = gw.records("base")
    assert base.url == "https://files.example.org/pkgs/base-1.5-0.conda"
    assert base.channel == f"{server.url}/chan"


def test_a_channel_that_starts_publishing_shards_is_read_from_them_within_a_day(tmp_path, serve_dir):
    chan = write_channel(tmp_path / "srv" / "chan")
    server = serve_dir(tmp_path / "srv")
    cache = tmp_path / "cache"
    url = f"{server.url}/chan"
    assert [r.version for _, r in Gateway([url], "linux-64", cache_dir=cache).records("lib")] == ["1.0"]

    write_sharded_channel(chan, chan, keep_json=False)  # the channel now has shards next to its repodata.json
    server.requests.clear()
    gw = Gateway([url], "linux-64", cache_dir=cache)
    assert gw.records("lib") and not any("shards" in p for _, p in server.requests)  # asked less than a day ago

    formats = cache / "repodata-formats.json"
    remembered = json.loads(formats.read_text())
    day_ago = time.time() - 2 * 24 * 3600
    formats.write_text(json.dumps({k: (str(int(day_ago)) if k.endswith(" shards checked") else v)
                                   for k, v in remembered.items()}))
    server.requests.clear()
    gw = Gateway([url], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("lib")] == ["1.0"]
    assert "/chan/linux-64/repodata_shards.msgpack.zst" in [p for _, p in server.requests]
    assert shard_gets(server)  # the records came from the shards


def test_a_shard_check_recorded_in_the_future_does_not_stop_the_next_one(tmp_path, serve_dir):
    # the clock went back (or another machine sharing the cache runs ahead): "checked in a year"
    # must not mean "checked less than a day ago" for a year
    chan = write_channel(tmp_path / "srv" / "chan")
    server = serve_dir(tmp_path / "srv")
    cache = tmp_path / "cache"
    url = f"{server.url}/chan"
    Gateway([url], "linux-64", cache_dir=cache).records("lib")
    write_sharded_channel(chan, chan, keep_json=False)
    formats = cache / "repodata-formats.json"
    remembered = json.loads(formats.read_text())
    next_year = time.time() + 365 * 24 * 3600
    formats.write_text(json.dumps({k: (str(int(next_year)) if k.endswith(" shards checked") else v)
                                   for k, v in remembered.items()}))
    server.requests.clear()
    assert [r.version for _, r in Gateway([url], "linux-64", cache_dir=cache).records("lib")] == ["1.0"]
    assert shard_gets(server)


@pytest.mark.parametrize("depends", [5, None, {"lib": ">=1"}])
def test_a_shard_record_whose_depends_is_not_a_list_is_named(tmp_path, serve_dir, depends):
    # the prefetch that follows a download reads ``depends`` before the records are validated
    linux = {"packages": {}, "packages.conda": {"app-1.0-0.conda": {**rec("app", "1.0"), "depends": depends}}}
    for sd, data in (("linux-64", linux), ("noarch", {"packages": {}, "packages.conda": {}})):
        write_sharded_subdir(data, tmp_path / "srv" / "chan" / sd)
    server = serve_dir(tmp_path / "srv")
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache")
    if depends is None:  # legacy repodata writes ``depends: null``: no dependencies
        assert [r.depends for _, r in gw.records("app")] == [[]]
        return
    with pytest.raises(InputError) as err:
        gw.records("app")
    assert "'app-1.0-0.conda'" in str(err.value) and "depends" in str(err.value)


@pytest.mark.parametrize("key", ["base_url", "shards_base_url"])
def test_a_shard_index_whose_base_url_does_not_parse_is_named_and_not_kept(tmp_path, serve_dir, key):
    chan = write_channel(tmp_path / "srv" / "chan")
    write_sharded_channel(chan, chan, keep_json=False)
    index_file = chan / "linux-64" / "repodata_shards.msgpack.zst"
    good = index_file.read_bytes()
    index = msgspec.msgpack.decode(zstandard.ZstdDecompressor().decompress(good))
    index["info"][key] = "http://[::1/"
    index_file.write_bytes(zstandard.ZstdCompressor().compress(msgspec.msgpack.encode(index)))
    server = serve_dir(tmp_path / "srv")
    with pytest.raises(NetworkError) as err:
        Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache").records("lib")
    assert f"info.{key} 'http://[::1/'" in str(err.value) and "/chan/linux-64/repodata_shards" in str(err.value)
    index_file.write_bytes(good)  # repaired: the next run reads it (the bad index was not cached)
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache")
    assert [r.version for _, r in gw.records("lib")] == ["1.0"]


def test_a_repodata_base_url_that_does_not_parse_is_named(tmp_path, serve_dir):
    chan = write_channel(tmp_path / "srv" / "chan")
    data = json.loads((chan / "linux-64" / "repodata.json").read_text())
    data["info"]["base_url"] = "http://[::1/"
    data["repodata_version"] = 2
    (chan / "linux-64" / "repodata.json").write_text(json.dumps(data))
    server = serve_dir(tmp_path / "srv")
    with pytest.raises(InputError, match=r"subdir 'linux-64': base_url 'http://\[::1/' is not a valid URL"):
        Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache").records("lib")


@pytest.mark.parametrize("fn", ["../../elsewhere/app-1.0-0.conda", "app-1.0-0\n.conda", ""])
def test_a_shard_file_name_that_is_no_file_name_is_refused_as_in_repodata(tmp_path, serve_dir, fn):
    # the key becomes the record's URL and its lock entry
    linux = {"packages": {}, "packages.conda": {fn: rec("app", "1.0")}}
    for sd, data in (("linux-64", linux), ("noarch", {"packages": {}, "packages.conda": {}})):
        write_sharded_subdir(data, tmp_path / "srv" / "chan" / sd)
    server = serve_dir(tmp_path / "srv")
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache")
    with pytest.raises(InputError, match="invalid file name") as err:
        gw.records("app")
    assert "/chan/linux-64/shards/" in str(err.value)
