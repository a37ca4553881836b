"""JSON project pages read on the fast path (entries of the plain shape, checked while decoding)
give the same files as the checked reading, and any page off the plain shape is read by the
checked one (which names what is wrong)."""

import json

import pytest

import solver.pypi.index as index_module
from solver.errors import NetworkError
from solver.pypi.index import _parse_json_page_checked, _parse_plain_json_page, parse_json_page

PAGE = "https://u:p@index.example.invalid/simple/demo/"
SHA = {"sha256": "ab" * 32}


def entry(filename="demo-1.0-py3-none-any.whl", **fields):
    return {"filename": filename, "url": f"../../files/{filename}", "hashes": SHA, **fields}


PLAIN = {
    "every field": [entry(**{"requires-python": ">=3.8", "size": 12, "upload-time": "2024-01-02T03:04:05.123456Z",
                             "yanked": "broken", "core-metadata": {"sha256": "cd" * 32}})],
    "sdist and wheels, filtered": [entry("demo-1.0.tar.gz"), entry("demo-1.0-cp312-cp312-win_amd64.whl"),
                                   entry("demo-1.1-cp312-cp312-win_amd64.whl"),
                                   entry("demo-1.1-cp312-cp312-manylinux_2_17_x86_64.whl")],
    "metadata keys of older versions": [entry(**{"data-dist-info-metadata": True}),
                                        entry("demo-1.1-py3-none-any.whl", **{"dist-info-metadata": {"sha256": "ee"}}),
                                        entry("demo-1.2-py3-none-any.whl", **{"core-metadata": None,
                                                                             "dist-info-metadata": True})],
    "yanked forms": [entry(yanked=True), entry("demo-1.1-py3-none-any.whl", yanked=False),
                     entry("demo-1.2-py3-none-any.whl", yanked="")],
    "hash in the URL only": [{"filename": "demo-1.0.tar.gz", "url": "https://x:y@files.example.invalid/d.tar.gz#sha256=ff"}],
    "other names, odd files, missing fields": [entry("other-1.0.tar.gz"), entry("demo-1.0.exe"),
                                               {"filename": "", "url": "x"}, {"url": "x"}, entry("demo-notaversion.tar.gz")],
    "links that are no URL": [{"filename": "demo-1.0.tar.gz", "url": "http://[::1/demo-1.0.tar.gz"},
                              {"filename": "demo-1.1.tar.gz", "url": "https://files.example.invalid:99999/d.tar.gz"},
                              {"filename": "demo-1.2.tar.gz", "url": "https://files.example.invalid:8443/d.tar.gz"}],
    "wheels for other targets: one per version stands in, the first listed": [
        entry("demo-2.0-cp312-cp312-win_amd64.whl"), entry("demo-2.0-cp312-cp312-macosx_11_0_arm64.whl"),
        entry("demo-1.0.0-cp311-cp311-win_amd64.whl"), entry("demo-1.0-cp312-cp312-win_amd64.whl"),
        entry("other-1.5-cp312-cp312-win_amd64.whl"), entry("demo-1.5-cp312-cp312-win_amd64.whl"),
        entry("demo-nover-cp312-cp312-win_amd64.whl"), entry("demo-1.6-1-cp312-cp312-win_amd64.whl"),
        entry("demo-1.6-cp312-cp312-win32.whl"), entry("demo-1.7-x-cp312-cp312-win_amd64.whl"),
        entry("demo-1.7-cp312-cp312-win_amd64.whl"), entry("demo-2.0-py3-none-any.whl"),
        entry("demo-1.8-cp312-cp312-manylinux_2_17_x86_64.whl"), entry("demo-1.8-cp312-cp312-win_amd64.whl"),
        entry("demo-odd-name-1.9-cp312-cp312-win_amd64.whl"), entry("demo-1.9.whl"), entry("demo-1.9.tar.gz"),
        entry("demo-1.10-py36+-none-any.whl"), entry("demo-1.10-36-none-any.whl"), entry("demo-1.10.tar.gz")],
    "upload times: with a zone, without one (UTC), fractions": [
        entry(**{"upload-time": "2024-01-02T03:04:05+02:00"}),
        entry("demo-1.1-py3-none-any.whl", **{"upload-time": "2024-01-02T03:04:05"}),
        entry("demo-1.2-py3-none-any.whl", **{"upload-time": "2024-01-02T03:04:05.5Z"}),
        entry("demo-1.3-py3-none-any.whl", **{"upload-time": "2024-01-02 03:04:05Z"})],
    "build tag, no hashes": [{"filename": "demo-1.0-1-py3-none-any.whl", "url": "/files/demo-1.0-1-py3-none-any.whl"}],
}
ODD = {  # not the plain shape: the checked reading decides (same outcome as before the fast path)
    "size a bool": [entry(size=True)],
    "size a float": [entry(size=12.5)],
    "hashes null": [entry(hashes=None)],
    "upload-time a number": [entry(**{"upload-time": 5})],
    "upload-time not a time": [entry(**{"upload-time": "yesterday"})],
    "upload-time empty": [entry(**{"upload-time": ""})],
    "yanked a number": [entry(yanked=1)],
    "empty hashes list": [entry(hashes=[])],
}
BROKEN = {"hashes not strings": [entry(hashes={"sha256": 5})], "entry not an object": ["x"],
          "filename a number": [entry(filename=5)]}


def linux(tags) -> bool:
    return any("linux" in t.platform or t.platform == "any" for t in tags)


def body(files) -> bytes:
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "files": files}).encode()


@pytest.mark.parametrize("files", PLAIN.values(), ids=PLAIN.keys())
def test_plain_pages_read_alike(files):
    fast = _parse_plain_json_page(body(files), PAGE, "idx", "demo", linux)
    assert fast is not None
    assert fast == _parse_json_page_checked(body(files), PAGE, "idx", "demo", linux)
    assert all("u:p@" not in f.url and "x:y@" not in f.url for f in fast)


@pytest.mark.parametrize("files", ODD.values(), ids=ODD.keys())
def test_odd_pages_take_the_checked_reading(files):
    assert _parse_plain_json_page(body(files), PAGE, "idx", "demo", linux) is None
    assert parse_json_page(body(files), PAGE, "idx", "demo", linux) == \
        _parse_json_page_checked(body(files), PAGE, "idx", "demo", linux)


@pytest.mark.parametrize("files", BROKEN.values(), ids=BROKEN.keys())
def test_broken_pages_are_named(files):
    with pytest.raises(NetworkError, match=r"invalid JSON project page https://index.example.invalid/simple/demo/: files\[0\]"):
        parse_json_page(body(files), PAGE, "idx", "demo", linux)


@pytest.mark.parametrize("text", [b"{", b"[]", b'{"files": {}}', b"\xff"])
def test_undecodable_pages_are_named(text):
    with pytest.raises(NetworkError, match="invalid JSON project page"):
        parse_json_page(text, PAGE, "idx", "demo", linux)


def test_fast_path_used_for_plain_pages(monkeypatch):
    monkeypatch.setattr(index_module, "_parse_json_page_checked", None)  # would fail if called
    assert len(parse_json_page(body(PLAIN["every field"]), PAGE, "idx", "demo", linux)) == 1
