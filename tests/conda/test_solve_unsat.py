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


def _python_stack():
    """python / python_abi / numpy shaped like the real channel: numpy 2.4 only built for 3.14."""
    recs = []
    for v, abi in (("3.14.6", "3.14"), ("3.12.11", "3.12"), ("3.10.20", "3.10"), ("3.10.14", "3.10")):
        recs.append(rec("python", v, f"h0_{abi}_cpython", constrains=[f"python_abi {abi}.* *_cp{abi.replace('.', '')}"]))
    for abi in ("3.14", "3.12", "3.10"):
        tag = abi.replace(".", "")
        recs.append(rec("python_abi", abi, f"8_cp{tag}", constrains=[f"python {abi}.* *_cpython"]))
    recs.append(rec("numpy", "2.4.6", "py314h_0", depends=["python", "python_abi 3.14.* *_cp314"]))
    recs.append(rec("numpy", "1.26.4", "py310h_0", depends=["python", "python_abi 3.10.* *_cp310"]))
    return recs


def test_only_built_for_another_python_is_one_short_sentence(tmp_path):
    chans = channels(tmp_path, {"c": _python_stack()})
    msg = unsat_message(request(chans, ["python 3.10.*", "numpy 2.4.*"]))
    reasons = [line for line in msg.splitlines() if line.startswith("- ")]
    assert len(reasons) == 1, msg  # one story, not one per spec
    (line,) = reasons
    assert "numpy 2.4.6 (py314h_0) depends on python_abi 3.14.* *_cp314" in line
    assert "constrains python 3.14.*" in line and line.endswith("but you require python 3.10.*")
    assert "conflict" not in msg  # the unversioned "python" dependency is not a conflict
    assert "python 3.10.* and numpy 2.4.*" in msg


def test_the_closest_pin_is_named_not_a_deep_chain(tmp_path):
    # top pins the python ABI itself, and also reaches a python pin five packages down
    deep = [rec(f"dep{i}", "1.0", depends=[f"dep{i + 1}"]) for i in range(4)]
    deep.append(rec("dep4", "1.0", depends=["python >=3.11,<3.12.0a0"]))
    chans = channels(tmp_path, {"c": _python_stack() + deep + [
        rec("python", "3.11.9", "h0_3.11_cpython", constrains=["python_abi 3.11.* *_cp311"]),
        rec("python_abi", "3.11", "8_cp311", constrains=["python 3.11.* *_cpython"]),
        rec("top", "1.0", depends=["dep0", "python_abi 3.11.* *_cp311"]),
    ]})
    msg = unsat_message(request(chans, ["top", "python 3.12.*"]))
    assert "top 1.0 (h0_0) depends on python_abi 3.11.* *_cp311" in msg
    assert "but you require python 3.12.*" in msg
    assert "dep0" not in msg and "dep4" not in msg
    assert len(msg.splitlines()) <= 4


def test_record_with_unreadable_dependencies_is_named_with_the_reason(tmp_path):
    # such a record is only found out when the solver reads its dependencies (not at load time)
    chans = channels(tmp_path, {"c": [rec("foo", "1.0", depends=["bar >=>=1"]), rec("app", "1.0", depends=["foo"])]})
    msg = unsat_message(request(chans, ["app"]))
    assert "app 1.0 (h0_0) depends on foo, and foo 1.0 (h0_0) cannot be used" in msg
    assert "its dependencies cannot be read" in msg and "bar >=>=1" in msg


# -- the closing line names a minimal set of the user's specs --------------------------------------

def _closing_line(msg: str) -> str:
    return msg.strip().splitlines()[-1]


def test_a_spec_the_shortest_story_leans_on_but_the_conflict_does_not_need_is_left_out(tmp_path):
    # glib and rutf8 conflict over pcre by themselves; the shortest derivation starts at the user's
    # own "pcre", which would put it on the closing line although dropping it changes nothing
    chans = channels(tmp_path, {"c": [
        rec("glib", "2.88", depends=["pcre >=10.47"]),
        rec("rutf8", "1.0", depends=["rbase"]),
        rec("rbase", "4.4", depends=["pcre >=10.44,<10.45"]),
        rec("pcre", "10.47"), rec("pcre", "10.44"),
    ]})
    msg = unsat_message(request(chans, ["glib >=2.88", "pcre", "rutf8"]))
    assert _closing_line(msg) == "So your requirements glib >=2.88 and rutf8 cannot all be satisfied."
    for text in ("rbase", "pcre >=10.44,<10.45", "pcre >=10.47"):
        assert text in msg, text  # the derivation is told again for the smaller set


def test_a_dependency_with_no_candidates_at_all_is_the_cause_not_another_spec(tmp_path):
    # every a needs m, and m needs a package no channel has: "a" alone cannot be met, whatever
    # "c >=2" (which a's other dependency also collides with) says
    chans = channels(tmp_path, {"c": [
        rec("a", "1.0", depends=["m", "c <2"]),
        rec("m", "1.0", depends=["ghost"]),
        rec("c", "1.0"), rec("c", "2.0"),
    ]})
    msg = unsat_message(request(chans, ["c >=2", "a"]))
    assert _closing_line(msg) == "So your requirement a cannot be satisfied."
    assert "there is no package named ghost" in msg
    assert "c >=2" not in msg
