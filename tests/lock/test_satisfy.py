"""Does a lock still satisfy the manifest? Checked offline; every way it can stop doing so gives a
reason that names the environment, the platform and the package or setting at fault."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import msgspec
import pytest

import solver
from solver.conda.model import PackageRecord
from solver.lock import parse_lock, dumps_lock

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def _isolate(monkeypatch, cache) -> None:
    """No index or find-links of this machine (PIP_*/UV_* variables, pip.conf) may reach a solve:
    the demo manifest declares only find-links, so the environment's would add to them."""
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(cache))
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path / "cache")


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    # module-scoped: set up before the function-scoped _isolated, so it isolates itself
    root = tmp_path_factory.mktemp("sat") / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, root.parent / "cache")
        manifest = solver.load_manifest(root)
        result = solver.solve(manifest)
    return root, dumps_lock(result.lock)


def fresh(solved):
    root, text = solved
    return solver.load_manifest(root), parse_lock(text)


def test_a_fresh_lock_satisfies(solved):
    manifest, lock = fresh(solved)
    assert solver.check_lock(manifest, lock) == []
    assert solver.check_lock(manifest, lock, environments=["py311"], platforms=["win-64"]) == []


def test_missing_environment_and_platform(solved):
    manifest, lock = fresh(solved)
    del lock.environments["py311"]
    del lock.environments["test"].conda["osx-arm64"]
    lock.environments["test"].pypi.pop("osx-arm64")
    reasons = solver.check_lock(manifest, lock)
    assert "environment 'py311' is not in the lock file" in reasons
    assert "environment 'test' on osx-arm64: the platform is not locked" in reasons


def test_unmet_spec_names_the_spec_and_what_is_locked(solved):
    root, _ = solved
    manifest, lock = fresh(solved)
    original = (root / "pixi.toml").read_text()
    try:
        (root / "pixi.toml").write_text(original.replace('numlite = ">=1.26"', 'numlite = "<2"'))
        edited = solver.load_manifest(root)
    finally:
        (root / "pixi.toml").write_text(original)
    reasons = solver.check_lock(edited, lock, environments=["default"], platforms=["linux-64"])
    assert reasons[0].startswith("environment 'default' on linux-64: the requested `numlite <2` is not met")
    assert "numlite 2.0.1" in reasons[0]


def test_broken_dependency_inside_the_lock(solved):
    manifest, lock = fresh(solved)
    records = lock.environments["default"].conda["linux-64"]
    lock.environments["default"].conda["linux-64"] = [r for r in records if r.name != "libzlib"]
    reasons = solver.check_lock(manifest, lock, environments=["default"])
    assert any("depends on `libzlib >=1.3,<2.0a0`" in r and "nothing named libzlib is locked" in r for r in reasons)


def test_extra_package_is_a_reason(solved):
    manifest, lock = fresh(solved)
    stray = PackageRecord(name="stray", version="1", build="0", subdir="linux-64",
                          url="https://conda.example.invalid/x/linux-64/stray-1-0.conda")
    lock.environments["default"].conda["linux-64"].append(stray)
    reasons = solver.check_lock(manifest, lock, environments=["default"])
    assert reasons == ["environment 'default' on linux-64: stray is locked but nothing requires it"]


def test_pypi_changes(solved):
    manifest, lock = fresh(solved)
    pypi = lock.environments["default"].pypi["linux-64"]
    lock.environments["default"].pypi["linux-64"] = [
        msgspec.structs.replace(p, version="0.9.0") if p.name == "tinyreq" else p for p in pypi
    ]
    reasons = solver.check_lock(manifest, lock, environments=["default"])
    assert any("PyPI `tinyreq >=1.0` is not met (locked: tinyreq 0.9.0)" in r for r in reasons)
    manifest, lock = fresh(solved)
    lock.environments["default"].pypi["win-64"] = [p for p in lock.environments["default"].pypi["win-64"] if p.name != "colorlite"]
    reasons = solver.check_lock(manifest, lock, environments=["default"])
    assert reasons == ["environment 'default' on win-64: PyPI tinyreq 1.1.0 requires `colorlite>=0.4; sys_platform == \"win32\"`, which is neither locked nor installed by a locked conda package"]


def test_channels_and_options_changes(solved):
    manifest, lock = fresh(solved)
    env = lock.environments["test"]
    env.channels = ["https://conda.example.invalid/other/"]
    env.options = msgspec.structs.replace(env.options, strategy="lowest-version")
    reasons = solver.check_lock(manifest, lock, environments=["test"], platforms=["linux-64"])
    assert any("channels changed" in r for r in reasons)
    assert any("solve strategy changed" in r for r in reasons)


def test_removed_environment_is_a_reason_only_for_a_full_check(solved):
    manifest, lock = fresh(solved)
    lock.environments["old"] = msgspec.structs.replace(lock.environments["default"], name="old")
    assert solver.check_lock(manifest, lock) == ["environment 'old' is locked but no longer in the manifest"]
    assert solver.check_lock(manifest, lock, environments=["default"]) == []
