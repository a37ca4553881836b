"""Conda version ordering: the conda/rattler rules as tables, keys, errors, prefix tests."""

from __future__ import annotations

import json
import random

import pytest

from solver.conda.version import InvalidVersion, Version, version_key, version_keys
from solver.errors import InputError

# The canonical order from conda's VersionOrder documentation (also rattler's). The docs write
# "0.4 < 0.4.0", but both implementations treat missing components as 0, so they are equal.
CANONICAL_CHAIN = [
    ("0.4", "=="),
    ("0.4.0", "<"),
    ("0.4.1.rc", "=="),
    ("0.4.1.RC", "<"),  # case-insensitive
    ("0.4.1", "<"),
    ("0.5a1", "<"),
    ("0.5b3", "<"),
    ("0.5C1", "<"),
    ("0.5", "<"),
    ("0.9.6", "<"),
    ("0.960923", "<"),
    ("1.0", "<"),
    ("1.1dev1", "<"),  # 'dev' lowest
    ("1.1_", "<"),  # openssl-style trailing underscore
    ("1.1a1", "<"),
    ("1.1.0dev1", "=="),
    ("1.1.dev1", "<"),  # 0 inserted before a leading string
    ("1.1.a1", "<"),
    ("1.1.0rc1", "<"),
    ("1.1.0", "=="),
    ("1.1", "<"),
    ("1.1.0post1", "=="),  # 'post' highest
    ("1.1.post1", "<"),
    ("1.1post1", "<"),
    ("1996.07.12", "<"),
    ("1!0.4.1", "<"),  # epoch
    ("1!3.1.1.6", "<"),
    ("2!0.4.1", None),
]

PAIRS = [
    # (a, relation, b)
    ("1.0", "==", "1.0.0"),
    ("1.0", "==", "1.0.0.0.0"),
    ("1", "==", "1.0"),
    ("0!1.0", "==", "1.0"),
    ("1.0+0", "==", "1.0"),
    ("01.02", "==", "1.2"),
    ("1.0_1", "==", "1.0-1"),
    ("1.0_1", "==", "1.0.1"),
    ("1.0-", "==", "1.0_"),
    ("1_a_b", "==", "1.a.b"),
    ("1.0A", "==", "1.0a"),
    ("1.1DEV", "==", "1.1dev"),
    ("1.0a0", "==", "1.0a"),
    ("1.0.post", "==", "1.0.post0"),
    ("1.0+a_b", "==", "1.0+a.b"),
    ("1.0rc1", "<", "1.0"),
    ("1.0a1", "<", "1.0b1"),
    ("1.0b2", "<", "1.0rc1"),
    ("1.0rc1", "<", "1.0rc2"),
    ("1.0rc9", "<", "1.0rc10"),
    ("1.0dev1", "<", "1.0a1"),
    ("1.0.dev1", ">", "1.0a1"),  # per segment: [0] vs [0,'a',1]; 'a' sorts below the padding 0
    ("1.0dev", "<", "1.0_"),
    ("1.0_", "<", "1.0a"),
    ("1.0", "<", "1.0.post1"),
    ("1.0.post1", "<", "1.0.1"),
    ("1.0.post1", "<", "1.0post1"),
    ("1.0.1", "<", "1.0post1"),
    ("1.0post1", "<", "1.1"),
    ("1.0", "<", "1.0.1"),
    ("1.9", "<", "1.10"),
    ("1.2.3", "<", "1.2.10"),
    ("2", "<", "10"),
    ("1.0.1", "<", "1.0.1a"[:-1] + "1"),  # 1.0.1 < 1.0.11
    ("1.0.1a", "<", "1.0.1"),  # letters are pre-releases...
    ("1.0.1_", "<", "1.0.1a"),  # ...unless a trailing '_' marks openssl style
    ("1.0.1", "<", "1.0.1.0.1"),
    ("1.0a", "<", "1.0"),
    ("1.0.a", "<", "1.0"),
    ("1.a", "<", "1.0.a"),  # [1],[0,'a'] < [1],[0],[0,'a']
    ("1.0a", "<", "1.0ab"),
    ("1.0alpha", "<", "1.0beta"),
    ("1.0beta", "<", "1.0rc"),
    ("1.0rc", "<", "1.0rc0.1"),
    ("1.0postfix", "<", "1.0"),  # only exactly 'post' is special
    ("1.0develop", ">", "1.0dev"),  # only exactly 'dev' is special
    ("1.0+a", "<", "1.0"),  # a string local part sorts below nothing
    ("1.0", "<", "1.0+1"),
    ("1.0+1", "<", "1.0+2"),
    ("1.0+2", "<", "1.0+10"),
    ("1.0+cuda", "<", "1.0+cuda1"),
    ("1.0.1", ">", "1.0+999"),  # local only breaks ties
    ("1!1.0", ">", "2.0"),
    ("1!1.0", ">", "999999"),
    ("2!0", ">", "1!99"),
    ("0.0", "<", "0.0.1"),
    ("0.0.0.1", "<", "0.0.1"),
    ("0.1.0.0.1", "<", "0.1.0.1"),
    ("1.1.0.a", ">", "1.1.a"),
    ("1.1.0.a", "<", "1.1.0.b"),
    ("20240101", ">", "2023.12.31"),
    ("2023.12.31", "<", "2024.1.1"),
    ("1.2.3.4.5.6.7", "<", "1.2.3.4.5.6.8"),
    ("18446744073709551615", ">", "18446744073709551614"),
    ("1.0.0rc1", "<", "1.0.0"),
    ("3.10", ">", "3.9"),
    ("3.10.0rc1", ">", "3.9.18"),
    ("3.10.0a7", "<", "3.10.0b1"),
    ("9b", "<", "9"),
    ("9b", ">", "9a"),
    ("1.1.1w", ">", "1.1.1v"),
    ("1.1.1w", "<", "1.1.1"),
]


def _rel(a: Version, b: Version) -> str:
    return "<" if a < b else ("==" if a == b else ">")


@pytest.mark.parametrize("a,rel,b", PAIRS)
def test_pairs(a, rel, b):
    va, vb = Version(a), Version(b)
    assert _rel(va, vb) == rel
    flipped = {"<": ">", ">": "<", "==": "=="}[rel]
    assert _rel(vb, va) == flipped
    # the byte keys carry the same order and equality
    ka, kb = version_key(a), version_key(b)
    assert {"<": ka < kb, ">": ka > kb, "==": ka == kb}[rel]
    if rel == "==":
        assert hash(va) == hash(vb)


def test_canonical_chain():
    versions = [Version(v) for v, _ in CANONICAL_CHAIN]
    for (text, rel), a, b in zip(CANONICAL_CHAIN, versions, versions[1:]):
        assert _rel(a, b) == rel, (text, rel, str(b))
    # the chain is sorted: every earlier item is <= every later one
    for i, a in enumerate(versions):
        for b in versions[i + 1 :]:
            assert a <= b
    shuffled = versions[:]
    random.Random(7).shuffle(shuffled)
    assert [v.key for v in sorted(shuffled)] == [v.key for v in versions]


def test_str_is_original_text_and_attributes():
    v = Version.parse("1!2.0_1+Cuda")
    assert str(v) == "1!2.0_1+Cuda"
    assert v.epoch == 1
    assert v.has_local
    assert v.segment_count == 3
    assert Version("2.0").epoch == 0 and not Version("2.0").has_local
    assert Version.parse("1.0") is Version.parse("1.0")  # cached
    assert Version.parse(v) is v
    assert repr(Version("1.0")) == "Version('1.0')"


def test_set_and_dict_fold_equal_versions():
    assert len({Version("1.0"), Version("1.0.0"), Version("1"), Version("0!1.0.0+0")}) == 1


def test_version_keys_batch_matches_single():
    texts = ["1.0", "2.0rc1", "1!0.1", "1.0.post2"]
    assert version_keys(texts) == [version_key(t) for t in texts]


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("", "empty"),
        ("1.0.", "unexpected character '.'"),
        ("1..0", "unexpected character"),
        (".1", "expected a version component"),
        ("1!", "expected a version component"),
        ("+1", "expected a version component"),
        ("1+", "expected a version component"),
        ("1.0 ", "unexpected character"),
        (" 1.0", "expected a version component"),
        ("1.0-1_2", "cannot mix '-' and '_'"),
        ("1@2", "unexpected character '@'"),
        ("1.*", "unexpected character"),
        ("1.0$", "unexpected character"),
        ("1--0", "unexpected character"),
        ("1.0é", "non-ASCII"),
        ("99999999999999999999", "too large"),
    ],
)
def test_invalid_versions_name_the_text(text, fragment):
    with pytest.raises(InvalidVersion) as info:
        Version(text)
    assert isinstance(info.value, InputError)
    assert repr(text) in str(info.value)
    assert fragment in str(info.value)
    with pytest.raises(InvalidVersion):
        version_key(text)


def test_version_keys_names_the_bad_one():
    with pytest.raises(InvalidVersion, match="'1..2'"):
        version_keys(["1.0", "1..2"])


def test_non_string_version_is_an_input_error():
    with pytest.raises(InvalidVersion):
        Version(1.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "version,prefix,expected",
    [
        ("1.2", "1.2", True),
        ("1.2.5", "1.2", True),
        ("1.2a", "1.2", True),
        ("1.2.dev1", "1.2", True),
        ("1.2+local", "1.2", True),
        ("1.20", "1.2", False),
        ("1.3", "1.2", False),
        ("1!1.2.3", "1.2", False),
        ("0!1.2.3", "1.2", True),
        ("1.2", "1.2.0", True),  # a shorter version is padded with zeros (conda, rattler)
        ("1.2", "1.2.0.0", True),
        ("1.2.0a", "1.2.0", True),
        ("1.2+x", "1.2.0", True),
        ("1.2.5", "1.2.0", False),
        ("1.2a", "1.2.0", False),
        ("1.2", "1.2.1", False),
        ("0.5", "0", True),
        ("1.0", "0", False),
        ("1.2a1", "1.2a", True),
        ("1.2alpha", "1.2a", False),  # string components compare whole
        ("1.2.3+cuda.1", "1.2.3+cuda", True),
        ("1.2.3+cpu", "1.2.3+cuda", False),
        ("1.2.3", "1.2.3+cuda", False),
    ],
)
def test_starts_with(version, prefix, expected):
    assert Version(version).starts_with(Version(prefix)) is expected


@pytest.mark.parametrize(
    "version,base,expected",
    [
        ("1.2", "1.2", True),
        ("1.9", "1.2", True),
        ("2.0", "1.2", False),
        ("1.1", "1.2", False),
        ("1.2a", "1.2", False),
        ("1.2.9", "1.2.3", True),
        ("1.3", "1.2.3", False),
        ("5", "1", True),
        ("0.9", "1", False),
    ],
)
def test_compatible_with(version, base, expected):
    assert Version(version).compatible_with(Version(base)) is expected


def _shared_versions(shared_conda) -> list[str]:
    seen: set[str] = set()
    for path in sorted(shared_conda.glob("*/*/repodata.json")):
        data = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for rec in data.get(key, {}).values():
                seen.add(rec["version"])
    return sorted(seen)


def test_every_shared_version_parses_and_sorts_consistently(shared_conda):
    texts = _shared_versions(shared_conda)
    assert len(texts) > 1000
    versions = [Version(t) for t in texts]
    ordered = sorted(versions)
    for a, b in zip(ordered, ordered[1:]):
        assert a <= b and a.key <= b.key


@pytest.mark.oracle
def test_order_agrees_with_rattler(shared_conda):
    """Differential check against py-rattler (a peer in the bench extra) when installed."""
    rattler = pytest.importorskip("rattler")
    texts = _shared_versions(shared_conda)
    rng = random.Random(3)
    alphabet = ["0", "1", "2", "10", "00", "a", "b", "rc", "dev", "post", ".", ".", "_", "-", "+", "!"]
    for _ in range(3000):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))))
    ours, theirs = [], []
    for t in texts:
        try:
            rv = rattler.Version(t)
        except Exception:
            rv = None
        try:
            ov = Version(t)
        except InvalidVersion:
            ov = None
        assert (rv is None) == (ov is None), t
        if ov is not None:
            ours.append(ov)
            theirs.append(rv)
    idx = list(range(len(ours)))
    rng.shuffle(idx)
    for i, j in zip(idx, idx[1:]):
        r = (theirs[i] > theirs[j]) - (theirs[i] < theirs[j])
        o = (ours[i] > ours[j]) - (ours[i] < ours[j])
        assert r == o, (str(ours[i]), str(ours[j]))


def test_versions_pickle_and_keep_their_text():
    import pickle

    v = Version("1.0-1")
    w = pickle.loads(pickle.dumps(v))
    assert w == v and str(w) == "1.0-1" and w.key == v.key


def test_comparing_with_other_types():
    assert Version("1.0") != "1.0"
    with pytest.raises(TypeError):
        Version("1.0") < "1.1"  # noqa: B015


def test_parse_rejects_non_strings_as_input_errors():
    for bad in (None, 1.5, ["1.0"]):
        with pytest.raises(InvalidVersion):
            Version.parse(bad)  # type: ignore[arg-type]
