"""Resolver semantics checked the way uv's ``test/scenarios`` state them: pre-release preference and
authorization, Requires-Python bounds, yanked versions, extras. Each case generates a loopback
index (tests/support/uv_scenarios.py). The cases here are our own table of representative
situations; set ``SOLVER_UV_SCENARIOS`` to a folder of scenario files in uv's TOML format to check
those too (they are not kept in this repository)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from support.uv_scenarios import Scenario, check, load, outcome, uv_outcome

V = {}  # a version with no requirements


CASES = [
    # -- pre-releases (default: if-necessary-or-explicit)
    Scenario(name="stable-preferred-over-newer-prerelease", root=["a"],
             packages={"a": {"1.0.0": V, "2.0.0a1": V}}, satisfiable=True, expected={"a": "1.0.0"}),
    Scenario(name="only-prereleases-exist", root=["a"],
             packages={"a": {"1.0.0a1": V, "1.0.0b2": V}}, satisfiable=True, expected={"a": "1.0.0b2"}),
    Scenario(name="prerelease-kinds-order", root=["a>=1.0.0a1"],
             packages={"a": {"1.0.0a1": V, "1.0.0b1": V, "1.0.0rc1": V}}, satisfiable=True, expected={"a": "1.0.0rc1"}),
    Scenario(name="explicit-prerelease-specifier-still-prefers-stable", root=["a>=0.1.0a1"],
             packages={"a": {"0.1.0": V, "0.2.0a1": V, "0.3.0": V, "1.0.0a1": V}}, satisfiable=True,
             expected={"a": "0.3.0"}),
    Scenario(name="plain-user-requirement-keeps-stable-preference", root=["c>=1.0", "c>=0.5a1"],
             packages={"c": {"1.0.0": V, "2.0.0a1": V}}, satisfiable=True, expected={"c": "1.0.0"}),
    Scenario(name="transitive-prerelease-specifier-prefers-stable", root=["a"],
             packages={"a": {"1.0.0": {"requires": ["c>=1.0.0a1"]}}, "c": {"1.0.0": V, "2.0.0a1": V}},
             satisfiable=True, expected={"a": "1.0.0", "c": "1.0.0"}),
    # uv 0.13.9 (the scenario file of this shape expects no solution; the uv release does this)
    Scenario(name="transitive-only-prerelease-in-range-is-necessary", root=["a"],
             packages={"a": {"0.1.0": {"requires": ["b>0.1"]}}, "b": {"0.1.0": V, "1.0.0a1": V}},
             satisfiable=True, expected={"a": "0.1.0", "b": "1.0.0a1"}),
    Scenario(name="transitive-stable-in-range-keeps-prereleases-out", root=["a"],
             packages={"a": {"0.1.0": {"requires": ["b>=0.1"]}}, "b": {"0.1.0": V, "1.0.0a1": V}},
             satisfiable=True, expected={"a": "0.1.0", "b": "0.1.0"}),
    Scenario(name="prerelease-after-every-stable-version-is-ruled-out", root=["a==1.0.0", "c>=1.0.0"],
             packages={"a": {"1.0.0": V, "2.0.0": V}, "c": {"1.0.0": {"requires": ["d==2.0.0"]}, "1.5.0a1": V,
                                                            "2.0.0b1": {"requires": ["a>=2.0.0"]}},
                       "d": {"2.0.0": {"requires": ["a>=2.0.0b1"]}}},
             satisfiable=True, expected={"a": "1.0.0", "c": "1.5.0a1"}),
    Scenario(name="global-opt-in", root=["a>0.1.0"], packages={"a": {"0.1.0": V, "1.0.0a1": V}},
             satisfiable=True, expected={"a": "1.0.0a1"}, prereleases_allowed=True),
    Scenario(name="prerelease-on-the-exclusive-upper-boundary", root=["a<0.2.0"],
             packages={"a": {"0.1.0": V, "0.2.0a1": V, "0.3.0": V}}, satisfiable=True, expected={"a": "0.1.0"},
             prereleases_allowed=True),
    Scenario(name="disallow-ignores-an-explicit-prerelease-specifier", root=["lib>=2.0rc1"],
             packages={"lib": {"1.5.0": V, "2.0rc1": V}}, satisfiable=False, prerelease_mode="disallow"),
    Scenario(name="explicit-mode-honours-the-users-prerelease-specifier", root=["lib>=2.0rc1"],
             packages={"lib": {"1.5.0": V, "2.0rc1": V}}, satisfiable=True, expected={"lib": "2.0rc1"},
             prerelease_mode="explicit"),
    Scenario(name="explicit-mode-counts-an-arbitrary-equality-pin", root=["lib===2.0rc1"],
             packages={"lib": {"1.5.0": V, "2.0rc1": V}}, satisfiable=True, expected={"lib": "2.0rc1"},
             prerelease_mode="explicit"),
    # -- Requires-Python
    Scenario(name="python-upper-bound-is-ignored", root=["a==1.0.0"],
             packages={"a": {"1.0.0": {"requires_python": "<=3.8"}}}, satisfiable=True, expected={"a": "1.0.0"},
             python="3.9"),
    Scenario(name="python-greater-than-current-patch", root=["a==1.0.0"],
             packages={"a": {"1.0.0": {"requires_python": ">=3.13.2"}}}, satisfiable=False, python="3.13.0"),
    Scenario(name="python-greater-than-current-backtracks", root=["a"],
             packages={"a": {"1.0.0": V, "2.0.0": {"requires_python": ">=3.14"}}}, satisfiable=True,
             expected={"a": "1.0.0"}, python="3.12"),
    # only the lowest Python a Requires-Python admits counts: an exclusion of the target's series
    # that also admits older Pythons is read like an upper bound (ignored); one above the floor
    # that moves the floor past the target is not
    Scenario(name="python-exclusion-of-current-series-is-ignored", root=["lib"],
             packages={"lib": {"1.4.0": {"requires_python": ">=3.8"}, "1.5.0": {"requires_python": "!=3.12.*"}}},
             satisfiable=True, expected={"lib": "1.5.0"}, python="3.12"),
    Scenario(name="python-floor-moved-past-current-by-exclusion", root=["lib"],
             packages={"lib": {"1.4.0": {"requires_python": ">=3.8"},
                               "1.5.0": {"requires_python": ">=3.12,!=3.12.*"}}},
             satisfiable=True, expected={"lib": "1.4.0"}, python="3.12"),
    Scenario(name="python-strictly-greater-than-series-needs-a-patch", root=["lib==1.5.0"],
             packages={"lib": {"1.5.0": {"requires_python": ">3.12"}}}, satisfiable=False, python="3.12"),
    # -- yanked
    Scenario(name="yanked-skipped", root=["a>=0.1.0"],
             packages={"a": {"0.1.0": V, "0.2.0": {"yanked": True}, "0.3.0": V, "1.0.0": {"yanked": True}}},
             satisfiable=True, expected={"a": "0.3.0"}),
    Scenario(name="only-yanked-in-range", root=["a>0.1.0"], packages={"a": {"0.1.0": V, "1.0.0": {"yanked": True}}},
             satisfiable=False),
    Scenario(name="transitive-pin-does-not-unyank", root=["a", "b"],
             packages={"a": {"1.0.0": {"requires": ["c==2.0.0"]}}, "b": {"1.0.0": {"requires": ["c>=1.0.0,<=3.0.0"]}},
                       "c": {"1.0.0": V, "2.0.0": {"yanked": True}}}, satisfiable=False),
    Scenario(name="user-pin-unyanks", root=["a", "b", "c==2.0.0"],
             packages={"a": {"1.0.0": {"requires": ["c==2.0.0"]}}, "b": {"1.0.0": {"requires": ["c>=1.0.0,<=3.0.0"]}},
                       "c": {"1.0.0": V, "2.0.0": {"yanked": True}}}, satisfiable=True,
             expected={"a": "1.0.0", "b": "1.0.0", "c": "2.0.0"}),
    Scenario(name="pin-inside-a-range-does-not-unyank", root=["tool>=0.5,==1.1.0"],
             packages={"tool": {"0.9.0": V, "1.1.0": {"yanked": True}}}, satisfiable=False),
    Scenario(name="pin-beside-a-range-unyanks", root=["tool>=0.5", "tool==1.1.0"],
             packages={"tool": {"0.9.0": V, "1.1.0": {"yanked": True}}}, satisfiable=True,
             expected={"tool": "1.1.0"}),
    # -- which of two conflicting roots keeps its newest version: the first listed, when each one's
    # newest depends on the other (uv's priority follows the user's order)
    Scenario(name="mutual-roots-first-listed-keeps-its-newest", root=["web", "orm"],
             packages={"orm": {"3.0.0": V, "4.0.0": {"requires": ["web<2.1"]}},
                       "web": {"2.0.0": V, "2.1.0": {"requires": ["orm<4"]}}},
             satisfiable=True, expected={"web": "2.1.0", "orm": "3.0.0"}),
    Scenario(name="mutual-roots-other-order", root=["orm", "web"],
             packages={"orm": {"3.0.0": V, "4.0.0": {"requires": ["web<2.1"]}},
                       "web": {"2.0.0": V, "2.1.0": {"requires": ["orm<4"]}}},
             satisfiable=True, expected={"web": "2.0.0", "orm": "4.0.0"}),
    # -- local versions (+label) and post releases
    Scenario(name="plain-pin-takes-a-local-build", root=["kern==2.1.0"],
             packages={"kern": {"2.1.0+cu1": V, "2.0.0": V}}, satisfiable=True, expected={"kern": "2.1.0+cu1"}),
    Scenario(name="strictly-greater-excludes-local-builds-of-the-bound", root=["kern>2.1.0"],
             packages={"kern": {"2.1.0+cu1": V, "2.0.0": V}}, satisfiable=False),
    Scenario(name="inclusive-ceiling-admits-local-builds-of-the-bound", root=["kern<=2.1.0"],
             packages={"kern": {"2.1.0+cu1": V}}, satisfiable=True, expected={"kern": "2.1.0+cu1"}),
    Scenario(name="local-build-when-the-public-one-has-no-usable-file", root=["kern==2.1.0"],
             packages={"kern": {"2.1.0": {"wheel_tags": ["py3-none-macosx_10_0_ppc64"], "sdist": False},
                                "2.1.0+cu1": V}},
             satisfiable=True, expected={"kern": "2.1.0+cu1"}),
    Scenario(name="pin-is-not-met-by-a-post-release", root=["kern==2.1.0"],
             packages={"kern": {"2.1.0.post3": V}}, satisfiable=False),
    Scenario(name="inclusive-floor-admits-a-post-release", root=["kern>=2.1.0"],
             packages={"kern": {"2.1.0.post3": V}}, satisfiable=True, expected={"kern": "2.1.0.post3"}),
    Scenario(name="strictly-greater-excludes-post-releases-of-the-bound", root=["kern>2.1.0"],
             packages={"kern": {"2.1.0.post3": V}}, satisfiable=False),
    # -- which files a version offers
    Scenario(name="sdist-only-version-is-usable", root=["kern"],
             packages={"kern": {"1.0.0": {"wheel": False}}}, satisfiable=True, expected={"kern": "1.0.0"}),
    Scenario(name="no-build-rules-out-an-sdist-only-version", root=["kern"],
             packages={"kern": {"1.0.0": V, "2.0.0": {"wheel": False}}}, satisfiable=True, expected={"kern": "1.0.0"},
             no_build=["kern"]),
    Scenario(name="no-binary-rules-out-a-wheel-only-version", root=["kern"],
             packages={"kern": {"1.0.0": V, "2.0.0": {"sdist": False}}}, satisfiable=True, expected={"kern": "1.0.0"},
             no_binary=["kern"]),
    Scenario(name="wheel-for-another-platform-only-is-skipped", root=["kern"],
             packages={"kern": {"1.0.0": V, "2.0.0": {"wheel_tags": ["py3-none-macosx_11_0_arm64"], "sdist": False}}},
             satisfiable=True, expected={"kern": "1.0.0"}),
    # -- extras
    Scenario(name="extra-required", root=["a[extra]"],
             packages={"a": {"1.0.0": {"extras": {"extra": ["b"]}}}, "b": {"1.0.0": V}}, satisfiable=True,
             expected={"a": "1.0.0", "b": "1.0.0"}),
    Scenario(name="extra-incompatible-with-root", root=["a[extra]", "b==2.0.0"],
             packages={"a": {"1.0.0": {"extras": {"extra": ["b==1.0.0"]}}}, "b": {"1.0.0": V, "2.0.0": V}},
             satisfiable=False),
]


@pytest.mark.parametrize("scenario", CASES, ids=[c.name for c in CASES])
def test_scenario(scenario, solve, tmp_path):
    problem = check(scenario, tmp_path / "index", solve)
    assert problem is None, f"{scenario.name}: {problem}"


def _scenario_files() -> list[Path]:
    folder = os.environ.get("SOLVER_UV_SCENARIOS")
    if not folder:
        return []
    return sorted(Path(folder).rglob("*.toml"))


def _uv() -> str | None:
    return shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


def _canonical(versions: dict[str, str] | None) -> dict[str, str] | None:
    return None if versions is None else {canonicalize_name(k): v for k, v in versions.items()}


@pytest.mark.skipif(not os.environ.get("SOLVER_UV_SCENARIOS"), reason="SOLVER_UV_SCENARIOS not set")
@pytest.mark.parametrize("path", _scenario_files(), ids=lambda p: p.stem)
def test_uv_scenario_file(path, solve, tmp_path):
    # uv's release (the bench extra's) is the peer: a scenario file's expectation may be newer than
    # it, so when uv is installed both resolve the same generated index and must give the same
    # answer; without uv the file's own expectation judges (universal ones excepted: see load)
    scenario = load(path)
    if scenario is None:
        pytest.skip("uses resolver options this harness does not express")
    uv = _uv()
    if uv is None:
        if scenario.universal:
            pytest.skip("written for universal resolution; only uv for one environment judges it")
        problem = check(scenario, tmp_path / "index", solve)
        assert problem is None, f"{scenario.name}: {problem}"
        return
    ours = _canonical(outcome(scenario, tmp_path / "index", solve))
    peer = _canonical(uv_outcome(scenario, tmp_path / "index", uv))
    assert ours == peer, f"{scenario.name}: ours {ours}, uv {peer}"


@pytest.mark.oracle
@pytest.mark.parametrize("scenario", CASES, ids=[c.name for c in CASES])
def test_uv_agrees_with_the_table(scenario, tmp_path):
    # the table states uv's answers: uv itself (the bench extra installs it) confirms each one
    uv = _uv()
    if uv is None:
        pytest.skip("uv not installed (pip install '.[bench]')")
    got = uv_outcome(scenario, tmp_path / "index", uv)
    if not scenario.satisfiable:
        assert got is None, f"uv resolved {got}"
    else:
        assert got is not None and all(got.get(k) == v for k, v in scenario.expected.items()), got

