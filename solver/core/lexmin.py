"""Lexicographic minimisation over CNF with pycosat: a sequence of "as few of these literals true
as possible" objectives, each solved to its optimum and then kept at it while the next is solved.

This is how conda's classic solver picks among all solutions (``Clauses.minimize``, once per
metric), where the native backend's greedy walk (the provider's order, name by name) can settle for
a worse total. Weighted metrics are given in unary: a weight-``w`` choice makes ``w`` indicator
literals true (see :meth:`LexMinimizer.ranked`), so every objective is a plain count.

A count bound "at most k of L are true" is a totalizer (Bailleux & Boufkhad 2003) over L, capped
at the count of the best model known, built once per objective; each bound asked is then one unit
clause on its outputs. Only the direction the minimisation needs is encoded (k true inputs force
output k), since a spurious true output can only make a model look worse. The search asks
"one better than the best known" first (the greedy answer is usually optimal, so one unsat call
proves it), then bisects.
"""

from __future__ import annotations

from collections.abc import Sequence


class LexMinimizer:
    """``clauses`` (lists of non-zero ints) over variables ``1..num_vars``; new indicator variables
    are numbered after them. ``start()`` finds a first model; each ``minimize`` keeps every
    earlier optimum."""

    def __init__(self, clauses: list[list[int]], num_vars: int):
        self.clauses = clauses
        self.num_vars = num_vars
        self.model: set[int] = set()  # true variables of the best model so far
        self.pycosat_calls = 0

    def new_var(self) -> int:
        self.num_vars += 1
        return self.num_vars

    def _solve(self, extra: Sequence[list[int]] = ()) -> set[int] | None:
        import pycosat

        self.pycosat_calls += 1
        answer = pycosat.solve(self.clauses + list(extra), vars=self.num_vars)
        if answer == "UNSAT":
            return None
        return {lit for lit in answer if lit > 0}

    def start(self, model: set[int] | None = None) -> bool:
        """A first model: ``model`` (true variables; the caller vouches that it satisfies the
        clauses, auxiliary variables aside), else pycosat's. False when there is none."""
        if model is None:
            model = self._solve()
            if model is None:
                return False
        self.model = set(model)
        return True

    def drop(self, variables) -> None:
        """Set these variables false in the current model; the caller vouches that the model still
        satisfies the clauses (e.g. packages nothing installed needs). A better starting point for
        the next objective: a model from pycosat is arbitrary beyond what the clauses force."""
        self.model.difference_update(variables)

    def chosen(self, variables: Sequence[int]) -> list[int]:
        """Those of ``variables`` true in the final model."""
        return [v for v in variables if v in self.model]

    # -- building objectives -------------------------------------------------------------------
    # Each indicator is also set in the current model to the value its definition gives, so the
    # model keeps satisfying every clause and ``minimize`` can read the objective's value off it.
    def _true(self, lit: int) -> bool:
        return (lit in self.model) if lit > 0 else (-lit not in self.model)

    def any_of(self, lits: Sequence[int]) -> int:
        """An indicator true whenever one of ``lits`` is (only that direction: see module doc)."""
        if len(lits) == 1 and lits[0] > 0:
            return lits[0]
        y = self.new_var()
        self.clauses.extend([-lit, y] for lit in lits)
        if any(self._true(lit) for lit in lits):
            self.model.add(y)
        return y

    def all_of(self, lits: Sequence[int]) -> int:
        """An indicator true whenever all of ``lits`` are."""
        y = self.new_var()
        self.clauses.append([-lit for lit in lits] + [y])
        if all(self._true(lit) for lit in lits):
            self.model.add(y)
        return y

    def ranked(self, weights: Sequence[tuple[int, int]]) -> list[int]:
        """Unary indicators for mutually exclusive choices ``(variable, weight)``: choosing a
        weight-w variable makes the first w indicators true."""
        top = max((w for _, w in weights), default=0)
        ladder = [self.new_var() for _ in range(top)]
        for k in range(1, top):
            self.clauses.append([-ladder[k], ladder[k - 1]])
        for v, w in weights:
            if w > 0:
                self.clauses.append([-v, ladder[w - 1]])
                if v in self.model:
                    self.model.update(ladder[:w])
        return ladder

    # -- minimising ----------------------------------------------------------------------------
    def minimize(self, terms: Sequence[int | Sequence[int]]) -> int:
        """Make as few of the literals true as possible (keeping every earlier optimum); returns
        that count and keeps the model. A term is a literal, or a unary number already in order
        (a :meth:`ranked` ladder: each literal implies the one before it), which the count bound
        then takes as one leaf instead of re-sorting it."""
        leaves = [list(t) if isinstance(t, (list, tuple)) else [t] for t in terms]
        leaves = [leaf for leaf in leaves if leaf]
        lits = [lit for leaf in leaves for lit in leaf]

        def value(m: set[int]) -> int:
            return sum(1 for lit in lits if ((lit in m) if lit > 0 else (-lit not in m)))

        best = value(self.model)
        if best == 0:
            self.clauses.extend([-lit] for lit in lits)
            return 0
        outputs = self._totalizer(leaves, best)  # its outputs are left out of the model: nothing reads them
        lo, first = 0, True
        while lo < best:
            k = best - 1 if first else (lo + best) // 2
            first = False
            found = self._solve([[-outputs[k]]])  # at most k true
            if found is None:
                lo = k + 1
            else:
                self.model = found
                best = value(found)
        if best < len(outputs):
            self.clauses.append([-outputs[best]])
        return best

    def _totalizer(self, leaves: list[list[int]], bound: int) -> list[int]:
        """Outputs o[0..min(n, bound+1)-1] over the leaves' n literals: o[k] is forced true when
        more than k of them are. A leaf is a unary number (see ``minimize``): its own outputs."""
        if len(leaves) == 1:
            return leaves[0][: bound + 1]  # a higher rung implies this one
        mid = len(leaves) // 2
        left = self._totalizer(leaves[:mid], bound)
        right = self._totalizer(leaves[mid:], bound)
        cap = min(len(left) + len(right), bound + 1)
        out = [self.new_var() for _ in range(cap)]
        add = self.clauses.append
        for i in range(len(left) + 1):
            for j in range(len(right) + 1):
                if i + j == 0:
                    continue
                clause = [out[min(i + j, cap) - 1]]
                if i:
                    clause.append(-left[i - 1])
                if j:
                    clause.append(-right[j - 1])
                add(clause)
        return out
