"""The shortest derivation of why nothing fits, rooted at the problem's requirements: the first
choice of :func:`solver.core.explain.explain`.

Over the names the search loaded, requirements every solution must meet are derived from the
user's (a requirement all usable candidates of a forced requirement share is forced too); then
each candidate gets its cheapest reason for being unusable (excluded, clashing with a forced
requirement or constraint, constraining a forced requirement away, or requiring something whose
candidates all fail), and the user requirement with the cheapest derivation is told alone,
citing the other specs it collides with. Each candidate group shows one reason, so nothing is
said twice. When it finds no derivation, ``explain_shortest`` returns None and the refutation
tree (:mod:`solver.core.refutation`) explains instead.
"""

from __future__ import annotations

from collections import defaultdict

from .explanation import Explanation, ExplanationNode
from .provider import Problem, Provider
from .refutation import MAX_GROUPS, Builder

_INF = 1 << 30
DERIVED_STEP = 2  # citing a requirement derived from the user's costs more than citing the user's


class _Shortest:
    """The shortest reason why a user requirement cannot be met, found over the provider's graph
    (restricted to the names the search loaded, so nothing new is fetched).

    *Forced* requirements must hold in any solution: the user's, and every requirement (or
    ``constrains``) that all usable candidates of a forced requirement share. A candidate fails
    when it is excluded, conflicts with a forced requirement of its name, is ruled out by a
    forced constraint, constrains a name so that a forced requirement of it cannot be met, or
    requires something none of whose candidates can be used. Costs count the steps of the story
    (a forced requirement costs its distance from the user), and each candidate keeps its
    cheapest reason, so the told chain is the shortest one to the user's specs."""

    def __init__(self, provider: Provider, problem: Problem, names):
        self.p = provider
        self.names = set(names)
        # A lazy provider (PyPI) gives only the dependencies it has in hand: the story uses only
        # those, since any other would cost a metadata fetch or a build, and a refutation does not
        # need them (a candidate whose dependencies the search never read was ruled out by a
        # conflict, an exclusion or a constraint, which need none).
        self.peek = provider.dependencies_if_known
        self.user = list(problem.requirements)
        self._mset: dict[int, frozenset] = {}
        self._deps: dict[int, tuple] = {}
        # forced requirements / constraints: vs -> (depth, via candidates or None for the user)
        self.freq: dict[int, tuple[int, list[int] | None]] = {}
        self.fcon: dict[int, tuple[int, list[int] | None]] = {}
        self.parent: dict[tuple[str, int], int] = {}  # ("req"|"con", vs) -> the forced vs it came from
        self.freq_by_name: dict[int, list[int]] = defaultdict(list)
        self.fcon_by_name: dict[int, list[int]] = defaultdict(list)
        for vs in problem.constraints:
            self._force(self.fcon, self.fcon_by_name, vs, 0, None)
        self._forced()
        self.cost: dict[int, int] = {}
        self.reason: dict[int, tuple] = {}
        self._solve_costs()

    # provider views
    def loaded(self, vs: int) -> bool:
        return self.p.version_set_name(vs) in self.names

    def mset(self, vs: int) -> frozenset:
        m = self._mset.get(vs)
        if m is None:
            m = self._mset[vs] = frozenset(self.p.matching(vs))
        return m

    def known(self, s: int) -> bool:
        self.deps(s)
        return self._deps[s] is not None

    def deps(self, s: int) -> tuple:
        if s in self._deps:
            return self._deps[s] or ((), ())
        dep = self.peek(s)
        if dep is None:  # not in hand: not told either
            self._deps[s] = None
            return ((), ())
        d = self._deps[s] = (
            [vs for vs in dep.requires if self.loaded(vs)],
            [vs for vs in dep.constrains if self.loaded(vs)],
        )
        return d

    def excluded(self, s: int) -> str | None:
        self.deps(s)  # reading them may find the candidate unusable (see Provider.excluded)
        return self.p.excluded(s)

    def usable(self, vs: int) -> list[int]:
        return [c for c in self.p.matching(vs) if self.excluded(c) is None]

    def _force(self, table, by_name, vs, depth, via) -> bool:
        if vs in table:
            return False
        table[vs] = (depth, via)
        by_name[self.p.version_set_name(vs)].append(vs)
        return True

    def _forced(self) -> None:
        queue = []
        for vs in self.user:
            if self.loaded(vs) and self._force(self.freq, self.freq_by_name, vs, 0, None):
                queue.append(vs)
        i = 0
        while i < len(queue):
            vs = queue[i]
            i += 1
            depth = self.freq[vs][0]
            cands = self.usable(vs)
            if not cands or not all(self.known(c) for c in cands):
                continue  # what they share is only known when all were read
            common_req = set(self.deps(cands[0])[0]).intersection(*(self.deps(c)[0] for c in cands[1:]))
            common_con = set(self.deps(cands[0])[1]).intersection(*(self.deps(c)[1] for c in cands[1:]))
            for r in self.deps(cands[0])[0]:  # keep the provider's order
                if r in common_req and self._force(self.freq, self.freq_by_name, r, depth + 1, cands):
                    self.parent["req", r] = vs
                    queue.append(r)
            for r in self.deps(cands[0])[1]:
                if r in common_con and self._force(self.fcon, self.fcon_by_name, r, depth + 1, cands):
                    self.parent["con", r] = vs

    def _leaf(self, s: int) -> tuple[int, tuple | None]:
        p = self.p
        why = self.excluded(s)
        if why is not None:
            return 1, ("excluded", why)
        best, reason = _INF, None
        name = p.name_of(s)
        for vs in self.freq_by_name.get(name, ()):
            d = self.freq[vs][0] * DERIVED_STEP + 1
            if d < best and s not in self.mset(vs):
                best, reason = d, ("conflict", vs)
        for vs in self.fcon_by_name.get(name, ()):
            d = self.fcon[vs][0] * DERIVED_STEP + 1
            if d < best and s not in self.mset(vs):
                best, reason = d, ("constrained", vs)
        for c in self.deps(s)[1]:
            allowed = None
            for vs in self.freq_by_name.get(p.version_set_name(c), ()):
                d = self.freq[vs][0] * DERIVED_STEP + 1
                if d < best:
                    allowed = self.mset(c) if allowed is None else allowed
                    if not (allowed & self.mset(vs)):
                        best, reason = d, ("constrains", c, vs)
        return best, reason

    def _solve_costs(self) -> None:
        """Cheapest reason per candidate: Dijkstra over the and-or graph (a candidate fails by
        any one reason, a requirement by all its candidates; candidates are settled cheapest
        first, so a requirement's cost is that of the last of its candidates to settle)."""
        import heapq

        p = self.p
        universe = [s for n in self.names for s in p.candidates(n)]
        cost: dict[int, int] = {}
        reason: dict[int, tuple] = {}
        heap: list[tuple[int, int]] = []
        parents: dict[int, list[int]] = defaultdict(list)  # vs -> solvables requiring it
        for s in universe:
            c, why = self._leaf(s)
            if why is not None:
                cost[s], reason[s] = c, why
                heap.append((c, s))
            for vs in self.deps(s)[0]:
                parents[vs].append(s)
        containing: dict[int, list[int]] = defaultdict(list)  # candidate -> required vs holding it
        remaining: dict[int, int] = {}
        for vs, ps in parents.items():
            matches = p.matching(vs)
            remaining[vs] = len(matches)
            for c in matches:
                containing[c].append(vs)
            if not matches:  # nothing to choose from: fails at once
                for q in ps:
                    if 2 < cost.get(q, _INF):
                        cost[q], reason[q] = 2, ("requires", vs)
                        heap.append((2, q))
        heapq.heapify(heap)
        done: set[int] = set()
        while heap:
            c, s = heapq.heappop(heap)
            if s in done or c > cost.get(s, _INF):
                continue
            done.add(s)
            for vs in containing.get(s, ()):
                remaining[vs] -= 1
                if remaining[vs] == 0:  # every candidate failed; s was the dearest
                    for q in parents[vs]:
                        if c + 1 < cost.get(q, _INF):
                            cost[q], reason[q] = c + 1, ("requires", vs)
                            heapq.heappush(heap, (c + 1, q))
        self.cost, self.reason = cost, reason

    def requirement_cost(self, vs: int, cost=None) -> int:
        cost = self.cost if cost is None else cost
        matches = self.p.matching(vs)
        if not matches:
            return 1
        return max(cost.get(c, _INF) for c in matches)


class ShortBuilder(Builder):
    """Builds the tree from ``_Shortest``: one reason per candidate group, the cheapest."""

    def __init__(self, provider: Provider, short: _Shortest):
        self.p = provider
        self.short = short
        self.explained: set[int] = set()
        self.cited: list[int] = []  # user requirements the story leans on

    def origin(self, table, vs: int) -> int | None:
        """The user requirement a forced requirement (or constraint) is derived from."""
        sh = self.short
        kind = "req" if table is sh.freq else "con"
        while (kind, vs) in sh.parent:
            vs = sh.parent[kind, vs]
            kind = "req"
        return vs if kind == "req" and vs in sh.user else None

    def cite(self, table, vs: int) -> None:
        """Remember the user requirement the story leans on through ``vs``."""
        root = self.origin(table, vs)
        if root is not None and root not in self.cited:
            self.cited.append(root)

    def who(self, table, vs: int) -> str:
        depth, via = table[vs]
        if via is None:
            return "you"
        text = self.parents_text(via)
        root = self.origin(table, vs)
        if depth > 1 and root is not None:
            text += f" (pulled in by {self.p.display_version_set(root)})"
        return text

    def requirement(self, vs: int, stack: tuple[int, ...] = ()) -> ExplanationNode:
        p, sh = self.p, self.short
        text = p.display_version_set(vs)
        if vs in self.explained:
            return ExplanationNode("requirement", text, [ExplanationNode("see-above", "explained above")])
        self.explained.add(vs)
        matches = list(p.matching(vs))
        if not matches:
            name = p.version_set_name(vs)
            available = list(p.candidates(name))
            if not available:
                leaf = ExplanationNode("missing", f"there is no package named {p.display_name(name)}")
            else:
                leaf = ExplanationNode("no-match", f"no version of {p.display_name(name)} matches {text}",
                                       detail="available: " + self.versions_text(available))
            return ExplanationNode("requirement", text, [leaf])
        groups: dict[tuple, list[int]] = {}
        for s in matches:
            groups.setdefault(sh.reason.get(s) or ("unknown",), []).append(s)
        children = []
        for i, (why, members) in enumerate(groups.items()):
            if i == MAX_GROUPS:
                rest = sum(len(m) for m in list(groups.values())[MAX_GROUPS:])
                children.append(ExplanationNode("more", f"{rest} more candidates cannot be used either"))
                break
            children.append(ExplanationNode("candidates", self.group_text(members), [self.reason_node(why)]))
        return ExplanationNode("requirement", text, children)

    def reason_node(self, why: tuple) -> ExplanationNode:
        p, sh = self.p, self.short
        kind = why[0]
        if kind == "excluded":
            return ExplanationNode("excluded", why[1])
        if kind == "conflict":
            self.cite(sh.freq, why[1])
            return ExplanationNode("conflict", p.display_version_set(why[1]), detail=self.who(sh.freq, why[1]))
        if kind == "constrained":
            vs = why[1]
            if sh.fcon[vs][1] is None:
                return ExplanationNode("constrained", p.display_version_set(vs), detail="your constraints")
            self.cite(sh.fcon, vs)
            return ExplanationNode("constrained", p.display_version_set(vs), detail=self.who(sh.fcon, vs))
        if kind == "constrains":
            _, c, vs = why
            self.cite(sh.freq, vs)
            return ExplanationNode("constrains", p.display_version_set(c),
                                   detail=f"{self.who(sh.freq, vs)}|{p.display_version_set(vs)}")
        if kind == "requires":
            return self.requirement(why[1])
        return ExplanationNode("unknown", "cannot be used")


def explain_shortest(provider: Provider, problem: Problem, solver) -> Explanation | None:
    loaded = getattr(solver, "loaded_names", None)
    if loaded is None:
        return None
    short = _Shortest(provider, problem, loaded())
    best, head = _INF, None
    for vs in problem.requirements:
        if short.loaded(vs) or not provider.matching(vs):
            c = short.requirement_cost(vs)
            if c < best:
                best, head = c, vs
    if head is None or best >= _INF:
        return None
    builder = ShortBuilder(provider, short)
    node = builder.requirement(head)
    if "unknown" in _kinds(node):
        return None
    cited = [head] + [vs for vs in builder.cited if vs != head]
    ordered = [vs for vs in problem.requirements if vs in cited]
    root = ExplanationNode("root", "the requirements are unsatisfiable", [node])
    return Explanation(root=root, requirements=[provider.display_version_set(vs) for vs in ordered])


def _kinds(node: ExplanationNode) -> set[str]:
    out = {node.kind}
    for k in node.children:
        out |= _kinds(k)
    return out
