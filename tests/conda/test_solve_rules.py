"""The conda solve's rules on tiny channels written by the tests (loaded via the real gateway);
every answer is checked by both backends and both validators (see _solve_helpers)."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import channels, make_gateway, picked, rec, request, solve_checked  # noqa: E402

from solver.conda.model import VirtualPackage  # noqa: E402
from solver.errors import InputError  # noqa: E402


def test_highest_versions_and_dependencies(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("app", "1.0", depends=["lib >=1"]),
        rec("app", "2.0", depends=["lib >=2,<3"]),
        rec("lib", "1.5"), rec("lib", "2.1"), rec("lib", "3.0"),
    ]})
    sol = solve_checked(request(chans, ["app"]))
    assert picked(sol) == {"app": "2.0", "lib": "2.1"}


def test_constrains_restrict_only_when_present(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("a", "1.0", constrains=["b <2"]),
        rec("b", "1.0"), rec("b", "2.0"),
    ]})
    assert picked(solve_checked(request(chans, ["a"]))) == {"a": "1.0"}
    assert picked(solve_checked(request(chans, ["a", "b"]))) == {"a": "1.0", "b": "1.0"}


def test_request_constraints_restrict_without_requiring(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("a", "1.0", depends=["b"]), rec("b", "1.0"), rec("b", "2.0"), rec("other", "1.0"),
    ]})
    sol = solve_checked(request(chans, ["a"], constraints=["b <2", "other <0.5"]))
    assert picked(sol) == {"a": "1.0", "b": "1.0"}


def test_virtual_packages_only_as_given(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("glibc-app", "1.0", depends=["__glibc >=2.17", "__unix"]),
        rec("cuda-app", "2.0", depends=["__cuda >=12"]),
        rec("cuda-app", "1.0"),
    ]})
    sol = solve_checked(request(chans, ["glibc-app", "cuda-app"]))
    assert picked(sol) == {"glibc-app": "1.0", "cuda-app": "1.0"}  # no __cuda given: the cpu build
    assert {v.name for v in sol.virtual_packages} == {"__glibc", "__unix"}
    with_cuda = solve_checked(request(chans, ["cuda-app"], virtual=[VirtualPackage("__cuda", "12.2")]))
    assert picked(with_cuda) == {"cuda-app": "2.0"}
    assert with_cuda.virtual_packages == [VirtualPackage("__cuda", "12.2", "0")]


def test_strict_channel_priority_hides_lower_channels(tmp_path):
    chans = channels(tmp_path, {
        "first": [rec("foo", "1.0")],
        "second": [rec("foo", "2.0"), rec("bar", "1.0")],
    })
    sol = solve_checked(request(chans, ["foo", "bar"]))
    assert picked(sol) == {"foo": "1.0", "bar": "1.0"}
    assert sol.records[1].channel.rstrip("/").endswith("first")


def test_disabled_priority_mixes_channels_version_first(tmp_path):
    chans = channels(tmp_path, {
        "first": [rec("foo", "1.0"), rec("same", "1.0", "first_0")],
        "second": [rec("foo", "2.0"), rec("same", "1.0", "second_0")],
    })
    sol = solve_checked(request(chans, ["foo", "same"], channel_priority="disabled"))
    assert picked(sol) == {"foo": "2.0", "same": "1.0"}
    same = [r for r in sol.records if r.name == "same"][0]
    assert same.build == "first_0"  # equal versions: the higher-priority channel breaks the tie


def test_channel_qualified_spec(tmp_path):
    chans = channels(tmp_path, {
        "first": [rec("foo", "1.0")],
        "second": [rec("foo", "2.0")],
    })
    sol = solve_checked(request(chans, ["second::foo"]))
    assert picked(sol) == {"foo": "2.0"}
    sol = solve_checked(request(chans, ["first::foo"], channel_priority="disabled"))
    assert picked(sol) == {"foo": "1.0"}


def test_subdir_qualified_spec(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("foo", "2.0"),
        rec("foo", "1.0", "pyhd_0", subdir="noarch", noarch="generic"),
    ]})
    assert picked(solve_checked(request(chans, ["foo"]))) == {"foo": "2.0"}
    sol = solve_checked(request(chans, ["c/noarch::foo"]))
    assert picked(sol) == {"foo": "1.0"} and sol.records[0].subdir == "noarch"


def test_channel_not_in_request_is_an_input_error(tmp_path):
    from solver.conda.solve import solve_conda

    chans = channels(tmp_path, {"c": [rec("foo", "1.0")]})
    with pytest.raises(InputError, match="elsewhere"):
        solve_conda(request(chans, ["elsewhere::foo"]))


def test_invalid_spec_is_an_input_error(tmp_path):
    from solver.conda.solve import solve_conda

    chans = channels(tmp_path, {"c": [rec("foo", "1.0")]})
    with pytest.raises(InputError, match="foo >=="):
        solve_conda(request(chans, ["foo >==1"]))


def test_noarch_python_package(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("python", "3.12.1", build_number=0),
        rec("pure", "0.3", "pyhd8ed1ab_0", subdir="noarch", noarch="python", depends=["python >=3.8"]),
    ]})
    sol = solve_checked(request(chans, ["pure"]))
    assert picked(sol) == {"pure": "0.3", "python": "3.12.1"}
    assert [r.noarch for r in sol.records if r.name == "pure"] == ["python"]


def test_track_features_avoided_when_alternative_exists(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("blas", "2.0", "mkl_0", track_features="blas_mkl"),
        rec("blas", "1.0", "openblas_0"),
        rec("only", "1.0", "feat_0", track_features="x"),
    ]})
    sol = solve_checked(request(chans, ["blas", "only"]))
    assert {r.name: r.build for r in sol.records} == {"blas": "openblas_0", "only": "feat_0"}


def test_build_number_then_timestamp(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("bn", "1.0", "a_1", build_number=1, timestamp=1000),
        rec("bn", "1.0", "a_2", build_number=2, timestamp=500),
        rec("ts", "1.0", "old_0", timestamp=1000),
        rec("ts", "1.0", "new_0", timestamp=2000),
    ]})
    sol = solve_checked(request(chans, ["bn", "ts"]))
    assert {r.name: r.build for r in sol.records} == {"bn": "a_2", "ts": "new_0"}


def test_prefers_builds_allowing_the_highest_shared_dependency(tmp_path):
    # same version and build number; the py311 build is newer, but the py312 build allows a higher
    # python (rattler's rule), so numpy's py312 build and python 3.12 are chosen
    chans = channels(tmp_path, {"c": [
        rec("python", "3.11.8"), rec("python", "3.12.2"),
        rec("numpy", "1.26.4", "py311_0", depends=["python >=3.11,<3.12.0a0"], timestamp=2000),
        rec("numpy", "1.26.4", "py312_0", depends=["python >=3.12,<3.13.0a0"], timestamp=1000),
    ]})
    sol = solve_checked(request(chans, ["numpy"]))
    assert {r.name: r.build for r in sol.records}["numpy"] == "py312_0"
    assert picked(sol)["python"] == "3.12.2"


def _locked(gateway, name, version):
    return next(r for _, r in gateway.records(name) if r.version == version)


def test_locked_records_first_unless_updated(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("foo", "1.0"), rec("foo", "2.0"), rec("bar", "1.0"), rec("bar", "2.0"),
    ]})
    gw = make_gateway(chans, "linux-64")
    locked = [_locked(gw, "foo", "1.0"), _locked(gw, "bar", "1.0")]
    assert picked(solve_checked(request(chans, ["foo", "bar"], locked=locked), gw)) == {"foo": "1.0", "bar": "1.0"}
    assert picked(solve_checked(request(chans, ["foo", "bar"], locked=locked, update=["foo"]), gw)) == {
        "foo": "2.0", "bar": "1.0"}
    assert picked(solve_checked(request(chans, ["foo", "bar"], locked=locked, update=[]), gw)) == {
        "foo": "2.0", "bar": "2.0"}
    # a locked record the request no longer allows is dropped, not forced
    assert picked(solve_checked(request(chans, ["foo >=2", "bar"], locked=locked), gw)) == {
        "foo": "2.0", "bar": "1.0"}


def test_strategy_lowest_and_lowest_direct(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("app", "1.0", depends=["lib"]), rec("app", "2.0", depends=["lib"]),
        rec("lib", "1.0"), rec("lib", "2.0"),
    ]})
    assert picked(solve_checked(request(chans, ["app"], strategy="lowest"))) == {"app": "1.0", "lib": "1.0"}
    assert picked(solve_checked(request(chans, ["app"], strategy="lowest-direct"))) == {"app": "1.0", "lib": "2.0"}
    assert picked(solve_checked(request(chans, ["app"], strategy="highest"))) == {"app": "2.0", "lib": "2.0"}


def test_unknown_strategy_priority_or_backend_is_an_input_error(tmp_path):
    from solver.conda.solve import solve_conda

    chans = channels(tmp_path, {"c": [rec("foo", "1.0")]})
    with pytest.raises(InputError, match="newest"):
        solve_conda(request(chans, ["foo"], strategy="newest"))
    with pytest.raises(InputError, match="flexible"):
        solve_conda(request(chans, ["foo"], channel_priority="flexible"))
    with pytest.raises(InputError, match="minisat"):
        solve_conda(request(chans, ["foo"]), backend="minisat")


def test_exclude_newer_keeps_records_without_timestamp(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("foo", "1.0", timestamp=1_600_000_000_000), rec("foo", "2.0", timestamp=1_700_000_000_000),
        rec("undated", "3.0"),
    ]})
    sol = solve_checked(request(chans, ["foo", "undated"], exclude_newer=1_650_000_000_000))
    assert picked(sol) == {"foo": "1.0", "undated": "3.0"}


def test_exclude_newer_per_package(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("foo", "1.0", timestamp=1_600_000_000_000), rec("foo", "2.0", timestamp=1_700_000_000_000),
        rec("bar", "1.0", timestamp=1_600_000_000_000), rec("bar", "2.0", timestamp=1_700_000_000_000),
    ]})
    # [exclude-newer]: foo has no cutoff of its own (None), bar its own later one; others the workspace's
    sol = solve_checked(request(chans, ["foo", "bar"], exclude_newer=1_650_000_000_000,
                                exclude_newer_packages={"foo": None}))
    assert picked(sol) == {"foo": "2.0", "bar": "1.0"}
    sol = solve_checked(request(chans, ["foo", "bar"], exclude_newer_packages={"bar": 1_650_000_000_000}))
    assert picked(sol) == {"foo": "2.0", "bar": "1.0"}


def test_deterministic_byte_for_byte(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("a", "1.0", depends=["b", "c"]), rec("b", "1.0", depends=["c >=1"]),
        rec("c", "1.0", "x_0"), rec("c", "1.0", "y_0"), rec("c", "0.9"),
    ]})
    req = request(chans, ["a"])
    first = msgspec.json.encode(solve_checked(req).records)
    second = msgspec.json.encode(solve_checked(req, make_gateway(chans, "linux-64")).records)
    assert first == second
