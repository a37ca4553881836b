"""The typed lock file: what ``pixi.lock`` holds, independent of its on-disk version.

Conda entries are :class:`solver.conda.model.PackageRecord`, PyPI entries
:class:`solver.pypi.model.PyPIPackage`, so a lock feeds straight back into a solve as ``locked``.
"""

from __future__ import annotations

import msgspec

from ..conda.model import PackageRecord, VirtualPackage
from ..pypi.model import PyPIPackage

#: The version we write unless asked otherwise: what current pixi and py-rattler write.
DEFAULT_VERSION = 7
#: The versions we can read.
READABLE_VERSIONS = (4, 5, 6, 7)
WRITABLE_VERSIONS = (6, 7)


class LockedPlatform(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A platform of the lock (v7 lists them at the top, with the virtual packages assumed)."""

    name: str
    subdir: str | None = None  # only when it differs from ``name``
    virtual_packages: list[str] = []  # "__glibc=2.28", "__unix=0=0", ...


class SolveOptions(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True):
    """The environment's ``options:``: settings that change the outcome of a solve."""

    strategy: str | None = None  # None: highest
    channel_priority: str | None = None  # None: strict
    exclude_newer: str | None = None  # RFC 3339 timestamp
    pypi_prerelease_mode: str | None = None

class LockedEnvironment(msgspec.Struct, kw_only=True):
    """One environment: its channels, PyPI indexes and options, and per platform what is locked.

    ``indexes is None`` means the environment has no PyPI section at all (no PyPI dependencies);
    ``conda``, ``pypi`` and ``pypi_extras`` are keyed by platform name.
    """

    name: str
    channels: list[str] = []
    indexes: list[str] | None = None
    find_links: list[str] = []
    options: SolveOptions = SolveOptions()
    conda: dict[str, list[PackageRecord]] = {}
    pypi: dict[str, list[PyPIPackage]] = {}
    # platform -> PyPI package location -> the extras it is installed with: the ``extras:`` of a
    # ``- pypi:`` entry in the environment's package list (v4-v6; v7 dropped the field).
    pypi_extras: dict[str, dict[str, list[str]]] = {}

    def platforms(self) -> list[str]:
        return sorted(set(self.conda) | set(self.pypi))

    def conda_records(self, platform: str) -> list[PackageRecord]:
        return self.conda.get(platform, [])

    def pypi_packages(self, platform: str) -> list[PyPIPackage]:
        return self.pypi.get(platform, [])

    def has_platform(self, platform: str) -> bool:
        return platform in self.conda or platform in self.pypi


class LockFile(msgspec.Struct, kw_only=True):
    """A whole lock. ``version`` is the version it was read as (or will be written as)."""

    version: int = DEFAULT_VERSION
    platforms: list[LockedPlatform] = []
    environments: dict[str, LockedEnvironment] = {}

    def environment(self, name: str) -> LockedEnvironment | None:
        return self.environments.get(name)

    def platform(self, name: str) -> LockedPlatform | None:
        for p in self.platforms:
            if p.name == name:
                return p
        return None


def format_virtual_package(vp: VirtualPackage) -> str:
    """``__glibc=2.28`` / ``__unix=0=0`` / ``__archspec=1=x86_64``, as pixi lists them."""
    if vp.build in ("", "0") and vp.version != "0":
        return f"{vp.name}={vp.version}"
    return f"{vp.name}={vp.version}={vp.build}"
