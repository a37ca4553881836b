"""The cross-check backend: encode everything reachable into CNF up front, then let pycosat answer.

It shares no search code with the native solver. Preferences are applied greedily in the native
solver's decision order: requirements in the order they were reached (breadth first), each fixed to
its best candidate that keeps the whole formula satisfiable.

Three steps: :func:`reach` asks the provider (Python, it is the provider's world) and numbers the
reachable solvables 1..N name by name; :func:`encode` (Cython, ``solver._ext.clauses``) turns that
into CNF as numpy arrays; :func:`solve_eager` runs the greedy loop. pycosat has no incremental
interface, so each satisfiability question costs a fresh solve; the loop avoids asking it when unit
propagation over the fixed literals already answers (a conflict: unsatisfiable) or the last model,
patched with what the fixed literals force, still satisfies every clause (satisfiable), and gives
it only the clauses left open by the forced literals otherwise. Every model is checked against the
full formula.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import msgspec

from .provider import Problem, Provider

# an at-most-one over more candidates than this uses a sequential counter (n - 1 auxiliary
# variables, 3n - 4 binary clauses) instead of pairwise exclusions (n(n-1)/2 binary clauses)
PAIRWISE_LIMIT = 6


class Reachable(msgspec.Struct):
    """The reachable problem over variables: solvable ``solvables[v - 1]`` is variable ``v``, and
    the candidates of one name are consecutive (``group_sizes`` per name, in order)."""

    solvables: list[int]
    group_sizes: list[int]
    # requirement k: ``req_owner[k]`` (0: the problem itself) needs one of
    # ``req_targets[req_offsets[k]:req_offsets[k + 1]]``
    req_owner: list[int]
    req_offsets: list[int]
    req_targets: list[int]
    # pair k: ``forbid_a[k]`` (0: the problem itself) rules out ``forbid_b[k]``
    forbid_a: list[int]
    forbid_b: list[int]
    excluded: list[int]


class Cnf(msgspec.Struct):
    """Clause ``c`` is ``literals[offsets[c]:offsets[c + 1]]`` (int32 / int64 numpy arrays);
    variables 1..``num_solvables`` are the solvables, the rest auxiliary."""

    literals: Any
    offsets: Any
    num_vars: int
    num_solvables: int

    @property
    def num_clauses(self) -> int:
        return len(self.offsets) - 1

    def to_lists(self) -> list[list[int]]:
        """pycosat's list of lists of ints."""
        from .._ext.clauses import to_lists

        return to_lists(self.literals, self.offsets)


def reach(provider: Provider, problem: Problem) -> tuple[Reachable, dict[int, int]]:
    """Everything reachable from the problem, numbered; and the variable of each solvable."""
    var: dict[int, int] = {}
    r = Reachable([], [], [], [0], [], [], [], [])
    seen_names: set[int] = set()
    pending: dict[int, list[tuple[int, int]]] = {}  # constrains on names not (yet) reached
    queue: deque[int] = deque()

    def constrain(owner: int, vs: int) -> None:
        allowed = set(provider.matching(vs))
        for s in provider.candidates(provider.version_set_name(vs)):
            if s not in allowed:
                r.forbid_a.append(owner)
                r.forbid_b.append(var[s])

    def visit(name: int) -> None:
        if name in seen_names:
            return
        seen_names.add(name)
        cands = list(provider.candidates(name))
        r.group_sizes.append(len(cands))
        for s in cands:
            var[s] = len(r.solvables) + 1
            r.solvables.append(s)
            provider.dependencies(s)  # may reveal that s is unusable (see Provider.excluded)
            if provider.excluded(s) is not None:
                r.excluded.append(var[s])
            queue.append(s)
        for owner, vs in pending.pop(name, ()):
            constrain(owner, vs)

    def add_constrains(owner: int, vs: int) -> None:
        name = provider.version_set_name(vs)
        if name in seen_names:
            constrain(owner, vs)
        else:  # only matters if something later requires that name
            pending.setdefault(name, []).append((owner, vs))

    def require(owner: int, vs: int) -> None:
        r.req_owner.append(owner)
        r.req_targets.extend(map(var.__getitem__, provider.matching(vs)))
        r.req_offsets.append(len(r.req_targets))

    for vs in problem.requirements:
        visit(provider.version_set_name(vs))
        require(0, vs)
    for vs in problem.constraints:
        add_constrains(0, vs)
    while queue:
        s = queue.popleft()
        deps = provider.dependencies(s)
        for vs in deps.requires:
            visit(provider.version_set_name(vs))
        v = var[s]
        for vs in deps.requires:
            require(v, vs)
        for vs in deps.constrains:
            add_constrains(v, vs)
    return r, var


def encode(reachable: Reachable, *, pairwise_limit: int = PAIRWISE_LIMIT) -> Cnf:
    """The CNF: at most one candidate per name, excluded solvables false, every requirement of a
    true owner met by one of its candidates, no forbidden pair both true."""
    import numpy as np

    from .._ext.clauses import encode as _encode

    def i32(xs: Sequence[int]):
        return np.asarray(xs, dtype=np.int32)

    r = reachable
    literals, offsets, num_vars = _encode(
        i32(r.group_sizes),
        i32(r.req_owner),
        np.asarray(r.req_offsets, dtype=np.int64),
        i32(r.req_targets),
        i32(r.forbid_a),
        i32(r.forbid_b),
        i32(r.excluded),
        pairwise_limit,
    )
    return Cnf(literals, offsets, num_vars, len(r.solvables))


class _Oracle:
    """Satisfiability of the formula plus fixed literals, keeping a model of it at hand."""

    def __init__(self, cnf: Cnf):
        import numpy as np

        from .._ext.clauses import Formula

        self.formula = Formula(cnf.literals, cnf.offsets, cnf.num_vars)
        self.num_vars = cnf.num_vars
        self.model = np.zeros(cnf.num_vars + 1, dtype=np.int8)
        self.pycosat_calls = 0

    def _pycosat(self, extra: list[int] | None = None) -> bool:
        """The formula (plus the clause ``extra``) under the current assignment; adopts the model
        when satisfiable."""
        import pycosat

        self.pycosat_calls += 1
        clauses = self.formula.reduced()
        if extra is not None:
            clauses.append(extra)
        answer = pycosat.solve(clauses, vars=self.num_vars)
        if answer == "UNSAT":
            return False
        model = self.model.copy()
        self.formula.absorb(answer, model)
        if not self.formula.satisfied_by(model):
            raise AssertionError("pycosat's model does not satisfy the formula")
        self.model = model
        return True

    def start(self) -> bool:
        return self.formula.assume(self.formula.unit_literals()) and self._pycosat()

    def is_true(self, var: int) -> bool:
        return bool(self.model[var])

    def fix(self, lit: int) -> None:
        """Fix a literal known to keep the formula satisfiable (the model already has it)."""
        if not self.formula.assume((lit,)):
            raise AssertionError("fixing a literal of a model caused a conflict")

    def try_cheaply(self, var: int) -> bool | None:
        """Fix ``var`` true if propagation plus the patched model show that fits (True); fix it
        false if propagation refutes it (False); None (nothing fixed) when only pycosat can tell."""
        f = self.formula
        mark = f.trail_length()
        if not f.assume((var,)):
            f.backtrack(mark)
            self.fix(-var)
            return False
        if f.patch(self.model):
            return True
        f.backtrack(mark)
        return None

    def any_possible(self, vars_: list[int]) -> bool:
        """Whether some model has one of ``vars_`` true (then the model is such a one). None of
        them may be true in the current model."""
        open_ = [v for v in vars_ if self.formula.value_of(v) == 0]
        return bool(open_) and self._pycosat(open_)

    def forced_false(self, var: int) -> bool:
        return self.formula.value_of(var) < 0


def _first_possible(oracle: _Oracle, cands: list[int]) -> int:
    """Fix and return the first of ``cands`` (variables, best first) that keeps the formula
    satisfiable. One of them is true in the oracle's model. Each step asks the cheap way first
    (the best open candidate usually fits, and propagation or the patched model often answer
    without pycosat); otherwise a galloping then bisecting search over "one of cands[lo..mid]"
    clauses, so a deep first fit costs O(log n) pycosat calls instead of one per candidate.
    Ruled-out candidates are fixed false, which only sharpens propagation (no model has them)."""
    cands = [v for v in cands if not oracle.forced_false(v)]
    hi = next(i for i, v in enumerate(cands) if oracle.is_true(v))
    lo, width, bisecting = 0, 1, False
    while lo < hi:
        cheap = oracle.try_cheaply(cands[lo])
        if cheap is not None:
            if cheap:
                return cands[lo]
            lo += 1
            continue
        mid = min(lo + width - 1, hi - 1)
        if oracle.any_possible(cands[lo : mid + 1]):
            hi = next(i for i in range(lo, mid + 1) if oracle.is_true(cands[i]))
            bisecting = True
        else:
            for v in cands[lo : mid + 1]:
                oracle.fix(-v)
            lo = mid + 1
            width *= 2
        if bisecting:
            width = max(1, (hi - lo) // 2)
    oracle.fix(cands[hi])
    return cands[hi]


def solve_eager(provider: Provider, problem: Problem, *, stats: dict | None = None) -> list[int] | None:
    """The preferred solution (solvable ids) or None when unsatisfiable."""
    reachable, var = reach(provider, problem)
    cnf = encode(reachable)
    oracle = _Oracle(cnf)
    if stats is not None:
        stats.update(variables=cnf.num_vars, clauses=cnf.num_clauses)
    if not oracle.start():
        if stats is not None:
            stats["pycosat_calls"] = oracle.pycosat_calls
        return None

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
        matching = provider.matching(vs)
        v = _first_possible(oracle, [var[s] for s in matching])
        s = reachable.solvables[v - 1]
        chosen.add(s)
        chosen_names.add(name)
        entries.extend(provider.dependencies(s).requires)
    if stats is not None:
        stats["pycosat_calls"] = oracle.pycosat_calls
    return sorted(chosen, key=lambda s: (provider.name_of(s), s))
