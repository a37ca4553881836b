"""MatchSpec: the conda spec syntax, canonical text, record matching, the real depends corpus."""

from __future__ import annotations

import json

import pytest

from solver.conda.matchspec import BuildNumberSpec, InvalidMatchSpec, MatchSpec
from solver.conda.model import PackageRecord
from solver.errors import InputError

PARSE = [
    # (text, expected fields; version given canonically)
    ("numpy", {"name": "numpy"}),
    ("NumPy", {"name": "numpy"}),
    ("numpy 1.2.*", {"name": "numpy", "version": "1.2.*"}),
    ("numpy 1.2", {"name": "numpy", "version": "==1.2"}),
    ("numpy=1.2", {"name": "numpy", "version": "1.2.*"}),
    ("numpy =1.2", {"name": "numpy", "version": "1.2.*"}),
    ("numpy=1.2.*", {"name": "numpy", "version": "1.2.*"}),
    ("numpy==1.2", {"name": "numpy", "version": "==1.2"}),
    ("numpy 1.2 py*_0", {"name": "numpy", "version": "==1.2", "build": "py*_0"}),
    ("numpy=1.2=py*", {"name": "numpy", "version": "==1.2", "build": "py*"}),
    ("numpy 1.2=py_0", {"name": "numpy", "version": "==1.2", "build": "py_0"}),
    ("numpy==1.2=py_0", {"name": "numpy", "version": "==1.2", "build": "py_0"}),
    ("numpy>=1.2=py_0", {"name": "numpy", "version": ">=1.2", "build": "py_0"}),
    ("numpy >=1.2 =py34_0", {"name": "numpy", "version": ">=1.2", "build": "py34_0"}),
    ("numpy>=1.2,<2", {"name": "numpy", "version": ">=1.2,<2"}),
    ("numpy >=1.2", {"name": "numpy", "version": ">=1.2"}),
    ("numpy >=1.2 , <2", {"name": "numpy", "version": ">=1.2,<2"}),
    ("numpy >=1.2, <2 py_0", {"name": "numpy", "version": ">=1.2,<2", "build": "py_0"}),
    ("numpy 1.0|2.0 py_0", {"name": "numpy", "version": "==1.0|==2.0", "build": "py_0"}),
    ("python 3.8*", {"name": "python", "version": "3.8.*"}),
    ("foo 1.0 0", {"name": "foo", "version": "==1.0", "build": "0"}),
    ("foo >=1.0 *_cpython", {"name": "foo", "version": ">=1.0", "build": "*_cpython"}),
    ("foo * abc", {"name": "foo", "build": "abc"}),
    ("foo *", {"name": "foo"}),
    ("foo * *", {"name": "foo"}),
    ("foo=1.0=*", {"name": "foo", "version": "==1.0"}),
    ("foo 1.0 # a comment", {"name": "foo", "version": "==1.0"}),
    ("foo-bar_baz.qux", {"name": "foo-bar_baz.qux"}),
    ("*", {"name": "*"}),
    ("conda-forge::numpy", {"name": "numpy", "channel": "conda-forge"}),
    ("conda-forge/linux-64::numpy", {"name": "numpy", "channel": "conda-forge", "subdir": "linux-64"}),
    ("conda-forge::numpy=1.0=py_0", {"name": "numpy", "channel": "conda-forge", "version": "==1.0", "build": "py_0"}),
    ("https://conda.example.invalid/chan::foo", {"name": "foo", "channel": "https://conda.example.invalid/chan"}),
    ("*/linux-64::foo", {"name": "foo", "subdir": "linux-64"}),
    ("numpy[version='>=1.0', build=py*]", {"name": "numpy", "version": ">=1.0", "build": "py*"}),
    ('numpy[build="py*",version=">=1"]', {"name": "numpy", "version": ">=1", "build": "py*"}),
    ("numpy[version=1.0]", {"name": "numpy", "version": "==1.0"}),
    ('numpy[version="1.0|2.0"]', {"name": "numpy", "version": "==1.0|==2.0"}),
    ("numpy=1.0[build=abc]", {"name": "numpy", "version": "1.0.*", "build": "abc"}),
    ("numpy 1.0[build=abc]", {"name": "numpy", "version": "==1.0", "build": "abc"}),
    ("numpy 1.0[version=2.0]", {"name": "numpy", "version": "==2.0"}),  # brackets win
    ("numpy>=1.0 [build=x]", {"name": "numpy", "version": ">=1.0", "build": "x"}),
    ("numpy[build_number='>=3']", {"name": "numpy", "build_number": ">=3"}),
    ("numpy[build_number=3]", {"name": "numpy", "build_number": "==3"}),
    ("numpy[channel=conda-forge]", {"name": "numpy", "channel": "conda-forge"}),
    ("numpy[channel=conda-forge/linux-64]", {"name": "numpy", "channel": "conda-forge", "subdir": "linux-64"}),
    ("numpy[subdir=linux-64]", {"name": "numpy", "subdir": "linux-64"}),
    ("numpy[md5=ABCDEF, sha256=0123]", {"name": "numpy", "md5": "abcdef", "sha256": "0123"}),
    ("numpy[license=MIT]", {"name": "numpy", "license": "MIT"}),
    ('numpy[license="Apache-2.0 OR MIT"]', {"name": "numpy", "license": "Apache-2.0 OR MIT"}),
    ("numpy[track_features=mkl]", {"name": "numpy", "track_features": "mkl"}),
    ("numpy[fn=numpy-1.0-0.tar.bz2]", {"name": "numpy", "fn": "numpy-1.0-0.tar.bz2"}),
    (
        "numpy[url=https://conda.example.invalid/c/linux-64/numpy-1.0-0.tar.bz2]",
        {"name": "numpy", "url": "https://conda.example.invalid/c/linux-64/numpy-1.0-0.tar.bz2"},
    ),
    (
        "https://conda.example.invalid/chan/linux-64/foo-1.0-py_0.conda",
        {
            "name": "foo", "version": "==1.0", "build": "py_0", "channel": "https://conda.example.invalid/chan",
            "subdir": "linux-64", "fn": "foo-1.0-py_0.conda",
            "url": "https://conda.example.invalid/chan/linux-64/foo-1.0-py_0.conda",
        },
    ),
]

_FIELDS = ("name", "version", "build", "build_number", "channel", "subdir", "md5", "sha256",
           "license", "track_features", "fn", "url")


@pytest.mark.parametrize("text,fields", PARSE)
def test_parse_fields_and_round_trip(text, fields):
    spec = MatchSpec.parse(text)
    for f in _FIELDS:
        got = getattr(spec, f)
        got = None if got is None else str(got)
        assert got == fields.get(f), f
    again = MatchSpec.parse(str(spec))
    assert again == spec and hash(again) == hash(spec)
    assert str(again) == str(spec)


CANONICAL = [
    ("numpy", "numpy"),
    ("numpy=1.2", "numpy 1.2.*"),
    ("numpy 1.2", "numpy ==1.2"),
    ("numpy=1.2=py*", "numpy ==1.2 py*"),
    ("numpy >=1.2 , <2", "numpy >=1.2,<2"),
    ("conda-forge/linux-64::numpy>=1", "conda-forge/linux-64::numpy >=1"),
    ("numpy[build=py*]", "numpy * py*"),
    ("numpy[build_number='>=3', md5=AB]", 'numpy[build_number=">=3", md5="ab"]'),
    ("numpy[subdir=linux-64]", 'numpy[subdir="linux-64"]'),
    ('numpy[build="py 3"]', 'numpy[build="py 3"]'),
]


@pytest.mark.parametrize("text,canonical", CANONICAL)
def test_canonical_str(text, canonical):
    assert str(MatchSpec.parse(text)) == canonical


def test_parse_is_cached_and_equality_ignores_spelling():
    assert MatchSpec.parse("numpy >=1.2") is MatchSpec.parse("numpy >=1.2")
    assert MatchSpec.parse("numpy=1.2") == MatchSpec.parse("NumPy 1.2.*")
    assert MatchSpec.parse("numpy=1.2") != MatchSpec.parse("numpy 1.2")
    assert MatchSpec.parse("foo[track_features='a b']") == MatchSpec.parse("foo[track_features='b,a']")


def _rec(**kw) -> PackageRecord:
    base = dict(name="numpy", version="1.2.3", build="py311h1234_0", build_number=0,
                subdir="linux-64", channel="https://conda.example.invalid/conda-forge")
    base.update(kw)
    return PackageRecord(**base)


MATCH = [
    ("numpy", {}, True),
    ("scipy", {}, False),
    ("NUMPY", {}, True),
    ("*", {"name": "anything"}, True),
    ("numpy 1.2.*", {}, True),
    ("numpy 1.2", {}, False),
    ("numpy 1.2.3", {}, True),
    ("numpy=1.2", {}, True),
    ("numpy >=1.3", {}, False),
    ("numpy >=1.2,<2", {}, True),
    ("numpy * py311*", {}, True),
    ("numpy * py310*", {}, False),
    ("numpy * *_0", {}, True),
    ("numpy * *_1", {}, False),
    ("numpy 1.2.3 py311h1234_0", {}, True),
    ("numpy 1.2.3 py311h1234", {}, False),  # exact build strings compare whole
    ("numpy[build='^py3[0-9]+h.*$']", {}, True),
    ("numpy[build_number='>=3']", {"build_number": 3}, True),
    ("numpy[build_number='>=3']", {"build_number": 2}, False),
    ("numpy[build_number=3]", {"build_number": 3}, True),
    ("numpy[build_number='!=3']", {"build_number": 3}, False),
    ("numpy[build_number='<3']", {"build_number": 2}, True),
    ("conda-forge::numpy", {}, True),
    ("bioconda::numpy", {}, False),
    ("https://conda.example.invalid/conda-forge::numpy", {}, True),
    ("conda-forge::numpy", {"channel": "conda-forge"}, True),
    ("conda-forge/linux-64::numpy", {}, True),
    ("conda-forge/osx-64::numpy", {}, False),
    ("numpy[subdir=linux-64]", {}, True),
    ("numpy[md5=ABC]", {"md5": "abc"}, True),
    ("numpy[md5=abd]", {"md5": "abc"}, False),
    ("numpy[sha256=ff]", {"sha256": "FF"}, True),
    ("numpy[license=MIT]", {"license": "MIT"}, True),
    ("numpy[license=MIT]", {"license": "BSD"}, False),
    ("numpy[track_features=mkl]", {"track_features": "mkl"}, True),
    ("numpy[track_features=mkl]", {"track_features": ""}, False),
    ("numpy[fn=numpy-1.2.3-0.conda]", {"fn": "numpy-1.2.3-0.conda"}, True),
    ("numpy[fn=numpy-1.2.3-0.conda]", {"fn": "other.conda"}, False),
]


@pytest.mark.parametrize("text,fields,expected", MATCH)
def test_matches_record(text, fields, expected):
    spec = MatchSpec.parse(text)
    assert spec.matches(_rec(**fields)) is expected
    assert MatchSpec.parse(str(spec)).matches(_rec(**fields)) is expected


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("", "empty spec"),
        ("   # only a comment", "empty spec"),
        ("foo[", "']' missing"),
        ("foo[version=1]x", "']' missing"),
        ("foo]", "invalid package name"),
        ("foo@1", "invalid package name"),
        ("[version=1]", "no package name"),
        (">=1.0", "no package name"),
        ("foo[name=bar]", "unknown bracket key 'name'"),
        ("foo[optional]", "cannot read key=value"),
        ("foo[version=]", "empty value"),
        ("foo 1.*.3", "'*' is only allowed at the end"),
        ("foo >=", "missing version"),
        ("foo 1..2", "unexpected character"),
        ("foo[build_number=abc]", "invalid build_number 'abc'"),
        ("foo[version=1][build=2]", "more than one bracket"),
        ("https://conda.example.invalid/c/linux-64/foo.conda", "NAME-VERSION-BUILD"),
    ],
)
def test_invalid_specs_name_the_spec(text, fragment):
    with pytest.raises(InvalidMatchSpec) as info:
        MatchSpec.parse(text)
    assert isinstance(info.value, InputError)
    assert repr(text) in str(info.value)
    assert fragment in str(info.value)


def test_build_number_spec():
    assert BuildNumberSpec.parse("3").matches(3)
    assert not BuildNumberSpec.parse("3").matches(4)
    assert BuildNumberSpec.parse(">=3").matches(4)
    assert str(BuildNumberSpec.parse("=3")) == "==3"
    with pytest.raises(ValueError):
        BuildNumberSpec.parse(">=x")


def _shared_specs(shared_conda) -> tuple[set[str], list[dict]]:
    specs: set[str] = set()
    records: list[dict] = []
    for path in sorted(shared_conda.glob("*/*/repodata.json")):
        data = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for rec in data.get(key, {}).values():
                specs.update(rec.get("depends", []))
                specs.update(rec.get("constrains", []))
                records.append(rec)
    return specs, records


def test_every_shared_depends_string_parses_and_round_trips(shared_conda):
    specs, _ = _shared_specs(shared_conda)
    assert len(specs) > 5000
    for text in specs:
        spec = MatchSpec.parse(text)
        assert spec.name == text.split()[0].split("=")[0].split("<")[0].split(">")[0].split("!")[0].lower()
        again = MatchSpec.parse(str(spec))
        assert again == spec, text
        assert str(again) == str(spec), text


def test_shared_records_match_their_own_exact_spec(shared_conda):
    """Every real record matches 'name ==version build' built from itself, and not a neighbour's."""
    _, records = _shared_specs(shared_conda)
    for rec in records[::7]:
        record = PackageRecord(name=rec["name"], version=rec["version"], build=rec["build"],
                               build_number=rec.get("build_number", 0), subdir=rec.get("subdir", ""))
        assert MatchSpec.parse(f"{rec['name']} =={rec['version']} {rec['build']}").matches(record)
        assert not MatchSpec.parse(f"{rec['name']} >{rec['version']}").matches(record)


@pytest.mark.oracle
def test_shared_version_specs_agree_with_rattler(shared_conda):
    """Differential check of the depends' version parts against py-rattler when installed."""
    rattler = pytest.importorskip("rattler")
    specs, records = _shared_specs(shared_conda)
    versions_by_name: dict[str, set[str]] = {}
    for rec in records:
        versions_by_name.setdefault(rec["name"], set()).add(rec["version"])
    checked = 0
    for text in sorted(specs):
        ours = MatchSpec.parse(text)
        theirs = rattler.MatchSpec(text)
        if ours.version is None:
            assert theirs.version is None or str(theirs.version) == "*", text
            continue
        rspec = rattler.VersionSpec(str(theirs.version))
        for v in sorted(versions_by_name.get(ours.name, ()))[:50]:
            assert ours.version.matches(v) == rspec.matches(rattler.Version(v)), (text, v)
            checked += 1
    assert checked > 10000


def test_non_string_spec_is_an_input_error():
    with pytest.raises(InvalidMatchSpec):
        MatchSpec.parse(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidMatchSpec):
        MatchSpec.parse(["numpy"])  # type: ignore[arg-type]


def test_filter_over_records():
    records = [_rec(version=v) for v in ["1.1", "1.2.0", "1.2.9", "2.0"]]
    assert MatchSpec.parse("numpy 1.2.*").filter(records) == [False, True, True, False]


def test_parsed_specs_are_immutable_because_they_are_shared():
    spec = MatchSpec.parse("numpy >=1.2")
    with pytest.raises(AttributeError):
        spec.name = "scipy"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        spec.version = None  # type: ignore[misc]
    assert MatchSpec.parse("numpy >=1.2").name == "numpy"


def test_direct_construction():
    spec = MatchSpec("numpy", build="py*", channel="conda-forge", build_number=BuildNumberSpec.parse(">=2"))
    assert str(spec) == 'conda-forge::numpy * py*[build_number=">=2"]'
    assert MatchSpec.parse(str(spec)) == spec
    with pytest.raises(TypeError):
        MatchSpec("numpy", colour="red")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "pattern,build,expected",
    [
        ("py3*_0", "py311h1234_0", True),
        ("py3*_0", "py311h1234_1", False),
        ("*cuda*", "cuda112py39h_0", True),
        ("*cuda*", "py39_cuda", True),
        ("*cuda*", "py39_cpu", False),
        ("*_cp311", "h1_cp311", True),
        ("*_cp311", "h1_cp3111", False),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "aXbYcZ", False),
        ("a*b*c", "abc", True),
        ("a**c", "ac", True),
        ("py*", "py", True),
        ("py*", "p", False),
        ("0", "0", True),
        ("0", "00", False),
        ("py*", "pyé", True),  # non-ASCII build strings still match
    ],
)
def test_build_globs(pattern, build, expected):
    spec = MatchSpec.parse(f"numpy * {pattern}")
    assert spec.matches(_rec(build=build)) is expected
