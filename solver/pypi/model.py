"""Typed records of the PyPI stage: requests (built by the manifest) and resolved packages (for the lock)."""

from __future__ import annotations

import msgspec

from ..options import IndexStrategy, PrereleaseMode


class PyPIIndex(msgspec.Struct, frozen=True, kw_only=True):
    """An index the stage may read. ``priority``: ``primary`` (the default index and ``index-url``),
    ``extra`` (``extra-index-urls``, consulted before the primary one as pixi orders them),
    ``supplemental`` (only for names no primary index has), ``explicit`` (only for dependencies
    that name it). URLs may carry credentials; they are stripped before anything is written."""

    url: str
    name: str | None = None
    priority: str = "primary"
    # pixi's per-index ``exclude-newer`` (``extra-index-urls = [{ url, exclude-newer }]``): with
    # ``own_cutoff`` this index's files are filtered by ``exclude_newer`` (None: not at all)
    # instead of the request's cutoff; a package's own [pypi-exclude-newer] entry still wins
    own_cutoff: bool = False
    exclude_newer: int | None = None


class PyPIRequirement(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One ``[pypi-dependencies]`` entry (or a PEP 508 string from ``[project.dependencies]``).

    Exactly one source: ``specifier`` (index), ``git`` (+``rev``/``branch``/``tag``,
    ``subdirectory``), ``path`` (+``editable``), or ``url``. ``index`` is a URL or the name of a
    declared index, pinning this requirement (only it) there. ``marker`` is a PEP 508 marker string.
    """

    name: str
    specifier: str = ""
    extras: list[str] = []
    marker: str | None = None
    index: str | None = None
    git: str | None = None
    rev: str | None = None
    branch: str | None = None
    tag: str | None = None
    subdirectory: str | None = None
    path: str | None = None
    editable: bool = False
    url: str | None = None


class PyPIRequest(msgspec.Struct, kw_only=True):
    """One PyPI resolution: one environment (or solve group) on one platform.

    ``indexes`` are in pixi's order of consultation. ``glibc``/``macos`` come from the
    system requirements and bound the wheel tags.
    """

    platform: str
    requirements: list[PyPIRequirement]
    indexes: list[PyPIIndex] = []
    find_links: list[str] = []
    index_strategy: IndexStrategy = "first-index"
    prerelease_mode: PrereleaseMode = "if-necessary-or-explicit"  # as pixi and uv
    no_build_isolation: list[str] | bool = False
    no_build: bool = False
    exclude_newer: int | None = None  # milliseconds since the epoch
    exclude_newer_packages: dict[str, int | None] = {}  # canonical name -> its own cutoff (None: none)
    glibc: str | None = None
    macos: str | None = None
    # channel -> mapping file/URL; or False (no conda package of it is a PyPI distribution); or
    # {"location": file/URL (optional), "mapping": {conda: PyPI name | None}, "mode": "overlay" | "replace"}
    conda_pypi_map: dict[str, str | bool | dict] = {}
    project_root: str | None = None  # for relative paths
    locked: list["PyPIPackage"] = []
    update: list[str] | None = None
    # [pypi-options] the manifest also carries (added by the manifest layer):
    dependency_overrides: list[PyPIRequirement] = []  # replace what any package requires of these names
    no_build_packages: list[str] = []  # no-build = [names]: no sdists for these (no_build: for all)
    no_binary: list[str] | bool = False  # no-binary: no wheels (for these names, or all when True)


class PyPIPackage(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A resolved PyPI distribution, as the lock records it. ``url`` or ``path`` (never with
    credentials); ``index`` is the (credential-free) index URL that served it."""

    name: str
    version: str
    url: str | None = None
    path: str | None = None
    hashes: dict[str, str] = {}  # {"sha256": ..., "md5": ...}
    requires_dist: list[str] = []
    requires_python: str | None = None
    editable: bool = False
    index: str | None = None


class PyPISolution(msgspec.Struct, kw_only=True):
    """The result of :func:`solver.pypi.solve_pypi`: resolved packages sorted by name (conda-provided
    distributions are not repeated here) and timings in seconds: ``total`` and ``solve`` are wall
    clock; ``index`` and ``metadata`` sum the time fetch threads spent (they overlap)."""

    packages: list[PyPIPackage] = []
    conda_provided: dict[str, str] = {}  # pypi name -> version, satisfied by conda records
    timings: dict[str, float] = {}
    # things the user should know about a solution that still stands (e.g. where the dependencies
    # of an extra of a conda-provided distribution were taken from), one sentence each
    warnings: list[str] = []


class CondaConflict(msgspec.Struct, kw_only=True, frozen=True):
    """A PyPI requirement the conda result contradicts: conda installs ``pypi_name`` at
    ``installed`` (from the conda record ``conda_name`` ``conda_version``, ``conda_record`` as
    ``name-version-build``) and ``specifier`` (PEP 440, e.g. ``<2``) excludes it. ``required_by``:
    the PyPI package asking (``"oldlib 1.0"``), None for the user's own pypi-dependency;
    ``chain``: the packages leading to it from the user's requirements, ``required_by`` last.
    ``wanted``: the version PyPI would pick if conda were free to change (None: unknown)."""

    pypi_name: str
    conda_name: str
    conda_version: str
    conda_record: str
    installed: str
    specifier: str
    required_by: str | None = None
    chain: list[str] = []
    wanted: str | None = None
