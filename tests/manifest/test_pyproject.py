"""pyproject.toml manifests: [tool.pixi.*] tables plus what PEP 621 / PEP 735 tables add."""

from __future__ import annotations

import pytest

from solver.manifest import ManifestError, build_requests, load_manifest

PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "My_Package"
version = "2.0.0"
description = "d"
authors = [{name = "A", email = "a@example.com"}, {name = "B"}]
license = {text = "MIT"}
readme = {file = "README.md", content-type = "text/markdown"}
requires-python = ">=3.10"
dependencies = [
    "requests>=2.28",
    "tomli; python_version < '3.11'",
    "lib @ git+https://git.example.invalid/lib.git@v1.0#subdirectory=py",
    "local @ file:///opt/src/local",
]

[project.urls]
Homepage = "https://example.com"
Repository = "https://git.example.invalid/me/pkg"

[project.optional-dependencies]
docs = ["sphinx>=7"]
all = ["my-package[docs,test_extra]"]
test_extra = ["pytest>=8"]

[dependency-groups]
lint = ["ruff"]
dev = [{include-group = "lint"}, "mypy"]

[tool.pixi.workspace]
channels = ["conda-forge"]
platforms = ["linux-64", "osx-arm64"]

[tool.pixi.dependencies]
numpy = ">=1.26"

[tool.pixi.pypi-dependencies]
requests = { version = ">=2.31", extras = ["socks"] }

[tool.pixi.feature.docs.dependencies]
pandoc = "*"

[tool.pixi.environments]
docs = ["docs"]
all = { features = ["all"], solve-group = "default" }
dev = ["dev", "test-extra"]
"""


def test_pyproject_metadata_and_dependencies(manifest_at, h):
    m = manifest_at(PYPROJECT, name="pyproject.toml")
    p = m.project
    assert (p.name, p.version, p.description, p.license, p.readme) == ("My_Package", "2.0.0", "d", "MIT", "README.md")
    assert p.authors == ["A <a@example.com>", "B"]
    assert (p.homepage, p.repository) == ("https://example.com", "https://git.example.invalid/me/pkg")
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.specs == ["python >=3.10", "numpy >=1.26"]  # requires-python -> python
    reqs = {r.name: r for r in unit.pypi.requirements}
    # [tool.pixi.pypi-dependencies] wins over the PEP 621 entry of the same name
    assert (reqs["requests"].specifier, reqs["requests"].extras) == (">=2.31", ["socks"])
    assert reqs["tomli"].marker == 'python_version < "3.11"'
    assert (reqs["lib"].git, reqs["lib"].rev, reqs["lib"].subdirectory) == ("https://git.example.invalid/lib.git", "v1.0", "py")
    assert reqs["local"].path == "/opt/src/local"
    assert reqs["My_Package"].path == "." and reqs["My_Package"].editable  # the project, editable


def test_optional_dependencies_and_groups_are_features(manifest_at, h):
    m = manifest_at(PYPROJECT, name="pyproject.toml")
    assert {"docs", "all", "test-extra", "lint", "dev"} <= set(m.features)
    units = build_requests(m)
    docs = h.one(units, "docs", "linux-64")
    assert docs.conda.specs == ["python >=3.10", "numpy >=1.26", "pandoc"]  # tool.pixi feature merged in
    assert "sphinx" in [r.name for r in docs.pypi.requirements]
    # "all" refers to the project's own extras: expanded, not a requirement on itself
    all_unit = h.one(units, "all", "linux-64")
    assert all_unit.solve_group == "default"
    names = [r.name for r in next(mr for mr in all_unit.members if mr.environment == "all").pypi_requirements]
    assert "sphinx" in names and "pytest" in names and names.count("my-package") == 0
    dev = h.one(units, "dev", "osx-arm64")
    assert {"ruff", "mypy", "pytest"} <= {r.name for r in dev.pypi.requirements}  # include-group expanded


def test_no_self_dependency_without_build_system(manifest_at, h):
    text = PYPROJECT.split("[project]", 1)[1]
    m = manifest_at("[project]" + text, name="pyproject.toml")
    names = [r.name for r in h.one(build_requests(m), "default", "linux-64").pypi.requirements]
    assert "My_Package" not in names


def test_errors_point_into_tool_pixi(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.pixi.workspace]\nchannels = []\nplatforms = ["linux-64"]\n'
        '[tool.pixi.dependencies]\nnumpy = ">=1,"\n'
    )
    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path)
    err = info.value
    assert (err.line, err.column, err.key) == (7, 9, "tool.pixi.dependencies.numpy")
    assert err.file == str(tmp_path / "pyproject.toml")


def test_invalid_pep508_dependency_is_located(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = [\n  "ok",\n  "bad >>> 1",\n]\n[tool.pixi.workspace]\nchannels = []\nplatforms = []\n'
    )
    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path)
    assert (info.value.line, info.value.column, info.value.key) == (5, 3, "project.dependencies[1]")


def test_tool_pixi_project_table_is_accepted(manifest_at):
    m = manifest_at(
        '[project]\nname = "x"\n[tool.pixi.project]\nchannels = ["conda-forge"]\nplatforms = ["win-64"]\n',
        name="pyproject.toml",
    )
    assert [u.platform for u in build_requests(m)] == ["win-64"]
    assert m.project.name == "x"
