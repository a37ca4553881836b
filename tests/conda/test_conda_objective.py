"""``objective="conda"``: conda's own solver tests (the table in ``conda_cases.py``), run over
conda's published test index data, give conda's answers; the default objective keeps rattler's.

Also: what the conda objective means on small channels written here (the legacy ``features``
rules, the global optimum where the greedy walk differs), and that bad combinations are refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import channels, rec, request  # noqa: E402
from conda_cases import CASES, build_channels, verdict  # noqa: E402

from solver.conda.model import CondaRequest  # noqa: E402
from solver.conda.solve import solve_conda  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402
from solver.errors import InputError, UnsolvableError  # noqa: E402


def _answer(req: CondaRequest, objective: str):
    try:
        sol = solve_conda(req, objective=objective)
    except UnsolvableError:
        return None
    return [(r.name, r.version, r.build, r.subdir) for r in sol.records]


def _case_request(shared_conda, tmp_path, channels_, specs, options) -> CondaRequest:
    return CondaRequest(
        platform="linux-64",
        specs=list(specs),
        channels=build_channels(shared_conda, tmp_path, channels_, options),
        virtual_packages=virtual_packages("linux-64"),
        channel_priority=options.get("channel_priority", "strict"),
        constraints=list(options.get("constraints", ())),
    )


@pytest.mark.parametrize("name,channels_,specs,expect,options", CASES, ids=[c[0] for c in CASES])
def test_conda_objective_gives_condas_answer(shared_conda, tmp_path, name, channels_, specs, expect, options):
    req = _case_request(shared_conda, tmp_path, channels_, specs, options)
    assert verdict(expect, _answer(req, "conda")), name


# the cases where rattler's choices (our default) and conda's differ, all over legacy features
DEFAULT_DIFFERS = {"test_prune_1", "test_features_solve_1", "test_features_solve_1_disabled",
                   "resolve.test_no_features_pandas"}


@pytest.mark.parametrize("name", sorted(DEFAULT_DIFFERS))
def test_the_default_objective_keeps_rattlers_choices_where_conda_differs(shared_conda, tmp_path, name):
    _, channels_, specs, expect, options = next(c for c in CASES if c[0] == name)
    req = _case_request(shared_conda, tmp_path, channels_, specs, options)
    default = _answer(req, "pixi")
    assert default is not None and not verdict(expect, default)


# -- the objective on channels written here --------------------------------------------------------

def _names(sol) -> dict[str, str]:
    return {r.name: f"{r.version}-{r.build}" for r in sol.records}


def test_a_featured_build_needs_a_tracker_and_is_avoided_without_one(tmp_path):
    chans = channels(tmp_path, {"c": [
        rec("lib", "1.0", "plain_0"),
        dict(rec("lib", "1.0", "fast_1", build_number=1), features="fast"),
        dict(rec("fastmode", "1.0"), track_features="fast"),
    ]})
    # the featured build has the higher build number, but nothing tracks "fast": conda skips it
    assert _names(solve_conda(request(chans, ["lib"]), objective="conda"))["lib"] == "1.0-plain_0"
    # once something in the solution tracks the feature, the build carrying it is preferred
    chosen = _names(solve_conda(request(chans, ["lib", "fastmode"]), objective="conda"))
    assert chosen["lib"] == "1.0-fast_1"


def test_the_sum_over_the_solution_wins_over_the_first_name_decided(tmp_path):
    # greedy (rattler's walk) gives "app" its newest version, which forces both libraries back
    # a version; conda's sum of version ranks prefers the older app with both libraries newest
    chans = channels(tmp_path, {"c": [
        rec("app", "2.0", depends=["liba <2", "libb <2"]),
        rec("app", "1.0", depends=["liba", "libb"]),
        rec("tool", "1.0", depends=["app"]),
        rec("liba", "1.0"), rec("liba", "2.0"),
        rec("libb", "1.0"), rec("libb", "2.0"),
    ]})
    req = request(chans, ["tool"])
    assert _names(solve_conda(req))["app"] == "2.0-h0_0"
    chosen = _names(solve_conda(req, objective="conda"))
    assert (chosen["app"], chosen["liba"], chosen["libb"]) == ("1.0-h0_0", "2.0-h0_0", "2.0-h0_0")


def test_a_locked_record_that_still_fits_is_kept_unless_its_name_is_updated(tmp_path):
    from solver.conda.gateway import Gateway

    chans = channels(tmp_path, {"c": [rec("app", "1.0", depends=["lib"]), rec("lib", "1.0"), rec("lib", "2.0")]})
    locked = next(r for _, r in Gateway(chans, "linux-64").records("lib") if r.version == "1.0")
    kept = solve_conda(request(chans, ["app"], locked=[locked]), objective="conda")
    assert _names(kept)["lib"] == "1.0-h0_0"
    freed = solve_conda(request(chans, ["app"], locked=[locked], update=["lib"]), objective="conda")
    assert _names(freed)["lib"] == "2.0-h0_0"


def test_an_unsatisfiable_request_is_explained_under_the_conda_objective_too(tmp_path):
    chans = channels(tmp_path, {"c": [rec("a", "1.0", depends=["c <2"]), rec("c", "2.0")]})
    with pytest.raises(UnsolvableError, match="your requirement a cannot be satisfied"):
        solve_conda(request(chans, ["a"]), objective="conda")


def test_a_featured_record_nothing_can_track_is_named_when_conda_cannot_solve(tmp_path):
    chans = channels(tmp_path, {"c": [dict(rec("lib", "1.0", "fast_0"), features="fast")]})
    assert _names(solve_conda(request(chans, ["lib"])))["lib"] == "1.0-fast_0"  # rattler ignores features
    with pytest.raises(UnsolvableError) as info:
        solve_conda(request(chans, ["lib"]), objective="conda")
    assert "lib 1.0 (fast_0) has `features: fast`" in str(info.value)
    assert "track_features" in str(info.value)


def test_unknown_objective_and_lowest_strategy_are_refused(tmp_path):
    chans = channels(tmp_path, {"c": [rec("a", "1.0")]})
    with pytest.raises(InputError, match="unknown solve objective 'fastest'"):
        solve_conda(request(chans, ["a"]), objective="fastest")
    with pytest.raises(InputError, match="cannot be combined with the 'lowest' strategy"):
        solve_conda(request(chans, ["a"], strategy="lowest"), objective="conda")
