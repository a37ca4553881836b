"""``[workspace].members``: relative member folders or glob patterns that must name existing folders."""

from __future__ import annotations

import json

import pytest

from solver.cli import main
from solver.manifest import ManifestError, load_manifest

from .conftest import line_of


def _workspace(members: str) -> str:
    return f'[workspace]\nname = "ws"\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\nmembers = {members}\n'


def _member(root, rel: str, manifest: str | None = "pyproject.toml"):
    folder = root / rel
    folder.mkdir(parents=True)
    if manifest:
        (folder / manifest).write_text('[project]\nname = "m"\n')


def _load(tmp_path, text):
    (tmp_path / "pixi.toml").write_text(text)
    return load_manifest(tmp_path / "pixi.toml")


def test_globs_expand_to_member_folders_in_order(tmp_path):
    for rel in ("packages/b", "packages/a", "apps/web"):
        _member(tmp_path, rel)
    (tmp_path / "packages" / "notes.txt").write_text("a file, not a member")
    m = _load(tmp_path, _workspace('["apps/web", "packages/*", "packages/a"]'))
    assert m.project.members == ["apps/web", "packages/*", "packages/a"]
    assert m.project.member_paths == ["apps/web", "packages/a", "packages/b"]


def test_missing_member_is_an_error_naming_it(tmp_path):
    _member(tmp_path, "packages/core-lib")
    text = _workspace('[\n  "packages/core-lib",\n  "packages/web-ap",\n]')
    (tmp_path / "packages" / "web-api").mkdir()
    with pytest.raises(ManifestError) as info:
        _load(tmp_path, text)
    err = info.value
    assert err.key == "workspace.members[1]"
    assert err.line == line_of(text, '"packages/web-ap"') and err.column == 3
    assert "workspace member `packages/web-ap` does not exist" in str(err)
    assert err.suggestion == "did you mean `packages/web-api`?"


@pytest.mark.parametrize(
    "members,needle",
    [
        ('["/abs/path"]', "must be a path relative to the workspace root"),
        ('["nothing/*"]', "matches no folder"),
        ('["README.md"]', "is not a folder"),
        ('["."]', "is the workspace root itself"),
        ('"packages/*"', "expected an array"),
    ],
)
def test_bad_members(tmp_path, members, needle):
    (tmp_path / "README.md").write_text("hi")
    with pytest.raises(ManifestError) as info:
        _load(tmp_path, _workspace(members))
    assert needle in str(info.value)
    assert info.value.key.startswith("workspace.members")


def test_member_without_manifest_warns(tmp_path):
    _member(tmp_path, "packages/empty", manifest=None)
    m = _load(tmp_path, _workspace('["packages/empty"]'))
    assert m.project.member_paths == ["packages/empty"]
    assert any("packages/empty` holds no pixi.toml or pyproject.toml" in w for w in m.warnings)


def test_inspect_shows_members(tmp_path, capsys):
    _member(tmp_path, "packages/core-lib")
    _member(tmp_path, "packages/web-api", manifest="pixi.toml")
    (tmp_path / "pixi.toml").write_text(_workspace('["packages/*"]'))
    assert main(["inspect", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["project"]["members"] == ["packages/*"]
    assert doc["project"]["member_paths"] == ["packages/core-lib", "packages/web-api"]
    assert main(["inspect", str(tmp_path)]) == 0
    assert "Workspace members: packages/core-lib, packages/web-api\n" in capsys.readouterr().out
