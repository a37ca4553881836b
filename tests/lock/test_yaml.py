"""The lock's YAML: whatever string we emit reads back as the same string (with PyYAML and with our
fast reader), and the fast reader either agrees with PyYAML or declines."""

from __future__ import annotations

import random

import pytest
import yaml

from solver.lock import yaml_fast
from solver.lock.read import _loader
from solver.lock.yaml_emit import dump, scalar

TRICKY = [
    "", " ", "a b", " lead", "trail ", "1.0", "1", "0", "-1", "+1", "1e3", ".5", "0x1F", "0o17", "true", "False",
    "no", "yes", "on", "off", "null", "~", "NULL", "- x", "-x", "? x", "?x", ":x", "x:", "x: y", "a #b", "a#b",
    "#x", "'q'", '"d"', "it's", "[x]", "{x}", "x,y", "&a", "*a", "!t", "|", ">=3.8", "%x", "@x", "`x", "---", "...",
    "a\\b", "é", "\u2028", "tab\there", "line\nbreak", "python >=3.11,<3.12.0a0", "pkg:pypi/x?source=y",
    "https://u:p@h/x", "file:///C:/x y", "__glibc >=2.17,<3.0.a0", "==1.0", "*", "2024-01-01T00:00:00Z",
]


def load_both(text: str):
    slow = yaml.load(text, Loader=_loader())
    try:
        fast = yaml_fast.load(text)
    except yaml_fast.Unsupported:
        return slow, slow
    return slow, fast


@pytest.mark.parametrize("value", TRICKY)
def test_every_string_reads_back_as_itself(value):
    text = dump({"key": value, "list": [value], "nested": {value or "k": value}})
    slow, fast = load_both(text)
    expected = {"key": value, "list": [value], "nested": {value or "k": value}}
    assert slow == expected
    assert fast == expected


def test_random_documents_round_trip():
    rng = random.Random(7)
    alphabet = "ab-_.:#' \"*&!|>=<,[]{}?%@`01\\é"
    for _ in range(300):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(6)]
        doc = {
            "version": rng.randint(0, 10),
            "items": [{"name": w, "deps": words[:3], "empty": [], "map": {}, "n": i} for i, w in enumerate(words)],
            "flag": rng.choice([True, False]),
        }
        slow, fast = load_both(dump(doc))
        assert slow == doc
        assert fast == doc


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: [1, 2]\n",
        "a: |\n  text\n",
        "---\na: 1\n",
        "a:\n\t- 1\n",
        "a: 'multi\n  line'\n",
    ],
)
def test_fast_reader_declines_what_it_does_not_know(text):
    with pytest.raises(yaml_fast.Unsupported):
        yaml_fast.load(text)


def test_scalar_quoting_matches_the_lock_writers():
    # what rattler's serializer writes for these (checked against its output in test_lock_format)
    assert scalar("1.0") == "'1.0'"
    assert scalar("0") == "'0'"
    assert scalar("2.31.0") == "2.31.0"
    assert scalar(">=3.7") == "'>=3.7'"
    assert scalar("python >=3.8") == "python >=3.8"
    assert scalar("__unix=0=0") == "__unix=0=0"
    assert scalar("") == "''"


# The schema's own regular expressions (YAML 1.2 core, plus the YAML 1.1 bool words): the writer
# decides "would this plain scalar read back as something else" without them, and must agree.
_SCHEMA = [
    r"^(?:~|null|Null|NULL)$",
    r"^(?:true|True|TRUE|false|False|FALSE)$",
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$",
    r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
]
NUMBER_LIKE = [
    "0", "00", "-0", "+7", "1_000", "1.", ".5", "-.5", "+.5", ".", "-.", "1.2.3", "1e5", "1E5", "1e+5", "1e-5",
    "1e", "e5", ".e5", "1.e5", "1.5e", "1e5e3", "1ee5", "0x", "0x1F", "0xg", "-0x1F", "0o", "0o17", "0o8", "+0o7",
    "0b101", ".inf", "-.inf", "+.Inf", ".INF", ".iNf", "inf", ".nan", "-.nan", ".NaN", "nan", "²", "١٢", "1²",
    "٣.٥", "12 ", " 12", "Yes", "yES", "ON", "oN", "~~", "Null", "nULL", "0.0.0", "2024-01-01", "1:30",
]


def _schema_says_non_string(s: str) -> bool:
    import re

    return s == "" or any(re.match(p, s) for p in _SCHEMA)


@pytest.mark.parametrize("value", NUMBER_LIKE + TRICKY)
def test_non_string_scalars_are_those_the_schema_resolves(value):
    from solver.lock.yaml_emit import _plain_allowed, _resolves_to_non_string

    if _plain_allowed(value):  # the only strings the writer asks about
        assert _resolves_to_non_string(value) == _schema_says_non_string(value), value


def test_non_string_scalars_agree_with_the_schema_on_random_strings():
    from solver.lock.yaml_emit import _plain_allowed, _resolves_to_non_string

    rng = random.Random(13)
    alphabet = "0123456789+-.eExXoObBaAfFinINlLsStTuUyYrR_ ~²"
    asked = 0
    for _ in range(20000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        if _plain_allowed(s):
            asked += 1
            assert _resolves_to_non_string(s) == _schema_says_non_string(s), s
    assert asked > 10000
