"""Matching requirements against locked packages, without network: conda MatchSpecs against
records, PEP 508 requirements against PyPI packages (markers evaluated for a platform)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..conda.model import PackageRecord
from ..errors import InputError
from ..pypi.model import PyPIPackage, PyPIRequirement
from .urls import normalize_pypi_name

_PLATFORM_MARKERS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "osx": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    "win": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    "emscripten": {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix"},
}
_MACHINES = {
    "64": "x86_64", "32": "i686", "aarch64": "aarch64", "arm64": "arm64", "ppc64le": "ppc64le",
    "s390x": "s390x", "armv7l": "armv7l", "armv6l": "armv6l", "riscv64": "riscv64", "wasm32": "wasm32",
}


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


def marker_environment(platform: str, python_version: str | None) -> dict[str, str]:
    """A PEP 508 marker environment for a conda platform and the locked python version."""
    os_part, _, arch = platform.partition("-")
    env = dict(_PLATFORM_MARKERS.get(os_part, {"sys_platform": os_part, "platform_system": os_part, "os_name": "posix"}))
    env["platform_machine"] = _MACHINES.get(arch, arch)
    if platform == "win-64":
        env["platform_machine"] = "AMD64"
    env["implementation_name"] = "cpython"
    env["platform_python_implementation"] = "CPython"
    if python_version:
        parts = python_version.split(".")
        env["python_version"] = ".".join(parts[:2])
        env["python_full_version"] = python_version
        env["implementation_version"] = python_version
    return env


def python_version_of(records: list[PackageRecord]) -> str | None:
    for r in records:
        if r.name == "python":
            return r.version
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

    def applies(self, env: dict[str, str], extras: set[str]) -> bool:
        marker = self.req.marker
        if marker is None:
            return True
        if "python_version" not in env:
            return True  # no python locked: cannot tell, assume it applies
        for extra in extras or {""}:
            try:
                if marker.evaluate({**env, "extra": extra}):
                    return True
            except Exception:
                return True
        return False

    def version_ok(self, version: str) -> bool:
        if not self.req.specifier:
            return True
        return self.req.specifier.contains(version, prereleases=True)


@lru_cache(maxsize=8192)
def parse_requirement(text: str) -> PyPIRequirementText:
    return PyPIRequirementText(text)


def requirement_satisfied_by(req: PyPIRequirement, package: PyPIPackage) -> bool:
    """Whether a manifest requirement is met by a locked package (same name assumed)."""
    if req.specifier and req.specifier not in ("*", ""):
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(req.specifier)
        except InvalidSpecifier:
            raise InputError(f"invalid version specifier {req.specifier!r} for {req.name}") from None
        if not spec.contains(package.version, prereleases=True):
            return False
    if req.path is not None:
        return package.path is not None and bool(package.editable) == bool(req.editable)
    if req.git is not None:
        return bool(package.url) and req.git.split("://")[-1].rstrip("/") in (package.url or "")
    if req.url is not None:
        return package.url == req.url
    return True


def conda_provided_pypi_names(records: list[PackageRecord]) -> set[str]:
    """PyPI names conda records already install (their ``pkg:pypi/`` purls, else their own name)."""
    names: set[str] = set()
    for r in records:
        found = False
        for purl in r.purls or []:
            if purl.startswith("pkg:pypi/"):
                names.add(normalize_pypi_name(purl[len("pkg:pypi/"):].split("@")[0].split("?")[0]))
                found = True
        if not found:
            names.add(normalize_pypi_name(r.name))
    return names
