"""Repodata, specs and build patterns written to hurt (issue 15): each reproduced case is a
regression test asserting its clear outcome, and seeded fuzz loops (a few hundred inputs each,
well under a second) feed mutated inputs of each kind and accept only the documented outcomes."""

from __future__ import annotations

import json
import random
import re

import pytest

from solver._ext.repodata_scan import ScanError, scan_buffer, select_isa
from solver.conda.matchspec import InvalidMatchSpec, MatchSpec
from solver.conda.model import PackageRecord
from solver._ext.conda_version import glob_match
from solver.conda.pattern import PatternError, compile_regex
from solver.conda.repodata import SubdirData
from solver.conda.channel import Channel
from solver.conda.version import InvalidVersionSpec, VersionSpec
from solver.errors import InputError

SEED = 15  # the number: every run feeds the same inputs


def record(build: str, name: str = "b", version: str = "1.0") -> PackageRecord:
    return PackageRecord(name=name, version=version, build=build, build_number=0, subdir="linux-64")


# -- linear-time matching -------------------------------------------------------------------------


def test_nested_repeat_build_regex_from_a_channel_matches_in_linear_time():
    spec = MatchSpec.parse("b 1.0 ^(a+)+$")
    # A backtracking engine takes 2**60 steps on the first one: this returns at once or never.
    assert not spec.matches(record("a" * 60 + "!"))
    assert spec.matches(record("a" * 5000))
    assert not MatchSpec.parse("b 1.0 ^(a|a)*$").matches(record("a" * 60 + "!"))


def test_non_ascii_glob_is_matched_without_backtracking_regexes():
    spec = MatchSpec.parse("b 1.0 " + "*é" * 20 + "*x")
    assert not spec.matches(record("é" * 5000))
    assert spec.matches(record("é" * 5000 + "x"))
    assert MatchSpec.parse("b * py*_é").matches(record("py311_é"))


@pytest.mark.parametrize("build", ["^(a$", "^a{2,1}$", "^(?=a)a$", "^(a)\\1$", "^[z-a]$", "^a**$"])
def test_build_regex_that_cannot_run_linearly_is_an_invalid_spec(build):
    texts = [f"b[build='{build}']"] + ([f"b 1.0 {build}"] if "[" not in build else [])
    for text in texts:
        with pytest.raises(InvalidMatchSpec, match="invalid build regular expression"):
            MatchSpec.parse(text)


ATOMS = ["a", "b", "_", ".", "1", "[ab]", "[^a]", "\\d", "\\w", "(a|b)", "(?:ab)", "a*", "b+", "(a|)",
         "x?", "[a-c_]", "\\.", "a{2}", "b{1,2}", "(a*)*", "(?P<g>a)", "."]


def test_build_regexes_agree_with_python_re_on_seeded_patterns():
    rnd = random.Random(SEED)
    checked = 0
    for _ in range(400):
        pattern = "^" + "".join(rnd.choice(ATOMS) + rnd.choice(["", "*", "?", "{0,2}"])
                                for _ in range(rnd.randint(1, 4))) + rnd.choice(["$", ""])
        try:
            reference = re.compile(pattern)
        except re.error:
            continue
        ours = compile_regex(pattern)
        for _ in range(8):
            text = "".join(rnd.choice("ab_.1x\n") for _ in range(rnd.randint(0, 7)))
            assert ours(text) == bool(reference.match(text)), (pattern, text)
            checked += 1
    assert checked > 2000


def test_globs_agree_with_a_regex_reference_on_seeded_patterns():
    rnd = random.Random(SEED)
    for _ in range(2000):
        pattern = "".join(rnd.choice("ab*é") for _ in range(rnd.randint(0, 6)))
        text = "".join(rnd.choice("abé") for _ in range(rnd.randint(0, 7)))
        reference = re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text, re.S) is not None
        assert glob_match(pattern, text) == reference, (pattern, text)


def test_pattern_size_is_bounded():
    with pytest.raises(PatternError, match="too large"):
        compile_regex("^(a{1000}){1000}$")
    with pytest.raises(PatternError, match="longer than"):
        compile_regex("^" + "a" * 5000 + "$")


# -- MatchSpec round trip and spec texts ----------------------------------------------------------


def test_matchspec_round_trips_builds_with_channel_separators_and_quotes():
    chars = ["a", '"', "'", ":", "::", " ", ",", "=", "*", "[", "]", "_", "|", "^", "$"]
    rnd = random.Random(SEED)
    parsed = 0
    for _ in range(1500):
        build = "x" + "".join(rnd.choice(chars) for _ in range(rnd.randint(1, 4))) + "y"
        for text in (f"pkg 1.0 {build}", f"pkg[build='{build}']", f'pkg[build="{build}"]', f"pkg 1.0 *{build}"):
            try:
                spec = MatchSpec.parse(text)
            except InvalidMatchSpec:
                continue
            parsed += 1
            assert MatchSpec.parse(str(spec)) == spec, (text, str(spec))
    assert parsed > 2000
    for build in ("a::b", "x'y\"z", "py3'\"x", "^py.*$"):
        spec = MatchSpec(name="pkg", build=build)
        assert MatchSpec.parse(str(spec)) == spec


def test_deeply_nested_version_spec_is_an_invalid_spec_with_a_short_message():
    text = "(" * 1000 + ">=1" + ")" * 1000
    with pytest.raises(InvalidVersionSpec, match="nested more than") as err:
        VersionSpec.parse(text)
    assert len(str(err.value)) < 400
    assert VersionSpec.parse("((>=1,<2)|(>=3))").matches("1.5")


def test_seeded_spec_texts_parse_or_give_typed_errors():
    rnd = random.Random(SEED)
    pieces = ["1", "2.0", ".", "*", ">=", "<", "==", "!=", "~=", ",", "|", "(", ")", " ", "a", "=", "^", "$",
              "[", "]", "build=", "py", "::", "'", '"', "9" * 50, "é", "\\", "#"]
    for _ in range(1500):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        try:
            VersionSpec.parse(text)
        except InvalidVersionSpec:
            pass
        try:
            spec = MatchSpec.parse("pkg " + text)
        except InvalidMatchSpec:
            continue
        spec.matches(record("py_0", name="pkg", version="1.5"))


# -- repodata -------------------------------------------------------------------------------------


def subdir(tmp_path, text: str | bytes) -> SubdirData:
    folder = tmp_path / "chan" / "linux-64"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "repodata.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return SubdirData.open(path, Channel.parse(str(tmp_path / "chan")), "linux-64", cache_dir=tmp_path / "cache")


def one_record(fields: str, key: str = "foo-1.0-0.tar.bz2") -> str:
    return ('{"info": {"subdir": "linux-64"}, "packages": {"%s": {"name": "foo", "version": "1.0", '
            '"build": "0", "depends": []%s}}}' % (key, fields))


@pytest.mark.parametrize(("fields", "words"), [
    (', "build_number": 1e400', ["foo-1.0-0.tar.bz2", "out of range"]),
    (', "x": ' + "[" * 5000 + "]" * 5000, ["foo-1.0-0.tar.bz2", "nested too deeply"]),
], ids=["build-number-1e400", "deeply-nested-unknown-field"])
def test_malformed_records_are_located_errors(tmp_path, fields, words):
    sd = subdir(tmp_path, one_record(fields))
    with pytest.raises(InputError) as err:
        sd.records("foo")
    assert "changed while it was being read" not in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_a_record_with_two_names_is_read_as_a_json_decoder_reads_it(tmp_path):
    sd = subdir(tmp_path, one_record(', "name": "bar"'))
    assert sd.records("foo") == []
    assert [r.name for r in sd.records("bar")] == ["bar"]


@pytest.mark.parametrize("key", ["foo-1.0-0\n.tar.bz2", "foo-1.0-0\\n.tar.bz2", "foo-1.0-0\x00.tar.bz2",
                                 "foo-1.0-0\\u0000.tar.bz2", "../foo-1.0-0.tar.bz2", b"foo-1.0-\xff0.tar.bz2"],
                         ids=["raw-newline", "escaped-newline", "raw-nul", "escaped-nul", "slash", "invalid-utf8"])
def test_bad_file_names_never_reach_a_record(tmp_path, key):
    text = one_record("").encode()
    raw_key = key if isinstance(key, bytes) else key.encode()
    sd = subdir(tmp_path, text.replace(b"foo-1.0-0.tar.bz2", raw_key))
    with pytest.raises(InputError, match="file name"):
        sd.records("foo")


@pytest.mark.parametrize("key", ['"n\\u0061me"', '"\\u006eame"', '"\\u006E\\u0061\\u006d\\u0065"'])
def test_a_name_key_written_with_escapes_is_recognised(tmp_path, key):
    sd = subdir(tmp_path, one_record("").replace('"name"', key))
    assert [r.name for r in sd.records("foo")] == ["foo"]


def test_timestamp_past_year_9999_with_exclude_newer_is_explained(tmp_path):
    from solver.conda.snapshot import SnapshotGateway
    from solver.conda.model import CondaRequest
    from solver.conda.solve import solve_conda
    from solver.errors import UnsolvableError

    rec = PackageRecord(name="foo", version="1.0", build="0", subdir="linux-64", timestamp=10**18,
                        channel="https://conda.example.invalid/c", fn="foo-1.0-0.conda")
    request = CondaRequest(platform="linux-64", specs=["foo"], channels=["https://conda.example.invalid/c"],
                           exclude_newer=1_600_000_000_000)
    with pytest.raises(UnsolvableError, match="exclude-newer"):
        solve_conda(request, SnapshotGateway([(0, rec)]))


def _names_by_json(doc: bytes) -> list[str] | None:
    """The reference: record names by the json module (None when it is not valid repodata)."""
    try:
        data = json.loads(doc)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    names = []
    for section in ("packages", "packages.conda"):
        recs = data.get(section)
        if recs is None:
            continue
        if not isinstance(recs, dict):
            return None
        for rec in recs.values():
            if not isinstance(rec, dict) or not isinstance(rec.get("name"), str):
                return None
            names.append(rec["name"])
    return names


def _mutations(rnd: random.Random, doc: str) -> str:
    cut = rnd.randrange(len(doc) + 1)
    choice = rnd.randrange(6)
    if choice == 0:
        return doc[:cut]  # truncated
    if choice == 1:
        return doc[:cut] + rnd.choice(['"', "\\", "{", "}", "[", "]", ",", ":", "\x00", "é"]) + doc[cut:]
    if choice == 2:
        return doc[:cut] + doc[cut + rnd.randint(1, 5):]  # bytes dropped
    if choice == 3:
        return doc.replace('"name"', rnd.choice(['"n\\u0061me"', '"\\u006eame"', '"nam\\u0065"', '"names"']), 1)
    if choice == 4:
        return doc.replace("[]", "[" * rnd.randint(1, 300) + "]" * rnd.randint(1, 300), 1)
    return doc.replace('"1.0"', rnd.choice(['1e400', '"1.0\\"', 'null', '{"a": "}"}']), 1)


@pytest.mark.parametrize("isa", ["scalar", "portable", None])
def test_seeded_repodata_mutations_scan_like_a_json_decoder_or_fail_cleanly(isa):
    base = json.dumps({"info": {"subdir": "linux-64"},
                       "packages": {f"p{i}-1.0-0.tar.bz2": {"name": f"p{i}", "version": "1.0", "depends": [],
                                                           "license": 'q"{[\\'} for i in range(6)},
                       "packages.conda": {"n-1.0-0.conda": {"version": "1.0", "name": "n", "x": {"name": "no"}}}})
    rnd = random.Random(SEED)
    select_isa(isa)
    try:
        for _ in range(300):
            doc = _mutations(rnd, base).encode()
            expected = _names_by_json(doc)
            try:
                sc = scan_buffer(doc)
            except ScanError:
                continue  # the scanner checks structure, not every JSON rule: it may refuse less
            if expected is not None:
                got = [json.loads(b'"' + sc.raw_names()[i] + b'"') for i in _name_ids(sc)]
                assert got == expected, doc
    finally:
        select_isa(None)


def _name_ids(sc) -> list[int]:
    arrays, _ = sc.result()
    import struct

    return list(struct.unpack(f"<{len(arrays['name_id']) // 4}i", arrays["name_id"]))
