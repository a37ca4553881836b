"""Manifest discovery in the reference's priority order, and the position locator."""

from __future__ import annotations

import pytest

from solver.manifest import ManifestError, load_manifest
from solver.manifest.discovery import discover
from solver.manifest.locate import Locator, key_positions

PIXI = '[project]\nname = "from-pixi"\nchannels = []\nplatforms = []\n'
PYPROJECT_PIXI = '[project]\nname = "from-pyproject"\n[tool.pixi.workspace]\nchannels = []\nplatforms = []\n'
PYPROJECT_PLAIN = '[project]\nname = "plain"\n'


def test_explicit_file_and_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "custom.toml").write_text(PIXI)
    assert load_manifest(tmp_path / "sub" / "custom.toml").project.name == "from-pixi"
    (tmp_path / "sub" / "pixi.toml").write_text(PIXI.replace("from-pixi", "folder"))
    assert load_manifest(tmp_path / "sub").project.name == "folder"
    # a relative explicit path is relative to cwd
    assert load_manifest("sub", cwd=tmp_path).project.name == "folder"


def test_explicit_path_wins_over_cwd(tmp_path):
    (tmp_path / "pixi.toml").write_text(PIXI)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "pyproject.toml").write_text(PYPROJECT_PIXI)
    assert load_manifest(tmp_path / "other", cwd=tmp_path).project.name == "from-pyproject"


def test_pixi_toml_wins_over_pyproject_in_cwd(tmp_path):
    (tmp_path / "pixi.toml").write_text(PIXI)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT_PIXI)
    m = load_manifest(cwd=tmp_path)
    assert (m.project.name, m.kind) == ("from-pixi", "pixi")


def test_pyproject_only_with_tool_pixi(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT_PIXI)
    m = load_manifest(cwd=tmp_path)
    assert (m.project.name, m.kind) == ("from-pyproject", "pyproject")


def test_pyproject_without_tool_pixi_is_skipped_for_the_parent(tmp_path):
    (tmp_path / "pixi.toml").write_text(PIXI)
    child = tmp_path / "pkg" / "src"
    child.mkdir(parents=True)
    (tmp_path / "pkg" / "pyproject.toml").write_text(PYPROJECT_PLAIN)
    assert discover(cwd=child) == (tmp_path / "pixi.toml").resolve()


def test_parent_directories_first_found_wins(tmp_path):
    (tmp_path / "pixi.toml").write_text(PIXI)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text(PYPROJECT_PIXI)
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert load_manifest(cwd=deep).project.name == "from-pyproject"


def test_pixi_shell_manifest_is_the_last_resort(tmp_path):
    shell = tmp_path / "elsewhere.toml"
    shell.write_text(PIXI.replace("from-pixi", "shell"))
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PIXI_IN_SHELL": "1", "PIXI_PROJECT_MANIFEST": str(shell)}
    # an isolated folder: only works when no ancestor of tmp_path holds a manifest
    if any((p / "pixi.toml").exists() for p in empty.parents):
        pytest.skip("a pixi.toml above the temp folder")
    assert load_manifest(cwd=empty, env=env).project.name == "shell"
    with pytest.raises(ManifestError, match="no pixi.toml or pyproject.toml"):
        load_manifest(cwd=empty, env={"PIXI_PROJECT_MANIFEST": str(shell)})  # not in a pixi shell


def test_missing_manifest_errors(tmp_path):
    with pytest.raises(ManifestError, match="does not exist"):
        load_manifest(tmp_path / "nope.toml")
    with pytest.raises(ManifestError, match="no pixi.toml"):
        load_manifest(tmp_path)


def test_locator_handles_toml_forms():
    text = (
        '[project]\nname = "p"\n'
        'a.b."c.d" = 1\n'
        "[[project.pypi-indices]]\nname = 'x'\n"
        "[[project.pypi-indices]]\nname = 'y'\nurl = \"u\"\n"
        "[feature.f]\ndependencies = { numpy = '*',\n  scipy = { version = '1' } }\n"
        'channels = [\n  "a", # comment\n  "b",\n]\n'
        'text = """\n[not.a.table]\nx = 1\n"""\n'
        "after = 2\n"
    )
    pos = key_positions(text)
    assert pos[("project", "name")] == (2, 1)
    assert pos[("project", "a", "b", "c.d")] == (3, 5)
    assert pos[("project", "pypi-indices", 0, "name")] == (5, 1)
    assert pos[("project", "pypi-indices", 1, "url")] == (8, 1)
    assert pos[("feature", "f", "dependencies", "scipy", "version")] == (11, 13)
    assert pos[("feature", "f", "channels", 1)] == (14, 3)
    assert ("not", "a", "table") not in pos  # inside a multi-line string
    assert pos[("feature", "f", "after")] == (20, 1)
    loc = Locator(text)
    assert loc.find(("feature", "f", "dependencies", "numpy", "missing")) == (10, 18)  # nearest parent
