"""The lazy repodata loader: byte-range index, decode by name, on-disk index cache, bad input."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import msgspec
import pytest
import zstandard

from solver.conda import repodata as rd
from solver.conda import repodata_index
from solver.conda.channel import Channel
from solver.conda.model import PackageRecord
from solver.conda.repodata import SubdirData
from solver.errors import InputError


def rec(name, version="1.0", build="h0_0", **extra):
    return {"name": name, "version": version, "build": build, "build_number": 0, "depends": [], **extra}


def write_repodata(folder: Path, packages=None, conda=None, **top) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"info": {"subdir": folder.name}, **top, "packages": packages or {}, "packages.conda": conda or {},
           "repodata_version": 1}
    path = folder / "repodata.json"
    path.write_text(json.dumps(doc, indent=1))
    return path


def open_subdir(path: Path, cache: Path, channel: Channel | None = None) -> SubdirData:
    channel = channel or Channel.parse(str(path.parent.parent))
    return SubdirData.open(path, channel, path.parent.name, cache)


def folder_listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns) for p in folder.rglob("*"))


class CountingDecoder:
    """Stands in for the module's msgspec decoder and remembers which names it decoded."""

    def __init__(self):
        self.inner = msgspec.json.Decoder(PackageRecord)
        self.names: list[str] = []

    def decode(self, buf):
        r = self.inner.decode(buf)
        self.names.append(r.name)
        return r


# --- small channels written by the tests ----------------------------------------------------------


def test_records_by_name_with_fields_filled(tmp_path):
    path = write_repodata(
        tmp_path / "chan" / "linux-64",
        packages={"zlib-1.3-h0_0.tar.bz2": rec("zlib", "1.3", timestamp=1700000000)},
        conda={"zlib-1.2-h0_0.conda": rec("zlib", "1.2", timestamp=1700000000123),
               "xz-5.4-h1_0.conda": rec("xz", "5.4", "h1_0", depends=["zlib >=1.2"])},
    )
    sd = open_subdir(path, tmp_path / "cache")
    assert sd.names() == ["xz", "zlib"]
    zlibs = sd.records("zlib")
    assert [(r.version, r.fn) for r in zlibs] == [("1.3", "zlib-1.3-h0_0.tar.bz2"), ("1.2", "zlib-1.2-h0_0.conda")]
    chan_url = Channel.parse(str(tmp_path / "chan")).canonical_url
    assert all(r.channel == chan_url for r in zlibs)
    assert zlibs[1].url == f"{chan_url}/linux-64/zlib-1.2-h0_0.conda"
    # seconds become milliseconds, milliseconds stay
    assert [r.timestamp for r in zlibs] == [1700000000000, 1700000000123]
    assert sd.records("xz")[0].depends == ["zlib >=1.2"]
    assert sd.records("missing") == []
    assert sd.record_count == 3


def test_conda_wins_over_tar_bz2_of_the_same_stem(tmp_path):
    path = write_repodata(
        tmp_path / "chan" / "noarch",
        packages={"a-1-0.tar.bz2": rec("a", "1", "0"), "a-2-0.tar.bz2": rec("a", "2", "0")},
        conda={"a-1-0.conda": rec("a", "1", "0", md5="c" * 32)},
    )
    sd = open_subdir(path, tmp_path / "cache")
    got = sorted((r.version, r.fn) for r in sd.records("a"))
    assert got == [("1", "a-1-0.conda"), ("2", "a-2-0.tar.bz2")]
    assert sd.record_count == 2 and sd.entry_count == 3


def test_removed_entries_are_ignored_and_v2_base_url_is_used(tmp_path):
    path = write_repodata(
        tmp_path / "chan" / "linux-64",
        conda={"b-1-0.conda": rec("b", "1", "0")},
        removed=["b-0-0.conda", "gone-1-0.tar.bz2"],
    )
    doc = json.loads(path.read_text())
    doc["info"]["base_url"] = "https://files.example.invalid/mirror/"
    doc["repodata_version"] = 2
    path.write_text(json.dumps(doc))
    sd = open_subdir(path, tmp_path / "cache")
    assert sd.names() == ["b"]
    assert sd.records("b")[0].url == "https://files.example.invalid/mirror/b-1-0.conda"

    doc["info"]["base_url"] = "../../pkgs"  # relative to the subdir URL
    path.write_text(json.dumps(doc))
    sd = open_subdir(path, tmp_path / "cache")
    assert sd.records("b")[0].url == Channel.parse(str(tmp_path)).canonical_url + "/pkgs/b-1-0.conda"


def test_name_is_found_past_escapes_and_nested_objects(tmp_path):
    tricky = {
        "extra_meta": {"name": "not-this", "weak": [{"name": ["nested"]}, "x\"name\": y"]},
        "license": "quote \" backslash \\ \"name\": \"fake\" {[",
        "name": "re\u00e9l",
        "version": "1", "build": "0",
    }
    path = write_repodata(tmp_path / "chan" / "noarch",
                          packages={'we"ird\\fn-1-0.tar.bz2': tricky, "p-1-0.tar.bz2": rec("p")})
    sd = open_subdir(path, tmp_path / "cache")
    assert sd.names() == ["p", "re\u00e9l"]
    (got,) = sd.records("re\u00e9l")
    assert got.fn == 'we"ird\\fn-1-0.tar.bz2'
    assert got.license == tricky["license"]


def test_escaped_name_spellings_are_one_name(tmp_path):
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    (folder / "repodata.json").write_text(
        '{"packages": {"ab-1-0.tar.bz2": {"name": "ab", "version": "1", "build": "0"},'
        ' "ab-2-0.tar.bz2": {"version": "2", "build": "0", "name": "a\\u0062"}}}')
    sd = open_subdir(folder / "repodata.json", tmp_path / "cache")
    assert sd.names() == ["ab"]
    assert [r.version for r in sd.records("ab")] == ["1", "2"]


def test_only_the_requested_name_is_decoded(tmp_path, monkeypatch):
    packages = {f"n{i}-1-0.tar.bz2": rec(f"n{i}") for i in range(50)}
    path = write_repodata(tmp_path / "chan" / "noarch", packages=packages)
    counter = CountingDecoder()
    monkeypatch.setattr(rd, "_record_decoder", counter)
    sd = open_subdir(path, tmp_path / "cache")
    assert len(sd.records("n7")) == 1
    assert counter.names == ["n7"]


def test_invalid_record_fails_only_when_decoded_and_names_file_and_field(tmp_path):
    path = write_repodata(tmp_path / "chan" / "noarch", packages={
        "good-1-0.tar.bz2": rec("good"),
        "bad-1-0.tar.bz2": rec("bad", version=["not", "a", "string"]),
    })
    sd = open_subdir(path, tmp_path / "cache")
    assert len(sd.records("good")) == 1
    with pytest.raises(InputError) as err:
        sd.records("bad")
    assert "bad-1-0.tar.bz2" in str(err.value) and "version" in str(err.value)


def test_legacy_shapes_are_accepted(tmp_path):
    path = write_repodata(tmp_path / "chan" / "noarch", packages={
        "f-1-0.tar.bz2": rec("f", noarch=True, depends=None, track_features=["mkl", "x"]),
    })
    (r,) = open_subdir(path, tmp_path / "cache").records("f")
    assert (r.noarch, r.depends, r.track_features) == ("generic", [], "mkl x")


def test_malformed_structure_reports_channel_subdir_offset_and_line(tmp_path):
    folder = tmp_path / "chan" / "linux-64"
    folder.mkdir(parents=True)
    text = '{\n "packages": {\n  "a-1-0.tar.bz2": {"name": "a"}\n  "b-1-0.tar.bz2": {"name": "b"}\n }\n}\n'
    (folder / "repodata.json").write_text(text)
    with pytest.raises(InputError) as err:
        open_subdir(folder / "repodata.json", tmp_path / "cache")
    msg = str(err.value)
    assert "linux-64" in msg and "chan" in msg
    assert f"byte {text.index(chr(34) + 'b-1')}" in msg and "line 4" in msg


@pytest.mark.parametrize("text", ['{"packages": {"a-1-0.tar.bz2": {"name": "a"', "", "[]", '{"packages": {}} x'])
def test_truncated_or_wrong_documents_are_input_errors(tmp_path, text):
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    (folder / "repodata.json").write_text(text)
    with pytest.raises(InputError, match="noarch"):
        open_subdir(folder / "repodata.json", tmp_path / "cache")


def test_malformed_json_inside_a_record_is_reported_on_decode(tmp_path):
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    text = '{"packages": {\n"a-1-0.tar.bz2": {"name": "a", "version": 1.2.3, "build": "0"}\n}}'
    (folder / "repodata.json").write_text(text)
    sd = open_subdir(folder / "repodata.json", tmp_path / "cache")
    with pytest.raises(InputError) as err:
        sd.records("a")
    assert "a-1-0.tar.bz2" in str(err.value) and "line 2" in str(err.value)


def test_record_without_a_name_is_an_error(tmp_path):
    path = write_repodata(tmp_path / "chan" / "noarch", packages={"x-1-0.tar.bz2": {"version": "1", "build": "0"}})
    with pytest.raises(InputError, match="x-1-0.tar.bz2"):
        open_subdir(path, tmp_path / "cache")


def test_missing_repodata_names_channel_subdir_and_path(tmp_path):
    missing = tmp_path / "chan" / "osx-arm64" / "repodata.json"
    with pytest.raises(InputError) as err:
        open_subdir(missing, tmp_path / "cache")
    assert "osx-arm64" in str(err.value) and str(missing) in str(err.value)


def test_scan_resumes_across_any_chunk_boundary(tmp_path):
    from solver._ext.repodata_scan import scan_file

    path = write_repodata(tmp_path / "chan" / "noarch",
                          packages={f"p{i}-1-0.tar.bz2": rec(f"p{i % 3}", license='a "b" \\ c') for i in range(6)},
                          conda={"q-1-0.conda": rec("q")}, removed=["r-1-0.tar.bz2"])
    raw = path.read_bytes()
    expected = [(k, v["name"]) for sec in ("packages", "packages.conda") for k, v in json.loads(raw)[sec].items()]
    for chunk in (1, 2, 3, 5, 64, 1 << 20):
        sc = scan_file(str(path), chunk)
        arrays, names = sc.result()
        import numpy as np

        ks = np.frombuffer(arrays["key_start"], np.int64)
        kl = np.frombuffer(arrays["key_len"], np.uint32)
        ol = np.frombuffer(arrays["obj_len"], np.uint32)
        ni = np.frombuffer(arrays["name_id"], np.int32)
        got = [(json.loads(raw[s:s + k].rstrip(b" \n:")), names[n].decode()) for s, k, n in zip(ks, kl, ni)]
        assert got == expected, chunk
        assert all(json.loads(raw[s + k:s + k + o])["name"] == names[n].decode() for s, k, o, n in zip(ks, kl, ol, ni))


# --- the on-disk index ----------------------------------------------------------------------------


@pytest.fixture
def index_small_files(monkeypatch):
    """Test channels are tiny; index them anyway (normally only files of 1 MiB and more are)."""
    monkeypatch.setattr(repodata_index, "INDEX_MIN_BYTES", 0)


def test_small_files_get_no_index_file(tmp_path):
    path = write_repodata(tmp_path / "chan" / "noarch", packages={"a-1-0.tar.bz2": rec("a")})
    assert [r.fn for r in open_subdir(path, tmp_path / "cache").records("a")] == ["a-1-0.tar.bz2"]
    repodata_index.flush_index_writes()
    assert not list((tmp_path / "cache").rglob("*.idx"))


def test_second_open_uses_the_cached_index_and_never_writes_into_the_channel(tmp_path, monkeypatch, index_small_files):
    import solver._ext.repodata_scan as scan_mod

    path = write_repodata(tmp_path / "chan" / "noarch", packages={"a-1-0.tar.bz2": rec("a")})
    before = folder_listing(tmp_path / "chan")
    first = open_subdir(path, tmp_path / "cache")
    repodata_index.flush_index_writes()  # indexes are written in the background
    assert list((tmp_path / "cache" / repodata_index.INDEX_DIR).glob("*.idx"))

    def no_scan(*a, **k):
        raise AssertionError("the index should have come from the cache")

    monkeypatch.setattr(scan_mod, "scan_file", no_scan)
    second = open_subdir(path, tmp_path / "cache")
    assert second.records("a") == first.records("a")
    assert folder_listing(tmp_path / "chan") == before


def test_changed_repodata_invalidates_the_index(tmp_path, index_small_files):
    folder = tmp_path / "chan" / "noarch"
    path = write_repodata(folder, packages={"a-1-0.tar.bz2": rec("a")})
    assert open_subdir(path, tmp_path / "cache").names() == ["a"]
    write_repodata(folder, packages={"a-1-0.tar.bz2": rec("a"), "b-1-0.tar.bz2": rec("b")})
    os.utime(path, ns=(1, 1))  # even with an old mtime the size differs
    assert open_subdir(path, tmp_path / "cache").names() == ["a", "b"]


def test_index_files_of_repodata_files_that_are_gone_are_swept_once_a_day(tmp_path, index_small_files):
    # a private channel's repodata is cached under a name that changes with its content: each
    # version gets an index file, which must not outlive it for good
    cache = tmp_path / "cache"
    gone = write_repodata(tmp_path / "gone" / "noarch", packages={"a-1-0.tar.bz2": rec("a")})
    kept = write_repodata(tmp_path / "kept" / "noarch", packages={"b-1-0.tar.bz2": rec("b")})
    for path in (gone, kept):
        open_subdir(path, cache).names()
    repodata_index.flush_index_writes()
    folder = cache / repodata_index.INDEX_DIR
    assert len(list(folder.glob("*.idx"))) == 2
    gone.unlink()
    day_ago = time.time() - 2 * 86400
    os.utime(folder / ".last-sweep", (day_ago, day_ago))
    third = write_repodata(tmp_path / "third" / "noarch", packages={"c-1-0.tar.bz2": rec("c")})
    open_subdir(third, cache).names()  # writing its index sweeps
    repodata_index.flush_index_writes()
    sources = {repodata_index._indexed_source(p) for p in folder.glob("*.idx")}
    assert sources == {str(kept), str(third)}


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip_offsets"])
def test_corrupt_index_is_ignored_and_rebuilt(tmp_path, damage, index_small_files):
    packages = {f"n{i}-1-0.tar.bz2": rec(f"n{i}") for i in range(20)}
    path = write_repodata(tmp_path / "chan" / "noarch", packages=packages)
    expected = open_subdir(path, tmp_path / "cache").records("n5")
    repodata_index.flush_index_writes()
    (idx,) = (tmp_path / "cache" / repodata_index.INDEX_DIR).glob("*.idx")
    data = bytearray(idx.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data[:16] = b"x" * 16
    else:  # valid header, wrong record offsets: caught when reading records back
        header = msgspec.json.decode(bytes(data[12: 12 + int.from_bytes(data[8:12], "little")]))
        off = header["arrays_offset"]
        data[off: off + 8 * 20] = bytes(reversed(data[off: off + 8 * 20]))
    idx.write_bytes(bytes(data))
    assert open_subdir(path, tmp_path / "cache").records("n5") == expected


def test_zst_repodata_is_decompressed_into_the_cache(tmp_path):
    plain = write_repodata(tmp_path / "src" / "noarch", packages={"z-1-0.tar.bz2": rec("z")})
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    (folder / "repodata.json.zst").write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    before = folder_listing(tmp_path / "chan")
    sd = open_subdir(folder / "repodata.json", tmp_path / "cache")  # .json absent: .zst is used
    assert [r.fn for r in sd.records("z")] == ["z-1-0.tar.bz2"]
    assert folder_listing(tmp_path / "chan") == before
    assert list((tmp_path / "cache" / rd.JSON_DIR).glob("*.json"))


def test_bad_zst_is_an_input_error(tmp_path):
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    (folder / "repodata.json.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 20)
    with pytest.raises(InputError, match="zstd"):
        open_subdir(folder / "repodata.json.zst", tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


# --- the real channels in ../shared/data/conda ------------------------------------------------------


def all_subdirs(shared: Path):
    return sorted(p for p in shared.glob("*/*/repodata.json"))


def test_every_record_of_every_shared_channel_decodes(shared_conda, tmp_path):
    stats = json.loads((shared_conda / "build_stats.json").read_text())["channels"]
    for path in all_subdirs(shared_conda):
        channel_name, subdir = path.parent.parent.name, path.parent.name
        doc = json.loads(path.read_bytes())
        tar = doc.get("packages") or {}
        conda = doc.get("packages.conda") or {}
        twins = {k[: -len(".tar.bz2")] for k in tar} & {k[: -len(".conda")] for k in conda}
        sd = open_subdir(path, tmp_path / "cache")
        assert sd.entry_count == stats[channel_name]["counts"][subdir], path
        assert sd.record_count == len(tar) + len(conda) - len(twins), path
        got = {}
        for name in sd.names():
            for r in sd.records(name):
                assert r.name == name
                got[r.fn] = r
        expected_fns = set(conda) | {k for k in tar if k[: -len(".tar.bz2")] not in twins}
        assert set(got) == expected_fns, path
        for fn, r in got.items():
            raw = (conda.get(fn) or tar[fn])
            assert (r.version, r.build, r.depends) == (raw["version"], raw["build"], raw.get("depends") or [])
            assert r.url.endswith(f"/{channel_name}/{subdir}/{fn}")


def test_shared_conda_twin_is_returned_once_as_conda(shared_conda, tmp_path):
    path = shared_conda / "mamba-conda-forge-numpy" / "linux-64" / "repodata.json"
    doc = json.loads(path.read_bytes())
    (stem,) = {k[:-8] for k in doc["packages"]} & {k[:-6] for k in doc["packages.conda"]}
    name = doc["packages.conda"][stem + ".conda"]["name"]
    fns = [r.fn for r in open_subdir(path, tmp_path / "cache").records(name)]
    assert stem + ".conda" in fns and stem + ".tar.bz2" not in fns


def test_shared_lazy_decode_touches_only_the_asked_name(shared_conda, tmp_path, monkeypatch):
    counter = CountingDecoder()
    monkeypatch.setattr(rd, "_record_decoder", counter)
    sd = open_subdir(shared_conda / "conda-forge" / "linux-64" / "repodata.json", tmp_path / "cache")
    records = sd.records("python")
    assert records and set(counter.names) == {"python"} and len(counter.names) == len(records)


def test_scan_matches_a_json_parser_on_tricky_generated_records(tmp_path):
    """Differential check of the block scanner: strings full of quotes, backslashes, brackets and
    "name" look-alikes, nested values, arbitrary whitespace, records straddling 64-byte blocks
    and chunk boundaries."""
    import random

    import numpy as np

    from solver._ext.repodata_scan import scan_file

    rng = random.Random(7)
    alphabet = ['"', "\\", "{", "}", "[", "]", ",", ":", "n", "name", '"name"', "a", " ", "\n", "é", "\u2603"]

    def text():
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 70)))

    def value(depth=0):
        kind = rng.randint(0, 6 if depth < 3 else 3)
        if kind == 0:
            return text()
        if kind == 1:
            return rng.choice([None, True, False, rng.randint(-5, 10**12), 1.5e-3])
        if kind in (2, 3):
            return "name"
        if kind == 4:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {rng.choice(["name", text(), "x"]): value(depth + 1) for _ in range(rng.randint(0, 4))}

    def ws():
        return rng.choice(["", " ", "\n  ", "\t", "\r\n"])

    entries = []
    for i in range(300):
        fields = [(k, value()) for k in (text() for _ in range(rng.randint(0, 5))) if k != "name"]
        real_name = f"pkg{i % 17}"
        fields.insert(rng.randint(0, len(fields)), ("name", real_name))
        obj = "{" + ws() + ("," + ws()).join(
            json.dumps(k, ensure_ascii=rng.random() < 0.5) + ws() + ":" + ws()
            + json.dumps(v, ensure_ascii=rng.random() < 0.5) for k, v in fields) + ws() + "}"
        entries.append((f"{text()}-{i}.tar.bz2", obj, real_name))
    body = "{" + ws() + '"packages"' + ws() + ":" + ws() + "{" + ("," + ws()).join(
        json.dumps(fn) + ws() + ":" + ws() + obj for fn, obj, _ in entries) + "}" + ws() + "}"
    path = tmp_path / "repodata.json"
    path.write_text(body)
    raw = path.read_bytes()
    parsed = json.loads(raw)["packages"]
    expected = [(fn, obj["name"]) for fn, obj in parsed.items()]
    for chunk in (97, 4096, 1 << 20):
        arrays, names = scan_file(str(path), chunk).result()
        ks = np.frombuffer(arrays["key_start"], np.int64)
        kl = np.frombuffer(arrays["key_len"], np.uint32)
        ol = np.frombuffer(arrays["obj_len"], np.uint32)
        ni = np.frombuffer(arrays["name_id"], np.int32)
        got = [(json.loads(raw[s:s + k].rstrip(b" \t\r\n:")), json.loads(b'"' + names[n] + b'"'))
               for s, k, n in zip(ks, kl, ni)]
        assert got == expected, chunk
        for s, k, o in zip(ks, kl, ol):
            json.loads(raw[s + k:s + k + o])  # each range is exactly one JSON object


def test_errors_in_zst_repodata_name_the_zst_file(tmp_path):
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    source = folder / "repodata.json.zst"
    source.write_bytes(zstandard.ZstdCompressor().compress(b'{"packages": {"a-1-0.tar.bz2": [1]}}'))
    with pytest.raises(InputError) as err:
        open_subdir(source, tmp_path / "cache")
    assert str(source) in str(err.value) and "a-1-0.tar.bz2" in str(err.value)


@pytest.mark.parametrize("raw_name", ['""', '"a\\nb"', '"a\nb"'])
def test_empty_or_multiline_names_are_rejected(tmp_path, raw_name):
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    (folder / "repodata.json").write_text(
        '{"packages": {"x-1-0.tar.bz2": {"name": ' + raw_name + ', "version": "1", "build": "0"},'
        ' "y-1-0.tar.bz2": {"name": "y", "version": "1", "build": "0"}}}')
    with pytest.raises(InputError, match="invalid package name"):
        open_subdir(folder / "repodata.json", tmp_path / "cache")


def test_names_are_sorted_as_python_sorts_str_and_map_to_their_records(tmp_path):
    # Byte order of UTF-8 is code point order: multi-byte and astral names sort like str does.
    names = ["zlib", "é-accent", "a", "Ab", "ab", "☃-snow", "😀-emoji", "a-b", "a_b", "\u00ff", "\u0100", "~"]
    from solver._ext.repodata_scan import scan_file

    packages = {f"{n}-1-{i}.tar.bz2": rec(n, build=str(i)) for i, n in enumerate(names)}
    folder = tmp_path / "chan" / "noarch"
    folder.mkdir(parents=True)
    path = folder / "repodata.json"
    path.write_text(json.dumps({"packages": packages}, ensure_ascii=False), encoding="utf-8")
    assert scan_file(str(path)).sorted_names() is not None  # raw UTF-8, no escapes: the C sort
    sd = open_subdir(path, tmp_path / "cache")
    assert sd.names() == sorted(names)
    for i, n in enumerate(names):
        assert [(r.name, r.build) for r in sd.records(n)] == [(n, str(i))]
