"""Seeded random problems: both backends validate, agree with brute force on SAT/UNSAT, and give
the same, preference-respecting answer."""

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from coretoy import all_solutions, random_large, random_packages

from support.memory import InMemoryProvider
from solver.core.solve import solve
from solver.core.validate import validate
from solver.errors import UnsolvableError


def run(packages, reqs, cons, backend):
    provider = InMemoryProvider(packages)
    problem = provider.problem(reqs, cons)
    try:
        solution = solve(provider, problem, backend=backend)
    except UnsolvableError as err:
        # the explanation blames some of the problem's own requirements, never nothing
        exp = err.explanation
        assert exp.root.children and exp.requirements
        assert set(exp.requirements) <= {provider.display_version_set(vs) for vs in problem.requirements}
        # the story leans on those specs only: they alone (with the constraints) must not fit
        alone = InMemoryProvider(packages)
        with pytest.raises(UnsolvableError):
            solve(alone, alone.problem(exp.requirements, cons), backend=backend)
        return provider, problem, None
    assert validate(provider, problem, solution) == [], (reqs, provider.describe(solution))
    return provider, problem, frozenset(solution)


def greedy_reference(provider, problem, solutions):
    """The preference answer from the list of all solutions: breadth first from the requirements,
    each name fixed to its best candidate that some remaining solution still contains."""
    fixed: set[int] = set()
    names: set[int] = set()
    queue = list(problem.requirements)
    while queue:
        vs = queue.pop(0)
        name = provider.version_set_name(vs)
        if name in names:
            continue
        for s in provider.matching(vs):
            if any(fixed | {s} <= sol for sol in solutions):
                fixed.add(s)
                names.add(name)
                queue.extend(provider.dependencies(s).requires)
                break
    return frozenset(fixed)


@pytest.mark.parametrize("chunk", range(4))
def test_small_random_problems_against_brute_force(chunk):
    sat = 0
    for seed in range(chunk * 100, chunk * 100 + 100):
        rng = random.Random(seed)
        packages, reqs, cons = random_packages(rng)
        _, _, native = run(packages, reqs, cons, "native")
        _, _, eager = run(packages, reqs, cons, "pycosat")
        provider = InMemoryProvider(packages)
        problem = provider.problem(reqs, cons)
        solutions = all_solutions(provider, problem)
        assert (native is None) == (not solutions), seed
        assert (eager is None) == (not solutions), seed
        if solutions:
            sat += 1
            assert native == eager == greedy_reference(provider, problem, solutions), seed
    assert sat >= 20  # the generator must keep producing satisfiable problems too


def test_larger_random_problems_backends_agree():
    outcomes = set()
    for seed in range(60):
        rng = random.Random(seed)
        packages, reqs, cons = random_large(rng, nnames=30, maxver=8)
        _, _, native = run(packages, reqs, cons, "native")
        _, _, eager = run(packages, reqs, cons, "pycosat")
        assert native == eager, seed
        outcomes.add(native is None)
    assert outcomes == {True, False}


def test_chronological_backtracking_finds_the_same_answer_as_backjumping():
    """The solver keeps the levels between a conflict and its backjump target (chronological
    backtracking); that must change only how fast it gets there, never the preferred answer."""
    from solver._ext.sat import Solver

    kept = 0
    for seed in range(40):
        rng = random.Random(1000 + seed)
        packages, reqs, cons = random_large(rng, nnames=40, maxver=10)
        provider = InMemoryProvider(packages)
        problem = provider.problem(reqs, cons)
        answers, decisions = [], []
        for chrono in (1, 1 << 30):  # always chronological when it saves a level / never
            solver = Solver(provider, problem.requirements, problem.constraints)
            solver.chrono = chrono
            answers.append(solver.solve())
            decisions.append(solver.decisions)
        kept += decisions[0] != decisions[1]  # the two searches really differed
        fast, plain = answers
        assert (fast is None) == (plain is None), seed
        if fast is not None:
            assert sorted(fast) == sorted(plain), seed
            assert validate(provider, problem, fast) == [], seed
    assert kept >= 10  # enough problems where levels were kept
