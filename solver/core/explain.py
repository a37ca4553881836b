"""Why nothing fits: a short derivation rooted at the problem's requirements.

First choice (``_Shortest``): the shortest story. Over the names the search loaded, requirements
every solution must meet are derived from the user's (a requirement all usable candidates of a
forced requirement share is forced too); then each candidate gets its cheapest reason for being
unusable (excluded, clashing with a forced requirement or constraint, constraining a forced
requirement away, or requiring something whose candidates all fail), and the user requirement
with the cheapest derivation is told alone, citing the other specs it collides with. Each
candidate group shows one reason, so nothing is said twice.

Fallback, when that finds no derivation (a refutation that needs case analysis over choices):
the native solver's refutation clauses (learnt clauses expanded into what they were derived
from), from which we build a tree:

* ``requirement`` -- a version set someone needs (you, or a group of candidates);
* ``candidates`` -- candidates of that requirement that fail for the same reasons, listed
  compactly ("foo 1.0 | 1.1 | 1.2");
* leaves: ``missing`` (no package of that name), ``no-match`` (no version in range),
  ``excluded`` (the provider's reason), ``conflict`` (another requirement on the same name wants
  a different candidate), ``constrained`` (someone's ``constrains`` rules it out), ``constrains``
  (its own ``constrains`` rules out what another requirement needs; detail "who|requirement"),
  ``see-above``
  (a requirement already explained), ``cycle``.

``Explanation.render()`` turns either tree into a few sentences; chains of single reasons are
joined on one line (more than ``MAX_CHAIN`` steps keep their ends and count the middle), repeated
requirements and conflicts are said once, long version lists are cut.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec

from .provider import Problem, Provider

MAX_VERSIONS = 5  # versions listed before "…"
MAX_GROUPS = 4  # differently failing candidate groups shown per requirement
MAX_DEPTH = 12
MAX_CHAIN = 4  # "a depends on b" steps told in a row before the middle ones are left out


class ExplanationNode(msgspec.Struct):
    kind: str
    text: str
    children: list[ExplanationNode] = []
    detail: str = ""


class Explanation(msgspec.Struct):
    """The structured derivation; ``root.children`` are the conflicting requirements."""

    root: ExplanationNode
    requirements: list[str] = []

    def render(self) -> str:
        headline, details = self.render_parts()
        return f"{headline}:\n{details}" if details else headline

    def render_parts(self) -> tuple[str, str]:
        """(headline, details): what ``UnsolvableError`` carries apart, so callers retitle it
        without parsing the text."""
        return _render(self)


# ---------------------------------------------------------------------------------------- build
class _Core:
    """The refutation's clauses, indexed the ways the tree needs them."""

    def __init__(self, provider: Provider, solver):
        self.p = provider
        self.requires: dict[int, list[int]] = defaultdict(list)  # parent (-1 root) -> [vs]
        self.required_by: dict[int, list[int]] = defaultdict(list)  # vs -> [parents]
        self.name_reqs: dict[int, list[tuple[int, int]]] = defaultdict(list)  # name -> [(parent, vs)]
        self.excluded: dict[int, str] = {}
        self.forbid: dict[int, set[int]] = defaultdict(set)
        self.constrained: dict[int, list[tuple[int, int]]] = defaultdict(list)  # c -> [(parent, vs)]
        self.constrains: dict[int, list[int]] = defaultdict(list)  # parent -> [vs]
        for t in getattr(solver, "unsat_amo", None) or ():
            # t was chosen, which rules out every sibling of its name
            for s in provider.candidates(provider.name_of(t)):
                if s != t:
                    self.forbid[t].add(s)
                    self.forbid[s].add(t)
        for ci in solver.unsat_clauses or ():
            kind, vs, lits = solver.clause(ci)
            if kind == "requires":
                parent = solver.requires_parent(ci)
                if vs not in self.requires[parent]:
                    self.requires[parent].append(vs)
                    self.required_by[vs].append(parent)
                    self.name_reqs[provider.version_set_name(vs)].append((parent, vs))
            elif kind == "excluded":
                s = lits[0][0]
                self.excluded[s] = provider.excluded(s) or "excluded"
            elif kind == "forbid":
                (a, _), (b, _) = lits
                self.forbid[a].add(b)
                self.forbid[b].add(a)
            elif kind == "constrains":
                parent = solver.requires_parent(ci)
                if vs not in self.constrains[parent]:
                    self.constrains[parent].append(vs)
                for s, _ in lits:
                    if s != parent or len(lits) == 1:
                        self.constrained[s].append((parent, vs))


class _Builder:
    def __init__(self, provider: Provider, core: _Core):
        self.p = provider
        self.core = core
        self.explained: set[int] = set()
        self.conflicts_said: set[frozenset] = set()

    # text helpers
    def version(self, s: int) -> str:
        return self.p.display_version(s)

    def release(self, s: int) -> str:
        """The version alone (no build), for compact lists."""
        return self.p.display_release(s)

    def compact(self, solvables: list[int], sep: str, counted: bool = True) -> str:
        """Distinct releases in provider order, capped: "2.1 | 2.0", "1.0 | … | 3.2 (12 versions)"."""
        releases = list(dict.fromkeys(self.release(s) for s in solvables))
        count = ""
        if not counted:
            pass
        elif len(releases) < len(solvables):
            count = f" ({len(solvables)} builds)"
        elif len(releases) > MAX_VERSIONS:
            count = f" ({len(releases)} versions)"
        if len(releases) > MAX_VERSIONS:
            # a provider that can say "every version from a to b" says so (uv's ranges)
            text = self.p.display_range(solvables)
            if text:
                return text + count
            releases = releases[: MAX_VERSIONS - 1] + ["…", releases[-1]]
        return sep.join(releases) + count

    def group_text(self, solvables: list[int]) -> str:
        if not solvables:
            return ""
        name = self.p.display_name(self.p.name_of(solvables[0]))
        if len(solvables) == 1:
            return f"{name} {self.version(solvables[0])}"
        return f"{name} {self.compact(solvables, ' | ')}"

    def parents_text(self, parents: list[int]) -> str:
        if -1 in parents:
            return "you"
        by_name: dict[int, list[int]] = defaultdict(list)
        for s in parents:
            by_name[self.p.name_of(s)].append(s)
        return " and ".join(self.group_text(g) for g in by_name.values())

    # tree
    def requirement(self, vs: int, stack: tuple[int, ...]) -> ExplanationNode:
        text = self.p.display_version_set(vs)
        if vs in self.explained:
            return ExplanationNode("requirement", text, [ExplanationNode("see-above", "explained above")])
        if vs in stack or len(stack) > MAX_DEPTH:
            return ExplanationNode("requirement", text, [ExplanationNode("cycle", "depends on itself")])
        self.explained.add(vs)
        name = self.p.version_set_name(vs)
        matches = list(self.p.matching(vs))
        if not matches:
            available = list(self.p.candidates(name))
            if not available:
                leaf = ExplanationNode("missing", f"there is no package named {self.p.display_name(name)}")
            else:
                leaf = ExplanationNode(
                    "no-match",
                    f"no version of {self.p.display_name(name)} matches {text}",
                    detail="available: " + self.versions_text(available),
                )
            return ExplanationNode("requirement", text, [leaf])

        # candidates failing for the same immediate reasons are one group, explained once
        groups: dict[tuple, list[int]] = {}
        for s in matches:
            groups.setdefault(self.signature(s, vs), []).append(s)
        children = []
        for i, members in enumerate(groups.values()):
            if i == MAX_GROUPS:
                rest = sum(len(m) for m in list(groups.values())[MAX_GROUPS:])
                children.append(ExplanationNode("more", f"{rest} more candidates cannot be used either"))
                break
            reasons = self.candidate_reasons(members, vs, stack + (vs,))
            children.append(ExplanationNode("candidates", self.group_text(members), reasons))
        return ExplanationNode("requirement", text, children)

    def versions_text(self, solvables: list[int]) -> str:
        return self.compact(solvables, ", ", counted=False)

    def signature(self, s: int, via: int) -> tuple:
        core = self.core
        return (
            core.excluded.get(s),
            tuple(core.constrained.get(s, ())),
            self.conflicting_requirement(s, via, ()),
            tuple(core.requires.get(s, ())),
            tuple(core.constrains.get(s, ())),
        )

    def conflicting_requirement(self, s: int, via: int, stack: tuple[int, ...]):
        """Another requirement on s's name that wants a sibling of s: (parent, vs) or None."""
        siblings = self.core.forbid.get(s)
        if not siblings:
            return None
        for parent, vs in self.core.name_reqs.get(self.p.name_of(s), ()):
            if vs != via and vs not in stack and siblings & set(self.p.matching(vs)):
                return parent, vs
        return None

    def candidate_reasons(self, members: list[int], via: int, stack: tuple[int, ...]) -> list[ExplanationNode]:
        core, p = self.core, self.p
        s = members[0]
        out: list[ExplanationNode] = []
        if s in core.excluded:
            out.append(ExplanationNode("excluded", core.excluded[s]))
        by_vs: dict[int, list[int]] = {}
        for parent, vs in core.constrained.get(s, ()):
            by_vs.setdefault(vs, []).append(parent)
        for vs, parents in by_vs.items():
            who = "your constraints" if -1 in parents else self.parents_text(parents)
            out.append(ExplanationNode("constrained", p.display_version_set(vs), detail=who))
        hit = self.conflicting_requirement(s, via, stack)
        if hit is not None:
            parent, vs = hit
            pair = frozenset((via, vs))
            if pair in self.conflicts_said:
                out.append(ExplanationNode("conflict", p.display_version_set(vs), detail="see-above"))
            else:
                self.conflicts_said.add(pair)
                parents = core.required_by.get(vs, [parent])
                out.append(ExplanationNode("conflict", p.display_version_set(vs), detail=self.parents_text(parents)))
        for vs in core.constrains.get(s, ()):
            needed = [(parent, req) for parent, req in core.name_reqs.get(p.version_set_name(vs), ())
                      if parent != s]
            if needed:
                parent, req = needed[0]
                who = self.parents_text(core.required_by.get(req, [parent]))
                out.append(ExplanationNode("constrains", p.display_version_set(vs),
                                           detail=f"{who}|{p.display_version_set(req)}"))
        for vs in core.requires.get(s, ()):
            out.append(self.requirement(vs, stack))
        # a reason that only points back at what another reason already said adds nothing
        useful = [r for r in out if not _dead_end(r)]
        # "someone's constrains rules it out" only matters when nothing else does: the
        # constraining package may well not be needed at all
        firm = [r for r in useful if r.kind != "constrained" or r.detail == "your constraints"]
        return firm or useful or out[:1]


def _dead_end(node: ExplanationNode) -> bool:
    if node.kind == "conflict":
        return node.detail == "see-above"
    if node.kind in ("see-above",):
        return True
    if node.kind in ("requirement", "candidates"):
        return bool(node.children) and all(_dead_end(k) for k in node.children)
    return False


# ------------------------------------------------------------------------- shortest derivation
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


class _ShortBuilder(_Builder):
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


def _explain_shortest(provider: Provider, problem: Problem, solver) -> Explanation | None:
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
    builder = _ShortBuilder(provider, short)
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


def explain(provider: Provider, problem: Problem, solver) -> Explanation:
    try:
        short = _explain_shortest(provider, problem, solver)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, RecursionError):
        short = None  # the refutation-based tree below still explains
    if short is not None:
        return short
    core = _Core(provider, solver)
    builder = _Builder(provider, core)
    used = core.requires.get(-1, [])
    ordered = [vs for vs in problem.requirements if vs in used] + [vs for vs in used if vs not in problem.requirements]
    children = [builder.requirement(vs, ()) for vs in ordered]
    # constraints of the problem that took part
    root = ExplanationNode("root", "the requirements are unsatisfiable", children)
    return Explanation(root=root, requirements=[provider.display_version_set(vs) for vs in ordered])


# --------------------------------------------------------------------------------------- render
def _plural(group: str) -> bool:
    return " | " in group or group.endswith((" builds)", " versions)"))


def _verb(group: str, singular: str, plural: str) -> str:
    return plural if _plural(group) else singular


def _reason_clause(node: ExplanationNode, group: str, lines: list[str], indent: int) -> str:
    """One reason of a candidate group as a clause of a sentence; deeper reasons go to ``lines``."""
    if node.kind == "excluded":
        return f"{group} cannot be used ({node.text})"
    if node.kind == "constrained":
        if node.detail == "your constraints":
            return f"{group} {_verb(group, 'is', 'are')} ruled out by your constraint {node.text}"
        verb = _verb(node.detail, "constrains", "constrain")
        return f"{group} {_verb(group, 'is', 'are')} ruled out by {node.detail}, which {verb} {node.text}"
    if node.kind == "constrains":
        who, req = node.detail.split("|", 1)
        need = f"you require {req}" if who == "you" else f"{who} {_verb(who, 'depends', 'depend')} on {req}"
        return f"{group} {_verb(group, 'constrains', 'constrain')} {node.text}, but {need}"
    if node.kind == "conflict":
        if node.detail == "see-above":
            return f"{group} {_verb(group, 'conflicts', 'conflict')} with {node.text} (see above)"
        who = "you also require" if node.detail == "you" else f"{node.detail} {_verb(node.detail, 'depends', 'depend')} on"
        return f"{group} {_verb(group, 'conflicts', 'conflict')} with {node.text}, which {who}"
    if node.kind == "requirement":
        head = f"{group} {_verb(group, 'depends', 'depend')} on {node.text}"
        tail = _requirement_tail(node, lines, indent)
        return head + tail
    return f"{group}: {node.text}"


def _requirement_tail(node: ExplanationNode, lines: list[str], indent: int) -> str:
    """What is wrong with a requirement: inline when it is one simple chain (a long chain keeps
    its first and last steps, "… (N more steps)" between), else nested lines."""
    hops: list[tuple[str, ExplanationNode]] = []
    cur = node
    while (
        len(cur.children) == 1
        and cur.children[0].kind == "candidates"
        and len(cur.children[0].children) == 1
        and cur.children[0].children[0].kind == "requirement"
    ):
        group = cur.children[0]
        cur = group.children[0]
        hops.append((group.text, cur))
    shown = hops
    skipped = 0
    if len(hops) > MAX_CHAIN:
        skipped = len(hops) - MAX_CHAIN + 1
        shown = hops[: MAX_CHAIN - 2] + hops[-1:]
    out = ""
    for i, (group, req) in enumerate(shown):
        if skipped and i == MAX_CHAIN - 2:
            out += f", and … ({skipped} more steps) …"
        out += f", and {group} {_verb(group, 'depends', 'depend')} on {req.text}"
    return out + _requirement_tail_once(cur, lines, indent)


def _requirement_tail_once(node: ExplanationNode, lines: list[str], indent: int) -> str:
    kids = node.children
    if len(kids) == 1 and kids[0].kind in ("missing", "no-match", "see-above", "cycle"):
        leaf = kids[0]
        if leaf.kind == "see-above":
            return " (explained above)"
        if leaf.kind == "cycle":
            return " (a dependency cycle)"
        return f", but {leaf.text}" + (f" ({leaf.detail})" if leaf.detail else "")
    if len(kids) == 1 and kids[0].kind == "candidates" and len(kids[0].children) == 1:
        group = kids[0]
        return ", and " + _reason_clause(group.children[0], group.text, lines, indent)
    sub: list[str] = []
    for kid in kids:
        _emit_group(kid, sub, indent + 1)
    lines_text = "\n".join(sub)
    return ", but none of its candidates can be used:\n" + lines_text if sub else ""


def _emit_group(group: ExplanationNode, lines: list[str], indent: int) -> None:
    pad = "  " * indent + "- "
    if group.kind == "more":
        lines.append(pad + group.text)
        return
    if not group.children:
        lines.append(pad + f"{group.text} cannot be used")
        return
    parts = []
    for reason in group.children:
        parts.append(_reason_clause(reason, group.text, lines, indent))
    lines.append(pad + "; ".join(parts))


def _render(explanation: Explanation) -> tuple[str, str]:
    root = explanation.root
    reqs = explanation.requirements
    if not root.children:
        return "The requirements are unsatisfiable.", ""
    lines: list[str] = []
    for req in root.children:
        head = f"you require {req.text}"
        lines.append("- " + head + _requirement_tail(req, lines, 0))
    if len(reqs) > 1:
        summary = f"So your requirements {', '.join(reqs[:-1])} and {reqs[-1]} cannot all be satisfied."
    else:
        summary = f"So your requirement {reqs[0]} cannot be satisfied."
    return "Cannot solve the requirements", "\n".join(lines) + "\n" + summary
