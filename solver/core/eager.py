"""The cross-check backend: encode everything reachable into CNF up front, then let pycosat answer.

It shares no search code with the native solver. Preferences are applied greedily in the native
solver's decision order: requirements in the order they were reached (breadth first), each fixed to
its best candidate that keeps the whole formula satisfiable.
"""

from __future__ import annotations

from collections import deque

from .provider import Problem, Provider

# an at-most-one over this many candidates uses a sequential counter (auxiliary variables, O(n)
# clauses) instead of pairwise exclusions (O(n^2) clauses)
PAIRWISE_LIMIT = 6


class EagerEncoding:
    """The reachable problem as CNF over variables 1..n (solvable ``s`` is variable ``var[s]``)."""

    def __init__(self, provider: Provider, problem: Problem):
        self.provider = provider
        self.var: dict[int, int] = {}
        self.solvable_of: list[int] = [-1]  # index = variable
        self.clauses: list[list[int]] = []
        self.names: list[int] = []
        self._seen_names: set[int] = set()
        self._pending_constrains: dict[int, list[tuple[int | None, int]]] = {}
        self._encode(problem)

    def _new_var(self, solvable: int) -> int:
        v = len(self.solvable_of)
        self.solvable_of.append(solvable)
        self.var[solvable] = v
        return v

    def _aux(self) -> int:
        self.solvable_of.append(-1)
        return len(self.solvable_of) - 1

    def _reach(self, name: int, queue: deque) -> None:
        if name in self._seen_names:
            return
        self._seen_names.add(name)
        self.names.append(name)
        cands = list(self.provider.candidates(name))
        vars_ = [self._new_var(s) for s in cands]
        self._at_most_one(vars_)
        for s, v in zip(cands, vars_):
            self.provider.dependencies(s)  # may reveal that s is unusable (see Provider.excluded)
            if self.provider.excluded(s) is not None:
                self.clauses.append([-v])
            queue.append(s)
        for parent, vs in self._pending_constrains.pop(name, ()):
            self._constrain(parent, vs)

    def _at_most_one(self, vs: list[int]) -> None:
        if len(vs) <= PAIRWISE_LIMIT:
            for i in range(len(vs)):
                for j in range(i + 1, len(vs)):
                    self.clauses.append([-vs[i], -vs[j]])
            return
        # Sinz sequential counter: r_i <=> "one of vs[0..i] is true"
        prev = None
        for i, x in enumerate(vs):
            r = self._aux() if i < len(vs) - 1 else None
            if r is not None:
                self.clauses.append([-x, r])
            if prev is not None:
                if r is not None:
                    self.clauses.append([-prev, r])
                self.clauses.append([-prev, -x])
            prev = r

    def _constrain(self, parent: int | None, vs: int) -> None:
        allowed = set(self.provider.matching(vs))
        name = self.provider.version_set_name(vs)
        for s in self.provider.candidates(name):
            if s not in allowed:
                v = self.var[s]
                self.clauses.append([-v] if parent is None else [-self.var[parent], -v])

    def _add_constrains(self, parent: int | None, vs: int) -> None:
        name = self.provider.version_set_name(vs)
        if name in self._seen_names:
            self._constrain(parent, vs)
        else:  # only matters if something later requires that name
            self._pending_constrains.setdefault(name, []).append((parent, vs))

    def _encode(self, problem: Problem) -> None:
        p = self.provider
        queue: deque = deque()
        for vs in problem.requirements:
            self._reach(p.version_set_name(vs), queue)
            self.clauses.append([self.var[s] for s in p.matching(vs)])
        for vs in problem.constraints:
            self._add_constrains(None, vs)
        while queue:
            s = queue.popleft()
            deps = p.dependencies(s)
            for vs in deps.requires:
                self._reach(p.version_set_name(vs), queue)
            v = self.var[s]
            for vs in deps.requires:
                self.clauses.append([-v] + [self.var[c] for c in p.matching(vs)])
            for vs in deps.constrains:
                self._add_constrains(s, vs)


def solve_eager(provider: Provider, problem: Problem) -> list[int] | None:
    """The preferred solution (solvable ids) or None when unsatisfiable."""
    import pycosat

    enc = EagerEncoding(provider, problem)
    clauses = enc.clauses
    model = pycosat.solve(clauses)
    if model == "UNSAT":
        return None
    true_vars = {lit for lit in model if lit > 0}

    fixed: list[list[int]] = []
    chosen: set[int] = set()
    chosen_names: set[int] = set()
    # requirement entries in the order they are reached: the problem's, then each chosen
    # solvable's own, appended as it is chosen (breadth first)
    entries = deque(problem.requirements)
    while entries:
        vs = entries.popleft()
        name = provider.version_set_name(vs)
        if name in chosen_names:
            continue
        for s in provider.matching(vs):
            v = enc.var[s]
            if v in true_vars:
                ok = True
            else:
                trial = pycosat.solve(clauses + fixed + [[v]])
                ok = trial != "UNSAT"
                if ok:
                    true_vars = {lit for lit in trial if lit > 0}
            if ok:
                fixed.append([v])
                chosen.add(s)
                chosen_names.add(name)
                entries.extend(provider.dependencies(s).requires)
                break
        else:  # cannot happen: the formula with ``fixed`` was satisfiable
            raise AssertionError("greedy fixing lost satisfiability")
    return sorted(chosen, key=lambda s: (provider.name_of(s), s))
