"""The repodata scanner's fast paths: parallel parts, instruction-set variants, memory-mapped files.

Each must give exactly what a plain single-part scan gives (itself checked against a JSON parser
in test_repodata.py): the same records in the same order, name ids, flags and error offsets.
"""

from __future__ import annotations

import json
import random

import pytest

import solver._ext.repodata_scan as scan_mod
from solver._ext.repodata_scan import ScanError, scan_buffer, scan_file, select_isa


def snapshot(sc):
    """Everything a scan produces, including what ``finish`` derives (shadowing flags)."""
    arrays, names = sc.result()
    remap = list(range(len(names)))
    done = sc.finish(remap)
    return arrays, names, done, (sc.info_start, sc.info_end, sc.version_start, sc.version_end)


def tricky_document(seed: int, records: int = 240, adversarial: bool = True) -> bytes:
    """Records whose strings are full of what a cut point looks for ('}', ',', '"'), escapes,
    brackets and "name" look-alikes (``adversarial``); both sections, twins across them, and keys
    whose extension does not match their section (the stem rule depends on the section)."""
    rng = random.Random(seed)
    bits = ['}, "', '},\n "x": {', '"', "\\", "{", "}", "[", "]", ",", ":", "n", '"name"', "a", " ", "é"]
    if not adversarial:
        bits = ["a", "b", " ", "n", "é", "[", "{", "\\"]

    def text():
        return "".join(rng.choice(bits) for _ in range(rng.randint(0, 12)))

    def ws():
        return rng.choice(["", " ", "\n  ", "\t"])

    def record(name):
        fields = {"build": text(), "license": text(), "depends": [text() for _ in range(rng.randint(0, 3))],
                  "run_exports": {"weak": [text()], "name": text()}, "version": "1"}
        items = list(fields.items())
        items.insert(rng.randint(0, len(items)), ("name", name))
        return "{" + ws() + ("," + ws()).join(json.dumps(k) + ws() + ":" + ws() + json.dumps(v) for k, v in items) + "}"

    def section(count, offset):
        entries = []
        for i in range(count):
            stem = f"pkg{(i + offset) % 29}-{i % 53}" + (text() if rng.random() < 0.5 else "")
            ext = rng.choice([".tar.bz2", ".conda", ".tar.bz2", ".conda", ""])
            entries.append(json.dumps(stem + ext) + ws() + ":" + ws() + record(f"pkg{(i + offset) % 29}"))
        return "{" + ws() + ("," + ws()).join(entries) + ws() + "}"

    half = records // 2
    doc = ('{"info": {"subdir": "noarch", "x": "}, \\"y\\": {"},' + ws() + '"packages":' + ws() + section(half, 0)
           + "," + ws() + '"removed": ["a}, \\"b\\"", "c"],' + ws() + '"packages.conda":' + ws()
           + section(records - half, 0) + "," + ws() + '"repodata_version": 1' + ws() + "}")
    json.loads(doc)  # the generator itself must make valid JSON
    return doc.encode()


@pytest.mark.parametrize("adversarial", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_parallel_parts_give_the_plain_scan_exactly(seed, adversarial):
    data = tricky_document(seed, adversarial=adversarial)
    expected = snapshot(scan_buffer(data, 1))
    joined = 0
    for parts in range(2, 14):
        points = scan_mod.split_points(data, parts)
        assert points[0] == 0 and points[-1] == len(data) and points == sorted(set(points))
        sc = scan_buffer(data, parts)
        joined += sc.parts_joined
        assert snapshot(sc) == expected, parts
    if not adversarial:
        assert joined > 0  # cuts at real record boundaries were joined (not all re-scanned)


def test_parallel_parts_survive_cuts_that_are_not_record_boundaries():
    # Nested objects followed by an object-valued key look exactly like a record boundary; so do
    # strings holding escaped look-alikes. Cuts there must be rejected and re-scanned.
    body = ",".join(json.dumps(f"p{i}-1-0.tar.bz2") + ':{"run_exports":{"weak":["}, \\"x\\": {"]},"extra":{"a":{}},'
                    '"name":"p%d","license":"}, \\"q-1-0.conda\\": {"}' % (i % 5) for i in range(400))
    data = ('{"packages":{' + body + '}}').encode()
    json.loads(data)
    expected = snapshot(scan_buffer(data, 1))
    joined = cuts = 0
    for parts in range(2, 20):
        sc = scan_buffer(data, parts)
        assert snapshot(sc) == expected, parts
        joined += sc.parts_joined
        cuts += len(scan_mod.split_points(data, parts)) - 2
    assert cuts > 0 and joined < cuts  # some guesses were wrong, and nothing changed


@pytest.mark.parametrize("bad", ['"bad-1-0.conda": 12, ', '"bad-1-0.conda": {"version": "1"}, ',
                                 '"bad-1-0.conda": {"name": 3}, '])
def test_errors_in_a_later_part_are_the_plain_scan_errors(bad):
    good = tricky_document(3, adversarial=False).decode()
    at = good.index("{", good.index('"packages.conda"')) + 1  # first record of the second section
    data = (good[:at] + bad + good[at:]).encode()
    with pytest.raises(ScanError) as plain:
        scan_buffer(data, 1)
    assert plain.value.offset > len(data) // 3
    for parts in (2, 3, 5, 8):
        with pytest.raises(ScanError) as err:
            scan_buffer(data, parts)
        assert (str(err.value), err.value.offset) == (str(plain.value), plain.value.offset)


@pytest.fixture
def restore_isa():
    yield
    select_isa(None)


def test_every_instruction_set_variant_scans_the_same(restore_isa):
    docs = [tricky_document(seed) for seed in range(4)]
    assert select_isa("scalar") == "scalar"  # byte by byte: the reference
    expected = [snapshot(scan_buffer(d, 1)) for d in docs]
    for isa in ("portable", "avx2", "avx512"):
        got = select_isa(isa)
        assert got in ("portable", "avx2", "avx512")
        assert [snapshot(scan_buffer(d, 1)) for d in docs] == expected, got


def test_scanned_ranges_are_released_in_order_and_only_after_scanning():
    data = tricky_document(1, records=600)
    calls = []
    sc = scan_buffer(data, 1, release=lambda a, b: calls.append((a, b)), window=512)
    assert snapshot(sc) == snapshot(scan_buffer(data, 1))
    assert len(calls) > 3
    for (a, b), (c, _) in zip(calls, calls[1:]):
        assert a < b <= c
    assert calls[-1][1] <= len(data)


def test_memory_mapped_parallel_file_scan_matches_the_chunked_scan(tmp_path, monkeypatch):
    path = tmp_path / "repodata.json"
    path.write_bytes(tricky_document(5, records=400))
    expected = snapshot(scan_file(str(path), chunk_size=4096))
    monkeypatch.setattr(scan_mod, "MMAP_MIN_BYTES", 0)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_PART", 1)
    assert snapshot(scan_file(str(path))) == expected
    for parts in (1, 2, 4):
        assert snapshot(scan_file(str(path), parts=parts)) == expected
    with open(path, "rb") as f:  # an open descriptor is read from the start and left open
        f.read(10)
        assert snapshot(scan_file(f.fileno(), parts=3)) == expected
        assert not f.closed
