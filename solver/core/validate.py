"""Checks a solution against the problem with plain Python, sharing no logic with the solvers.

Used by the tests on every answer, and available to stages as a final safety net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .provider import Problem, Provider


def validate(provider: Provider, problem: Problem, solution: Sequence[int]) -> list[str]:
    """Every way ``solution`` breaks the problem's rules, as sentences; empty when it is valid."""
    problems: list[str] = []
    chosen = set(solution)
    if len(chosen) != len(solution):
        problems.append("a solvable is listed twice")

    by_name: dict[int, list[int]] = defaultdict(list)
    for s in chosen:
        by_name[provider.name_of(s)].append(s)
    for name, picked in sorted(by_name.items()):
        if len(picked) > 1:
            shown = ", ".join(provider.display_solvable(s) for s in sorted(picked))
            problems.append(f"more than one candidate of {provider.display_name(name)}: {shown}")
        for s in picked:
            if s not in set(provider.candidates(name)):
                problems.append(f"{provider.display_solvable(s)} is not a candidate of its name")
            provider.dependencies(s)  # a provider may find a record unusable only when reading them
            why = provider.excluded(s)
            if why is not None:
                problems.append(f"{provider.display_solvable(s)} was chosen but is excluded ({why})")

    def requirement_met(vs: int) -> bool:
        return any(s in chosen for s in provider.matching(vs))

    def constraint_met(vs: int) -> bool:
        picked = by_name.get(provider.version_set_name(vs), [])
        allowed = set(provider.matching(vs))
        return all(s in allowed for s in picked)

    for vs in problem.requirements:
        if not requirement_met(vs):
            problems.append(f"requirement {provider.display_version_set(vs)} is not met")
    for vs in problem.constraints:
        if not constraint_met(vs):
            problems.append(f"constraint {provider.display_version_set(vs)} is violated")

    # everything chosen must be needed: reachable from the requirements through chosen solvables
    reached: set[int] = set()
    frontier = [vs for vs in problem.requirements]
    while frontier:
        vs = frontier.pop()
        for s in provider.matching(vs):
            if s in chosen and s not in reached:
                reached.add(s)
                frontier.extend(provider.dependencies(s).requires)

    for s in sorted(chosen):
        deps = provider.dependencies(s)
        for vs in deps.requires:
            if not requirement_met(vs):
                problems.append(
                    f"{provider.display_solvable(s)} requires {provider.display_version_set(vs)}, "
                    "which is not met"
                )
        for vs in deps.constrains:
            if not constraint_met(vs):
                problems.append(
                    f"{provider.display_solvable(s)} constrains {provider.display_version_set(vs)}, "
                    "which is violated"
                )
        if s not in reached:
            problems.append(f"{provider.display_solvable(s)} is chosen but nothing requires it")
    return problems
