"""Unsatisfiable requests: the error must name what a person needs to act on."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import channels, rec, request, unsat_message  # noqa: E402

from solver.conda.model import VirtualPackage  # noqa: E402


def test_missing_package(tmp_path):
    chans = channels(tmp_path, {"c": [rec("foo", "1.0")]})
    msg = unsat_message(request(chans, ["foo", "does-not-exist"]))
    assert "does-not-exist" in msg
    assert "linux-64" in msg  # which platform failed


def test_version_that_does_not_exist(tmp_path):
    chans = channels(tmp_path, {"c": [rec("foo", "1.0"), rec("foo", "1.2")]})
    msg = unsat_message(request(chans, ["foo >=5"]))
    assert "foo >=5" in msg
    assert "1.2" in msg  # says what there is instead


def test_two_requirements_that_cannot_both_hold(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("a", "1.0", depends=["shared <2"]),
        rec("b", "1.0", depends=["shared >=2"]),
        rec("shared", "1.0"), rec("shared", "2.0"),
    ]})
    msg = unsat_message(request(chans, ["a", "b"]))
    for text in ("a", "b", "shared <2", "shared >=2"):
        assert text in msg, text


def test_conflict_three_levels_down(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("top", "1.0", depends=["middle"]),
        rec("middle", "1.0", depends=["bottom"]),
        rec("bottom", "1.0", depends=["zlib 1.2.*"]),
        rec("zlib", "1.2.13"), rec("zlib", "1.3.1"),
    ]})
    msg = unsat_message(request(chans, ["top", "zlib >=1.3"]))
    for text in ("top", "middle", "bottom", "zlib 1.2.*", "zlib >=1.3"):
        assert text in msg, text


def test_too_old_glibc(tmp_path):
    chans = channels(tmp_path, {"c": [rec("modern", "1.0", depends=["__glibc >=2.34"])]})
    old = [VirtualPackage("__unix"), VirtualPackage("__glibc", "2.17")]
    msg = unsat_message(request(chans, ["modern"], virtual=old))
    assert "__glibc >=2.34" in msg
    assert "2.17" in msg


def test_missing_virtual_package(tmp_path):
    chans = channels(tmp_path, {"c": [rec("gpu", "1.0", depends=["__cuda >=12"])]})
    msg = unsat_message(request(chans, ["gpu"]))
    assert "virtual package __cuda is not present on this system" in msg
    assert "gpu" in msg


def test_strict_priority_hiding_the_only_matching_record(tmp_path):
    chans = channels(tmp_path, {
        "first": [rec("foo", "1.0")],
        "second": [rec("foo", "2.0")],
    })
    msg = unsat_message(request(chans, ["foo >=2"]))
    assert "foo >=2" in msg
    assert "hidden by channel priority: foo is available in" in msg
    assert "first" in msg


def test_exclude_newer_reason(tmp_path):
    chans = channels(tmp_path, {"c": [rec("foo", "2.0", timestamp=1_700_000_000_000)]})
    msg = unsat_message(request(chans, ["foo"], exclude_newer=1_650_000_000_000))
    assert "exclude-newer" in msg
