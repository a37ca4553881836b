"""Why nothing fits: the explanation ``UnsolvableError`` carries, built after a failed solve.

First choice: the shortest derivation rooted at the user's requirements
(:mod:`solver.core.derivation`). Fallback, when that finds none: the tree built from the native
solver's refutation clauses (:mod:`solver.core.refutation`). Both build the same tree
(:mod:`solver.core.explanation`, which also renders it to text).
"""

from __future__ import annotations

from .derivation import explain_shortest
from .explanation import Explanation, ExplanationNode
from .provider import Problem, Provider
from .refutation import Builder, Core


def explain(provider: Provider, problem: Problem, solver) -> Explanation:
    try:
        short = explain_shortest(provider, problem, solver)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, RecursionError):
        short = None  # the refutation-based tree below still explains
    if short is not None:
        return short
    core = Core(provider, solver)
    builder = Builder(provider, core)
    used = core.requires.get(-1, [])
    ordered = [vs for vs in problem.requirements if vs in used] + [vs for vs in used if vs not in problem.requirements]
    children = [builder.requirement(vs, ()) for vs in ordered]
    # constraints of the problem that took part
    root = ExplanationNode("root", "the requirements are unsatisfiable", children)
    return Explanation(root=root, requirements=[provider.display_version_set(vs) for vs in ordered])
