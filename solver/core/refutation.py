"""The fallback explanation: a tree built from the native solver's refutation clauses (learnt
clauses expanded into what they were derived from).

:func:`solver.core.explain.explain` uses it when the shortest derivation
(:mod:`solver.core.derivation`) finds none, i.e. for a refutation that needs case analysis over
choices. ``Builder`` also holds the text helpers (candidate groups, version lists, who requires
what) that the shortest derivation's builder inherits.
"""

from __future__ import annotations

from collections import defaultdict

from .explanation import ExplanationNode
from .provider import Provider

MAX_VERSIONS = 5  # versions listed before "…"
MAX_GROUPS = 4  # differently failing candidate groups shown per requirement
MAX_DEPTH = 12


class Core:
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


class Builder:
    def __init__(self, provider: Provider, core: Core):
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
