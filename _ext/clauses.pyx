# cython: language_level=3
"""CNF for the pycosat cross-check backend: the encoder and a small unit-propagation helper.

``encode`` turns the reachable problem (already numbered: solvable variables are 1..N, grouped by
name) into a flat int32 literal array plus int64 clause offsets. ``Formula`` keeps that CNF in C
arrays and answers the greedy loop's cheap questions without pycosat: what the fixed literals
force (unit propagation), whether a known model still fits, and the formula left once the forced
literals are applied (what pycosat is then given). The public API is :mod:`solver.core.eager`.
"""

import numpy as np

from cpython.exc cimport PyErr_CheckSignals
from cpython.list cimport PyList_GET_ITEM, PyList_New, PyList_SET_ITEM
from cpython.long cimport PyLong_FromLong
from cpython.ref cimport Py_INCREF


cdef int _check_offsets(const long long[::1] offsets, Py_ssize_t size, str what) except -1:
    """Clause offsets must start at 0 or more, never decrease and end within ``size`` items:
    the loops index C arrays with them, unchecked."""
    cdef Py_ssize_t c
    if offsets.shape[0] < 1:
        raise ValueError(f"{what}: offsets need at least one entry")
    if offsets[0] < 0:
        raise ValueError(f"{what}: offsets must start at 0 or more")
    for c in range(offsets.shape[0] - 1):
        if offsets[c + 1] < offsets[c]:
            raise ValueError(f"{what}: offsets must not decrease (at {c + 1})")
    if offsets[offsets.shape[0] - 1] > size:
        raise ValueError(f"{what}: offsets point past the {size} literals")
    return 0


cdef inline long long _amo_clauses(long long n, int pairwise_limit):
    if n <= 1:
        return 0
    if n <= pairwise_limit:
        return n * (n - 1) // 2
    return 3 * n - 4  # sequential counter


def encode(
    const int[::1] group_sizes,
    const int[::1] req_owner,
    const long long[::1] req_offsets,
    const int[::1] req_targets,
    const int[::1] forbid_a,
    const int[::1] forbid_b,
    const int[::1] excluded,
    int pairwise_limit,
):
    """-> (literals int32, offsets int64, num_vars). See :func:`solver.core.eager.encode`."""
    cdef Py_ssize_t g, i, k
    cdef long long n, nclauses = 0, nlits = 0, naux = 0, nsolv = 0
    if req_offsets.shape[0] != req_owner.shape[0] + 1:
        raise ValueError("encode: req_offsets needs one entry more than req_owner")
    _check_offsets(req_offsets, req_targets.shape[0], "encode")
    if forbid_b.shape[0] != forbid_a.shape[0]:
        raise ValueError("encode: forbid_a and forbid_b differ in length")
    for g in range(group_sizes.shape[0]):
        n = group_sizes[g]
        if n < 0:
            raise ValueError(f"encode: negative group size {n}")
        nsolv += n
        nclauses += _amo_clauses(n, pairwise_limit)
        if n > pairwise_limit:
            naux += n - 1
    nlits = 2 * nclauses
    nclauses += excluded.shape[0]
    nlits += excluded.shape[0]
    for k in range(req_owner.shape[0]):
        nclauses += 1
        nlits += req_offsets[k + 1] - req_offsets[k] + (1 if req_owner[k] != 0 else 0)
    for k in range(forbid_a.shape[0]):
        nclauses += 1
        nlits += 2 if forbid_a[k] != 0 else 1
    if nsolv + naux > 0x7FFFFFFF:
        raise OverflowError("too many variables for an int32 CNF")

    literals_arr = np.empty(nlits, dtype=np.int32)
    offsets_arr = np.empty(nclauses + 1, dtype=np.int64)
    cdef int[::1] lits = literals_arr
    cdef long long[::1] offs = offsets_arr
    cdef long long c = 0, p = 0
    cdef int first = 1, aux = <int>nsolv + 1, x, r, prev
    cdef Py_ssize_t j
    offs[0] = 0
    for g in range(group_sizes.shape[0]):
        n = group_sizes[g]
        if n <= pairwise_limit:
            for i in range(n):
                for j in range(i + 1, n):
                    lits[p] = -(first + i); lits[p + 1] = -(first + <int>j); p += 2
                    c += 1; offs[c] = p
        else:
            # Sinz sequential counter: aux r_i <=> "one of the first i+1 candidates is true"
            prev = 0
            for i in range(n):
                x = first + i
                r = aux if i < n - 1 else 0
                if r:
                    aux += 1
                    lits[p] = -x; lits[p + 1] = r; p += 2
                    c += 1; offs[c] = p
                if prev:
                    if r:
                        lits[p] = -prev; lits[p + 1] = r; p += 2
                        c += 1; offs[c] = p
                    lits[p] = -prev; lits[p + 1] = -x; p += 2
                    c += 1; offs[c] = p
                prev = r
        first += <int>n
    for k in range(excluded.shape[0]):
        lits[p] = -excluded[k]; p += 1
        c += 1; offs[c] = p
    for k in range(req_owner.shape[0]):
        if req_owner[k] != 0:
            lits[p] = -req_owner[k]; p += 1
        for j in range(req_offsets[k], req_offsets[k + 1]):
            lits[p] = req_targets[j]; p += 1
        c += 1; offs[c] = p
    for k in range(forbid_a.shape[0]):
        if forbid_a[k] != 0:
            lits[p] = -forbid_a[k]; p += 1
        lits[p] = -forbid_b[k]; p += 1
        c += 1; offs[c] = p
    assert c == nclauses and p == nlits
    return literals_arr, offsets_arr, <int>(nsolv + naux)


def to_lists(const int[::1] literals, const long long[::1] offsets):
    """The CNF as pycosat's list of lists of ints, in one pass."""
    cdef Py_ssize_t nclauses = offsets.shape[0] - 1, c
    cdef long long j
    _check_offsets(offsets, literals.shape[0], "to_lists")
    out = PyList_New(nclauses)
    for c in range(nclauses):
        clause = PyList_New(offsets[c + 1] - offsets[c])
        for j in range(offsets[c], offsets[c + 1]):
            item = PyLong_FromLong(literals[j])
            Py_INCREF(item)
            PyList_SET_ITEM(clause, j - offsets[c], item)
        Py_INCREF(clause)
        PyList_SET_ITEM(out, c, clause)
    return out


cdef inline Py_ssize_t _lit_index(int lit):
    return 2 * lit if lit > 0 else -2 * lit + 1


cdef class Formula:
    """A CNF over variables 1..num_vars with an assignment that unit propagation extends.

    Assignments are made by :meth:`assume` and undone by :meth:`backtrack` (to a trail length
    returned by :meth:`trail_length`), so the greedy loop can fix literals for good and try
    others on top.
    """

    cdef const int[::1] lits
    cdef const long long[::1] offs
    cdef readonly int num_vars
    cdef readonly Py_ssize_t num_clauses
    cdef bint has_empty
    cdef long long[::1] occ_start  # CSR over literal index: clauses containing each literal
    cdef int[::1] occ
    cdef signed char[::1] value     # per variable: 1 true, -1 false, 0 unassigned
    cdef int[::1] nfalse            # per clause: literals made false by processed assignments
    cdef int[::1] trail
    cdef Py_ssize_t trail_len, qhead
    cdef bint conflict
    cdef object _keep
    cdef list _lit_objs  # the int object of each literal, made once: reduced() runs per pycosat call

    def __init__(self, literals, offsets, int num_vars):
        literals = np.ascontiguousarray(literals, dtype=np.int32)
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        if num_vars < 0:
            raise ValueError("num_vars must be 0 or more")
        _check_offsets(offsets, literals.shape[0], "Formula")
        self._keep = (literals, offsets)
        self.lits = literals
        self.offs = offsets
        self.num_vars = num_vars
        self.num_clauses = offsets.shape[0] - 1
        cdef Py_ssize_t nidx = 2 * (<Py_ssize_t>num_vars + 1), c, li
        cdef long long j
        cdef int lit
        counts = np.zeros(nidx + 1, dtype=np.int64)
        cdef long long[::1] cnt = counts
        self.has_empty = False
        for c in range(self.num_clauses):
            if self.offs[c + 1] == self.offs[c]:
                self.has_empty = True
            for j in range(self.offs[c], self.offs[c + 1]):
                lit = self.lits[j]
                if lit == 0 or lit > num_vars or lit < -num_vars:
                    raise ValueError(f"literal {lit} outside variables 1..{num_vars}")
                cnt[_lit_index(lit) + 1] += 1
        for li in range(nidx):
            cnt[li + 1] += cnt[li]
        self.occ_start = counts
        self.occ = np.empty(max(1, cnt[nidx]), dtype=np.int32)
        fill = counts[:nidx].copy()
        cdef long long[::1] pos = fill
        for c in range(self.num_clauses):
            for j in range(self.offs[c], self.offs[c + 1]):
                li = _lit_index(self.lits[j])
                self.occ[pos[li]] = <int>c
                pos[li] += 1
        self.value = np.zeros(num_vars + 1, dtype=np.int8)
        self.nfalse = np.zeros(max(1, self.num_clauses), dtype=np.int32)
        self.trail = np.empty(num_vars + 1, dtype=np.int32)
        self.trail_len = 0
        self.qhead = 0
        self.conflict = self.has_empty
        self._lit_objs = list(range(-num_vars, num_vars + 1))

    def unit_literals(self):
        """The literals of the one-literal clauses (propagation starts from them)."""
        cdef Py_ssize_t c
        return [self.lits[self.offs[c]] for c in range(self.num_clauses)
                if self.offs[c + 1] - self.offs[c] == 1]

    def trail_length(self) -> int:
        return self.trail_len

    def value_of(self, int var) -> int:
        """1 forced true, -1 forced false, 0 open."""
        if var < 1 or var > self.num_vars:
            raise IndexError(f"variable {var} outside 1..{self.num_vars}")
        return self.value[var]

    cdef int _check_model(self, Py_ssize_t size) except -1:
        if size < <Py_ssize_t>self.num_vars + 1:
            raise ValueError(f"model has {size} entries; {self.num_vars + 1} needed (index 0 unused)")
        return 0

    @property
    def in_conflict(self) -> bool:
        return self.conflict

    cdef inline void _assign(self, int lit):
        cdef int var = lit if lit > 0 else -lit
        self.value[var] = 1 if lit > 0 else -1
        self.trail[self.trail_len] = lit
        self.trail_len += 1

    cdef bint _propagate(self):
        cdef int lit, other, open_lit, var
        cdef long long k, j
        cdef Py_ssize_t c, li, n, nopen
        cdef bint satisfied
        while self.qhead < self.trail_len:
            lit = self.trail[self.qhead]
            self.qhead += 1
            li = _lit_index(-lit)
            for k in range(self.occ_start[li], self.occ_start[li + 1]):
                c = self.occ[k]
                self.nfalse[c] += 1
                n = self.offs[c + 1] - self.offs[c]
                if self.conflict or self.nfalse[c] < n - 1:
                    continue  # after a conflict: only keep the counters exact for backtrack
                satisfied = False
                nopen = 0
                open_lit = 0
                for j in range(self.offs[c], self.offs[c + 1]):
                    other = self.lits[j]
                    var = other if other > 0 else -other
                    if self.value[var] == 0:
                        nopen += 1
                        open_lit = other
                    elif (self.value[var] > 0) == (other > 0):
                        satisfied = True
                        break
                if satisfied:
                    continue
                if nopen == 0:
                    self.conflict = True
                elif nopen == 1:
                    self._assign(open_lit)
            if self.conflict:
                return False
        return True

    def assume(self, units) -> bool:
        """Assign these literals and propagate; False (and :attr:`in_conflict`) on a conflict."""
        cdef int lit, var
        if self.conflict:
            return False
        for u in units:
            lit = u
            if lit == 0 or lit > self.num_vars or lit < -self.num_vars:  # (-INT_MIN overflows)
                raise ValueError(f"literal {lit} outside variables 1..{self.num_vars}")
            var = lit if lit > 0 else -lit
            if self.value[var] == 0:
                self._assign(lit)
            elif (self.value[var] > 0) != (lit > 0):
                self.conflict = True
                return False
        return self._propagate()

    def backtrack(self, Py_ssize_t length):
        """Undo every assignment made after the trail had ``length`` entries."""
        cdef Py_ssize_t t, li
        cdef long long k
        cdef int lit
        if length < 0 or length > self.trail_len:
            raise ValueError(f"backtrack: length {length} outside 0..{self.trail_len}")
        for t in range(self.trail_len - 1, length - 1, -1):
            lit = self.trail[t]
            if t < self.qhead:
                li = _lit_index(-lit)
                for k in range(self.occ_start[li], self.occ_start[li + 1]):
                    self.nfalse[self.occ[k]] -= 1
            self.value[lit if lit > 0 else -lit] = 0
        self.trail_len = length
        if self.qhead > length:
            self.qhead = length
        self.conflict = self.has_empty

    def patch(self, signed char[::1] model) -> bool:
        """If ``model`` (1/0 per variable) overridden by the current assignment satisfies every
        clause, write that into ``model`` and return True; otherwise leave it alone."""
        cdef Py_ssize_t c, v
        cdef long long j
        cdef int lit, var
        cdef bint ok
        self._check_model(model.shape[0])
        if self.conflict:
            return False
        for c in range(self.num_clauses):
            ok = False
            for j in range(self.offs[c], self.offs[c + 1]):
                lit = self.lits[j]
                var = lit if lit > 0 else -lit
                if self.value[var] != 0:
                    if (self.value[var] > 0) == (lit > 0):
                        ok = True
                        break
                elif (model[var] != 0) == (lit > 0):
                    ok = True
                    break
            if not ok:
                return False
        for v in range(1, self.num_vars + 1):
            if self.value[v] != 0:
                model[v] = 1 if self.value[v] > 0 else 0
        return True

    def satisfied_by(self, const signed char[::1] model) -> bool:
        """Whether ``model`` (1/0 per variable, index 0 unused) satisfies every clause."""
        cdef Py_ssize_t c
        cdef long long j
        cdef int lit
        cdef bint ok
        self._check_model(model.shape[0])
        for c in range(self.num_clauses):
            ok = False
            for j in range(self.offs[c], self.offs[c + 1]):
                lit = self.lits[j]
                if (model[lit if lit > 0 else -lit] != 0) == (lit > 0):
                    ok = True
                    break
            if not ok:
                return False
        return True

    def reduced(self):
        """The clauses not yet satisfied by the assignment, without their false literals, as
        pycosat's list of lists (the assignment itself is not included)."""
        cdef Py_ssize_t c
        cdef long long j
        cdef int lit, var
        cdef bint satisfied
        out = []
        for c in range(self.num_clauses):
            satisfied = False
            for j in range(self.offs[c], self.offs[c + 1]):
                lit = self.lits[j]
                var = lit if lit > 0 else -lit
                if self.value[var] != 0 and (self.value[var] > 0) == (lit > 0):
                    satisfied = True
                    break
            if satisfied:
                continue
            clause = []
            for j in range(self.offs[c], self.offs[c + 1]):
                lit = self.lits[j]
                var = lit if lit > 0 else -lit
                if self.value[var] == 0:
                    clause.append(<object>PyList_GET_ITEM(self._lit_objs, lit + self.num_vars))
            out.append(clause)
            if c & 0xFFFF == 0:
                PyErr_CheckSignals()
        return out

    def absorb(self, solution, signed char[::1] model):
        """Write pycosat's ``solution`` for the reduced formula, completed by the assignment,
        into ``model``."""
        cdef int lit, var
        cdef Py_ssize_t v
        self._check_model(model.shape[0])
        for item in solution:
            lit = item
            if lit == 0 or lit > self.num_vars or lit < -self.num_vars:
                continue  # pycosat's auxiliary variables (and nothing else) lie outside
            var = lit if lit > 0 else -lit
            if 0 < var <= self.num_vars:
                model[var] = 1 if lit > 0 else 0
        for v in range(1, self.num_vars + 1):
            if self.value[v] != 0:
                model[v] = 1 if self.value[v] > 0 else 0
