"""Version specs: operators, prefixes, and/or precedence, canonical text, errors."""

from __future__ import annotations

import pytest

from solver.conda.version import InvalidVersion, InvalidVersionSpec, Version, VersionSpec
from solver.errors import InputError

MATCHES = [
    # (spec, version, expected)
    ("==1.2", "1.2", True),
    ("==1.2", "1.2.0", True),
    ("==1.2", "1.2.1", False),
    ("==1.2", "1.2+local", False),
    ("1.2", "1.2.0", True),  # bare version = exact
    ("1.2", "1.2.1", False),
    ("!=1.2", "1.2.0", False),
    ("!=1.2", "1.3", True),
    ("<1.2", "1.1.9", True),
    ("<1.2", "1.2", False),
    ("<1.2", "1.2rc1", True),
    ("<1.2", "1.2.dev0", True),
    ("<=1.2", "1.2.0", True),
    ("<=1.2", "1.2.0.1", False),
    (">1.2", "1.2.0", False),
    (">1.2", "1.2.post1", True),
    (">1.2", "1.2.0.1", True),
    (">=1.2", "1.2", True),
    (">=1.2", "1.2rc1", False),
    (">=1.2", "1!0.1", True),
    ("1.2.*", "1.2", True),
    ("1.2.*", "1.2.5", True),
    ("1.2.*", "1.2a", True),
    ("1.2.*", "1.2.dev1", True),
    ("1.2.*", "1.20", False),
    ("1.2.*", "1.3", False),
    ("1.2.*", "1.1.9", False),
    ("1.2*", "1.2.7", True),
    ("1.2.0.*", "1.2", True),  # missing parts count as 0
    ("1.2.0.*", "1.2.1", False),
    ("!=1.2.0.*", "1.2", False),
    ("0.*", "0.9", True),
    ("0.*", "1.0", False),
    ("=1.2", "1.2.7", True),
    ("=1.2", "1.20", False),
    ("==1.2.*", "1.2.7", True),
    ("!=1.2.*", "1.2.7", False),
    ("!=1.2.*", "1.3", True),
    (">=1.2.*", "1.2", True),
    (">1.2.*", "1.2", True),  # rattler: '>1.2.*' means '>=1.2'
    ("<1.2.*", "1.2", False),
    ("<1.2.*", "1.1", True),
    ("~=1.2", "1.2", True),
    ("~=1.2", "1.9", True),
    ("~=1.2", "2.0", False),
    ("~=1.2", "1.1", False),
    ("~=1.2.3", "1.2.9", True),
    ("~=1.2.3", "1.3.0", False),
    ("~=1.2.3", "1.2.2", False),
    ("~=1.2.*", "1.5", True),
    ("*", "0.0.1", True),
    ("*", "1!99", True),
    ("1.*", "1.0", True),
    ("1.*", "2", False),
    (">=1.2,<2", "1.5", True),
    (">=1.2,<2", "2.0", False),
    (">=1.2,<2", "1.1", False),
    (">=1.2 , <2", "1.5", True),
    ("1.2|1.3", "1.3.0", True),
    ("1.2|1.3", "1.4", False),
    (">=1.8|1.7,<2", "1.7", True),  # ',' binds tighter: >=1.8 | (1.7 and <2)
    (">=1.8|1.7,<2", "2.5", True),
    ("(>=1.8|1.7),<2", "2.5", False),
    ("(>=1.8|1.7),<2", "1.9", True),
    ("2.7|>=3.6", "3.5", False),
    ("2.7|>=3.6", "2.7", True),
    ("==2.7.*|>=3.4", "2.7.15", True),
    (">=2.7,<3|>=3.6", "3.0", False),
    (">=2.7,<3|>=3.6", "3.7", True),
    (">=1.2,(<2|>3)", "2.5", False),
    (">=1.2,(<2|>3)", "3.5", True),
    ("((1.2))", "1.2", True),
    (">=1!164.3095,<1!165", "1!164.3095", True),
    (">=1!164.3095,<1!165", "165", False),
    ("1.0.1_", "1.0.1_", True),
    (">=1.0.1_,<1.0.2", "1.0.1a", True),
    ("!=3.0,!=3.1,!=3.2", "3.1", False),
    ("!=3.0,!=3.1,!=3.2", "3.3", True),
    ("12.9|12.9.*", "12.9.1", True),
    ("=*", "5", True),
    (">=*", "5", True),
]


@pytest.mark.parametrize("spec,version,expected", MATCHES)
def test_matches(spec, version, expected):
    s = VersionSpec.parse(spec)
    assert s.matches(version) is expected
    assert s.matches(Version(version)) is expected
    # the canonical form means the same thing
    assert VersionSpec.parse(str(s)).matches(version) is expected


CANONICAL = [
    ("1.2", "==1.2"),
    ("==1.2", "==1.2"),
    ("=1.2", "1.2.*"),
    ("1.2*", "1.2.*"),
    ("1.2.*.*", "1.2.*"),
    ("=1.2*", "1.2.*"),
    ("==1.2.*", "1.2.*"),
    ("!=1.2*", "!=1.2.*"),
    (">=1.2.*", ">=1.2"),
    (">1.2.*", ">=1.2"),
    ("<1.2.*", "<1.2"),
    ("~=1.2.*", "~=1.2"),
    ("*.*", "*"),
    ("==*", "*"),
    ("1.2.3a*", "1.2.3a.*"),
    (">=1.2 , <2", ">=1.2,<2"),
    (" >=1.2 ", ">=1.2"),
    ("(>=1,<2)|>3", ">=1,<2|>3"),
    (">=1.2,(<2|>3)", ">=1.2,(<2|>3)"),
    ("(1|2)|3", "==1|==2|==3"),
    ("1,(2,3)", "==1,==2,==3"),
    ("1.2|1.3,>=1", "==1.2|==1.3,>=1"),
    ("1.2,*", "==1.2"),
    ("1.0-1", "==1.0-1"),
]


@pytest.mark.parametrize("text,canonical", CANONICAL)
def test_canonical_text_round_trips(text, canonical):
    spec = VersionSpec.parse(text)
    assert str(spec) == canonical
    again = VersionSpec.parse(canonical)
    assert again == spec and hash(again) == hash(spec)
    assert str(again) == canonical


def test_equality_is_on_canonical_form():
    assert VersionSpec.parse("=1.2") == VersionSpec.parse("1.2.*")
    assert VersionSpec.parse(">=1.2") != VersionSpec.parse(">1.2")
    assert VersionSpec.parse("*").is_any
    assert not VersionSpec.parse(">=1").is_any
    assert len({VersionSpec.parse("1.2*"), VersionSpec.parse("1.2.*")}) == 1


def test_filter_matches_each():
    spec = VersionSpec.parse(">=1.2,<2|3.*")
    versions = [Version(v) for v in ["1.0", "1.2", "1.9.9", "2.0", "3.1", "4"]]
    assert spec.filter(versions) == [False, True, True, False, True, False]


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("", "empty"),
        ("  ", "empty"),
        ("1.*.3", "'*' is only allowed at the end"),
        ("^1.2$", "regular expressions are not supported"),
        ("1.2$", "regular expressions are not supported"),
        (">= 1.2", "whitespace"),
        ("1.2 3", "whitespace"),
        ("1.2,", "empty constraint"),
        ("1.2,,3", "empty constraint"),
        ("(1.2,)", "unexpected ')'"),
        ("|1", "empty constraint"),
        ("(|1)", "unexpected '|'"),
        ("()", "unexpected ')'"),
        ("(>=1", "missing ')'"),
        (">=1)", "unexpected ')'"),
        (">*", "'*' cannot follow '>'"),
        ("!=*", "'*' cannot follow '!='"),
        (">=", "missing version"),
        ("<>1.2", "invalid operator"),
        ("=>1.2", "invalid operator"),
        (">=1..2", "unexpected character"),
        ("1.2.3+*", "expected a version component"),
        ("~=1.2+local", "local version"),
    ],
)
def test_invalid_specs_name_the_spec(text, fragment):
    with pytest.raises(InvalidVersionSpec) as info:
        VersionSpec.parse(text)
    assert isinstance(info.value, InputError)
    assert repr(text) in str(info.value)
    assert fragment in str(info.value)


def test_matching_a_bad_version_string_raises_invalid_version():
    with pytest.raises(InvalidVersion, match="'1..0'"):
        VersionSpec.parse(">=1").matches("1..0")


def test_select_returns_matching_indexes():
    versions = [Version(v) for v in ["0.9", "1.2.0", "1.2.7", "1.3", "1.2a"]]
    assert VersionSpec.parse("1.2.*").select(versions) == [1, 2, 4]
    assert VersionSpec.parse("*").select(versions) == [0, 1, 2, 3, 4]


def test_clear_caches_keeps_results():
    from solver.conda.version import clear_caches

    before = VersionSpec.parse(">=1.2,<2").matches("1.5")
    clear_caches()
    assert VersionSpec.parse(">=1.2,<2").matches("1.5") is before is True
    assert Version.parse("1.5") == Version("1.5.0")


def test_non_string_spec_is_an_input_error():
    with pytest.raises(InvalidVersionSpec):
        VersionSpec(3)  # type: ignore[arg-type]
