"""``solve(provider, problem)``: the chosen solvables, or :class:`UnsolvableError` with a derivation.

Backends:

* ``"native"`` (default): CDCL with lazy clause generation (``solver._ext.sat``); asks the provider
  only about names reached from the requirements, decides them breadth first, each to its first
  (best) candidate that does not conflict.
* ``"pycosat"``: the cross-check. Encodes everything reachable up front and fixes names greedily in
  the same order, each to its best candidate that keeps the formula satisfiable.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import UnsolvableError
from ..options import BACKENDS, Backend
from .provider import Problem, Provider



def solve(
    provider: Provider,
    problem: Problem,
    *,
    backend: Backend = "native",
    stats: dict | None = None,
    minimal: bool = False,
) -> list[int]:
    """Chosen solvable ids, sorted by (name id, solvable id). ``stats`` (if given) is filled with
    search counters (native backend). ``minimal``: an unsat explanation names a minimal set of
    conflicting requirements (see ``minimal``; for providers whose questions are cheap)."""
    if backend == "native":
        from .._ext.sat import Solver

        solver = Solver(provider, problem.requirements, problem.constraints)
        chosen = solver.solve()
        if stats is not None:
            stats.update(solver.stats())
        if chosen is None:
            raise _unsolvable(provider, problem, solver, minimal)
    elif backend == "pycosat":
        from .eager import solve_eager

        chosen = solve_eager(provider, problem)
        if chosen is None:
            # the explanation comes from the native derivation: pycosat gives no proof
            from .._ext.sat import Solver

            solver = Solver(provider, problem.requirements, problem.constraints)
            if solver.solve() is not None:
                raise AssertionError("pycosat says unsatisfiable but the native solver found a solution")
            raise _unsolvable(provider, problem, solver, minimal)
    else:
        raise ValueError(f"unknown solver backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    return _ordered(provider, chosen)


def _ordered(provider: Provider, chosen: Sequence[int]) -> list[int]:
    return sorted(chosen, key=lambda s: (provider.name_of(s), s))


def _unsolvable(provider: Provider, problem: Problem, solver, minimal: bool = False) -> UnsolvableError:
    from .explain import explain

    explanation = explain(provider, problem, solver)
    if minimal:
        from .minimal import minimal_explanation

        explanation = minimal_explanation(provider, problem, explanation)
    headline, details = explanation.render_parts()
    return UnsolvableError(headline, explanation, details=details)
