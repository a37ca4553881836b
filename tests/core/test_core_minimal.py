"""``solve(..., minimal=True)``: the requirements an unsat explanation names are a minimal conflict.

Minimal means: together (with the problem's constraints) they cannot be met, and without any one
of them the rest can. Checked over seeded random problems against fresh solves."""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from coretoy import random_large, random_packages

from support.memory import InMemoryProvider
from solver.core.solve import solve
from solver.errors import UnsolvableError


def _satisfiable(packages, reqs, cons) -> bool:
    provider = InMemoryProvider(packages)
    try:
        solve(provider, provider.problem(reqs, cons))
    except UnsolvableError:
        return False
    return True


def _named(packages, reqs, cons, backend="native"):
    provider = InMemoryProvider(packages)
    try:
        solve(provider, provider.problem(reqs, cons), backend=backend, minimal=True)
    except UnsolvableError as err:
        return list(err.explanation.requirements), str(err)
    return None, ""


def test_named_sets_of_random_unsat_problems_are_minimal():
    unsat = shrunk = 0
    for seed in range(300):
        rng = random.Random(seed)
        packages, reqs, cons = random_packages(rng) if seed % 3 else random_large(rng, nnames=20, maxver=6)
        named, message = _named(packages, reqs, cons)
        if named is None:
            continue
        unsat += 1
        assert named and set(named) <= set(reqs), seed
        assert message.endswith("cannot all be satisfied." if len(named) > 1 else "cannot be satisfied."), seed
        assert not _satisfiable(packages, named, cons), seed
        for drop in named:
            assert _satisfiable(packages, [r for r in named if r != drop], cons), (seed, named, drop)
        shrunk += len(named) < len(reqs)
    assert unsat >= 40 and shrunk >= 10  # the generator must keep producing conflicts worth cutting


def test_the_pycosat_backend_names_the_same_minimal_set():
    for seed in range(60):
        rng = random.Random(seed)
        packages, reqs, cons = random_packages(rng)
        assert _named(packages, reqs, cons, "pycosat")[0] == _named(packages, reqs, cons)[0], seed
