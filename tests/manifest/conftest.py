"""Helpers for the manifest tests: write a manifest into a temp folder and load it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from solver.manifest import ManifestError, build_requests, load_manifest


@pytest.fixture
def manifest_at(tmp_path):
    """``manifest_at(text, name="pixi.toml")`` -> the loaded Manifest (file written in tmp_path)."""

    def make(text: str, name: str = "pixi.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_manifest(path)

    return make


@pytest.fixture
def manifest_error(tmp_path):
    """``manifest_error(text)`` -> the ManifestError that loading (and building requests) raises."""

    def make(text: str, name: str = "pixi.toml") -> ManifestError:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        with pytest.raises(ManifestError) as info:
            build_requests(load_manifest(path))
        return info.value

    return make


def units_by(units, env=None, platform=None):
    out = [u for u in units if (env is None or env in u.environments) and (platform is None or u.platform == platform)]
    return out


def one(units, env, platform):
    found = units_by(units, env, platform)
    assert len(found) == 1, [(u.environment, u.solve_group, u.platform) for u in units]
    return found[0]


def vpkgs(unit) -> dict[str, tuple[str, str]]:
    return {v.name: (v.version, v.build) for v in unit.conda.virtual_packages}


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` in the dedented text."""
    for i, line in enumerate(textwrap.dedent(text).splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


HERE = Path(__file__).parent


@pytest.fixture
def h():
    """The helper functions above, for test modules (importlib mode cannot import conftest)."""
    import types

    return types.SimpleNamespace(one=one, units_by=units_by, vpkgs=vpkgs, line_of=line_of)
