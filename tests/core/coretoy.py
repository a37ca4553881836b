"""Toy problems for the core tests: a checked solve helper and seeded random problems."""

from __future__ import annotations

import itertools
import random

from support.memory import InMemoryProvider
from solver.core.solve import solve
from solver.core.validate import validate

OPS = (">=", ">=", "<=", "<=", "!=", "==", "<", ">")


def random_spec(rng: random.Random, name: str, nversions: int) -> str:
    if rng.random() < 0.4:
        return name
    parts = [f"{rng.choice(OPS)}{rng.randint(1, nversions)}" for _ in range(rng.choice((1, 1, 2)))]
    return f"{name} {','.join(parts)}"


def random_packages(rng: random.Random) -> tuple[dict, list[str], list[str]]:
    names = [f"p{i}" for i in range(rng.randint(2, 7))]
    counts = {n: rng.randint(1, 4) for n in names}
    if rng.random() < 0.1:
        counts[names[-1]] = 0  # sometimes a name with no candidates
    packages = {}
    for n in names:
        recs = []
        for v in range(1, counts[n] + 1):
            others = [m for m in names if m != n]
            deps = [random_spec(rng, m, max(1, counts[m])) for m in rng.sample(others, rng.choice((0, 1, 1, 2, 2, 3)) if len(others) >= 3 else rng.randint(0, len(others)))]
            cons = []
            if rng.random() < 0.2:
                m = rng.choice(others)
                cons.append(random_spec(rng, m, max(1, counts[m])))
            rec = {"version": str(v), "depends": deps, "constrains": cons}
            if rng.random() < 0.07:
                rec["excluded"] = "hidden for the test"
            recs.append(rec)
        packages[n] = recs
    reqs = [random_spec(rng, n, max(1, counts[n])) for n in rng.sample(names, rng.randint(1, min(3, len(names))))]
    cons = []
    if rng.random() < 0.2:
        n = rng.choice(names)
        cons.append(random_spec(rng, n, max(1, counts[n])))
    return packages, reqs, cons


def all_solutions(provider: InMemoryProvider, problem) -> list[frozenset[int]]:
    """Every assignment meeting the rules, by brute force over the reachable names (tiny problems
    only). Solutions may include packages nothing needs; that does not change which exist."""
    names, todo = set(), [provider.version_set_name(vs) for vs in problem.requirements]
    while todo:
        n = todo.pop()
        if n not in names:
            names.add(n)
            for s in provider.candidates(n):
                todo.extend(provider.version_set_name(vs) for vs in provider.dependencies(s).requires)
    names = sorted(names)
    match = {}

    def allowed(vs):
        if vs not in match:
            match[vs] = frozenset(provider.matching(vs))
        return match[vs]

    def ok(picked: dict) -> bool:
        for vs in problem.requirements:
            if picked.get(provider.version_set_name(vs)) not in allowed(vs):
                return False
        for vs in problem.constraints:
            s = picked.get(provider.version_set_name(vs))
            if s is not None and s not in allowed(vs):
                return False
        for s in picked.values():
            deps = provider.dependencies(s)
            for vs in deps.requires:
                if picked.get(provider.version_set_name(vs)) not in allowed(vs):
                    return False
            for vs in deps.constrains:
                t = picked.get(provider.version_set_name(vs))
                if t is not None and t not in allowed(vs):
                    return False
        return True

    choices = [[None] + [s for s in provider.candidates(n) if provider.excluded(s) is None] for n in names]
    out = []
    for combo in itertools.product(*choices):
        picked = {n: s for n, s in zip(names, combo) if s is not None}
        if ok(picked):
            out.append(frozenset(picked.values()))
    return out


def random_large(rng: random.Random, nnames: int = 25, maxver: int = 8) -> tuple[dict, list[str], list[str]]:
    """Bigger problems (no brute force): layered so dependencies mostly point "down"."""
    names = [f"q{i}" for i in range(nnames)]
    packages = {}
    for i, n in enumerate(names):
        recs = []
        below = names[i + 1:]
        for v in range(1, rng.randint(1, maxver) + 1):
            deps = []
            for m in rng.sample(below, min(len(below), rng.choice((0, 1, 2, 2, 3)))):
                lo = rng.randint(1, maxver)
                deps.append(rng.choice((m, f"{m} >={lo}", f"{m} <={lo}", f"{m} !={lo}", f"{m} >={lo},<={lo + 2}")))
            rec = {"version": str(v), "depends": deps}
            if rng.random() < 0.1 and below:
                rec["constrains"] = [f"{rng.choice(below)} <={rng.randint(1, maxver)}"]
            if rng.random() < 0.05:
                rec["excluded"] = "hidden for the test"
            recs.append(rec)
        packages[n] = recs
    reqs = [names[0]] + [n for n in rng.sample(names[1:], 2)]
    return packages, reqs, []


def solve_checked(packages, requirements, constraints=(), backend="native", **kw):
    """Solve and validate; returns ``{name: version}``."""
    provider = InMemoryProvider(packages, **kw)
    problem = provider.problem(requirements, constraints)
    solution = solve(provider, problem, backend=backend)
    assert validate(provider, problem, solution) == []
    return provider.describe(solution)
