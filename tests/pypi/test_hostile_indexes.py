"""Indexes and wheels written to hurt (issue 15): broken URLs in links, wheels whose METADATA
member cannot be read (compression method 99, the encryption flag, corrupt deflate data, a local
header offset pointing nowhere, a decompression bomb) and files whose hash is not the index's.
Each ends in a typed error naming the file, or in the link being skipped; never an internal
error, and never a file the index does not vouch for."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zipfile
from pathlib import Path

import pytest

from solver.errors import InputError, NetworkError, SolverError
from solver.pypi import metadata as metadata_mod
from solver.pypi.index import parse_html_page, parse_json_page
from solver.pypi.metadata import HashMismatchError, MetadataError
from support.pypi_index import Dist, NoRangeHandler, build_index

from .conftest import versions

PAGE = "http://127.0.0.1:9/simple/foo/"


@pytest.mark.parametrize("href", ["http://[::1/foo-1.0-py3-none-any.whl", "http://[zz]/foo-1.0-py3-none-any.whl",
                                  "http://h:99999/foo-1.0-py3-none-any.whl"])
def test_a_link_that_is_no_url_is_skipped_and_the_others_served(href):
    body = f'<a href="{href}">bad</a><a href="foo-1.1-py3-none-any.whl">good</a>'.encode()
    assert [f.filename for f in parse_html_page(body, PAGE, "i")] == ["foo-1.1-py3-none-any.whl"]
    page = json.dumps({"files": [{"filename": "foo-1.0-py3-none-any.whl", "url": href},
                                 {"filename": "foo-1.1-py3-none-any.whl", "url": "foo-1.1-py3-none-any.whl"}]})
    assert [f.filename for f in parse_json_page(page.encode(), PAGE, "i")] == ["foo-1.1-py3-none-any.whl"]


def test_a_base_href_that_is_no_url_is_an_error_naming_the_page():
    body = b'<base href="http://[::1/"><a href="foo-1.1-py3-none-any.whl">good</a>'
    with pytest.raises(NetworkError, match=r"simple/foo/.*<base href>"):
        parse_html_page(body, PAGE, "i")


# -- wheels whose METADATA member is broken -------------------------------------------------------


def _metadata_entry(data: bytes) -> tuple[int, int]:
    """(central directory entry offset, local header offset) of the METADATA member."""
    eocd = data.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12:eocd + 20])
    pos = cd_offset
    while pos < cd_offset + cd_size:
        nlen, elen, clen = struct.unpack("<HHH", data[pos + 28:pos + 34])
        name = data[pos + 46:pos + 46 + nlen]
        if name.endswith(b".dist-info/METADATA"):
            return pos, struct.unpack("<I", data[pos + 42:pos + 46])[0]
        pos += 46 + nlen + elen + clen
    raise AssertionError("no METADATA member")


def _set_u16(data: bytearray, at: int, value: int) -> None:
    data[at:at + 2] = struct.pack("<H", value)


def method_99(data: bytearray) -> None:  # AES, as some zip tools write: not a wheel's
    cd, local = _metadata_entry(bytes(data))
    _set_u16(data, cd + 10, 99)
    _set_u16(data, local + 8, 99)


def encrypted(data: bytearray) -> None:
    cd, local = _metadata_entry(bytes(data))
    _set_u16(data, cd + 8, 1)
    _set_u16(data, local + 6, 1)


def corrupt_deflate(data: bytearray) -> None:
    cd, local = _metadata_entry(bytes(data))
    nlen, elen = struct.unpack("<HH", bytes(data[local + 26:local + 30]))
    start = local + 30 + nlen + elen
    data[start:start + 8] = b"\xff" * 8  # an invalid block type


def bad_local_offset(data: bytearray) -> None:
    cd, _ = _metadata_entry(bytes(data))
    data[cd + 42:cd + 46] = struct.pack("<I", len(data) - 10)


def _rewrite_with_hash(root: Path, wheel: Path, mutate) -> None:
    """Mutates ``wheel`` and writes its new sha256 into the index pages (so only the zip is bad)."""
    old = hashlib.sha256(wheel.read_bytes()).hexdigest()
    data = bytearray(wheel.read_bytes())
    mutate(data)
    wheel.write_bytes(bytes(data))
    new = hashlib.sha256(bytes(data)).hexdigest()
    for page in (root / "simple").rglob("index.*"):
        page.write_text(page.read_text().replace(old, new))


@pytest.mark.parametrize("mutate", [method_99, encrypted, corrupt_deflate, bad_local_offset])
@pytest.mark.parametrize("ranges", [True, False], ids=["range-requests", "whole-file"])
def test_unreadable_metadata_member_is_an_error_naming_the_wheel(solve, tmp_path, serve_index, mutate, ranges):
    build_index(tmp_path / "i", [Dist(name="foo", version="1.0")], pep658=False)
    wheel = tmp_path / "i" / "files" / "foo-1.0-py3-none-any.whl"
    _rewrite_with_hash(tmp_path / "i", wheel, mutate)
    srv = serve_index(tmp_path / "i") if ranges else serve_index(tmp_path / "i", NoRangeHandler)
    with pytest.raises(SolverError) as err:
        solve([("foo",)], [srv.url + "/simple"])
    assert isinstance(err.value, InputError | NetworkError)
    assert "foo-1.0-py3-none-any.whl" in str(err.value)


@pytest.mark.parametrize("mutate", [method_99, encrypted, corrupt_deflate, bad_local_offset])
def test_unreadable_metadata_member_of_a_local_wheel(solve, tmp_path, mutate):
    build_index(tmp_path / "i", [Dist(name="foo", version="1.0")], pep658=False)
    wheel = tmp_path / "i" / "files" / "foo-1.0-py3-none-any.whl"
    _rewrite_with_hash(tmp_path / "i", wheel, mutate)
    with pytest.raises(MetadataError, match="foo-1.0-py3-none-any.whl"):
        solve([("foo",)], [(tmp_path / "i" / "simple").as_uri()])


@pytest.mark.parametrize("ranges", [True, False], ids=["range-requests", "whole-file"])
def test_metadata_that_inflates_past_the_cap_is_refused(solve, tmp_path, serve_index, monkeypatch, ranges):
    monkeypatch.setattr(metadata_mod, "MAX_METADATA_BYTES", 1 << 20)
    build_index(tmp_path / "i", [Dist(name="foo", version="1.0")], pep658=False)
    wheel = tmp_path / "i" / "files" / "foo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = next(n for n in members if n.endswith("METADATA"))
    members[name] += b"\n" + b" " * (3 << 20)  # a description of 3 MiB of blanks: a few KB deflated
    bomb = tmp_path / "bomb.whl"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, content in sorted(members.items(), key=lambda kv: not kv[0].endswith("METADATA")):
            zf.writestr(n, content)

    def replace(data: bytearray) -> None:
        data[:] = bomb.read_bytes()

    _rewrite_with_hash(tmp_path / "i", wheel, replace)
    assert wheel.stat().st_size < 64 << 10
    srv = serve_index(tmp_path / "i") if ranges else serve_index(tmp_path / "i", NoRangeHandler)
    with pytest.raises(MetadataError, match=r"foo-1.0-py3-none-any.whl.*(larger than|inflates past) 1 MiB"):
        solve([("foo",)], [srv.url + "/simple"])


# -- hashes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("pages", ["html", "json"])
def test_a_wheel_whose_hash_is_not_the_index_s_is_refused(solve, tmp_path, serve_index, pages):
    build_index(tmp_path / "i", [Dist(name="foo", version="1.0")], pep658=False,
                json_pages=pages == "json", html_pages=pages == "html")
    wheel = tmp_path / "i" / "files" / "foo-1.0-py3-none-any.whl"
    expected = hashlib.sha256(wheel.read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel, "a") as zf:  # same METADATA, other bytes: a swapped file
        zf.writestr("foo/extra.py", "x = 1\n")
    srv = serve_index(tmp_path / "i", NoRangeHandler)  # the whole file is downloaded
    with pytest.raises(MetadataError) as err:  # the candidate is unusable, and it was the only one
        solve([("foo",)], [srv.url + "/simple"])
    message = str(err.value)
    assert "foo-1.0-py3-none-any.whl" in message and "hash mismatch" in message and expected in message
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() in message


def test_a_tampered_newest_wheel_is_passed_over_for_one_the_index_vouches_for(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", [Dist(name="foo", version="1.0"), Dist(name="foo", version="2.0")], pep658=False)
    with zipfile.ZipFile(tmp_path / "i" / "files" / "foo-2.0-py3-none-any.whl", "a") as zf:
        zf.writestr("foo/extra.py", "x = 1\n")
    srv = serve_index(tmp_path / "i", NoRangeHandler)
    solution = solve([("foo",)], [srv.url + "/simple"])
    assert versions(solution) == {"foo": "1.0"}


def test_a_wheel_with_the_index_s_hash_is_used_and_locked_with_it(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", [Dist(name="foo", version="1.0")], pep658=False)
    wheel = tmp_path / "i" / "files" / "foo-1.0-py3-none-any.whl"
    srv = serve_index(tmp_path / "i", NoRangeHandler)
    solution = solve([("foo",)], [srv.url + "/simple"])
    assert versions(solution) == {"foo": "1.0"}
    (pkg,) = solution.packages
    assert pkg.hashes["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()


def test_verify_hashes_checks_every_known_algorithm_and_ignores_unknown_ones():
    data = b"payload"
    good = {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest().upper(),
            "made-up": "x"}
    metadata_mod.verify_hashes(data, good, "f.whl", "http://127.0.0.1/f.whl")
    for algo in ("sha256", "md5"):
        bad = {**good, algo: "0" * len(good[algo])}
        with pytest.raises(HashMismatchError, match=re.escape(algo)):
            metadata_mod.verify_hashes(data, bad, "f.whl", "http://127.0.0.1/f.whl")


# -- seeded fuzz of index pages ---------------------------------------------------------------------

SEED = 15


def _mutate_page(rnd, text: str) -> str:
    i = rnd.randrange(len(text) + 1)
    choice = rnd.randrange(5)
    if choice == 0:
        return text[:i]
    if choice == 1:
        return text[:i] + rnd.choice(['"', "'", "<", ">", "#", "%", "[", "]", "\x00", "é", "://", "@", "&amp;",
                                      "http://[::1/", ":99999", "\\", "{", "}", ","]) + text[i:]
    if choice == 2:
        return text[:i] + text[i + rnd.randint(1, 8):]
    if choice == 3:
        return text.replace("foo-1.1", rnd.choice(["foo-" + "9" * 5000, "foo-1.1-x-y-z", "FOO_-1.1", "foo-1.1.tar"]), 1)
    return text.replace('"url": "', '"url": ' + rnd.choice(["5, ", "null, ", "[], ", '"http://[bad/'])[:-1], 1)


def test_seeded_index_page_mutations_parse_or_raise_network_errors():
    import random

    html = ('<base href="http://127.0.0.1:9/simple/foo/"><a href="foo-1.0-py3-none-any.whl#sha256=ab" '
            'data-requires-python="&gt;=3.8" data-core-metadata="sha256=cd">a</a>'
            '<a href="../../files/foo-1.1-py3-none-any.whl" data-yanked="">b</a><a href="foo-1.1.tar.gz">c</a>')
    page = json.dumps({"meta": {"api-version": "1.1"}, "files": [
        {"filename": "foo-1.0-py3-none-any.whl", "url": "foo-1.0-py3-none-any.whl", "hashes": {"sha256": "ab"},
         "requires-python": ">=3.8", "core-metadata": {"sha256": "cd"}, "yanked": False, "size": 10},
        {"filename": "foo-1.1.tar.gz", "url": "../../files/foo-1.1.tar.gz", "hashes": {}}]})
    rnd = random.Random(SEED)
    parsed = 0
    for _ in range(400):
        text_html, text_json = html, page
        for _ in range(rnd.randint(1, 3)):
            text_html, text_json = _mutate_page(rnd, text_html), _mutate_page(rnd, text_json)
        for parse, text in ((parse_html_page, text_html), (parse_json_page, text_json)):
            try:
                files = parse(text.encode("utf-8", "surrogatepass"), PAGE, "i", "foo")
            except NetworkError as exc:
                assert "simple/foo/" in str(exc)
                continue
            parsed += 1
            for f in files:  # every file kept is fetchable: a URL that can be taken apart
                assert f.url.startswith("http") and f.name == "foo"
    assert parsed > 400


def test_a_direct_url_with_a_hash_fragment_is_checked_against_it(solve, tmp_path, serve_index):
    from solver.pypi.model import PyPIRequirement
    from support.pypi_index import make_wheel

    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    wheel = make_wheel(tmp_path / "w", Dist(name="direct", version="5.0"), "py3-none-any")
    srv = serve_index(tmp_path / "w")
    good = hashlib.sha256(wheel.read_bytes()).hexdigest()
    url = f"{srv.url}/direct-5.0-py3-none-any.whl"
    sol = solve([PyPIRequirement(name="direct", url=f"{url}#sha256={good}")], [(tmp_path / "i" / "simple").as_uri()])
    assert next(p for p in sol.packages if p.name == "direct").hashes["sha256"] == good
    with pytest.raises(HashMismatchError, match=good):
        solve([PyPIRequirement(name="direct", url=f"{url}#sha256={'0' * 64}")], [(tmp_path / "i" / "simple").as_uri()])
