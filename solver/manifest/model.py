"""The typed manifest: what ``pixi.toml`` / ``pyproject.toml [tool.pixi]`` says, validated.

Everything a feature may hold lives in ``Feature``; the root tables form the ``default`` feature.
Platform-specific tables (``[target.<selector>.<table>]``) are ``Target`` records keyed by their
selector; ``Feature.base`` holds the unconditional ones. ``solver.manifest.merge_environment`` and
``merge_platform`` merge these, and ``solver.manifest.requests`` builds from them one solve request per
environment (or solve group) and platform.
"""

from __future__ import annotations

import msgspec

from ..conda.model import CondaRequest
from ..options import ChannelPriority, IndexStrategy, PrereleaseMode, SolveStrategy
from ..pypi.model import PyPIRequest, PyPIRequirement

DEFAULT_FEATURE = "default"
DEFAULT_ENVIRONMENT = "default"


class ChannelRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """A channel as a feature lists it: a name or a URL (paths already made ``file://`` URLs)."""

    channel: str
    priority: int | None = None


class CondaDependency(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One conda dependency. ``spec`` is the MatchSpec string for a channel solve; a source
    dependency (``path``/``git``/``url`` table) has ``source`` set and is not solvable from
    channels: it is carried for the build layer. ``extras``/``flags`` (repodata v3 optional
    dependency groups and variant flags) are carried as written; ``when`` is the condition of a
    conditional dependency (a MatchSpec, or ``{"all": [...]}`` / ``{"any": [...]}`` of them)."""

    name: str
    spec: str
    source: dict | None = None
    extras: list[str] = []
    flags: list[str] = []
    when: str | dict | None = None

    @property
    def is_source(self) -> bool:
        return self.source is not None


class SystemRequirements(msgspec.Struct, kw_only=True, omit_defaults=True):
    linux: str | None = None
    libc: str | None = None
    libc_family: str | None = None  # "glibc" unless stated
    macos: str | None = None
    cuda: str | None = None
    archspec: str | None = None


class FindLink(msgspec.Struct, frozen=True, omit_defaults=True):
    path: str | None = None  # absolute
    url: str | None = None


class PyPIOptions(msgspec.Struct, kw_only=True, omit_defaults=True):
    index_url: str | None = None
    extra_index_urls: list[str] = []
    # extra index URL -> its own exclude-newer cutoff (ms; None: `exclude-newer = false`, no cutoff)
    index_exclude_newer: dict[str, int | None] = {}
    find_links: list[FindLink] = []
    no_build_isolation: list[str] | bool = []
    index_strategy: IndexStrategy | None = None
    prerelease_mode: PrereleaseMode | None = None
    no_build: list[str] | bool = False
    no_binary: list[str] | bool = False
    dependency_overrides: list[PyPIRequirement] = []


class NamedIndex(msgspec.Struct, frozen=True, kw_only=True):
    """``[[pypi-indices]]``: a named index; ``explicit`` ones serve only the dependencies naming them."""

    name: str
    url: str
    priority: str = "primary"  # primary | supplemental | explicit


class TaskDependency(msgspec.Struct, frozen=True, omit_defaults=True):
    task: str
    args: list[str] = []
    environment: str | None = None


class Task(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A task (parsed and validated, never run here). An alias has no ``cmd``."""

    name: str
    cmd: str | list[str] | None = None
    depends_on: list[TaskDependency] = []
    cwd: str | None = None
    env: dict[str, str] = {}
    inputs: list[str] = []
    outputs: list[str] = []
    clean_env: bool = False
    description: str | None = None
    args: list = []
    default_environment: str | None = None

    @property
    def hidden(self) -> bool:
        return self.name.startswith("_")


class Activation(msgspec.Struct, kw_only=True, omit_defaults=True):
    scripts: list[str] = []
    env: dict[str, str] = {}


class PlatformEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A rich ``workspace.platforms`` entry: a name features and targets bind to, the conda subdir
    it solves for, and the virtual packages it declares (``{"__cuda": "12.0"}``; the archspec's
    value is its microarchitecture)."""

    name: str
    subdir: str
    virtual_packages: dict[str, str] = {}


class Target(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The tables of one target selector (``None``: the feature's unconditional tables)."""

    selector: str | None = None
    dependencies: dict[str, CondaDependency] = {}
    host_dependencies: dict[str, CondaDependency] = {}
    build_dependencies: dict[str, CondaDependency] = {}
    constraints: dict[str, CondaDependency] = {}
    pypi_dependencies: dict[str, PyPIRequirement] = {}
    activation: Activation | None = None
    tasks: dict[str, Task] = {}
    dev: dict[str, CondaDependency] = {}  # [dev]: source packages whose own dependencies are wanted
    pypi_options: PyPIOptions | None = None  # [target.<selector>.pypi-options]: over the feature's on that platform
    exclude_newer: dict[str, int | None] = {}  # [exclude-newer]: conda name -> cutoff (None: none)
    pypi_exclude_newer: dict[str, int | None] = {}  # [pypi-exclude-newer]: PyPI name -> cutoff


class Feature(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A feature; ``None`` in ``channels``/``platforms`` means "as the project says"."""

    name: str
    channels: list[ChannelRef] | None = None
    platforms: list[str] | None = None
    channel_priority: ChannelPriority | None = None
    solve_strategy: SolveStrategy | None = None
    system_requirements: SystemRequirements = msgspec.field(default_factory=SystemRequirements)
    pypi_options: PyPIOptions = msgspec.field(default_factory=PyPIOptions)
    base: Target = msgspec.field(default_factory=Target)  # the unconditional tables
    targets: dict[str, Target] = {}  # selector -> its tables


class Environment(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str
    features: list[str] = []
    solve_group: str | None = None
    no_default_feature: bool = False

    def feature_names(self) -> list[str]:
        """Its features in priority order: the listed ones, then the default feature."""
        names = list(self.features)
        if not self.no_default_feature and DEFAULT_FEATURE not in names:
            names.append(DEFAULT_FEATURE)
        return names


class Project(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``[project]`` / ``[workspace]`` (and, in pyproject.toml, what PEP 621 ``[project]`` adds)."""

    name: str | None = None
    version: str | None = None
    description: str | None = None
    authors: list[str] = []
    channels: list[ChannelRef] = []
    platforms: list[str] = []
    license: str | None = None
    license_file: str | None = None
    readme: str | None = None
    homepage: str | None = None
    repository: str | None = None
    documentation: str | None = None
    conda_pypi_map: dict[str, str] = {}
    conda_pypi_map_disabled: list[str] = []  # channels whose mapping is `false`
    conda_pypi_map_inline: dict[str, dict[str, str | None]] = {}  # channel -> conda name -> PyPI name (None: not a PyPI package)
    conda_pypi_map_replace: list[str] = []  # channels whose mapping-mode is "replace"
    channel_priority: ChannelPriority = "strict"
    solve_strategy: SolveStrategy = "highest"
    exclude_newer: int | None = None  # ms since the epoch (a relative duration: computed at load)
    exclude_newer_relative: str | None = None  # the duration as written ("7d"), when relative
    platform_entries: dict[str, PlatformEntry] = {}  # rich platforms by name (bare names absent)
    #: [workspace.pypi-options]: the base every environment starts from (features override it)
    pypi_options: PyPIOptions = msgspec.field(default_factory=PyPIOptions)
    preview: list[str] | bool = []
    requires_pixi: str | None = None
    build_variants: dict = {}
    build_variants_files: list[str] = []
    members: list[str] = []  # as written (paths or glob patterns)
    member_paths: list[str] = []  # the member folders they name, relative to the root (POSIX)
    requires_python: str | None = None  # pyproject.toml [project].requires-python


class Manifest(msgspec.Struct, kw_only=True):
    path: str  # absolute path of the manifest file
    root: str  # its folder: relative paths are relative to it
    kind: str  # "pixi" | "pyproject"
    project: Project
    features: dict[str, Feature]  # "default" first
    environments: dict[str, Environment]
    pypi_indices: list[NamedIndex] = []
    package: dict | None = None  # [package] (pixi-build), carried unvalidated
    member_packages: dict[str, dict] = {}  # member folder (root-relative) -> its [package] table
    #: what a [dev] entry installs: package folder (root-relative) -> its declared build, host and
    #: run dependencies, each with its ``if(...)`` platform condition (None: always)
    dev_packages: dict[str, list[tuple[CondaDependency, str | None]]] = {}
    warnings: list[str] = []

    @property
    def default_feature(self) -> Feature:
        return self.features[DEFAULT_FEATURE]

    def subdir(self, platform: str) -> str:
        """The conda subdir a workspace platform (a subdir or a rich entry's name) solves for."""
        entry = self.project.platform_entries.get(platform)
        return entry.subdir if entry is not None else platform


# What an environment is made of: the parser (to warn about an environment without platforms) and
# the request builder both ask, so it lives with the records.


def environment_features(manifest: Manifest, env: Environment) -> list[Feature]:
    return [manifest.features[name] for name in env.feature_names() if name in manifest.features]


def _feature_platforms(manifest: Manifest, names: list[str]) -> list[str]:
    """A feature's platforms as workspace platform names: a name is itself; a bare subdir that is
    not a workspace platform stands for every workspace platform of that subdir (pixi's alias)."""
    project = manifest.project.platforms
    out: list[str] = []
    for name in names:
        if name in project or name in manifest.project.platform_entries:
            found = [name]
        else:
            found = [p for p in project if manifest.subdir(p) == name] or [name]
        out.extend(p for p in found if p not in out)
    return out


def merge_platforms(manifest: Manifest, features: list[Feature]) -> list[str]:
    """The platforms every one of ``features`` supports (a feature without ``platforms`` supports
    the project's), in the project's order. A feature may name a rich platform, or a bare subdir
    standing for the workspace platforms of that subdir."""
    project = manifest.project.platforms
    sets = [_feature_platforms(manifest, feature.platforms) if feature.platforms is not None else project for feature in features]
    if not sets:
        return list(project)
    order = list(project) + [p for s in sets for p in s if p not in project]
    common = set(sets[0]).intersection(*map(set, sets[1:]))
    seen: list[str] = []
    for p in order:
        if p in common and p not in seen:
            seen.append(p)
    return seen


class MemberRequest(msgspec.Struct, kw_only=True):
    """One environment's own share of a solve unit: the lock layer takes its subset from the
    unit's solution by walking from these requirements."""

    environment: str
    conda_specs: list[str]
    pypi_requirements: list[PyPIRequirement] = []
    conda_sources: list[CondaDependency] = []
    channels: list[str] = []
    conda_extras: dict[str, list[str]] = {}  # conda name -> the extras (optional groups) requested
    conditional_specs: list[tuple[str, str | dict]] = []  # (spec, condition on installed packages)


class SolveUnit(msgspec.Struct, kw_only=True):
    """What one solve is asked: an environment (``solve_group`` None, ``members`` that one
    environment) or a whole solve group (``environment`` None, ``members`` all its environments
    that support ``platform``), on one platform. ``pypi`` is None when nothing needs PyPI."""

    environment: str | None
    platform: str
    solve_group: str | None
    conda: CondaRequest
    pypi: PyPIRequest | None
    members: list[MemberRequest]
    conda_sources: list[CondaDependency] = []
    system_requirements: SystemRequirements = msgspec.field(default_factory=SystemRequirements)
    #: what a rich workspace platform declares (``__cuda=12``), as the lock's platform lists it
    declared_virtual_packages: list[str] = []
    #: the PyPI indexes of its environments over all their platforms (the lock records the union)
    environment_indexes: list[str] = []
    project_root: str | None = None  # the manifest's folder: the lock names local paths relative to it
    pypi_prerelease_mode: str | None = None  # pypi-options prerelease-mode (None: pixi's default)
    exclude_newer_relative: bool = False  # exclude-newer is a duration: its cutoff moves with the clock
    #: conditional dependencies the solve decides: (spec, condition), the spec required when the
    #: condition holds in the solution (see solver.conda.conditions)
    conditional_specs: list[tuple[str, str | dict]] = []
    conda_extras: dict[str, list[str]] = {}  # the members' requested extras (optional groups) by package

    @property
    def environments(self) -> list[str]:
        return [m.environment for m in self.members]
