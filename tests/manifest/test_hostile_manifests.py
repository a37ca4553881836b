"""Manifests written to hurt (issue 15): paths no file can have, over-long version numbers,
100 KB values, deep TOML nesting, bytes that are not UTF-8. Each is one ``ManifestError`` with
file:line:col and the key, with long values cut; a seeded fuzz loop over mutated manifests
accepts no other outcome."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from solver.errors import InputError
from solver.manifest import load_manifest
from solver.manifest.errors import ManifestError

SEED = 15
DEMO_CHANNEL = (Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "channels" / "demo").as_posix()
HEAD = f'[workspace]\nname = "x"\nchannels = ["{DEMO_CHANNEL}"]\nplatforms = ["linux-64"]\n'


def write(tmp_path, text: str | bytes) -> Path:
    path = tmp_path / "pixi.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize(("channels", "key", "words"), [
    ('["~nosuchuser-h7/ch"]', "workspace.channels[0]", "cannot expand '~nosuchuser-h7'"),
    ('["/tmp/a\\u0000b"]', "workspace.channels[0]", "NUL"),
    ('["./a\\u0000b"]', "workspace.channels[0]", "NUL"),
], ids=["unknown-user", "nul-absolute", "nul-relative"])
def test_channel_paths_no_file_can_have_are_errors_at_their_line(tmp_path, channels, key, words):
    path = write(tmp_path, f'[workspace]\nname = "x"\nchannels = {channels}\nplatforms = ["linux-64"]\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    message = str(err.value)
    assert f"{path}:3:" in message and key in message and words in message


def test_pypi_version_with_thousands_of_digits_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path, HEAD + '[dependencies]\npython = "*"\n[pypi-dependencies]\nfoo = "==' + "1" * 5000 + '"\n')
    with pytest.raises(ManifestError, match=r":8:7: pypi-dependencies.foo: .*has 5000 digits"):
        load_manifest(path)


def test_a_100_kb_value_is_cut_in_the_message(tmp_path):
    path = write(tmp_path, HEAD + '[dependencies]\nfoo = ">=>' + "1" * 100_000 + '"\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    message = str(err.value)
    assert len(message) < 1000 and "(100007 characters)" in message and ":6:7:" in message


def test_toml_nested_past_the_parser_s_depth_names_line_and_column(tmp_path):
    path = write(tmp_path, HEAD + "# [[[ in a comment\nx = \"[[[\"\ny = " + "[" * 600 + "]" * 600 + "\n")
    with pytest.raises(ManifestError, match=r"pixi.toml:7:604: invalid TOML: .*nested 600 levels deep"):
        load_manifest(path)


def test_bytes_that_are_not_utf8_are_located_by_line_and_column(tmp_path):
    path = write(tmp_path, b'[workspace]\nname = "caf\xe9"\n')
    with pytest.raises(ManifestError, match=r"pixi.toml:2:12: the manifest is not UTF-8"):
        load_manifest(path)


def _mutate(rnd: random.Random, text: str) -> str:
    i = rnd.randrange(len(text) + 1)
    choice = rnd.randrange(5)
    if choice == 0:
        return text[:i]
    if choice == 1:
        return text[:i] + rnd.choice(['"', "[", "]", "{", "}", "=", "\n", "~", "\\u0000", "é", "#", ",", "'"]) + text[i:]
    if choice == 2:
        return text[:i] + text[i + rnd.randint(1, 6):]
    if choice == 3:
        return text.replace('"*"', rnd.choice(['">=>1"', '"==' + "9" * 5000 + '"', "5", "[1]", '"~/x"', '"^(a+)+$"',
                                               '{ version = "1", build = "^(a$" }', '{ path = "~nosuchuser-h7/x" }']), 1)
    return text.replace('"linux-64"', rnd.choice(['"linux-65"', "5", '"osx-arm64", "linux-64"']), 1)


def test_seeded_manifest_mutations_load_or_raise_manifest_errors(tmp_path):
    base = HEAD + ('[dependencies]\npython = "*"\nnumpy = "*"\n[pypi-dependencies]\nfoo = "*"\n'
                   '[feature.a.dependencies]\nlib = { version = ">=1", build = "py*" }\n'
                   '[environments]\na = ["a"]\n')
    rnd = random.Random(SEED)
    outcomes = {"loaded": 0, "error": 0}
    for _ in range(200):
        text = base
        for _ in range(rnd.randint(1, 3)):
            text = _mutate(rnd, text)
        path = write(tmp_path, text)
        try:
            load_manifest(path)
            outcomes["loaded"] += 1
        except InputError as exc:
            assert str(path) in str(exc) and len(str(exc)) < 2000, exc
            outcomes["error"] += 1
    assert outcomes["loaded"] and outcomes["error"]
