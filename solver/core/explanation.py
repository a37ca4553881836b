"""What an explanation is, and how it reads: the tree (``ExplanationNode``, ``Explanation``) that
both ways of explaining build (:mod:`solver.core.derivation`, :mod:`solver.core.refutation`), and
its rendering to text.

The tree:

* ``requirement`` -- a version set someone needs (you, or a group of candidates);
* ``candidates`` -- candidates of that requirement that fail for the same reasons, listed
  compactly ("foo 1.0 | 1.1 | 1.2");
* leaves: ``missing`` (no package of that name), ``no-match`` (no version in range),
  ``excluded`` (the provider's reason), ``conflict`` (another requirement on the same name wants
  a different candidate), ``constrained`` (someone's ``constrains`` rules it out), ``constrains``
  (its own ``constrains`` rules out what another requirement needs; detail "who|requirement"),
  ``see-above``
  (a requirement already explained), ``cycle``.

``Explanation.render()`` turns the tree into a few sentences; chains of single reasons are
joined on one line (more than ``MAX_CHAIN`` steps keep their ends and count the middle), repeated
requirements and conflicts are said once, long version lists are cut. The model and its text
share a module because ``Explanation`` renders itself and the rendering reads the model: apart,
they would import each other.
"""

from __future__ import annotations

import msgspec

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
