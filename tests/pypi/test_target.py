"""Target environment: wheel tags and markers for a platform other than the host."""

import pytest
from packaging.tags import Tag

from solver.errors import InputError
from solver.pypi.tags import TargetEnv, target_from_conda

from .conftest import python_record


def tags(env):
    return set(env.compatible_tags())


def test_linux_manylinux_bounded_by_glibc():
    env = TargetEnv(platform="linux-64", python_version="3.11.7", glibc="2.17")
    t = tags(env)
    assert Tag("cp311", "cp311", "manylinux_2_17_x86_64") in t
    assert Tag("cp311", "cp311", "manylinux2014_x86_64") in t
    assert Tag("cp311", "cp311", "manylinux_2_28_x86_64") not in t
    assert Tag("cp311", "cp311", "win_amd64") not in t
    newer = TargetEnv(platform="linux-64", python_version="3.11.7", glibc="2.28")
    assert Tag("cp311", "cp311", "manylinux_2_28_x86_64") in tags(newer)
    # the most specific platform ranks first
    order = newer.tag_priority()
    assert order[Tag("cp311", "cp311", "manylinux_2_28_x86_64")] < order[Tag("py3", "none", "any")]


def test_windows_and_macos_tags():
    win = tags(TargetEnv(platform="win-64", python_version="3.12.1"))
    assert Tag("cp312", "cp312", "win_amd64") in win and Tag("cp312", "abi3", "win_amd64") in win
    assert not any("linux" in t.platform for t in win)
    mac = TargetEnv(platform="osx-arm64", python_version="3.12.1", macos="12.0")
    mt = tags(mac)
    assert Tag("cp312", "cp312", "macosx_12_0_arm64") in mt
    assert Tag("cp312", "cp312", "macosx_13_0_arm64") not in mt
    assert Tag("cp312", "cp312", "macosx_11_0_arm64") in mt


def test_markers_per_platform():
    assert TargetEnv(platform="win-64", python_version="3.12.1").markers()["sys_platform"] == "win32"
    m = TargetEnv(platform="osx-arm64", python_version="3.12.1").markers()
    assert (m["sys_platform"], m["platform_machine"], m["python_version"]) == ("darwin", "arm64", "3.12")
    assert TargetEnv(platform="linux-aarch64", python_version="3.10.2").markers()["platform_machine"] == "aarch64"


def test_free_threaded_and_pypy_from_conda():
    env = target_from_conda("linux-64", python_record("3.13.1", "h_0_cp313t", abi_build="7_cp313t"))
    t = tags(env)
    assert Tag("cp313", "cp313t", "manylinux_2_17_x86_64") in t
    assert Tag("cp313", "cp313", "manylinux_2_17_x86_64") not in t
    assert Tag("cp313", "abi3", "manylinux_2_17_x86_64") not in t
    pypy = target_from_conda("linux-64", python_record("3.10.14", "0_73_pypy", abi_build="4_pypy310_pp73"))
    assert pypy.markers()["implementation_name"] == "pypy"
    assert Tag("pp310", "pypy310_pp73", "manylinux_2_17_x86_64") in tags(pypy)


def test_no_python_in_conda_result_is_a_clear_error():
    with pytest.raises(InputError, match="need python"):
        target_from_conda("linux-64", [])
    with pytest.raises(InputError, match="unknown platform"):
        TargetEnv(platform="beos-64", python_version="3.11")
