"""The eager backend's CNF encoder (``solver._ext.clauses`` behind ``solver.core.eager``)."""

import itertools
import random
import sys
from pathlib import Path

import pycosat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from coretoy import all_solutions, random_packages

from solver.core.eager import PAIRWISE_LIMIT, Reachable, encode, reach
from support.memory import InMemoryProvider
from solver.core.validate import validate


def names_only(*sizes):
    return Reachable(
        solvables=list(range(sum(sizes))), group_sizes=list(sizes), req_owner=[], req_offsets=[0],
        req_targets=[], forbid_a=[], forbid_b=[], excluded=[],
    )


def satisfiable(clauses, units):
    return pycosat.solve(clauses + [[u] for u in units]) != "UNSAT"


@pytest.mark.parametrize("n", [1, 2, 3, PAIRWISE_LIMIT, PAIRWISE_LIMIT + 1, 9])
def test_at_most_one_is_exact_and_sized_as_documented(n):
    cnf = encode(names_only(n))
    if n <= PAIRWISE_LIMIT:
        assert cnf.num_clauses == n * (n - 1) // 2 and cnf.num_vars == n
    else:  # sequential counter: n - 1 auxiliaries, 3n - 4 binary clauses
        assert cnf.num_clauses == 3 * n - 4 and cnf.num_vars == 2 * n - 1
    assert len(cnf.literals) == 2 * cnf.num_clauses
    clauses = cnf.to_lists()
    for bits in itertools.product((False, True), repeat=n):
        units = [v if on else -v for v, on in enumerate(bits, start=1)]
        assert satisfiable(clauses, units) == (sum(bits) <= 1), bits


def test_a_name_with_2000_candidates_encodes_in_linear_size():
    n = 2000
    r = names_only(n)
    r.req_owner, r.req_offsets, r.req_targets = [0], [0, n], list(range(1, n + 1))
    cnf = encode(r)
    assert cnf.num_solvables == n and cnf.num_vars == 2 * n - 1
    assert cnf.num_clauses == 3 * n - 4 + 1
    assert len(cnf.literals) == 2 * (3 * n - 4) + n
    clauses = cnf.to_lists()
    model = pycosat.solve(clauses)
    assert sum(1 for lit in model if 0 < lit <= n) == 1  # exactly one candidate
    assert not satisfiable(clauses, [1, n])
    assert not satisfiable(clauses, [n // 2, n // 2 + 1])
    assert satisfiable(clauses, [n])


def test_to_lists_matches_the_arrays():
    pk = {"a": [{"version": str(v), "depends": ["b >=2"]} for v in (1, 2, 3)],
          "b": [{"version": str(v)} for v in range(1, 10)]}
    provider = InMemoryProvider(pk)
    r, _ = reach(provider, provider.problem(["a"]))
    cnf = encode(r)
    lits, offs = cnf.literals.tolist(), cnf.offsets.tolist()
    assert cnf.to_lists() == [lits[offs[c]:offs[c + 1]] for c in range(cnf.num_clauses)]
    assert str(cnf.literals.dtype) == "int32" and offs[0] == 0 and offs[-1] == len(lits)


def test_solvables_are_variables_one_to_n_grouped_by_name():
    pk = {"a": [{"version": "1", "depends": ["b", "c <3"]}, {"version": "2", "depends": ["c"]}],
          "b": [{"version": "1"}], "c": [{"version": str(v)} for v in range(1, 9)], "unused": [{"version": "1"}]}
    provider = InMemoryProvider(pk)
    r, var = reach(provider, provider.problem(["a"]))
    cnf = encode(r)
    assert cnf.num_solvables == len(r.solvables) == 11  # "unused" is never reached
    assert sorted(var.values()) == list(range(1, 12))
    assert all(r.solvables[v - 1] == s for s, v in var.items())
    first = 1
    for size in r.group_sizes:  # one name per group
        assert len({provider.name_of(r.solvables[v - 1]) for v in range(first, first + size)}) == 1
        first += size
    # auxiliaries (the counter over c's 8 candidates) come after the solvables
    assert cnf.num_vars == 11 + 7


def decode(r, model):
    return {r.solvables[lit - 1] for lit in model if 0 < lit <= len(r.solvables)}


def needed(provider, problem, picked):
    """The part of a model the problem needs: reachable through chosen solvables."""
    keep, todo = set(), list(problem.requirements)
    while todo:
        for s in provider.matching(todo.pop()):
            if s in picked and s not in keep:
                keep.add(s)
                todo.extend(provider.dependencies(s).requires)
    return keep


def test_models_are_exactly_the_solutions_on_random_problems():
    checked = 0
    for seed in range(120):
        packages, reqs, cons = random_packages(random.Random(seed))
        provider = InMemoryProvider(packages)
        problem = provider.problem(reqs, cons)
        r, var = reach(provider, problem)
        clauses = encode(r).to_lists()
        models = list(itertools.islice(pycosat.itersolve(clauses), 200))
        # every model, cut down to what is needed, is a valid solution
        for model in models:
            sol = sorted(needed(provider, problem, decode(r, model)))
            assert validate(provider, problem, sol) == [], (seed, provider.describe(sol))
        # and every solution (brute force) is a model
        solutions = all_solutions(provider, problem)
        assert bool(models) == bool(solutions), seed
        for sol in solutions:
            units = [v if s in sol else -v for s, v in var.items()]
            assert satisfiable(clauses, units), (seed, provider.describe(sol))
            checked += 1
    assert checked >= 50


def test_formula_propagates_and_backtracks():
    from solver._ext.clauses import Formula

    # 1 -> 2 -> 3, and not both 3 and 4
    cnf_lists = [[-1, 2], [-2, 3], [-3, -4]]
    lits = [lit for c in cnf_lists for lit in c]
    offs = [0, 2, 4, 6]
    f = Formula(lits, offs, 4)
    mark = f.trail_length()
    assert f.assume([1])
    assert [f.value_of(v) for v in (1, 2, 3, 4)] == [1, 1, 1, -1]
    f.backtrack(mark)
    assert [f.value_of(v) for v in (1, 2, 3, 4)] == [0, 0, 0, 0]
    assert not f.assume([1, 4]) and f.in_conflict
    f.backtrack(mark)
    assert not f.in_conflict and f.assume([4]) and f.value_of(1) == -1
    with pytest.raises(ValueError, match="outside variables"):
        Formula([1, 5], [0, 2], 4)
