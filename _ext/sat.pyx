# cython: language_level=3
"""CDCL with lazy clause generation over a Provider (the engine behind ``solver.core.solve``).

Variables are solvables (variable 0 is the root: "the problem"), created when their name is first
reached. Literal ``2*v`` means "v chosen", ``2*v+1`` "v not chosen". Clauses live in one flat int
array; watches are intrusive linked lists (two "next" slots per clause). A solvable's clauses
(requires, constrains) are generated just before it is decided (then propagated: a candidate
whose dependencies cannot be met any more is ruled out without a decision or a conflict) or when
it first becomes true otherwise; "at most one per name" is a
native constraint (choosing a candidate falsifies its siblings) materialised as a binary clause
only when conflict analysis or an explanation needs it.

Decisions follow the provider's preferences: walking the chosen solvables breadth first from the
problem, the first requirement nothing chosen meets gets its first unassigned candidate (provider
order, best first); so the user's requirements are decided first, then their dependencies, level
by level, and the answer is the greedy "best candidate that still fits" in that order.
Besides unit propagation: choosing a solvable rules out every candidate outside each of its
version sets (requires + at most one per name), which spares search from learning that one
sibling at a time. Conflicts: 1-UIP learning, then chronological backtracking (Nadel & Ryvchin,
SAT 2018): only the conflict level is undone, the learnt literal is asserted at its own (lower)
level and the levels between are kept. Backjumping would undo them only for the greedy walk to
re-decide them the same way: on ROS-sized problems, where most conflicts teach a level-0 fact
("this build can never be used"), that was 95% of all decisions. ``chrono`` (a level distance)
turns it off for testing. Every learnt clause remembers what it was derived from, so an
unsatisfiable problem yields the original clauses of its refutation.
Assignments may land on the trail at a lower level than the current one (facts found while
loading a name, units of lazily added clauses); backtracking keeps those.
"""

from cpython.exc cimport PyErr_CheckSignals
from libc.stdlib cimport free, realloc

cdef enum:
    KIND_REQUIRES = 0
    KIND_CONSTRAINS = 1
    KIND_EXCLUDED = 2
    KIND_FORBID = 3
    KIND_LEARNT = 4

cdef enum:
    REASON_NONE = -1     # decision, or the root axiom
    # reasons below -1 encode -2 - x: x < ENTRY_BASE is a chosen sibling (at most one per name);
    # x - ENTRY_BASE is a requirement entry whose parent is chosen and whose version set does not
    # contain this candidate (requires + at-most-one imply "not this one")
    ENTRY_BASE = 1 << 29

cdef struct IntVec:
    int* data
    Py_ssize_t size
    Py_ssize_t cap


cdef int vec_grow(IntVec* v, Py_ssize_t need) except -1:
    cdef Py_ssize_t cap = v.cap if v.cap > 0 else 16
    cdef int* p
    while cap < need:
        cap *= 2
    p = <int*>realloc(v.data, cap * sizeof(int))
    if p == NULL:
        raise MemoryError()
    v.data = p
    v.cap = cap
    return 0


cdef inline int vec_push(IntVec* v, int x) except -1:
    if v.size >= v.cap:
        vec_grow(v, v.size + 1)
    v.data[v.size] = x
    v.size += 1
    return 0


cdef inline void vec_free(IntVec* v):
    free(v.data)
    v.data = NULL
    v.size = 0
    v.cap = 0


cdef class Solver:
    # provider access
    cdef object provider
    cdef object requirements, constraints
    cdef object _prefetch
    cdef object _candidates, _matching, _dependencies, _excluded, _vs_name, _name_of
    # per variable
    cdef IntVec val, level, reason, var_name, var_solvable, deps_added, seen
    cdef IntVec var_entry_start, var_entry_len
    # per literal
    cdef IntVec watch_head
    # clauses
    cdef IntVec c_pos
    cdef IntVec lits, c_start, c_len, c_kind, c_info, c_next, c_why_start, c_why_len, why
    # names (internal index)
    cdef IntVec n_cand_start, n_cand_len, n_true, n_provider
    cdef IntVec cand_vars
    # version sets (internal index)
    cdef IntVec vs_start, vs_len, vs_name, vs_provider, vs_vars
    # requirement entries (decision order)
    cdef IntVec e_parent, e_vs, e_clause
    # search state
    cdef IntVec trail, trail_lim, bfs, visited, learnt, marked, amo_mark, smark
    cdef int stamp, bfs_valid, sstamp
    cdef Py_ssize_t bfs_head, bfs_entry
    cdef Py_ssize_t qhead
    cdef int cur_level
    cdef dict solvable_var, name_index, vs_index, forbid_clause, pending_constrains
    cdef public int conflicts, decisions, propagations
    cdef public int chrono  # backtrack chronologically when the backjump would skip more levels
    cdef public object unsat_clauses
    cdef public object trace  # set to a list to record ("decide", level, solvable) and learnt clauses
    cdef bint started
    cdef public object unsat_amo
    cdef list pending_attach
    cdef Py_ssize_t attach_head

    def __init__(self, provider, requirements, constraints):
        self.provider = provider
        self.requirements = list(requirements)
        self.constraints = list(constraints)
        self._candidates = provider.candidates
        self._matching = provider.matching
        self._dependencies = provider.dependencies
        self._excluded = provider.excluded
        self._vs_name = provider.version_set_name
        self._name_of = provider.name_of
        self._prefetch = getattr(provider, "prefetch", None)
        self.solvable_var = {}
        self.name_index = {}
        self.vs_index = {}
        self.forbid_clause = {}
        self.pending_constrains = {}
        self.cur_level = 0
        self.qhead = 0
        self.conflicts = 0
        self.decisions = 0
        self.propagations = 0
        self.chrono = 1
        self.unsat_clauses = None
        self.new_var(-1, -1)  # the root

    def __dealloc__(self):
        vec_free(&self.val); vec_free(&self.level); vec_free(&self.reason)
        vec_free(&self.var_name); vec_free(&self.var_solvable); vec_free(&self.deps_added)
        vec_free(&self.seen); vec_free(&self.var_entry_start); vec_free(&self.var_entry_len)
        vec_free(&self.watch_head); vec_free(&self.lits); vec_free(&self.c_pos); vec_free(&self.c_start)
        vec_free(&self.c_len); vec_free(&self.c_kind); vec_free(&self.c_info)
        vec_free(&self.c_next); vec_free(&self.c_why_start); vec_free(&self.c_why_len)
        vec_free(&self.why); vec_free(&self.n_cand_start); vec_free(&self.n_cand_len)
        vec_free(&self.n_true); vec_free(&self.n_provider); vec_free(&self.cand_vars)
        vec_free(&self.vs_start); vec_free(&self.vs_len); vec_free(&self.vs_name)
        vec_free(&self.vs_provider); vec_free(&self.vs_vars); vec_free(&self.e_parent)
        vec_free(&self.e_vs); vec_free(&self.e_clause); vec_free(&self.trail)
        vec_free(&self.trail_lim); vec_free(&self.bfs); vec_free(&self.visited); vec_free(&self.learnt); vec_free(&self.amo_mark); vec_free(&self.smark); vec_free(&self.marked)

    # ------------------------------------------------------------------ variables & values
    cdef int new_var(self, int solvable, int name) except -1:
        cdef int v = <int>self.val.size
        vec_push(&self.val, -1)
        vec_push(&self.level, -1)
        vec_push(&self.reason, REASON_NONE)
        vec_push(&self.var_name, name)
        vec_push(&self.var_solvable, solvable)
        vec_push(&self.deps_added, 0)
        vec_push(&self.seen, 0)
        vec_push(&self.visited, 0)
        vec_push(&self.amo_mark, -1)
        vec_push(&self.smark, 0)
        vec_push(&self.var_entry_start, 0)
        vec_push(&self.var_entry_len, 0)
        vec_push(&self.watch_head, -1)
        vec_push(&self.watch_head, -1)
        return v

    cdef inline int lit_value(self, int lit):
        """1 true, 0 false, -1 unassigned."""
        cdef int a = self.val.data[lit >> 1]
        if a < 0:
            return -1
        return a ^ (lit & 1)

    cdef int assign(self, int lit, int lvl, int why) except -1:
        cdef int v = lit >> 1
        cdef int nm
        cdef int positive = (lit & 1) == 0
        self.val.data[v] = positive
        self.level.data[v] = lvl
        self.reason.data[v] = why
        vec_push(&self.trail, lit)
        if positive:
            nm = self.var_name.data[v]
            if nm >= 0 and self.n_true.data[nm] < 0:
                self.n_true.data[nm] = v
        return 0

    cdef void unassign(self, int v):
        cdef int nm, k, c
        cdef int was_true = self.val.data[v] == 1
        self.val.data[v] = -1
        self.level.data[v] = -1
        self.reason.data[v] = REASON_NONE
        if was_true:
            nm = self.var_name.data[v]
            if nm >= 0 and self.n_true.data[nm] == v:
                self.n_true.data[nm] = -1
                for k in range(self.n_cand_len.data[nm]):
                    c = self.cand_vars.data[self.n_cand_start.data[nm] + k]
                    if self.val.data[c] == 1:
                        self.n_true.data[nm] = c
                        break

    # ------------------------------------------------------------------ clauses
    cdef int new_clause(self, list lits, int kind, int info) except -1:
        cdef int ci = <int>self.c_start.size
        cdef int lit
        vec_push(&self.c_start, <int>self.lits.size)
        vec_push(&self.c_len, len(lits))
        vec_push(&self.c_kind, kind)
        vec_push(&self.c_info, info)
        vec_push(&self.c_next, -1)
        vec_push(&self.c_next, -1)
        vec_push(&self.c_why_start, -1)
        vec_push(&self.c_why_len, 0)
        vec_push(&self.c_pos, 2)
        for lit in lits:
            vec_push(&self.lits, lit)
        return ci

    cdef int new_clause_raw(self, int* lits, int n, int kind, int info) except -1:
        cdef int ci = <int>self.c_start.size, k
        vec_push(&self.c_start, <int>self.lits.size)
        vec_push(&self.c_len, n)
        vec_push(&self.c_kind, kind)
        vec_push(&self.c_info, info)
        vec_push(&self.c_next, -1)
        vec_push(&self.c_next, -1)
        vec_push(&self.c_why_start, -1)
        vec_push(&self.c_why_len, 0)
        vec_push(&self.c_pos, 2)
        for k in range(n):
            vec_push(&self.lits, lits[k])
        return ci

    cdef inline void watch(self, int ci, int w):
        cdef int lit = self.lits.data[self.c_start.data[ci] + w]
        self.c_next.data[2 * ci + w] = self.watch_head.data[lit]
        self.watch_head.data[lit] = ci

    cdef int attach(self, int ci) except -2:
        """Watch a new clause; propagate it if unit. Returns ``ci`` if it is already false, else -1."""
        cdef int start = self.c_start.data[ci]
        cdef int n = self.c_len.data[ci]
        cdef int* L = self.lits.data + start
        cdef int k, best0, best1, lit, tmp, v0, v1
        cdef long long s, s0, s1
        if n == 0:
            return ci
        if n == 1:
            self.watch(ci, 0)
            k = self.lit_value(L[0])
            if k == 1:
                return -1
            if k == 0:
                return ci
            self.assign(L[0], 0, ci)
            return -1
        # rank literals: non-false first, then false ones by decreasing level
        best0 = -1
        best1 = -1
        s0 = -1
        s1 = -1
        for k in range(n):
            lit = L[k]
            tmp = self.lit_value(lit)
            if tmp != 0:
                s = 1LL << 40
            else:
                s = self.level.data[lit >> 1]
            if s > s0:
                best1 = best0
                s1 = s0
                best0 = k
                s0 = s
            elif s > s1:
                best1 = k
                s1 = s
        # move best0 to slot 0, best1 to slot 1
        tmp = L[0]; L[0] = L[best0]; L[best0] = tmp
        if best1 == 0:
            best1 = best0
        tmp = L[1]; L[1] = L[best1]; L[best1] = tmp
        self.watch(ci, 0)
        self.watch(ci, 1)
        v0 = self.lit_value(L[0])
        v1 = self.lit_value(L[1])
        if v0 == 0:
            return ci
        if v0 == -1 and v1 == 0:
            self.assign(L[0], self.level.data[L[1] >> 1], ci)
        return -1

    cdef int forbid(self, int a, int b) except -1:
        """The binary clause "not both a and b" (siblings of one name), created on demand."""
        key = (a, b) if a < b else (b, a)
        ci = self.forbid_clause.get(key)
        if ci is None:
            ci = self.new_clause([2 * key[0] + 1, 2 * key[1] + 1], KIND_FORBID,
                                 self.var_name.data[a])
            self.forbid_clause[key] = ci
        return ci

    cdef int reason_clause(self, int v) except -2:
        """The clause that implied v's value (materialising an at-most-one reason), or -1."""
        cdef int r = self.reason.data[v]
        if r >= 0:
            return r
        if r == REASON_NONE or -2 - r >= ENTRY_BASE:
            return -1
        return self.forbid(-2 - r, v)

    # ------------------------------------------------------------------ lazy loading
    cdef int load_name(self, int name) except -1:
        cdef int nm, v, ci
        if name in self.name_index:
            return self.name_index[name]
        nm = <int>self.n_true.size
        self.name_index[name] = nm
        cands = self._candidates(name)
        vec_push(&self.n_cand_start, <int>self.cand_vars.size)
        vec_push(&self.n_cand_len, len(cands))
        vec_push(&self.n_true, -1)
        vec_push(&self.n_provider, name)
        for s in cands:
            if s in self.solvable_var:
                raise ValueError(f"solvable {s} is a candidate of two names")
            v = self.new_var(s, nm)
            self.solvable_var[s] = v
            vec_push(&self.cand_vars, v)
        for s in cands:
            if self._excluded(s) is not None:
                v = self.solvable_var[s]
                ci = self.new_clause([2 * v + 1], KIND_EXCLUDED, -1)
                self.assign(2 * v + 1, 0, ci)
        pending = self.pending_constrains.pop(name, None)
        if pending:
            for parent, ivs in pending:
                self.add_constrains(parent, ivs)
        return nm

    cdef int intern_vs(self, int vs, bint load) except -1:
        cdef int ivs, nm, v
        hit = self.vs_index.get(vs)
        if hit is not None:
            ivs = hit
            if load and self.vs_name.data[ivs] < 0:
                self.fill_vs(ivs)
            return ivs
        ivs = <int>self.vs_start.size
        self.vs_index[vs] = ivs
        vec_push(&self.vs_start, -1)
        vec_push(&self.vs_len, 0)
        vec_push(&self.vs_name, -1)
        vec_push(&self.vs_provider, vs)
        if load:
            self.fill_vs(ivs)
        return ivs

    cdef int fill_vs(self, int ivs) except -1:
        cdef int vs = self.vs_provider.data[ivs]
        cdef int nm = self.load_name(self._vs_name(vs))
        matches = self._matching(vs)
        self.vs_start.data[ivs] = <int>self.vs_vars.size
        self.vs_len.data[ivs] = len(matches)
        for s in matches:
            v = self.solvable_var.get(s)
            if v is None or self.var_name.data[<int>v] != nm:
                raise ValueError(f"matching({vs}) returned {s}, not a candidate of its name")
            vec_push(&self.vs_vars, <int>v)
        self.vs_name.data[ivs] = nm
        return 0

    cdef int add_constrains(self, int parent, int ivs) except -1:
        """(not parent or not c) for every candidate c outside the version set."""
        cdef int vs = self.vs_provider.data[ivs]
        cdef int nm, k, c, ci
        name = self._vs_name(vs)
        if name not in self.name_index:
            # nothing of that name can be chosen unless something requires it later
            self.pending_constrains.setdefault(name, []).append((parent, ivs))
            return 0
        if self.vs_name.data[ivs] < 0:
            self.fill_vs(ivs)
        nm = self.vs_name.data[ivs]
        allowed = set()
        for k in range(self.vs_len.data[ivs]):
            allowed.add(self.vs_vars.data[self.vs_start.data[ivs] + k])
        for k in range(self.n_cand_len.data[nm]):
            c = self.cand_vars.data[self.n_cand_start.data[nm] + k]
            if c not in allowed:
                lits = [2 * c + 1] if c == parent else [2 * parent + 1, 2 * c + 1]
                ci = self.new_clause(lits, KIND_CONSTRAINS, ivs)
                self.pending_attach.append(ci)
        return 0

    cdef int add_deps(self, int v) except -2:
        """Generate v's clauses; returns a conflicting clause or -1."""
        cdef int ivs, ci, k
        self.deps_added.data[v] = 1
        if v == 0:
            requires, constrains = self.requirements, self.constraints
        else:
            deps = self._dependencies(self.var_solvable.data[v])
            requires, constrains = deps.requires, deps.constrains
            if self._excluded(self.var_solvable.data[v]) is not None:
                # found unusable while reading its metadata: rule it out (a conflict, as it is true)
                ci = self.new_clause([2 * v + 1], KIND_EXCLUDED, -1)
                self.pending_attach.append(ci)
        if self._prefetch is not None and len(requires) > 1:
            # a lazy provider (PyPI) can fetch these names concurrently before we ask one by one
            fresh = [n for n in (self._vs_name(vs) for vs in requires) if n not in self.name_index]
            if len(fresh) > 1:
                self._prefetch(fresh)
        self.var_entry_start.data[v] = <int>self.e_parent.size
        for vs in requires:
            ivs = self.intern_vs(vs, True)
            lits = [2 * v + 1]
            for k in range(self.vs_len.data[ivs]):
                lits.append(2 * self.vs_vars.data[self.vs_start.data[ivs] + k])
            ci = self.new_clause(lits, KIND_REQUIRES, ivs)
            vec_push(&self.e_parent, v)
            vec_push(&self.e_vs, ivs)
            vec_push(&self.e_clause, ci)
            self.pending_attach.append(ci)
        self.var_entry_len.data[v] = <int>self.e_parent.size - self.var_entry_start.data[v]
        for vs in constrains:
            ivs = self.intern_vs(vs, False)
            self.add_constrains(v, ivs)
        return -1

    # ------------------------------------------------------------------ propagation
    cdef int exclude_outside_requirements(self, int v) except -1:
        """v is chosen: a candidate outside one of v's version sets can no longer be chosen (one
        of the set must be, and only one per name). Without this, search would find that out
        one sibling at a time."""
        cdef Py_ssize_t i, end = self.var_entry_start.data[v] + self.var_entry_len.data[v]
        cdef int ivs, nm, k, c, base, lv = self.level.data[v]
        for i in range(self.var_entry_start.data[v], end):
            ivs = self.e_vs.data[i]
            nm = self.vs_name.data[ivs]
            if self.vs_len.data[ivs] >= self.n_cand_len.data[nm]:
                continue
            self.sstamp += 1
            base = self.vs_start.data[ivs]
            for k in range(self.vs_len.data[ivs]):
                self.smark.data[self.vs_vars.data[base + k]] = self.sstamp
            base = self.n_cand_start.data[nm]
            for k in range(self.n_cand_len.data[nm]):
                c = self.cand_vars.data[base + k]
                if self.smark.data[c] != self.sstamp and self.val.data[c] < 0:
                    self.assign(2 * c + 1, lv, -2 - (ENTRY_BASE + <int>i))
        return 0

    cdef int propagate(self) except -2:
        cdef int lit, v, nm, k, c, confl, flit, ci, prev, prevw, w, nxt, start, n, other, j
        cdef int found, tmp, ov, pos, jj
        cdef int* L
        while True:
            # new clauses are attached one at a time against the current assignment, so that
            # after a conflict the rest still see the state they will live in
            while self.attach_head < len(self.pending_attach):
                ci = self.pending_attach[self.attach_head]
                self.attach_head += 1
                confl = self.attach(ci)
                if confl >= 0:
                    return confl
            if self.attach_head:
                del self.pending_attach[:self.attach_head]
                self.attach_head = 0
            if self.qhead >= self.trail.size:
                break
            lit = self.trail.data[self.qhead]
            self.qhead += 1
            self.propagations += 1
            v = lit >> 1
            if (lit & 1) == 0:
                nm = self.var_name.data[v]
                if nm >= 0:
                    for k in range(self.n_cand_len.data[nm]):
                        c = self.cand_vars.data[self.n_cand_start.data[nm] + k]
                        if c == v:
                            continue
                        ov = self.val.data[c]
                        if ov == 1:
                            return self.forbid(v, c)
                        if ov < 0:
                            self.assign(2 * c + 1, self.level.data[v], -2 - v)
                if not self.deps_added.data[v]:
                    self.add_deps(v)
                self.exclude_outside_requirements(v)
            # visit clauses watching the literal that just became false
            flit = lit ^ 1
            prev = -1
            prevw = 0
            ci = self.watch_head.data[flit]
            while ci >= 0:
                start = self.c_start.data[ci]
                n = self.c_len.data[ci]
                L = self.lits.data + start
                if n == 1:
                    return ci
                w = 0 if L[0] == flit else 1
                nxt = self.c_next.data[2 * ci + w]
                other = L[1 - w]
                if self.lit_value(other) == 1:
                    prev = ci
                    prevw = w
                    ci = nxt
                    continue
                found = 0
                # resume the search where it last succeeded: requires clauses can be long and
                # their literals tend to be falsified in order (siblings best first)
                pos = self.c_pos.data[ci]
                for jj in range(2, n):
                    j = pos + jj - 2
                    if j >= n:
                        j -= n - 2
                    if self.lit_value(L[j]) != 0:
                        self.c_pos.data[ci] = j
                        tmp = L[w]; L[w] = L[j]; L[j] = tmp
                        if prev < 0:
                            self.watch_head.data[flit] = nxt
                        else:
                            self.c_next.data[2 * prev + prevw] = nxt
                        self.c_next.data[2 * ci + w] = self.watch_head.data[L[w]]
                        self.watch_head.data[L[w]] = ci
                        found = 1
                        break
                if found:
                    ci = nxt
                    continue
                if self.lit_value(other) == 0:
                    return ci
                self.assign(other, self.cur_level, ci)
                prev = ci
                prevw = w
                ci = nxt
        return -1

    # ------------------------------------------------------------------ conflicts
    cdef void backtrack(self, int lvl):
        cdef Py_ssize_t start, i, j
        cdef int lit, v
        if self.cur_level <= lvl:
            return
        start = self.trail_lim.data[lvl]  # trail_lim[k] = where level k+1 starts
        j = start
        for i in range(start, self.trail.size):
            lit = self.trail.data[i]
            v = lit >> 1
            if self.level.data[v] <= lvl:
                self.trail.data[j] = lit
                j += 1
            else:
                self.unassign(v)
        self.trail.size = j
        self.trail_lim.size = lvl
        self.cur_level = lvl
        self.bfs_valid = 0
        self.qhead = start

    cdef int max_level(self, int ci):
        cdef int k, m = 0, lv
        for k in range(self.c_len.data[ci]):
            lv = self.level.data[self.lits.data[self.c_start.data[ci] + k] >> 1]
            if lv > m:
                m = lv
        return m

    cdef int analyze(self, int confl) except -1:
        """1-UIP learning from a conflict at the current level; backjumps and asserts.

        At-most-one reasons ("v is false because its sibling t is chosen") are resolved natively
        (the other literal is just "not t"); ``why`` records each such t once as -2 - t ("t
        ruled out its siblings") so an explanation can still name the clash."""
        cdef int path = 0, p = -1, ci = confl, k, q, v, t, r, n, lvl = self.cur_level, bj
        cdef Py_ssize_t idx = self.trail.size - 1, i
        cdef int why_start = <int>self.why.size
        cdef int* L
        cdef int one[1]
        self.learnt.size = 0
        self.marked.size = 0
        vec_push(&self.learnt, 0)
        vec_push(&self.why, ci)
        L = self.lits.data + self.c_start.data[ci]
        n = self.c_len.data[ci]
        while True:
            for k in range(n):
                q = L[k]
                v = q >> 1
                if q == p or self.seen.data[v] or self.level.data[v] <= 0:
                    continue
                self.seen.data[v] = 1
                vec_push(&self.marked, v)
                if self.level.data[v] >= lvl:
                    path += 1
                else:
                    vec_push(&self.learnt, q)
            while True:
                q = self.trail.data[idx]
                idx -= 1
                v = q >> 1
                if self.seen.data[v] and self.level.data[v] >= lvl:
                    break
            p = q
            self.seen.data[v] = 0
            path -= 1
            if path == 0:
                break
            r = self.reason.data[v]
            if r >= 0:
                vec_push(&self.why, r)
                L = self.lits.data + self.c_start.data[r]
                n = self.c_len.data[r]
            elif r == REASON_NONE:
                raise AssertionError("conflict analysis reached a decision before the UIP")
            else:
                t = -2 - r
                if t >= ENTRY_BASE:  # outside a chosen parent's version set
                    vec_push(&self.why, self.e_clause.data[t - ENTRY_BASE])
                    one[0] = 2 * self.e_parent.data[t - ENTRY_BASE] + 1
                    t = v  # v, had it been chosen, would have ruled out the whole set
                else:
                    one[0] = 2 * t + 1
                if self.amo_mark.data[t] != self.conflicts:
                    self.amo_mark.data[t] = self.conflicts
                    vec_push(&self.why, -2 - t)
                L = one
                n = 1
        self.minimize()
        for i in range(self.marked.size):
            self.seen.data[self.marked.data[i]] = 0
        self.learnt.data[0] = p ^ 1
        bj = 0
        for i in range(1, self.learnt.size):
            k = self.level.data[self.learnt.data[i] >> 1]
            if k > bj:
                bj = k
        if lvl - 1 > bj and lvl - bj > self.chrono:
            # chronological backtracking: keep the levels between; the learnt literal still lands
            # at level bj (attach assigns it there), so nothing derived later is lost
            self.backtrack(lvl - 1)
        else:
            self.backtrack(bj)
        ci = self.new_clause_raw(self.learnt.data, <int>self.learnt.size, KIND_LEARNT, -1)
        self.c_why_start.data[ci] = why_start
        self.c_why_len.data[ci] = <int>self.why.size - why_start
        k = self.attach(ci)
        if k >= 0:
            raise AssertionError("learnt clause is false after backjumping")
        return 0

    cdef int minimize(self) except -1:
        """Drop learnt literals implied by others in the clause (their reason's other literals
        are all in it, or facts): shorter clauses, farther backjumps. Reasons used are added to
        ``why`` so explanations stay complete."""
        cdef Py_ssize_t i, j = 1
        cdef int q, v, r, t, k, o, n, keep
        for i in range(1, self.learnt.size):
            q = self.learnt.data[i]
            v = q >> 1
            r = self.reason.data[v]
            keep = 1
            if r >= 0:
                keep = 0
                n = self.c_len.data[r]
                for k in range(n):
                    o = self.lits.data[self.c_start.data[r] + k] >> 1
                    if o != v and not self.seen.data[o] and self.level.data[o] > 0:
                        keep = 1
                        break
                if not keep:
                    vec_push(&self.why, r)
            elif r < REASON_NONE:
                t = -2 - r
                o = self.e_parent.data[t - ENTRY_BASE] if t >= ENTRY_BASE else t
                if self.seen.data[o] or self.level.data[o] <= 0:
                    keep = 0
                    if t >= ENTRY_BASE:
                        vec_push(&self.why, self.e_clause.data[t - ENTRY_BASE])
                        t = v
                    if self.amo_mark.data[t] != self.conflicts:
                        self.amo_mark.data[t] = self.conflicts
                        vec_push(&self.why, -2 - t)
            if keep:
                self.learnt.data[j] = q
                j += 1
        self.learnt.size = j
        return 0

    # ------------------------------------------------------------------ decisions
    cdef int pick(self):
        """The next decision literal, or -1 when every reached requirement is met.

        Walks the chosen solvables breadth first from the problem (a requirement met by a chosen
        candidate leads on to that candidate's requirements); the first requirement nothing
        chosen meets gets its first unassigned candidate, the provider's best. When none is
        left, ``bfs`` holds exactly the solution (anything true but unreached is not needed).

        Between backtracks assignments only grow, so the walk up to the requirement decided last
        is unchanged: it resumes there instead of starting over."""
        cdef Py_ssize_t i, end
        cdef int v, ivs, nm, k, c, t
        if not self.bfs_valid:
            self.stamp += 1
            self.bfs.size = 0
            vec_push(&self.bfs, 0)
            self.visited.data[0] = self.stamp
            self.bfs_head = 0
            self.bfs_entry = self.var_entry_start.data[0]
            self.bfs_valid = 1
        while self.bfs_head < self.bfs.size:
            v = self.bfs.data[self.bfs_head]
            end = self.var_entry_start.data[v] + self.var_entry_len.data[v]
            for i in range(self.bfs_entry, end):
                ivs = self.e_vs.data[i]
                nm = self.vs_name.data[ivs]
                t = self.n_true.data[nm]
                if t < 0:
                    for k in range(self.vs_len.data[ivs]):
                        c = self.vs_vars.data[self.vs_start.data[ivs] + k]
                        if self.val.data[c] < 0:
                            self.bfs_entry = i
                            return 2 * c
                    continue
                if self.visited.data[t] != self.stamp:
                    self.visited.data[t] = self.stamp
                    vec_push(&self.bfs, t)
            self.bfs_head += 1
            if self.bfs_head < self.bfs.size:
                self.bfs_entry = self.var_entry_start.data[self.bfs.data[self.bfs_head]]
        return -1

    def solve(self):
        """Chosen solvable ids, or None when unsatisfiable (``unsat_clauses`` then holds the
        original clauses the refutation used)."""
        cdef int confl, lit, m
        cdef Py_ssize_t v
        if self.started:
            raise RuntimeError("a Solver solves once; make a new one")
        self.started = True
        self.pending_attach = []
        self.attach_head = 0
        self.assign(0, 0, REASON_NONE)
        while True:
            confl = self.propagate()
            if confl >= 0:
                self.conflicts += 1
                if (self.conflicts & 1023) == 0:
                    PyErr_CheckSignals()  # let Ctrl-C interrupt a long search
                m = self.max_level(confl)
                if m == 0:
                    self.unsat_clauses = self.refutation(confl)
                    return None
                if m < self.cur_level:
                    self.backtrack(m)
                self.analyze(confl)
                if self.trace is not None:
                    self.trace.append(("learnt", self.cur_level, self.clause(self.c_start.size - 1)))
                continue
            lit = self.pick()
            if lit < 0:
                break
            if not self.deps_added.data[lit >> 1]:
                # read the candidate's dependencies before deciding it: when they cannot be met
                # already (a build needing what a chosen package rules out), propagation marks it
                # false at the level that rules it out, and no conflict or backtrack is needed
                self.add_deps(lit >> 1)
                continue
            self.decisions += 1
            if self.trace is not None:
                self.trace.append(("decide", self.cur_level + 1, self.var_solvable.data[lit >> 1]))
            vec_push(&self.trail_lim, <int>self.trail.size)
            self.cur_level += 1
            self.assign(lit, self.cur_level, REASON_NONE)
        out = []
        for v in range(1, self.bfs.size):
            out.append(self.var_solvable.data[self.bfs.data[v]])
        return out

    # ------------------------------------------------------------------ explanations
    cdef list refutation(self, int confl):
        """Original clauses behind a level-0 conflict: expand learnt clauses into what they were
        derived from and false literals into the clauses that made them false."""
        cdef int ci, k, v, r, end
        amo = set()
        todo = [confl]
        done = set()
        out = []
        while todo:
            ci = todo.pop()
            if ci in done:
                continue
            done.add(ci)
            if self.c_kind.data[ci] == KIND_LEARNT:
                k = self.c_why_start.data[ci]
                end = k + self.c_why_len.data[ci]
                while k < end:
                    r = self.why.data[k]
                    if r >= 0:
                        todo.append(r)
                    else:  # an at-most-one step: -2 - r was chosen, so its siblings were not
                        amo.add(self.var_solvable.data[-2 - r])
                    k += 1
            else:
                out.append(ci)
            for k in range(self.c_len.data[ci]):
                v = self.lits.data[self.c_start.data[ci] + k] >> 1
                if self.val.data[v] >= 0 and self.level.data[v] == 0:
                    r = self.reason.data[v]
                    if r < -1 and -2 - r >= ENTRY_BASE:
                        todo.append(self.e_clause.data[-2 - r - ENTRY_BASE])
                        amo.add(self.var_solvable.data[v])
                        continue
                    r = self.reason_clause(v)
                    if r >= 0 and r != ci:
                        todo.append(r)
        out.sort()
        self.unsat_amo = sorted(amo)
        return out

    def clause(self, int ci):
        """(kind, version set or None, literals) of clause ``ci``; literals are (solvable, chosen?)
        pairs, the root being solvable -1. See ``requires_parent`` for a clause's parent."""
        if ci < 0 or ci >= self.c_start.size:
            raise IndexError(ci)
        cdef int k, lit, v, kind = self.c_kind.data[ci]
        lits = []
        for k in range(self.c_len.data[ci]):
            lit = self.lits.data[self.c_start.data[ci] + k]
            v = lit >> 1
            lits.append((self.var_solvable.data[v], (lit & 1) == 0))
        vs = None
        if kind == KIND_REQUIRES or kind == KIND_CONSTRAINS:
            vs = self.vs_provider.data[self.c_info.data[ci]]
        names = ("requires", "constrains", "excluded", "forbid", "learnt")
        return names[kind], vs, lits

    def requires_parent(self, int ci):
        """The parent solvable of a requires/constrains clause (-1: the root)."""
        if ci < 0 or ci >= self.c_start.size:
            raise IndexError(ci)
        return self.var_solvable.data[self.clause_parent_var(ci)]

    cdef int clause_parent_var(self, int ci):
        # the parent is the only negative literal of a requires clause; for constrains clauses
        # both are negative: the parent is the one that is not a candidate of the constrained name
        cdef int k, lit, v, nm
        cdef int kind = self.c_kind.data[ci]
        nm = self.vs_name.data[self.c_info.data[ci]] if kind == KIND_CONSTRAINS else -2
        for k in range(self.c_len.data[ci]):
            lit = self.lits.data[self.c_start.data[ci] + k]
            v = lit >> 1
            if lit & 1 and (kind == KIND_REQUIRES or self.var_name.data[v] != nm or v == 0):
                return v
        return 0

    def loaded_names(self):
        """Provider name ids the search loaded (explanations stay within them)."""
        return list(self.name_index)

    def stats(self):
        return {
            "variables": self.val.size - 1,
            "clauses": self.c_start.size,
            "names": self.n_true.size,
            "conflicts": self.conflicts,
            "decisions": self.decisions,
            "propagations": self.propagations,
        }
