"""Typed records of the conda stage: what a channel holds and what a solve is asked for.

These are the contracts between the manifest (which builds requests), the loader, the solver and
the lock file; change them with all four in mind.
"""

from __future__ import annotations

import msgspec

from ..options import ChannelPriority, SolveStrategy


class PackageRecord(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """One entry of ``repodata.json`` (``packages`` or ``packages.conda``), as decoded by msgspec.

    ``gc=False``: records hold only str / int / None / lists and dicts of str, so they can never
    be part of a reference cycle; untracked, thousands of decoded records cost the cyclic garbage
    collector nothing (measured: ~18% faster per-name decoding).

    ``fn``, ``channel``, ``url`` are filled by the loader (repodata keys them by file name and the
    channel/base_url is known from where the file was read). ``timestamp`` is in milliseconds
    (repodata written in seconds is normalised by the loader).
    """

    name: str
    version: str
    build: str
    build_number: int = 0
    depends: list[str] = []
    constrains: list[str] = []
    subdir: str = ""
    noarch: str | None = None
    license: str | None = None
    license_family: str | None = None
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None
    timestamp: int | None = None
    track_features: str = ""
    features: str | None = None
    purls: list[str] | None = None
    python_site_packages_path: str | None = None
    run_exports: dict[str, list[str]] | None = None  # kept for the lock (v7 records it); {} = known empty
    extra_depends: dict[str, list[str]] | None = None  # repodata v3 optional groups: extra -> its depends
    flags: list[str] | None = None  # repodata v3 variant flags ("blas:mkl", "gpu:cuda12")
    # a source package pixi built (its ``url`` is the source location, e.g. a path): the lock's
    # ``input`` (hash and globs of the sources the build read), kept as pixi wrote it
    source_input: dict | None = None
    # ... and its ``package_build_source`` (where [package.build] source points), as pixi wrote it
    package_build_source: dict | None = None
    # ... and its ``sources``: where its own dependencies that are source packages come from
    # (name -> location relative to it), as pixi wrote it
    source_dependencies: dict | None = None
    # Filled by the loader:
    fn: str = ""
    channel: str = ""
    url: str = ""


class VirtualPackage(msgspec.Struct, frozen=True):
    """A system property the solver may depend on: ``__glibc 2.28``, ``__cuda 12.0``, ``__unix``."""

    name: str
    version: str = "0"
    build: str = "0"


class CondaRequest(msgspec.Struct, kw_only=True):
    """One conda solve: one environment (or solve group) on one platform.

    ``specs`` are MatchSpec strings in the order the user wrote them. ``channels`` are in priority
    order, each a channel name (resolved against the channel alias), an ``http(s)://`` or
    ``file://`` URL; the manifest turns relative paths into ``file://`` URLs.
    """

    platform: str
    specs: list[str]
    channels: list[str]
    virtual_packages: list[VirtualPackage] = []
    channel_priority: ChannelPriority = "strict"
    strategy: SolveStrategy = "highest"
    exclude_newer: int | None = None  # milliseconds since the epoch; newer records are not considered
    exclude_newer_packages: dict[str, int | None] = {}  # per package name: its own cutoff (None: none)
    # per package name: the variant-flag matchers its records must meet (see solver.conda.flags)
    flags: dict[str, list[str]] = {}
    constraints: list[str] = []  # MatchSpecs that restrict without requiring
    locked: list[PackageRecord] = []  # preferred where still valid
    update: list[str] | None = None  # names the user asked to update (None: keep all locked)
