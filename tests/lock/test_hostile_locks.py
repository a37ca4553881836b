"""Lock files written to hurt (issue 15): alias bombs, wrong value types, bad escapes, huge
integers, deep nesting, invalid UTF-8. Reading one raises ``LockFileError`` naming the file (and
the line:col or the entry); a plain ``solve`` then ignores the lock with a warning and re-solves,
while ``--locked`` / ``--frozen`` stop with that located error. A seeded fuzz loop over mutated
real locks accepts no other outcome."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from solver.cli import main
from solver.lock.read import LockFileError, parse_lock

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"
SEED = 15


def alias_bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nversion: 6\nenvironments: {{}}\npackages:\n- conda: *a{levels - 1}\n"


CASES = {
    "alias-bomb": (alias_bomb(), "aliases expand to more than"),
    "platforms-int": ("version: 7\nplatforms: 5\nenvironments: {}\npackages: []\n", "`platforms` must be a list"),
    "packages-ints": ("version: 6\nenvironments: {}\npackages: [1, 2]\n", "packages[0]: expected a mapping"),
    "packages-string": ("version: 6\nenvironments: {}\npackages: abc\n", "`packages` must be a list, found a string"),
    "env-packages-string": ("version: 6\nenvironments:\n  default:\n    channels: []\n    packages: abc\npackages: []\n",
                            "environments.default: `packages` must be a mapping"),
    "channels-int": ("version: 6\nenvironments:\n  default:\n    channels: 5\npackages: []\n",
                     "`channels` must be a list"),
    "conda-list": ("version: 6\nenvironments: {}\npackages:\n- conda: [1, 2]\n", "`conda` must be a string"),
    "bad-escape": ('version: 6\nenvironments: {}\npackages:\n- conda: "\\xZZ"\n', "L:4:"),
    "huge-version": ("version: " + "9" * 5000 + "\nenvironments: {}\npackages: []\n", "invalid `version`"),
    "deep-nesting": ("version: 6\nenvironments: {}\nx:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
                     "nested too deeply"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_lock_texts_are_located_lock_file_errors(case):
    text, words = CASES[case]
    with pytest.raises(LockFileError) as err:
        parse_lock(text, "L")
    message = str(err.value)
    assert message.startswith("L") and words in message
    assert len(message) < 500


def test_a_huge_integer_in_a_package_field_is_named():
    text = ("version: 6\nenvironments:\n  default:\n    channels: []\n    packages:\n      linux-64:\n"
            "      - conda: https://conda.example.invalid/c/linux-64/a-1-0.conda\npackages:\n"
            "- conda: https://conda.example.invalid/c/linux-64/a-1-0.conda\n  size: " + "9" * 5000 + "\n")
    with pytest.raises(LockFileError, match=r"`size` must be an integer.*\(5000 characters\)"):
        parse_lock(text, "L")


@pytest.fixture
def demo(tmp_path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    return root


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "SOLVER_CHANNEL_ALIAS"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("content", [alias_bomb().encode(), b"version: 6\nenvironments: {}\npackages: abc\n",
                                     b"version: 6\nx: \"caf\xe9\"\n"],
                         ids=["alias-bomb", "string-as-list", "invalid-utf8"])
def test_plain_solve_replaces_an_unreadable_lock_and_locked_stops_with_the_location(demo, capsys, content):
    lock = demo / "pixi.lock"
    lock.write_bytes(content)
    for mode in ("--locked", "--frozen"):
        assert main(["solve", str(demo), "-q", mode]) == 2
        err = capsys.readouterr().err
        assert f"error: {lock}" in err and "Traceback" not in err and "internal error" not in err
    if content.endswith(b'"caf\xe9"\n'):
        assert f"{lock}:2:" in err and "not UTF-8" in err
    assert main(["solve", str(demo)]) == 0
    err = capsys.readouterr().err
    assert "warning: ignoring the existing lock file" in err and str(lock) in err
    assert lock.read_text().startswith("version: ")


def _mutate(rnd: random.Random, text: str) -> str:
    lines = text.split("\n")
    i = rnd.randrange(len(lines))
    choice = rnd.randrange(7)
    if choice == 0:
        lines[i] = lines[i][: rnd.randrange(len(lines[i]) + 1)]
    elif choice == 1:
        lines.insert(i, lines[rnd.randrange(len(lines))])
    elif choice == 2:
        del lines[i]
    elif choice == 3 and ":" in lines[i]:
        key = lines[i].split(":", 1)[0]
        lines[i] = key + ": " + rnd.choice(["5", "[1, 2]", "abc", "{a: 1}", '"\\xZZ"', "9" * 5000, "&x [*x]",
                                            "*nope", "null", "[" * 50 + "]" * 50, "'é'", "- a"])
    elif choice == 4:
        lines[i] = "  " * rnd.randint(0, 6) + lines[i].lstrip()
    elif choice == 5:
        lines[i] = lines[i].replace(":", "", 1)
    else:
        lines[i] = lines[i] + rnd.choice(["\t", " #", "\x00", "\\", '"', "'", "é", " &a", " *a"])
    return "\n".join(lines)


def test_seeded_lock_mutations_parse_or_raise_lock_file_errors(demo, capsys):
    assert main(["solve", str(demo), "-q"]) == 0
    capsys.readouterr()
    good = (demo / "pixi.lock").read_text()
    rnd = random.Random(SEED)
    outcomes = {"parsed": 0, "error": 0}
    for _ in range(250):
        text = good
        for _ in range(rnd.randint(1, 3)):
            text = _mutate(rnd, text)
        try:
            parse_lock(text, "L")
            outcomes["parsed"] += 1
        except LockFileError as exc:
            assert str(exc).startswith("L"), exc
            outcomes["error"] += 1
    assert outcomes["parsed"] and outcomes["error"]
