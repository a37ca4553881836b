"""Matching requirements against locked packages, without network: conda MatchSpecs against
records, PEP 508 requirements against PyPI packages (markers evaluated for a platform)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..conda.model import PackageRecord
from ..errors import InputError
from ..pypi.model import PyPIPackage, PyPIRequirement
from .urls import normalize_pypi_name

@lru_cache(maxsize=4096)
def conda_spec(text: str):
    from ..conda.matchspec import MatchSpec

    try:
        return MatchSpec.parse(text)
    except Exception as exc:  # the parser's own error types vary; all mean "bad spec"
        raise InputError(f"invalid match spec {text!r}: {exc}") from None


def spec_name(text: str) -> str:
    """The package name a MatchSpec string is about (cheap: no full parse needed for the common form)."""
    head = text.strip().split("::")[-1]
    m = re.match(r"[A-Za-z0-9_.\-]+", head)
    name = m.group(0) if m else ""
    if not name or name == "*" or "[" in head[: len(name) + 1]:
        parsed = conda_spec(text)
        return str(getattr(parsed, "name", "") or "")
    return name.lower()


def conda_matches(text: str, record: PackageRecord) -> bool:
    return bool(conda_spec(text).matches(record))


def conda_closure(specs, by_name, extras: dict[str, list[str]] | None = None) -> set[str]:
    """Names reachable from ``specs`` through ``depends`` among the locked records ``by_name``
    (name -> record or list of records); for the packages ``extras`` names (name -> extras
    requested), through those extras' ``extra_depends`` too."""
    seen: set[str] = set()
    todo = [spec_name(s) for s in specs]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        found = by_name[name]
        for r in found if isinstance(found, list) else (found,):
            todo.extend(spec_name(d) for d in r.depends)
            for extra in (extras or {}).get(name, ()):
                todo.extend(spec_name(d) for d in (r.extra_depends or {}).get(extra, ()))
    return seen


def target_markers(platform: str, conda_records: list[PackageRecord], *, glibc=None, macos=None) -> dict[str, str] | None:
    """The PEP 508 marker environment the PyPI stage resolves for: ``platform`` and the locked
    python (``solver.pypi.tags``, the one implementation). None when no python is locked (then
    markers cannot be decided and requirements are taken to apply)."""
    from ..pypi.tags import target_from_conda

    if not any(r.name == "python" for r in conda_records):
        return None
    try:
        return target_from_conda(platform, conda_records, glibc=glibc, macos=macos).markers()
    except InputError:  # a platform or python version PyPI cannot target: nothing to evaluate against
        return None


class PyPIRequirementText:
    """A PEP 508 requirement string parsed once (``packaging`` is imported lazily)."""

    __slots__ = ("name", "req")

    def __init__(self, text: str):
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            self.req = Requirement(text)
        except InvalidRequirement as exc:
            raise InputError(f"invalid requirement {text!r}: {exc}") from None
        self.name = normalize_pypi_name(self.req.name)

    def applies(self, env: dict[str, str] | None, extras: set[str]) -> bool:
        marker = self.req.marker
        if marker is None:
            return True
        if env is None:
            return True  # no python locked: cannot tell, assume it applies
        for extra in extras or {""}:
            try:
                if marker.evaluate({**env, "extra": extra}):
                    return True
            except Exception:
                return True
        return False

    def version_ok(self, version: str) -> bool:
        if not self.req.specifier or not version:  # "": a dynamic version pixi did not record
            return True
        return self.req.specifier.contains(version, prereleases=True)


@lru_cache(maxsize=8192)
def parse_requirement(text: str) -> PyPIRequirementText:
    return PyPIRequirementText(text)


def requirement_satisfied_by(req: PyPIRequirement, package: PyPIPackage) -> bool:
    """Whether a manifest requirement is met by a locked package (same name assumed). A
    registry requirement needs a locked version (a path or git one may have a dynamic version,
    which pixi does not record)."""
    if not package.version and not (req.path or req.git or req.url):
        return False
    if req.specifier and req.specifier not in ("*", "") and package.version:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(req.specifier)
        except InvalidSpecifier:
            raise InputError(f"invalid version specifier {req.specifier!r} for {req.name}") from None
        if not spec.contains(package.version, prereleases=True):
            return False
    if req.path is not None:
        # Editability is not compared: lock v7 does not record it (the manifest decides it when
        # installing), so a lock must not go stale over it. See solver.lock.write.
        return package.path is not None
    if req.git is not None:
        return bool(package.url) and req.git.split("://")[-1].rstrip("/") in (package.url or "")
    if req.url is not None:
        return package.url == req.url
    return True
