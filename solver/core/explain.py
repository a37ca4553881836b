"""Why nothing fits: a short derivation rooted at the problem's requirements.

The native solver hands over the original clauses its refutation used (learnt clauses expanded
into what they were derived from). From those alone we build a tree:

* ``requirement`` -- a version set someone needs (you, or a group of candidates);
* ``candidates`` -- candidates of that requirement that fail for the same reasons, listed
  compactly ("foo 1.0 | 1.1 | 1.2");
* leaves: ``missing`` (no package of that name), ``no-match`` (no version in range),
  ``excluded`` (the provider's reason), ``conflict`` (another requirement on the same name wants
  a different candidate), ``constrained`` (someone's ``constrains`` rules it out), ``constrains``
  (its own ``constrains`` rules out what another requirement needs; detail "who|requirement"),
  ``see-above``
  (a requirement already explained), ``cycle``.

``Explanation.render()`` turns it into a few sentences; chains of single reasons are joined on one
line, repeated requirements and conflicts are said once, long version lists are cut.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec

from .provider import Problem, Provider

MAX_VERSIONS = 5  # versions listed before "…"
MAX_GROUPS = 4  # differently failing candidate groups shown per requirement
MAX_DEPTH = 12


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
        show = getattr(self.p, "display_version", None)
        if show is not None:
            return show(s)
        name = self.p.display_name(self.p.name_of(s))
        text = self.p.display_solvable(s)
        return text[len(name) :].strip() if text.startswith(name) else text

    def release(self, s: int) -> str:
        """The version alone (no build), for compact lists; optional provider hook."""
        show = getattr(self.p, "display_release", None)
        return show(s) if show is not None else self.version(s)

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


def explain(provider: Provider, problem: Problem, solver) -> Explanation:
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
    return " | " in group or group.endswith(" builds)")


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
        return (
            f"{group} {_verb(group, 'conflicts', 'conflict')} with {node.text}, which {who}"
            " (only one version of a package can be installed)"
        )
    if node.kind == "requirement":
        head = f"{group} {_verb(group, 'depends', 'depend')} on {node.text}"
        tail = _requirement_tail(node, lines, indent)
        return head + tail
    return f"{group}: {node.text}"


def _requirement_tail(node: ExplanationNode, lines: list[str], indent: int) -> str:
    """What is wrong with a requirement: inline when it is one simple chain, else nested lines."""
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


def _render(explanation: Explanation) -> str:
    root = explanation.root
    reqs = explanation.requirements
    if not root.children:
        return "The requirements are unsatisfiable."
    lines: list[str] = []
    for req in root.children:
        head = f"you require {req.text}"
        lines.append("- " + head + _requirement_tail(req, lines, 0))
    if len(reqs) > 1:
        summary = f"So your requirements {', '.join(reqs[:-1])} and {reqs[-1]} cannot all be satisfied."
    else:
        summary = f"So your requirement {reqs[0]} cannot be satisfied."
    return "Cannot solve the requirements:\n" + "\n".join(lines) + "\n" + summary
