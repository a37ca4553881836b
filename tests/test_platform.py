"""One platform module: the virtual packages a platform offers by default (pixi's), and every layer
agreeing on which subdirs exist."""

from __future__ import annotations

import pytest

from solver.conda.matchspec import MatchSpec
from solver.lock.urls import derive_subdir
from solver.platform import KNOWN_SUBDIRS, PYTHON_PLATFORMS, selectors_for, subdir_sort_key, virtual_packages
from solver.pypi.tags import TargetEnv


def _vps(platform, **kw):
    return [(v.name, v.version, v.build) for v in virtual_packages(platform, **kw)]


@pytest.mark.parametrize("platform,expected", [
    ("linux-64", [("__unix", "0", "0"), ("__linux", "4.18", "0"), ("__glibc", "2.28", "0"), ("__archspec", "1", "x86_64")]),
    ("linux-aarch64", [("__unix", "0", "0"), ("__linux", "4.18", "0"), ("__glibc", "2.28", "0"), ("__archspec", "1", "aarch64")]),
    ("osx-64", [("__unix", "0", "0"), ("__osx", "13.0", "0"), ("__archspec", "1", "x86_64")]),
    ("osx-arm64", [("__unix", "0", "0"), ("__osx", "13.0", "0"), ("__archspec", "1", "m1")]),
    ("win-64", [("__win", "0", "0"), ("__archspec", "1", "x86_64")]),
    ("emscripten-wasm32", [("__unix", "0", "0")]),
    ("noarch", []),
])
def test_default_virtual_packages_are_pixis(platform, expected):
    assert _vps(platform) == expected


def test_stated_system_requirements_replace_the_defaults():
    assert _vps("linux-64", linux="5.10", libc="2.17", libc_family="musl", cuda="12.4", archspec="x86_64_v3") == [
        ("__unix", "0", "0"), ("__linux", "5.10", "0"), ("__musl", "2.17", "0"),
        ("__cuda", "12.4", "0"), ("__archspec", "1", "x86_64_v3"),
    ]
    assert ("__osx", "14.0", "0") in _vps("osx-arm64", macos="14.0")
    assert not any(name == "__cuda" for name, _, _ in _vps("osx-arm64", cuda="12.4"))


@pytest.mark.parametrize("subdir", KNOWN_SUBDIRS)
def test_every_layer_knows_every_subdir(subdir):
    url = f"https://conda.anaconda.org/chan/{subdir}/pkg-1.0-h0_0.conda"
    assert derive_subdir(url) == subdir
    assert MatchSpec.parse(f"chan/{subdir}::pkg").subdir == subdir


def test_lock_platform_order_is_rattlers_enum_order_unknown_last():
    names = ["win-64", "zz-custom", "osx-arm64", "linux-64", "freebsd-64", "noarch"]
    assert sorted(names, key=subdir_sort_key) == ["noarch", "linux-64", "freebsd-64", "osx-arm64", "win-64", "zz-custom"]


def test_selectors_and_python_platforms():
    assert selectors_for("osx-arm64") == ["unix", "osx", "osx-arm64"]
    assert selectors_for("win-64") == ["win", "win-64"]
    assert set(PYTHON_PLATFORMS) <= set(KNOWN_SUBDIRS)
    assert "macosx_13_0_arm64" in TargetEnv(platform="osx-arm64", python_version="3.12.1").platform_tags()
    assert "macosx_13_0_x86_64" in TargetEnv(platform="osx-64", python_version="3.12.1").platform_tags()
