"""What users rely on from the solver core: valid answers that follow the provider's preferences."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from coretoy import solve_checked

from support.memory import InMemoryProvider
from solver.core.provider import Problem
from solver.core.solve import solve
from solver.errors import UnsolvableError


def test_picks_highest_version(backend):
    pk = {"a": [{"version": v} for v in ("1.0", "1.10", "1.9")]}
    assert solve_checked(pk, ["a"], backend=backend) == {"a": "1.10"}


def test_lowest_strategy_picks_lowest(backend):
    pk = {"a": [{"version": v} for v in ("1", "2", "3")]}
    assert solve_checked(pk, ["a"], backend=backend, order="lowest") == {"a": "1"}


def test_requested_package_wins_over_its_dependencies(backend):
    # a 2 needs an old b; a 1 would allow the newest b. The user asked for a: a gets the highest.
    pk = {
        "a": [{"version": "2", "depends": ["b <2"]}, {"version": "1", "depends": ["b"]}],
        "b": [{"version": "1"}, {"version": "2"}, {"version": "3"}],
    }
    assert solve_checked(pk, ["a"], backend=backend) == {"a": "2", "b": "1"}


def test_earlier_requirement_wins_over_later_one(backend):
    # x and y cannot both be newest; x is listed first so it keeps its highest version
    pk = {
        "x": [{"version": "2", "depends": ["z ==2"]}, {"version": "1", "depends": ["z ==1"]}],
        "y": [{"version": "2", "depends": ["z ==1"]}, {"version": "1", "depends": ["z ==2"]}],
        "z": [{"version": "1"}, {"version": "2"}],
    }
    assert solve_checked(pk, ["x", "y"], backend=backend) == {"x": "2", "y": "1", "z": "2"}
    assert solve_checked(pk, ["y", "x"], backend=backend) == {"x": "1", "y": "2", "z": "1"}


def test_shallow_dependency_decided_before_deep_one(backend):
    # b (depth 1) and c (depth 2, via d) compete over e; breadth first, b keeps its newest
    pk = {
        "root": [{"version": "1", "depends": ["b", "d"]}],
        "b": [{"version": "2", "depends": ["e ==1"]}, {"version": "1", "depends": ["e ==2"]}],
        "d": [{"version": "1", "depends": ["c"]}],
        "c": [{"version": "2", "depends": ["e ==2"]}, {"version": "1", "depends": ["e ==1"]}],
        "e": [{"version": "1"}, {"version": "2"}],
    }
    assert solve_checked(pk, ["root"], backend=backend) == {"root": "1", "b": "2", "d": "1", "c": "1", "e": "1"}


def test_backtracks_out_of_a_dead_end_three_levels_down(backend):
    pk = {
        "a": [{"version": "2", "depends": ["b"]}, {"version": "1"}],
        "b": [{"version": "1", "depends": ["c"]}],
        "c": [{"version": "1", "depends": ["d >=5"]}],
        "d": [{"version": "1"}],
    }
    assert solve_checked(pk, ["a"], backend=backend) == {"a": "1"}


def test_backtracking_with_many_versions(backend):
    # every version of a but the oldest needs a d that conflicts with the pinned one
    pk = {
        "a": [{"version": str(v), "depends": [f"d =={v}"]} for v in range(1, 30)],
        "d": [{"version": str(v)} for v in range(1, 30)],
    }
    assert solve_checked(pk, ["a", "d <=3"], backend=backend) == {"a": "3", "d": "3"}


def test_constrains_restricts_only_when_the_name_is_installed(backend):
    pk = {
        "a": [{"version": "1", "depends": ["b"], "constrains": ["c <2"]}],
        "b": [{"version": "1"}],
        "c": [{"version": "1"}, {"version": "2"}],
    }
    # c is not required: the constraint must not pull it in
    assert solve_checked(pk, ["a"], backend=backend) == {"a": "1", "b": "1"}
    # c is required: the constraint picks the older one
    assert solve_checked(pk, ["a", "c"], backend=backend) == {"a": "1", "b": "1", "c": "1"}


def test_problem_constraints_behave_like_constrains(backend):
    pk = {"a": [{"version": "1"}, {"version": "2"}], "b": [{"version": "1"}]}
    assert solve_checked(pk, ["a"], ["a <2", "b >5"], backend=backend) == {"a": "1"}


def test_excluded_candidates_are_never_chosen(backend):
    pk = {"a": [{"version": "3", "excluded": "yanked"}, {"version": "2"}, {"version": "1"}]}
    assert solve_checked(pk, ["a"], backend=backend) == {"a": "2"}


def test_only_reachable_names_are_explored():
    pk = {
        "a": [{"version": "2", "depends": ["b"]}, {"version": "1", "depends": ["unrelated"]}],
        "b": [{"version": "1"}],
        "unrelated": [{"version": "1"}],
        "other": [{"version": "1"}],
    }
    provider = InMemoryProvider(pk)
    solution = solve(provider, provider.problem(["a"]))
    assert provider.describe(solution) == {"a": "2", "b": "1"}
    asked = {provider.display_name(n) for n in provider.asked_names}
    assert asked == {"a", "b"}
    # dependencies are asked only for candidates that were considered, each at most once
    assert provider.calls["dependencies"] == 2


def test_solution_is_sorted_and_deterministic():
    pk = {
        "z": [{"version": "1", "depends": ["y", "x"]}],
        "y": [{"version": "1", "depends": ["x >=2"]}, {"version": "2", "depends": ["x <2"]}],
        "x": [{"version": str(v)} for v in range(1, 5)],
    }
    answers = set()
    for _ in range(5):
        provider = InMemoryProvider(pk)
        solution = solve(provider, provider.problem(["z"]))
        assert solution == sorted(solution, key=lambda s: (provider.name_of(s), s))
        answers.add(tuple(solution))
    assert len(answers) == 1


def test_empty_problem_has_empty_solution(backend):
    provider = InMemoryProvider({"a": [{"version": "1"}]})
    assert solve(provider, Problem(requirements=[]), backend=backend) == []


def test_unsat_raises_with_explanation(backend):
    provider = InMemoryProvider({"a": [{"version": "1"}]})
    with pytest.raises(UnsolvableError) as err:
        solve(provider, provider.problem(["a >=2"]), backend=backend)
    assert err.value.explanation is not None
    assert "a >=2" in str(err.value)


def test_unknown_backend_is_rejected():
    provider = InMemoryProvider({})
    with pytest.raises(ValueError, match="backend"):
        solve(provider, Problem(requirements=[]), backend="nope")


def test_stats_are_reported():
    pk = {"a": [{"version": str(v), "depends": [f"b =={v}"]} for v in range(1, 6)],
          "b": [{"version": "1"}, {"version": "2"}]}
    provider = InMemoryProvider(pk)
    stats = {}
    solution = solve(provider, provider.problem(["a"]), stats=stats)
    assert provider.describe(solution) == {"a": "2", "b": "2"}
    # a 5..3 are ruled out by reading their dependencies; a 2 is a choice
    assert stats["decisions"] >= 1 and stats["variables"] == 7


def test_lazy_provider_gets_a_prefetch_hint_for_new_names():
    class Recording(InMemoryProvider):
        def __init__(self, pk):
            super().__init__(pk)
            self.hints = []

        def prefetch(self, names):
            self.hints.append(sorted(self.display_name(n) for n in names))

    pk = {
        "a": [{"version": "1", "depends": ["b", "c", "d"]}],
        "b": [{"version": "1", "depends": ["c"]}],
        "c": [{"version": "1"}],
        "d": [{"version": "1"}],
    }
    provider = Recording(pk)
    solve(provider, provider.problem(["a"]))
    assert provider.hints == [["b", "c", "d"]]


def test_self_dependencies_and_cycles(backend):
    pk = {
        # b 2 needs an older version of itself: impossible, so b 1 is chosen
        "b": [{"version": "2", "depends": ["b <2"]}, {"version": "1", "depends": ["b"]}],
        # c and d need each other
        "c": [{"version": "1", "depends": ["d"]}],
        "d": [{"version": "1", "depends": ["c >=1"]}],
    }
    assert solve_checked(pk, ["b", "c"], backend=backend) == {"b": "1", "c": "1", "d": "1"}


def test_provider_may_return_tuples_and_ranges():
    class Tuples(InMemoryProvider):
        def candidates(self, name):
            return tuple(super().candidates(name))

        def matching(self, vs):
            return tuple(super().matching(vs))

    provider = Tuples({"a": [{"version": "1"}, {"version": "2", "depends": ["b"]}], "b": [{"version": "1"}]})
    solution = solve(provider, provider.problem(["a"]))
    assert provider.describe(solution) == {"a": "2", "b": "1"}
