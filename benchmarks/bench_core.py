"""Synthetic problems for the solver core: native CDCL vs the pycosat cross-check.

    python benchmarks/bench_core.py [--scale 1.0] [--repeat 3] [--only NAME]

Each case is solved on a fresh in-memory provider ("cold": the provider's own work of matching
specs is included) and again on a warmed one ("warm": the provider answers from its caches, so the
time is the solver's). Both backends must return the same answer; it is validated once.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # support.memory

from support.memory import InMemoryProvider
from solver.core.solve import solve
from solver.core.validate import validate
from solver.errors import UnsolvableError


def chain(scale):
    """n names in a line, each with a few versions; the tail pins the oldest so the chain unwinds."""
    n = int(2000 * scale)
    pk = {}
    for i in range(n):
        nxt = f"c{i + 1}"
        pk[f"c{i}"] = [{"version": str(v), "depends": [f"{nxt} >={v}"] if i + 1 < n else []} for v in range(1, 6)]
    return pk, ["c0"], []


def wide_diamond(scale):
    """A root needing w packages that all depend on one shared library with overlapping ranges."""
    w = int(400 * scale)
    pk = {"root": [{"version": "1", "depends": [f"w{i}" for i in range(w)]}]}
    rng = random.Random(1)
    for i in range(w):
        recs = []
        for v in range(1, 11):
            lo = rng.randint(1, 80)
            recs.append({"version": str(v), "depends": [f"shared >={lo},<{lo + 60}", f"leaf{i % 50}"]})
        pk[f"w{i}"] = recs
    pk["shared"] = [{"version": str(v)} for v in range(1, 101)]
    for j in range(50):
        pk[f"leaf{j}"] = [{"version": str(v)} for v in range(1, 21)]
    return pk, ["root"], []


def many_versions(scale):
    """Few names with thousands of versions each; narrow pins force deep scans of the candidates."""
    nv = int(1500 * scale)
    pk = {
        "app": [{"version": str(v), "depends": [f"lib >={v}", f"tool <={nv - v}"]} for v in range(1, nv + 1)],
        "lib": [{"version": str(v), "depends": [f"tool >={v // 2}"]} for v in range(1, nv + 1)],
        "tool": [{"version": str(v)} for v in range(1, nv + 1)],
    }
    return pk, ["app", "lib"], []


def backtracking(scale):
    """k packages whose newest versions clash pairwise through a shared pin; only old ones fit."""
    k = int(40 * scale)
    versions = 12
    pk = {}
    for i in range(k):
        recs = []
        for v in range(1, versions + 1):
            # version v of p_i needs hub == (i + v) for v above 2; old versions accept any hub
            dep = f"hub =={(i + v) % 50 + 1}" if v > 2 else "hub"
            recs.append({"version": str(v), "depends": [dep, f"p{(i + 1) % k} <={versions - v + 3}"]})
        pk[f"p{i}"] = recs
    pk["hub"] = [{"version": str(v)} for v in range(1, 51)]
    return pk, [f"p{i}" for i in range(k)], []


def unsat_deep(scale):
    """A chain whose every path ends in a version that does not exist: must prove unsatisfiable."""
    n = int(300 * scale)
    pk = {}
    for i in range(n):
        pk[f"u{i}"] = [{"version": str(v), "depends": [f"u{i + 1} =={v}" if i + 1 < n else f"missing >={v}"]}
                       for v in range(1, 8)]
    pk["missing"] = [{"version": "0"}]
    return pk, ["u0"], []


CASES = {f.__name__: f for f in (chain, wide_diamond, many_versions, backtracking, unsat_deep)}


def run_once(packages, reqs, cons, backend, provider=None):
    provider = provider or InMemoryProvider(packages)
    problem = provider.problem(reqs, cons)
    stats = {}
    t = time.perf_counter()
    try:
        sol = solve(provider, problem, backend=backend, stats=stats)
    except UnsolvableError:
        sol = None
    return time.perf_counter() - t, sol, provider, problem, stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", action="append")
    ap.add_argument("--backends", default="native,pycosat")
    args = ap.parse_args(argv)
    backends = args.backends.split(",")
    print(f"{'case':15} {'backend':8} {'cold ms':>9} {'warm ms':>9}  result / stats")
    for name, make in CASES.items():
        if args.only and name not in args.only:
            continue
        pk, reqs, cons = make(args.scale)
        answers = {}
        for backend in backends:
            runs = [run_once(pk, reqs, cons, backend) for _ in range(args.repeat)]
            cold = min(r[0] for r in runs)
            _, sol, provider, problem, stats = runs[-1]
            warm = min(run_once(pk, reqs, cons, backend, provider)[0] for _ in range(args.repeat))
            if sol is not None:
                assert validate(provider, problem, sol) == [], name
            answers[backend] = sol
            res = "UNSAT" if sol is None else f"{len(sol)} chosen"
            extra = " ".join(f"{k}={v}" for k, v in stats.items() if k in ("conflicts", "decisions", "variables"))
            print(f"{name:15} {backend:8} {cold * 1e3:9.1f} {warm * 1e3:9.1f}  {res} {extra}", flush=True)
        if len({None if s is None else tuple(s) for s in answers.values()}) > 1:
            print(f"  !! backends disagree on {name}")


if __name__ == "__main__":
    main()
