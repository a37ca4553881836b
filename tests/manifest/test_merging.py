"""Target, feature and environment merging into solve requests."""

from __future__ import annotations

import datetime as dt

from solver.manifest import build_requests
from solver.manifest.merge_platform import combine_conda_specs

HEAD = """\
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64", "linux-aarch64", "osx-arm64", "win-64"]
"""


def test_most_specific_target_wins(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[dependencies]
tool = "1.*"
[target.unix.dependencies]
tool = "2.*"
[target.linux.dependencies]
tool = "3.*"
[target.linux-64.dependencies]
tool = "4.*"
"""
    )
    units = build_requests(m)
    specs = {u.platform: u.conda.specs for u in units}
    assert specs == {
        "linux-64": ["tool 4.*"],
        "linux-aarch64": ["tool 3.*"],
        "osx-arm64": ["tool 2.*"],
        "win-64": ["tool 1.*"],
    }


def test_features_combine_requirements_on_one_package(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[dependencies]
numpy = ">=1.22"
scipy = "*"
[pypi-dependencies]
rich = ">=12"
[feature.a.dependencies]
numpy = "<2"
scipy = ">=1.10"
python = "3.12.* *_cpython"
[feature.a.pypi-dependencies]
rich = { version = "<14", extras = ["jupyter"] }
[environments]
a = ["a"]
"""
    )
    unit = h.one(build_requests(m), "a", "linux-64")
    assert unit.conda.specs == ["numpy >=1.22,<2", "scipy >=1.10", "python 3.12.* *_cpython"]
    (rich,) = unit.pypi.requirements
    assert (rich.specifier, rich.extras) == (">=12,<14", ["jupyter"])


def test_combine_conda_specs_keeps_rich_specs_apart():
    assert combine_conda_specs(["a", "a"]) == ["a"]
    assert combine_conda_specs(["a >=1", "a"]) == ["a >=1"]
    assert combine_conda_specs(["a >=1|<0.5", "a <2"]) == ["a <2", "a >=1|<0.5"]
    assert combine_conda_specs(["chan::a >=1", "a <2"]) == ["a <2", "chan::a >=1"]


def test_highest_system_requirement_wins(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[system-requirements]
cuda = "11.8"
libc = "2.17"
linux = "5.4"
[feature.gpu.system-requirements]
cuda = "12"
libc = { family = "glibc", version = "2.28" }
linux = "4.18"
[environments]
gpu = ["gpu"]
"""
    )
    units = build_requests(m)
    gpu = h.vpkgs(h.one(units, "gpu", "linux-64"))
    assert (gpu["__cuda"], gpu["__glibc"], gpu["__linux"]) == (("12", "0"), ("2.28", "0"), ("5.4", "0"))
    default = h.vpkgs(h.one(units, "default", "linux-64"))
    assert default["__cuda"] == ("11.8", "0") and default["__glibc"] == ("2.17", "0")


def test_channel_union_by_priority_then_feature_order(manifest_at, h):
    m = manifest_at(
        HEAD.replace('["conda-forge"]', '["conda-forge", "bioconda"]')
        + """
[feature.ml]
channels = ["nvidia", "conda-forge"]
[feature.top]
channels = [{ channel = "pytorch", priority = 5 }]
[environments]
ml = ["ml"]
both = ["ml", "top"]
"""
    )
    units = build_requests(m)
    assert h.one(units, "default", "win-64").conda.channels == ["conda-forge", "bioconda"]
    assert h.one(units, "ml", "win-64").conda.channels == ["nvidia", "conda-forge", "bioconda"]
    assert h.one(units, "both", "win-64").conda.channels == ["pytorch", "nvidia", "conda-forge", "bioconda"]


def test_platform_intersection_and_unsupported_platforms(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[feature.linux-only]
platforms = ["linux-64", "linux-aarch64"]
[feature.x86]
platforms = ["linux-64", "win-64"]
[environments]
lin = ["linux-only"]
both = ["linux-only", "x86"]
"""
    )
    units = build_requests(m)
    assert [u.platform for u in units if u.environment == "lin"] == ["linux-64", "linux-aarch64"]
    assert [u.platform for u in units if u.environment == "both"] == ["linux-64"]
    assert [u.platform for u in build_requests(m, platforms=["win-64"])] == ["win-64"]  # only default has it


def test_no_default_feature_excludes_root_tables(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[dependencies]
python = "*"
[system-requirements]
cuda = "12"
[feature.lint.dependencies]
ruff = "*"
[environments]
lint = { features = ["lint"], no-default-feature = true }
"""
    )
    unit = h.one(build_requests(m), "lint", "linux-64")
    assert unit.conda.specs == ["ruff"]
    assert "__cuda" not in h.vpkgs(unit)
    assert unit.conda.channels == ["conda-forge"]  # the project's channels still apply


def test_pypi_options_merge(manifest_at, h, tmp_path):
    m = manifest_at(
        HEAD
        + """
[pypi-dependencies]
x = "*"
[pypi-options]
index-url = "http://127.0.0.1:1/simple"
extra-index-urls = ["http://127.0.0.1:2/simple"]
no-build-isolation = ["a"]
[feature.f.pypi-options]
extra-index-urls = ["http://127.0.0.1:3/simple", "http://127.0.0.1:2/simple"]
find-links = [{ url = "http://127.0.0.1:4/links" }, { path = "wheels" }]
no-build-isolation = ["b"]
index-strategy = "unsafe-best-match"
prerelease-mode = "allow"
no-build = true
dependency-overrides = { numpy = ">=2" }
[environments]
f = ["f"]
"""
    )
    pypi = h.one(build_requests(m), "f", "linux-64").pypi
    assert [(i.url, i.priority) for i in pypi.indexes] == [
        ("http://127.0.0.1:3/simple", "extra"),
        ("http://127.0.0.1:2/simple", "extra"),
        ("http://127.0.0.1:1/simple", "primary"),
    ]
    assert pypi.find_links == ["http://127.0.0.1:4/links", str(tmp_path / "wheels")]
    assert pypi.no_build_isolation == ["b", "a"]
    assert (pypi.index_strategy, pypi.prerelease_mode, pypi.no_build) == ("unsafe-best-match", "allow", True)
    assert [(r.name, r.specifier) for r in pypi.dependency_overrides] == [("numpy", ">=2")]
    default = h.one(build_requests(m), "default", "linux-64").pypi
    assert default.index_strategy == "first-index" and default.no_build is False


def test_solve_group_members_and_platforms(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[dependencies]
python = "3.12.*"
[pypi-dependencies]
app = { path = ".", editable = true }
[feature.test.dependencies]
pytest = "*"
[feature.test.pypi-dependencies]
hypothesis = "*"
[feature.win]
platforms = ["win-64"]
[environments]
prod = { solve-group = "main" }
test = { features = ["test"], solve-group = "main" }
winonly = { features = ["win"], solve-group = "main" }
"""
    )
    units = build_requests(m, environments=["test"])  # brings its whole group
    assert [u.platform for u in units] == ["linux-64", "linux-aarch64", "osx-arm64", "win-64"]
    linux = h.one(units, "test", "linux-64")
    assert (linux.environment, linux.solve_group) == (None, "main")
    assert linux.environments == ["prod", "test"]  # winonly is not on linux-64
    assert linux.conda.specs == ["python 3.12.*", "pytest"]
    assert [r.name for r in linux.pypi.requirements] == ["app", "hypothesis"]
    members = {mr.environment: mr for mr in linux.members}
    assert members["prod"].conda_specs == ["python 3.12.*"]
    assert [r.name for r in members["test"].pypi_requirements] == ["app", "hypothesis"]
    win = h.one(units, "winonly", "win-64")
    assert win.environments == ["prod", "test", "winonly"]


def test_exclude_newer_dates(manifest_at, h):
    for value, expected in (
        # current pixi: a date is the start of the following day (UTC)
        ("2024-01-31", dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)),
        ("2024-01-31T12:30:00Z", dt.datetime(2024, 1, 31, 12, 30, tzinfo=dt.timezone.utc)),
        ('"2024-01-31T12:30:00+01:00"', dt.datetime(2024, 1, 31, 11, 30, tzinfo=dt.timezone.utc)),
    ):
        m = manifest_at(HEAD + f"exclude-newer = {value}\nsolve-strategy = 'lowest-direct'\n[pypi-dependencies]\nx = '*'\n")
        unit = h.one(build_requests(m), "default", "linux-64")
        assert unit.conda.exclude_newer == int(expected.timestamp() * 1000)
        assert unit.pypi.exclude_newer == unit.conda.exclude_newer
        assert unit.conda.strategy == "lowest-direct"


def test_constraints_and_source_dependencies(manifest_at, h, tmp_path):
    m = manifest_at(
        HEAD
        + """
[dependencies]
mylib = { path = "./mylib" }
other = { git = "https://git.example.invalid/other.git", branch = "main" }
numpy = "*"
[constraints]
openssl = ">=3"
"""
    )
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.specs == ["numpy"]  # source dependencies are not solved from channels
    assert unit.conda.constraints == ["openssl >=3"]
    sources = {d.name: d.source for d in unit.conda_sources}
    assert sources == {
        "mylib": {"path": str(tmp_path / "mylib")},
        "other": {"git": "https://git.example.invalid/other.git", "branch": "main"},
    }


def test_pypi_markers_and_pep508_self_reference(manifest_at, h):
    m = manifest_at(
        HEAD
        + """
[pypi-dependencies]
colorama = { version = "*", env-markers = "sys_platform == 'win32'" }
"""
    )
    (req,) = h.one(build_requests(m), "default", "win-64").pypi.requirements
    assert req.marker == 'sys_platform == "win32"'


def test_warnings_for_empty_platform_sets_and_unknown_dependency_channels(manifest_at):
    m = manifest_at(
        HEAD
        + """
[dependencies]
x = { version = "*", channel = "nowhere" }
[feature.a]
platforms = ["linux-64"]
[feature.b]
platforms = ["win-64"]
[environments]
ab = ["a", "b"]
"""
    )
    assert any("environment `ab` supports no platform" in w for w in m.warnings)
    assert any("channel `nowhere` of `x`" in w and ":7:22:" in w for w in m.warnings)
    assert [u for u in build_requests(m) if u.environment == "ab"] == []
