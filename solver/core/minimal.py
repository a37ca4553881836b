"""The user requirements an unsat explanation names, cut down to a minimal conflicting set.

An explanation closes with "your requirements A, B and C cannot all be satisfied". The derivation
behind it picks the *shortest* story, which may lean on a requirement the conflict does not need
(a spec that only shortens the chain), or may miss that one requirement fails on its own (a
dependency with no candidates at all). A person acts on that line, so it must name a set from
which no requirement can be dropped: every proper subset is satisfiable.

Deletion-based shrinking (the classic MUS algorithm): starting from the named set, drop each
requirement in turn and keep it dropped when the rest still cannot be solved. Each question is a
fresh native solve over the same provider, whose candidates, matches and dependencies are cached by
then, so it costs little (``benchmarks/bench_unsat.py``, 129 unsatisfiable requests over the real
channels: a median of 0.04 ms, about 15% of the time spent explaining). When the set
shrinks, the explanation is rebuilt from the solve of the smaller problem, so its derivation and
its closing line talk about the same requirements.

Only for providers whose questions are cheap and local (the conda stage): a smaller problem may
choose different candidates, and a provider that fetches metadata lazily would go to the network.
"""

from __future__ import annotations

from collections.abc import Sequence

from .explain import explain
from .explanation import Explanation
from .provider import Problem, Provider


def _refuted(provider: Provider, requirements: Sequence[int], constraints: Sequence[int]):
    """The native solver after failing on ``requirements``, or None when they can be met."""
    from .._ext.sat import Solver

    solver = Solver(provider, list(requirements), list(constraints))
    return solver if solver.solve() is None else None


def minimal_conflict(provider: Provider, problem: Problem, named: Sequence[int]) -> tuple[list[int], object]:
    """A minimal unsatisfiable subset of the problem's requirements, found by shrinking ``named``
    (all requirements when ``named`` is empty or can be met after all), and the solver that
    refuted it. Requirements keep the problem's order."""
    constraints = problem.constraints
    start = [vs for vs in problem.requirements if vs in set(named)]
    refuted = _refuted(provider, start, constraints) if start else None
    if refuted is None:
        start = list(problem.requirements)
        refuted = _refuted(provider, start, constraints)
        if refuted is None:
            raise AssertionError("the requirements were found unsatisfiable, but a solve meets them")
    core = start
    for vs in start:
        if len(core) == 1:
            break
        trial = [r for r in core if r != vs]
        solver = _refuted(provider, trial, constraints)
        if solver is not None:
            core, refuted = trial, solver
    return core, refuted


def minimal_explanation(provider: Provider, problem: Problem, explanation: Explanation) -> Explanation:
    """``explanation`` when the requirements it names are a minimal conflict; else the explanation
    of a minimal conflict found inside them."""
    by_text = {provider.display_version_set(vs): vs for vs in problem.requirements}
    named = [by_text[t] for t in explanation.requirements if t in by_text]
    core, solver = minimal_conflict(provider, problem, named)
    if core == [vs for vs in problem.requirements if vs in set(named)] and len(named) == len(explanation.requirements):
        return explanation
    smaller = Problem(requirements=core, constraints=problem.constraints)
    rebuilt = explain(provider, smaller, solver)
    # the closing line names what the solves proved, in the user's order
    rebuilt.requirements = [provider.display_version_set(vs) for vs in core]
    return rebuilt
