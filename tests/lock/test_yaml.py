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
