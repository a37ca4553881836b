"""The conda-level validator catches each kind of broken solution (so a passing check means
something), and the virtual-package helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import channels, make_gateway, rec, request, solve_checked, unsat_message  # noqa: E402

from solver.conda.model import CondaRequest, PackageRecord, VirtualPackage  # noqa: E402
from support.conda_validate import validate_conda  # noqa: E402
from solver.conda.virtual import detect_virtual_packages, virtual_records  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402
from solver.errors import InputError  # noqa: E402


def R(name, version, depends=(), constrains=(), channel="file:///ch/first", timestamp=None, build="0"):
    return PackageRecord(name=name, version=version, build=build, depends=list(depends), constrains=list(constrains),
                         subdir="linux-64", channel=channel, fn=f"{name}-{version}-{build}.conda", timestamp=timestamp)


REQ = CondaRequest(platform="linux-64", specs=["app"], channels=["file:///ch/first", "file:///ch/second"],
                   virtual_packages=[VirtualPackage("__glibc", "2.17")])


def test_valid_solution_has_no_problems():
    assert validate_conda(REQ, [R("app", "1", ["lib >=1", "__glibc >=2.17"]), R("lib", "1.5")]) == []


@pytest.mark.parametrize("records,needle", [
    ([R("app", "1", ["lib >=2"]), R("lib", "1.5")], "requires lib >=2, but the solution has lib 1.5"),
    ([R("app", "1", ["lib"])], "no lib is in the solution"),
    ([R("app", "1"), R("app", "2")], "two records of app"),
    ([R("app", "1", constrains=["lib <1"], depends=["lib"]), R("lib", "1.5")], "constrains lib <1"),
    ([R("app", "1", ["__cuda"])], "virtual package __cuda is not given"),
    ([R("app", "1", ["__glibc >=2.28"])], "requires __glibc >=2.28"),
    ([R("other", "1")], "the request requires app"),
    ([R("app", "1"), R("stray", "1")], "stray 1 (0) is in the solution but nothing requires it"),
    ([R("app", "1"), R("__glibc", "2.17")], "virtual package __glibc is listed"),
])
def test_each_violation_is_reported(records, needle):
    problems = validate_conda(REQ, records)
    assert any(needle in p for p in problems), problems


def test_channel_qualified_spec_and_exclude_newer_and_priority():
    req = CondaRequest(platform="linux-64", specs=["second::app"], channels=REQ.channels, exclude_newer=1000)
    problems = validate_conda(req, [R("app", "1", timestamp=5000)])
    assert any("second::app" in p for p in problems) and any("exclude-newer" in p for p in problems)

    first, second = R("lib", "1"), R("lib", "2", channel="file:///ch/second")
    available = {"lib": [(0, first), (1, second)], "app": [(0, R("app", "1", ["lib"]))]}
    problems = validate_conda(REQ, [R("app", "1", ["lib"]), second], available=lambda n: available.get(n, []))
    assert any("strict channel priority" in p for p in problems), problems


def test_unparsable_dependency_excludes_only_that_record(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("foo", "2.0", depends=["bar >=="]), rec("foo", "3..0"), rec("foo", "1.0"),
    ]})
    assert solve_checked(request(chans, ["foo"])).records[0].version == "1.0"
    from solver.conda.provider import CondaProvider

    provider = CondaProvider(request(chans, ["foo"]), make_gateway(chans, "linux-64"))
    reasons = {provider.record(s).version: provider.excluded(s) for s in provider.candidates(provider.name_id("foo"))}
    assert reasons["1.0"] is None and "'3..0' cannot be parsed" in reasons["3..0"]
    msg = unsat_message(request(chans, ["foo >=2"]))
    assert "bar >==" in msg and "foo 2.0" in msg


def test_platform_virtual_packages_and_records():
    linux = {v.name: v for v in virtual_packages("linux-64", libc="2.17")}
    assert linux["__glibc"].version == "2.17" and "__unix" in linux and "__win" not in linux
    win = {v.name for v in virtual_packages("win-64")}
    assert "__win" in win and "__unix" not in win
    with pytest.raises(InputError, match="__glibc"):
        virtual_records([VirtualPackage("__glibc", "2.17"), VirtualPackage("__glibc", "2.28")])
    with pytest.raises(InputError, match="glibc"):
        virtual_records([VirtualPackage("glibc", "2.17")])


def test_detect_honours_conda_overrides(monkeypatch):
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "12.4")
    monkeypatch.setenv("CONDA_OVERRIDE_ARCHSPEC", "")
    found = {v.name: v for v in detect_virtual_packages()}
    assert found["__cuda"].version == "12.4"
    assert "__archspec" not in found
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("CONDA_OVERRIDE_GLIBC", "2.99")
        assert {v.name: v.version for v in detect_virtual_packages()}["__glibc"] == "2.99"
