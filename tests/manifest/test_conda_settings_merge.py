"""channel-priority / solve-strategy: one value per environment or solve group, else a located error."""

from __future__ import annotations

import pytest

from solver.manifest import ManifestError, build_requests, load_manifest

from .conftest import line_of, one

HEAD = """\
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64"]
"""


def _write(tmp_path, text: str):
    (tmp_path / "pixi.toml").write_text(text)
    return load_manifest(tmp_path / "pixi.toml")


@pytest.mark.parametrize(
    "key,first,second",
    [("channel-priority", "strict", "disabled"), ("solve-strategy", "highest", "lowest-direct")],
)
def test_conflicting_values_across_features_are_located_errors(tmp_path, key, first, second):
    text = HEAD + f'[feature.a]\n{key} = "{first}"\n[feature.b]\n{key} = "{second}"\n[environments]\nboth = ["a", "b"]\n'
    m = _write(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        build_requests(m, environments=["both"])
    err = info.value
    line = line_of(text, f'{key} = "{second}"')
    assert (err.file, err.line, err.column, err.key) == (str(tmp_path / "pixi.toml"), line, 1, f"feature.b.{key}")
    assert f"`{second}` of feature `b` conflicts with `{first}` of feature `a` in environment `both`" in str(err)
    assert f"only one {key}" in err.suggestion
    assert str(err).startswith(f"{tmp_path / 'pixi.toml'}:{line}:1: feature.b.{key}: ")


def test_explicit_project_value_conflicts_with_a_feature(tmp_path):
    text = HEAD.replace('platforms = ["linux-64"]\n', 'platforms = ["linux-64"]\nchannel-priority = "strict"\n')
    text += '[feature.a]\nchannel-priority = "disabled"\n[environments]\nboth = ["a"]\n'
    m = _write(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        build_requests(m, environments=["both"])
    assert info.value.key == "project.channel-priority"
    assert info.value.line == line_of(text, 'channel-priority = "strict"')


def test_implicit_default_does_not_conflict_and_agreeing_features_are_fine(tmp_path):
    text = (
        HEAD
        + '[feature.a]\nchannel-priority = "disabled"\nsolve-strategy = "lowest"\n'
        + '[feature.b]\nchannel-priority = "disabled"\n'
        + '[environments]\nab = ["a", "b"]\nplain = []\n'
    )
    units = build_requests(_write(tmp_path, text))
    ab = one(units, "ab", "linux-64").conda
    assert (ab.channel_priority, ab.strategy) == ("disabled", "lowest")
    plain = one(units, "plain", "linux-64").conda
    assert (plain.channel_priority, plain.strategy) == ("strict", "highest")


def test_solve_group_members_must_agree(tmp_path):
    text = (
        HEAD
        + '[feature.a]\nchannel-priority = "disabled"\n[feature.b]\nchannel-priority = "strict"\n'
        + '[environments]\na = { features = ["a"], solve-group = "g" }\nb = { features = ["b"], solve-group = "g" }\n'
    )
    m = _write(tmp_path, text)
    build_requests(m, environments=["default"])  # the default environment is not in the group
    with pytest.raises(ManifestError) as info:
        build_requests(m, environments=["a"])
    assert "solve group `g`" in str(info.value) and "channel-priority" in str(info.value)
    assert info.value.line is not None


def test_solve_group_takes_the_one_explicit_value(tmp_path):
    text = (
        HEAD
        + '[feature.a]\nchannel-priority = "disabled"\n[feature.b]\n[feature.b.dependencies]\nx = "*"\n'
        + '[environments]\na = { features = ["a"], solve-group = "g" }\nb = { features = ["b"], solve-group = "g" }\n'
    )
    unit = one(build_requests(_write(tmp_path, text), environments=["b"]), "b", "linux-64")
    assert unit.solve_group == "g" and unit.conda.channel_priority == "disabled"
