"""The lock check judges PyPI packages the way the PyPI stage resolves them: requires_dist met by
locked PyPI packages or by what the locked conda packages install (the stage's own conda -> PyPI
mapping), markers evaluated in the stage's target environment, editability not compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import solver
from solver.conda.model import PackageRecord
from solver.lock import dumps_lock, parse_lock
from solver.lock.model import LockedEnvironment, LockFile
from solver.pypi.model import PyPIPackage


@pytest.fixture(autouse=True)
def _no_machine_indexes(monkeypatch, tmp_path):
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))


def _project(tmp_path: Path, platform: str, conda: str, pypi: str, extra: str = "") -> Path:
    (tmp_path / "chan").mkdir(exist_ok=True)
    (tmp_path / "pixi.toml").write_text(
        f'[workspace]\nname = "p"\nchannels = ["./chan"]\nplatforms = ["{platform}"]\n{extra}'
        f"[dependencies]\n{conda}\n[pypi-dependencies]\n{pypi}\n"
    )
    return tmp_path


def _rec(tmp_path: Path, platform: str, name: str, version: str, *, depends=(), purls=None) -> PackageRecord:
    channel = (tmp_path / "chan").as_uri()
    return PackageRecord(
        name=name, version=version, build="h0_0", build_number=0, subdir=platform,
        depends=list(depends), purls=purls, channel=channel,
        url=f"{channel}/{platform}/{name}-{version}-h0_0.conda",
    )


def _lock(root: Path, platform: str, conda: list[PackageRecord], pypi: list[PyPIPackage]) -> LockFile:
    channel = (root / "chan").as_uri() + "/"
    env = LockedEnvironment(name="default", channels=[channel], indexes=[], conda={platform: conda}, pypi={platform: pypi})
    return LockFile(environments={"default": env})


def _wheel(name: str, version: str, *requires: str) -> PyPIPackage:
    return PyPIPackage(
        name=name, version=version, requires_dist=list(requires),
        url=f"http://127.0.0.1:9/files/{name}-{version}-py3-none-any.whl", hashes={"sha256": "0" * 64},
    )


def _check(root, lock):
    # through the text form, as a lock on disk is read
    return solver.check_lock(solver.load_manifest(root), parse_lock(dumps_lock(lock)))


def test_requirement_met_by_conda_is_version_checked(tmp_path):
    root = _project(tmp_path, "linux-64", 'python = "*"\nnumpy = "*"', 'pandas = "*"')
    python = _rec(tmp_path, "linux-64", "python", "3.12.1")
    numpy = _rec(tmp_path, "linux-64", "numpy", "1.26.4", depends=["python"], purls=["pkg:pypi/numpy"])
    lock = _lock(root, "linux-64", [numpy, python], [_wheel("pandas", "2.2.0", "numpy>=2.0")])
    assert _check(root, lock) == [
        "environment 'default' on linux-64: PyPI pandas 2.2.0 requires numpy >=2.0, but the locked conda "
        "package numpy-1.26.4-h0_0 provides numpy 1.26.4"
    ]
    ok = _lock(root, "linux-64", [numpy, python], [_wheel("pandas", "2.2.0", "numpy>=1.26")])
    assert _check(root, ok) == []


def test_manifest_requirement_met_by_conda_is_version_checked(tmp_path):
    root = _project(tmp_path, "linux-64", 'python = "*"\nnumpy = "*"', 'numpy = ">=2"')
    python = _rec(tmp_path, "linux-64", "python", "3.12.1")
    numpy = _rec(tmp_path, "linux-64", "numpy", "1.26.4", depends=["python"], purls=["pkg:pypi/numpy"])
    reasons = _check(root, _lock(root, "linux-64", [numpy, python], []))
    assert reasons == [
        "environment 'default' on linux-64: the requested PyPI `numpy >=2` is not met by numpy 1.26.4 "
        "that the conda package numpy-1.26.4-h0_0 provides"
    ]


def test_conda_pypi_map_names_what_conda_provides(tmp_path):
    (tmp_path / "map.json").write_text(json.dumps({"py-yaml-conda": "pyyaml"}))
    root = _project(tmp_path, "linux-64", 'python = "*"\npy-yaml-conda = "*"', 'app = "*"',
                    extra='conda-pypi-map = { "./chan" = "map.json" }\n')
    python = _rec(tmp_path, "linux-64", "python", "3.12.1")
    conda_yaml = _rec(tmp_path, "linux-64", "py-yaml-conda", "6.0.1", depends=["python"])
    app = _wheel("app", "1.0", "PyYAML>=6")
    assert _check(root, _lock(root, "linux-64", [conda_yaml, python], [app])) == []
    too_new = _wheel("app", "1.0", "PyYAML>=7")
    assert _check(root, _lock(root, "linux-64", [conda_yaml, python], [too_new])) == [
        "environment 'default' on linux-64: PyPI app 1.0 requires pyyaml >=7, but the locked conda package "
        "py-yaml-conda-6.0.1-h0_0 provides pyyaml 6.0.1"
    ]


def test_record_whose_purls_name_no_pypi_package_provides_nothing(tmp_path):
    root = _project(tmp_path, "linux-64", 'python = "*"\nlibfoo = "*"', 'app = "*"')
    python = _rec(tmp_path, "linux-64", "python", "3.12.1")
    libfoo = _rec(tmp_path, "linux-64", "libfoo", "1.0", depends=["python"], purls=[])
    reasons = _check(root, _lock(root, "linux-64", [libfoo, python], [_wheel("app", "1.0", "libfoo")]))
    assert reasons == [
        "environment 'default' on linux-64: PyPI app 1.0 requires `libfoo`, which is neither locked nor "
        "installed by a locked conda package"
    ]


def test_markers_use_the_pypi_stage_target_environment(tmp_path):
    # win-arm64: the PyPI stage's platform_machine is ARM64 (what CPython reports on Windows)
    root = _project(tmp_path, "win-arm64", 'python = "*"', 'app = "*"')
    python = _rec(tmp_path, "win-arm64", "python", "3.12.1")
    app = _wheel("app", "1.0", 'winhelper ; platform_machine == "ARM64"', 'posixonly ; os_name == "posix"')
    assert _check(root, _lock(root, "win-arm64", [python], [app, _wheel("winhelper", "1.0")])) == []
    assert _check(root, _lock(root, "win-arm64", [python], [app])) == [
        "environment 'default' on win-arm64: PyPI app 1.0 requires `winhelper ; platform_machine == \"ARM64\"`, "
        "which is neither locked nor installed by a locked conda package"
    ]


def test_python_version_markers_follow_the_locked_python(tmp_path):
    root = _project(tmp_path, "linux-64", 'python = "*"', 'app = "*"')
    py310 = _rec(tmp_path, "linux-64", "python", "3.10.14")
    py312 = _rec(tmp_path, "linux-64", "python", "3.12.1")
    app = _wheel("app", "1.0", 'backport ; python_full_version < "3.11.0"')
    assert _check(root, _lock(root, "linux-64", [py312], [app])) == []
    assert "requires `backport" in _check(root, _lock(root, "linux-64", [py310], [app]))[0]


@pytest.mark.parametrize("version", [6, 7])
def test_editable_path_dependency_stays_satisfied(tmp_path, version):
    (tmp_path / "mypkg").mkdir()
    root = _project(tmp_path, "linux-64", 'python = "*"', 'mypkg = { path = "./mypkg", editable = true }')
    python = _rec(tmp_path, "linux-64", "python", "3.12.1")
    pkg = PyPIPackage(name="mypkg", version="0.1.0", path="./mypkg", editable=True)
    text = dumps_lock(_lock(root, "linux-64", [python], [pkg]), version)
    assert ("editable: true" in text) == (version == 6)
    assert solver.check_lock(solver.load_manifest(root), parse_lock(text)) == []


def test_environment_pypi_extras_round_trip_in_v6_and_are_absent_from_v7(tmp_path):
    root = _project(tmp_path, "linux-64", 'python = "*"', 'requests = { version = "*", extras = ["socks"] }')
    python = _rec(tmp_path, "linux-64", "python", "3.12.1")
    requests = _wheel("requests", "2.32.0", 'pysocks ; extra == "socks"')
    lock = _lock(root, "linux-64", [python], [requests, _wheel("pysocks", "1.7.1")])
    lock.environments["default"].pypi_extras = {"linux-64": {requests.url: ["socks"]}}
    v6 = dumps_lock(lock, 6)
    assert f"      - pypi: {requests.url}\n        extras:\n        - socks\n" in v6
    back = parse_lock(v6)
    assert back.environments["default"].pypi_extras == {"linux-64": {requests.url: ["socks"]}}
    assert dumps_lock(back, 6) == v6
    v7 = dumps_lock(back, 7)
    assert "        extras:" not in v7 and parse_lock(v7).environments["default"].pypi_extras == {}
    # the check walks the manifest's extras, with or without the recorded field
    manifest = solver.load_manifest(root)
    assert solver.check_lock(manifest, back) == [] and solver.check_lock(manifest, parse_lock(v7)) == []
