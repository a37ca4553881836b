"""An in-memory :class:`~solver.core.provider.Provider` for the core tests and benchmarks.

Packages are plain data: ``{name: [{"version": "1.2", "depends": ["bar >=1"], "constrains": [...],
"excluded": "why"}, ...]}``. Versions are dotted integers ("1.10.2"); specs are ``name`` optionally
followed by comma-separated ``OP VERSION`` clauses with OP in ``== != >= <= > <``. Candidates are
ordered highest version first unless ``order="lowest"``. It also counts what the core asked for,
so tests can check the core only explores what it reached.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from solver.core.provider import Dependencies, Problem, Provider
from solver.errors import InputError

_CLAUSE = re.compile(r"^\s*(==|!=|>=|<=|>|<)\s*([0-9]+(?:\.[0-9]+)*)\s*$")
_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


def parse_version(text: str) -> tuple[int, ...]:
    try:
        parts = tuple(int(p) for p in text.split("."))
    except ValueError:
        raise InputError(f"invalid version {text!r}: expected dotted integers") from None
    # trailing zeros do not matter: 1.0 == 1
    while len(parts) > 1 and parts[-1] == 0:
        parts = parts[:-1]
    return parts


def parse_spec(text: str) -> tuple[str, tuple[tuple[str, tuple[int, ...]], ...]]:
    """``"foo >=1,<2"`` -> ``("foo", ((">=", (1,)), ("<", (2,))))``."""
    text = text.strip()
    name, _, rest = text.partition(" ")
    if not name:
        raise InputError(f"invalid spec {text!r}: missing package name")
    clauses = []
    for part in (p for p in rest.split(",") if p.strip()):
        m = _CLAUSE.match(part)
        if not m:
            raise InputError(f"invalid spec {text!r}: cannot parse {part.strip()!r}")
        clauses.append((m.group(1), parse_version(m.group(2))))
    return name, tuple(clauses)


class InMemoryProvider(Provider):
    def __init__(self, packages: Mapping[str, Iterable[Mapping]], *, order: str = "highest"):
        self._names: list[str] = []
        self._name_ids: dict[str, int] = {}
        self._cands: list[list[int]] = []
        # per solvable
        self._s_name: list[int] = []
        self._s_version: list[tuple[int, ...]] = []
        self._s_version_text: list[str] = []
        self._s_deps_text: list[tuple[list[str], list[str]]] = []
        self._s_excluded: list[str | None] = []
        self._s_deps: dict[int, Dependencies] = {}
        # version sets
        self._vs_text: list[str] = []
        self._vs_ids: dict[str, int] = {}
        self._vs_parsed: list[tuple[int, tuple]] = []
        self._vs_match: dict[int, list[int]] = {}
        self.calls: Counter = Counter()
        self.asked_names: list[int] = []

        for name, records in packages.items():
            nid = self.name_id(name)
            rows = []
            for rec in records:
                vtext = str(rec["version"])
                rows.append((parse_version(vtext), vtext, rec))
            rows.sort(key=lambda r: r[0], reverse=(order != "lowest"))
            for version, vtext, rec in rows:
                sid = len(self._s_name)
                self._s_name.append(nid)
                self._s_version.append(version)
                self._s_version_text.append(vtext)
                self._s_deps_text.append((list(rec.get("depends", ())), list(rec.get("constrains", ()))))
                self._s_excluded.append(rec.get("excluded"))
                self._cands[nid].append(sid)

    # -- building problems -------------------------------------------------------------------
    def name_id(self, name: str) -> int:
        nid = self._name_ids.get(name)
        if nid is None:
            nid = self._name_ids[name] = len(self._names)
            self._names.append(name)
            self._cands.append([])
        return nid

    def version_set(self, spec: str) -> int:
        name, clauses = parse_spec(spec)
        key = name + " " + ",".join(op + ".".join(map(str, v)) for op, v in clauses)
        vid = self._vs_ids.get(key)
        if vid is None:
            vid = self._vs_ids[key] = len(self._vs_text)
            self._vs_text.append(spec.strip())
            self._vs_parsed.append((self.name_id(name), clauses))
        return vid

    def problem(self, requirements: Sequence[str], constraints: Sequence[str] = ()) -> Problem:
        return Problem(
            requirements=[self.version_set(r) for r in requirements],
            constraints=[self.version_set(c) for c in constraints],
        )

    def solvable(self, name: str, version: str) -> int:
        want = parse_version(version)
        for s in self._cands[self._name_ids[name]]:
            if self._s_version[s] == want:
                return s
        raise KeyError(f"{name} {version}")

    def describe(self, solution: Iterable[int]) -> dict[str, str]:
        """``{name: version}`` of a solution, for readable assertions."""
        return {self._names[self._s_name[s]]: self._s_version_text[s] for s in solution}

    # -- Provider ----------------------------------------------------------------------------
    def candidates(self, name: int) -> Sequence[int]:
        self.calls["candidates"] += 1
        self.asked_names.append(name)
        return self._cands[name]

    def name_of(self, solvable: int) -> int:
        return self._s_name[solvable]

    def version_set_name(self, version_set: int) -> int:
        return self._vs_parsed[version_set][0]

    def matching(self, version_set: int) -> Sequence[int]:
        self.calls["matching"] += 1
        hit = self._vs_match.get(version_set)
        if hit is None:
            nid, clauses = self._vs_parsed[version_set]
            hit = [
                s
                for s in self._cands[nid]
                if all(_OPS[op](self._s_version[s], v) for op, v in clauses)
            ]
            self._vs_match[version_set] = hit
        return hit

    def dependencies(self, solvable: int) -> Dependencies:
        self.calls["dependencies"] += 1
        deps = self._s_deps.get(solvable)
        if deps is None:
            requires, constrains = self._s_deps_text[solvable]
            deps = self._s_deps[solvable] = Dependencies(
                requires=[self.version_set(r) for r in requires],
                constrains=[self.version_set(c) for c in constrains],
            )
        return deps

    def excluded(self, solvable: int) -> str | None:
        return self._s_excluded[solvable]

    def prefetch(self, names: Sequence[int]) -> None:
        self.calls["prefetch"] += 1

    def display_name(self, name: int) -> str:
        return self._names[name]

    def display_solvable(self, solvable: int) -> str:
        return f"{self._names[self._s_name[solvable]]} {self._s_version_text[solvable]}"

    def display_version_set(self, version_set: int) -> str:
        return self._vs_text[version_set]

    # optional hook used by explanations to list versions compactly
    def display_version(self, solvable: int) -> str:
        return self._s_version_text[solvable]
