"""The typed manifest: what ``pixi.toml`` / ``pyproject.toml [tool.pixi]`` says, validated.

Everything a feature may hold lives in ``Feature``; the root tables form the ``default`` feature.
Platform-specific tables (``[target.<selector>.<table>]``) are ``Target`` records keyed by their
selector; ``Feature.base`` holds the unconditional ones. ``solver.manifest.requests`` merges these into
one solve request per environment (or solve group) and platform.
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
    channels: it is carried for the build layer."""

    name: str
    spec: str
    source: dict | None = None

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
    channel_priority: ChannelPriority = "strict"
    solve_strategy: SolveStrategy = "highest"
    exclude_newer: int | None = None  # ms since the epoch
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
    warnings: list[str] = []

    @property
    def default_feature(self) -> Feature:
        return self.features[DEFAULT_FEATURE]


# What an environment is made of: the parser (to warn about an environment without platforms) and
# the request builder both ask, so it lives with the records.


def environment_features(manifest: Manifest, env: Environment) -> list[Feature]:
    return [manifest.features[name] for name in env.feature_names() if name in manifest.features]


def merge_platforms(manifest: Manifest, features: list[Feature]) -> list[str]:
    """The platforms every one of ``features`` supports (a feature without ``platforms`` supports
    the project's), in the project's order."""
    project = manifest.project.platforms
    sets = [feature.platforms if feature.platforms is not None else project for feature in features]
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

    @property
    def environments(self) -> list[str]:
        return [m.environment for m in self.members]
