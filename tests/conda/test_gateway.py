"""The gateway: channels in priority order, platform + noarch, local and HTTP channels."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import zstandard

from solver.conda.channel import CHANNEL_ALIAS_ENV, Channel
from solver.conda.gateway import Gateway
from solver.errors import InputError, NetworkError


def rec(name, version="1.0", build="0", **extra):
    return {"name": name, "version": version, "build": build, "depends": [], **extra}


def write_subdir(root: Path, subdir: str, records: dict, zst: bool = False, plain: bool = True) -> None:
    folder = root / subdir
    folder.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"info": {"subdir": subdir}, "packages": {},
                       "packages.conda": {f"{r['name']}-{r['version']}-{r['build']}.conda": r for r in records}})
    if plain:
        (folder / "repodata.json").write_text(body)
    if zst:
        (folder / "repodata.json.zst").write_bytes(zstandard.ZstdCompressor().compress(body.encode()))


@pytest.fixture(autouse=True)
def no_alias_env(monkeypatch):
    monkeypatch.delenv(CHANNEL_ALIAS_ENV, raising=False)


@pytest.fixture
def two_channels(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    write_subdir(first, "linux-64", [rec("numpy", "2.0"), rec("python", "3.12")])
    write_subdir(first, "noarch", [rec("numpy", "0.1")])
    write_subdir(second, "linux-64", [rec("numpy", "1.26"), rec("scipy", "1.0")])
    write_subdir(second, "noarch", [])
    return first, second


def test_records_in_priority_order_platform_then_noarch(two_channels, tmp_path):
    first, second = two_channels
    gw = Gateway([str(first), Channel.parse(str(second)).base_url], "linux-64", cache_dir=tmp_path / "cache")
    got = [(ci, r.version, r.subdir) for ci, r in gw.records("numpy")]
    assert got == [(0, "2.0", "linux-64"), (0, "0.1", "noarch"), (1, "1.26", "linux-64")]
    assert gw.names() == ["numpy", "python", "scipy"]
    assert [c.local_path for c in gw.channels] == [first.resolve(), second.resolve()]
    assert gw.records("nothing") == []


def test_records_of_a_name_are_decoded_once(two_channels, tmp_path):
    gw = Gateway([str(p) for p in two_channels], "linux-64", cache_dir=tmp_path / "cache")
    assert gw.records("numpy") is gw.records("numpy")


def test_channel_names_resolve_against_the_alias(two_channels, tmp_path, monkeypatch):
    alias = Channel.parse(str(tmp_path)).base_url  # a file:// alias keeps the test offline
    gw = Gateway(["first", "second"], "linux-64", cache_dir=tmp_path / "cache", channel_alias=alias)
    assert [c.name for c in gw.channels] == ["first", "second"]
    assert len(gw.records("numpy")) == 3
    monkeypatch.setenv(CHANNEL_ALIAS_ENV, alias)
    assert Gateway(["second"], "linux-64", cache_dir=tmp_path / "cache").names() == ["numpy", "scipy"]
    monkeypatch.delenv(CHANNEL_ALIAS_ENV)
    # nothing configured: conda's alias (parsed only: a gateway would fetch from it)
    assert Channel.parse("first").base_url == "https://conda.anaconda.org/first"


def test_missing_platform_subdir_is_empty_but_missing_noarch_or_folder_is_an_error(two_channels, tmp_path):
    first, _ = two_channels
    gw = Gateway([str(first)], "osx-arm64", cache_dir=tmp_path / "cache")
    assert [r.version for _, r in gw.records("numpy")] == ["0.1"]
    assert [(c.local_path, sd) for c, sd, _ in gw.missing_subdirs] == [(first.resolve(), "osx-arm64")]

    shutil.rmtree(first / "noarch")
    with pytest.raises(InputError) as err:
        Gateway([str(first)], "linux-64", cache_dir=tmp_path / "cache")
    assert "noarch" in str(err.value) and str(first / "noarch") in str(err.value)

    with pytest.raises(InputError, match="not a folder"):
        Gateway([str(tmp_path / "nope")], "linux-64", cache_dir=tmp_path / "cache")


def test_shared_channels_load_together(shared_conda, tmp_path):
    names = ["conda-forge", "robostack-humble"]
    gw = Gateway([str(shared_conda / n) for n in names], "linux-64", cache_dir=tmp_path / "cache")
    stats = json.loads((shared_conda / "build_stats.json").read_text())["channels"]
    assert gw.record_count == sum(stats[n]["counts"].get(s, 0) for n in names for s in ("linux-64", "noarch"))
    pythons = gw.records("python")
    assert pythons and all(ci == 0 and r.name == "python" for ci, r in pythons)
    assert {ci for ci, _ in gw.records("ros-humble-ros-core")} == {1}


# --- HTTP channels (loopback server) ---------------------------------------------------------------


class RecordingClient:
    """Wraps the real HttpClient and remembers whether each fetch came from the cache."""

    def __init__(self, cache_dir):
        from solver.http import HttpClient

        self.inner = HttpClient(cache_dir)
        self.fetched: list[tuple[str, bool]] = []

    def fetch_to_cache(self, url, **kw):
        resp = self.inner.fetch_to_cache(url, **kw)
        self.fetched.append((url.rsplit("/", 2)[-2] + "/" + url.rsplit("/", 1)[-1], resp.from_cache))
        return resp

    def fetch_many(self, urls, fn=None):
        return self.inner.fetch_many(urls, fn)

    def close(self):
        self.inner.close()


def gets(server) -> list[str]:
    return sorted(p for m, p in server.requests if m == "GET")


def test_http_channel_prefers_zst_and_revalidates_on_the_second_run(tmp_path, serve_dir):
    root = tmp_path / "srv" / "chan"
    write_subdir(root, "linux-64", [rec("numpy", "2.0")], zst=True)
    write_subdir(root, "noarch", [rec("tzdata", "2024a")], zst=True)
    server = serve_dir(tmp_path / "srv")
    cache = tmp_path / "cache"

    client = RecordingClient(cache)
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=cache, http=client)
    # first the CEP-16 shard index (this channel has none: 404), then the .zst
    assert gets(server) == ["/chan/linux-64/repodata.json.zst", "/chan/linux-64/repodata_shards.msgpack.zst",
                            "/chan/noarch/repodata.json.zst", "/chan/noarch/repodata_shards.msgpack.zst"]
    (ci, numpy), = gw.records("numpy")
    assert numpy.url == f"{server.url}/chan/linux-64/numpy-2.0-0.conda"
    assert numpy.channel == f"{server.url}/chan"
    assert all(not cached for _, cached in client.fetched)

    server.requests.clear()
    client = RecordingClient(cache)
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=cache, http=client)
    assert sorted(client.fetched) == [("linux-64/repodata.json.zst", True), ("noarch/repodata.json.zst", True)]
    assert [r.version for _, r in gw.records("tzdata")] == ["2024a"]


def test_http_channel_without_zst_falls_back_and_remembers(tmp_path, serve_dir):
    root = tmp_path / "srv" / "chan"
    write_subdir(root, "linux-64", [rec("numpy", "2.0")])
    write_subdir(root, "noarch", [])
    server = serve_dir(tmp_path / "srv")
    cache = tmp_path / "cache"
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=cache)
    assert [r.version for _, r in gw.records("numpy")] == ["2.0"]
    assert "/chan/linux-64/repodata.json" in gets(server)
    server.requests.clear()
    Gateway([f"{server.url}/chan"], "linux-64", cache_dir=cache)
    assert gets(server) == ["/chan/linux-64/repodata.json", "/chan/noarch/repodata.json"]


def test_http_missing_noarch_names_channel_and_url(tmp_path, serve_dir):
    write_subdir(tmp_path / "srv" / "chan", "linux-64", [rec("numpy")])
    server = serve_dir(tmp_path / "srv")
    with pytest.raises(InputError) as err:
        Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache")
    assert f"{server.url}/chan/noarch/repodata.json" in str(err.value)


def test_http_credentials_stay_out_of_records_and_errors(tmp_path, serve_dir):
    write_subdir(tmp_path / "srv" / "chan", "noarch", [rec("tzdata")])
    server = serve_dir(tmp_path / "srv")
    authed = server.url.replace("http://", "http://alice:hunter2@")
    gw = Gateway([f"{authed}/chan"], "noarch", cache_dir=tmp_path / "cache")
    (_, r), = gw.records("tzdata")
    assert "hunter2" not in r.url + r.channel + repr(gw.channels[0])
    with pytest.raises(InputError) as err:
        Gateway([f"{authed}/missing"], "noarch", cache_dir=tmp_path / "cache")
    assert "hunter2" not in str(err.value)


def test_unreachable_http_channel_is_a_network_error(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from solver.http import HttpClient

    client = HttpClient(tmp_path / "cache", retries=0, timeout=2)
    with pytest.raises(NetworkError) as err:
        Gateway([f"http://bob:pw@127.0.0.1:{port}/chan"], "noarch", cache_dir=tmp_path / "cache", http=client)
    assert "127.0.0.1" in str(err.value) and "pw@" not in str(err.value)


# --- opening subdirs on a thread pool ----------------------------------------------------------------


def _many_channels(root: Path) -> list[Path]:
    """Five channels sharing names, one without its platform subdir, with .conda/.tar.bz2 twins."""
    out = []
    for c in range(5):
        folder = root / f"ch{c}"
        for sd in ("linux-64", "noarch"):
            if c == 2 and sd == "linux-64":
                continue
            recs = {f"pkg{i % 7}-{c}.{i}-{sd}_0.tar.bz2": rec(f"pkg{i % 7}", f"{c}.{i}", f"{sd}_0", subdir=sd)
                    for i in range(40)}
            conda = {k[: -len(".tar.bz2")] + ".conda": v for k, v in list(recs.items())[::3]}
            (folder / sd).mkdir(parents=True)
            (folder / sd / "repodata.json").write_text(json.dumps({"packages": recs, "packages.conda": conda}))
        out.append(folder)
    return out


def _everything(gw: Gateway):
    return ([(n, [(ci, r) for ci, r in gw.records(n)]) for n in gw.names()],
            [(c.local_path, sd) for c, sd, _ in gw.missing_subdirs], gw.record_count,
            [[(s.channel.canonical_url, s.subdir) for s in subdirs] for subdirs in gw.subdir_data()])


def test_parallel_open_gives_the_sequential_records_in_the_same_order(tmp_path, monkeypatch):
    import threading

    import solver.conda.gateway as gateway_mod
    from solver.conda.repodata import SubdirData

    channels = [str(p) for p in _many_channels(tmp_path / "chans")]
    monkeypatch.setattr(gateway_mod, "PARALLEL_OPEN_MIN_BYTES", 1 << 60)
    sequential = _everything(Gateway(channels, "linux-64", cache_dir=tmp_path / "c1"))

    threads = set()
    real_open = SubdirData.open.__func__

    def recording_open(cls, *a, **k):
        threads.add(threading.current_thread().name)
        return real_open(cls, *a, **k)

    monkeypatch.setattr(gateway_mod, "PARALLEL_OPEN_MIN_BYTES", 0)
    monkeypatch.setattr(gateway_mod, "OPEN_WORKERS", 4)
    monkeypatch.setattr(gateway_mod.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(SubdirData, "open", classmethod(recording_open))
    for _ in range(3):
        assert _everything(Gateway(channels, "linux-64", cache_dir=tmp_path / "c2")) == sequential
    assert any(t.startswith("solver-open") for t in threads)  # the pool did run


def test_parallel_open_reports_the_first_error_in_channel_order(tmp_path, monkeypatch):
    import solver.conda.gateway as gateway_mod

    good = _many_channels(tmp_path / "chans")
    no_noarch = tmp_path / "no-noarch"
    write_subdir(no_noarch, "linux-64", [rec("x")])
    channels = [str(good[0]), str(no_noarch), str(tmp_path / "not-there"), str(good[1])]
    messages = []
    for threshold in (1 << 60, 0):
        monkeypatch.setattr(gateway_mod, "PARALLEL_OPEN_MIN_BYTES", threshold)
        monkeypatch.setattr(gateway_mod.os, "cpu_count", lambda: 4)
        with pytest.raises(InputError) as err:
            Gateway(channels, "linux-64", cache_dir=tmp_path / "cache")
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "no 'noarch' subdir" in messages[0]


# -- pixi's repodata-config: which repodata variants are asked for ------------------------------------


@pytest.mark.parametrize(
    ("disabled", "expected"),
    [
        ({}, ["/chan/linux-64/repodata_shards.msgpack.zst", "/chan/noarch/repodata_shards.msgpack.zst"]),
        ({"": {"sharded": True}}, ["/chan/linux-64/repodata.json.zst", "/chan/noarch/repodata.json.zst"]),
        ({"": {"sharded": True, "zstd": True}}, ["/chan/linux-64/repodata.json", "/chan/noarch/repodata.json"]),
        # a channel prefix decides over the global table; bzip2/jlap are never fetched anyway
        ({"": {"sharded": True, "zstd": True}, "CHAN": {"zstd": False}, "BASE/ch": {"zstd": True}},
         ["/chan/linux-64/repodata.json.zst", "/chan/noarch/repodata.json.zst"]),
        ({"": {"bzip2": True, "jlap": True}}, ["/chan/linux-64/repodata_shards.msgpack.zst", "/chan/noarch/repodata_shards.msgpack.zst"]),
    ],
)
def test_repodata_config_decides_what_is_fetched(tmp_path, serve_dir, disabled, expected):
    from support.shard_channel import write_sharded_channel

    plain = tmp_path / "plain" / "chan"
    write_subdir(plain, "linux-64", [rec("numpy", "2.0")], zst=True)
    write_subdir(plain, "noarch", [rec("tzdata", "2024a")], zst=True)
    write_sharded_channel(plain, tmp_path / "srv" / "chan")
    for sd in ("linux-64", "noarch"):
        shutil.copy(plain / sd / "repodata.json.zst", tmp_path / "srv" / "chan" / sd / "repodata.json.zst")
    server = serve_dir(tmp_path / "srv")
    table = {k.replace("CHAN", f"{server.url}/chan").replace("BASE", server.url): v for k, v in disabled.items()}
    gw = Gateway([f"{server.url}/chan"], "linux-64", cache_dir=tmp_path / "cache", disabled=table)
    assert [r.version for _, r in gw.records("numpy")] == ["2.0"]
    asked = [p for p in gets(server) if "/shards/" not in p]
    assert asked == expected


def test_repodata_config_reaches_the_gateway_from_pixis_configuration(tmp_path):
    from solver.config import http_settings, load_config

    (tmp_path / ".pixi").mkdir()
    (tmp_path / ".pixi" / "config.toml").write_text(
        '[repodata-config]\ndisable-sharded = true\n[repodata-config."https://mirror.example.invalid/"]\ndisable-zstd = true\n')
    config = load_config(project_root=tmp_path, env={"PIXI_NO_CONFIG": "1"})
    assert http_settings(config).repodata_disabled == {"": {"sharded": True}, "https://mirror.example.invalid": {"zstd": True}}
