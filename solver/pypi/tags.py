"""The target environment of a PyPI resolution: marker values and compatible wheel tags for a
*target* platform (a conda subdir) and the python the conda stage chose, never the host's.

Tags are generated from packaging.tags building blocks with explicit platforms, so a linux host
can lock for win-64 or osx-arm64.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from packaging import tags as _tags
from packaging.version import InvalidVersion, Version

from ..errors import InputError
from ..platform import DEFAULT_GLIBC, PYTHON_PLATFORMS, PythonPlatform, effective_macos


# manylinux tags that predate PEP 600, keyed by the glibc minor they stand for.
_LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
_LEGACY_ARCHES = {"x86_64", "i686", "aarch64", "ppc64le", "s390x", "armv7l"}


class TargetEnv(msgspec.Struct, frozen=True, kw_only=True):
    """Where the resolved packages will run. ``python_version`` is the full version (3.11.7);
    ``abi`` is the interpreter ABI tag (cp311, cp313t, pypy310_pp73)."""

    platform: str
    python_version: str
    implementation: str = "cpython"  # cpython | pypy
    abi: str | None = None
    glibc: str | None = None
    macos: str | None = None

    def __post_init__(self):
        if self.platform not in PYTHON_PLATFORMS and self.platform != "noarch":
            raise InputError(
                f"unknown platform {self.platform!r} for a PyPI resolution "
                f"(known: {', '.join(sorted(PYTHON_PLATFORMS))})"
            )
        try:
            Version(self.python_version)
        except InvalidVersion:
            raise InputError(f"invalid python version {self.python_version!r}") from None

    @property
    def py_tuple(self) -> tuple[int, int]:
        release = Version(self.python_version).release
        return (release[0], release[1] if len(release) > 1 else 0)

    def markers(self) -> dict[str, str]:
        """PEP 508 marker environment (without ``extra``)."""
        sys_platform, system, os_name, machine, _ = PYTHON_PLATFORMS.get(
            self.platform, PythonPlatform("", "", "posix", "", "")
        )
        major, minor = self.py_tuple
        full = self.python_version
        pypy = self.implementation == "pypy"
        return {
            "implementation_name": "pypy" if pypy else "cpython",
            "implementation_version": full,
            "os_name": os_name,
            "platform_machine": machine,
            "platform_python_implementation": "PyPy" if pypy else "CPython",
            "platform_release": "",
            "platform_system": system,
            "platform_version": "",
            "python_full_version": full,
            "python_version": f"{major}.{minor}",
            "sys_platform": sys_platform,
        }

    def platform_tags(self) -> list[str]:
        """Wheel platform tags, most specific first."""
        if self.platform == "noarch":
            return []
        sys_platform, _, _, _, arch = PYTHON_PLATFORMS[self.platform]
        if sys_platform == "linux":
            return _manylinux_platforms(arch, self.glibc or DEFAULT_GLIBC)
        if sys_platform == "darwin":
            text = effective_macos(self.platform, self.macos)
            try:
                release = Version(text).release
            except InvalidVersion:
                raise InputError(f"invalid macOS version {text!r} in the system requirements") from None
            return list(_tags.mac_platforms((release[0], release[1] if len(release) > 1 else 0), arch))
        return [f"win_{arch}" if arch in ("amd64", "arm64") else arch]

    def tag_priority(self) -> dict[_tags.Tag, int]:
        """Every compatible tag -> rank (0 best). A wheel is compatible when one of its tags is here."""
        return dict(_tag_priority(self))

    def compatible_tags(self) -> list[_tags.Tag]:
        platforms = self.platform_tags()
        py = self.py_tuple
        out: list[_tags.Tag] = []
        if self.implementation == "pypy":
            interp = f"pp{py[0]}{py[1]}"
            abi = self.abi or f"pypy{py[0]}{py[1]}_pp73"
            out.extend(_tags.generic_tags(interp, [abi], platforms))
        else:
            interp = f"cp{py[0]}{py[1]}"
            abi = self.abi or interp
            if platforms:
                out.extend(_tags.cpython_tags(py, [abi], platforms))
        out.extend(_tags.compatible_tags(py, interp, platforms or ["any"]))
        seen: set[_tags.Tag] = set()
        unique = []
        for tag in out:
            if tag not in seen:
                seen.add(tag)
                unique.append(tag)
        return unique


@lru_cache(maxsize=32)
def _tag_priority(target: TargetEnv) -> dict[_tags.Tag, int]:
    # Hundreds of tags, ~1 ms each time; the units of a solve share a few targets (a solve group's
    # environments, the same platform), so each is computed once per process. Callers get a copy.
    return {tag: rank for rank, tag in enumerate(target.compatible_tags())}


def _manylinux_platforms(arch: str, glibc: str) -> list[str]:
    try:
        release = Version(glibc).release
    except InvalidVersion:
        raise InputError(f"invalid glibc version {glibc!r} in the system requirements") from None
    major, minor = release[0], release[1] if len(release) > 1 else 0
    out = []
    if major == 2:
        for m in range(minor, 4, -1):
            out.append(f"manylinux_2_{m}_{arch}")
            if m in _LEGACY_MANYLINUX and arch in _LEGACY_ARCHES:
                if m != 5 or arch in ("x86_64", "i686"):
                    out.append(f"{_LEGACY_MANYLINUX[m]}_{arch}")
    out.append(f"linux_{arch}")
    return out


def target_from_conda(platform: str, conda_records, *, glibc=None, macos=None) -> TargetEnv:
    """The target env from the conda solve: the ``python`` record's version, implementation
    (PyPy builds say so in their build string) and ABI (``python_abi``'s build, e.g. ``*_cp313t``
    for a free-threaded build)."""
    python = next((r for r in conda_records if r.name == "python"), None)
    if python is None:
        raise InputError(
            f"PyPI dependencies on {platform} need python among the conda dependencies "
            "(add e.g. `python = \"3.12.*\"` to [dependencies])"
        )
    implementation = "pypy" if "pypy" in python.build else "cpython"
    abi = None
    abi_rec = next((r for r in conda_records if r.name == "python_abi"), None)
    if abi_rec is not None and "_" in abi_rec.build:
        candidate = abi_rec.build.split("_", 1)[1]
        if candidate.startswith(("cp", "pypy")):
            abi = candidate
    if abi is None and implementation == "cpython":
        py = Version(python.version).release
        threaded = "t" if ("_cp3" in python.build and python.build.rstrip().endswith("t")) else ""
        abi = f"cp{py[0]}{py[1]}{threaded}"
    return TargetEnv(
        platform=platform,
        python_version=python.version,
        implementation=implementation,
        abi=abi,
        glibc=glibc,
        macos=macos,
    )
