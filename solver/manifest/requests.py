"""Merging features into environments and environments into solve requests.

The reference's rules, as implemented here:

- an environment's features are the ones it lists, then the default feature (unless
  ``no-default-feature``);
- target tables overlay the feature's own tables per package name, least specific first:
  unconditional, ``unix``, the OS family (``linux``/``osx``/``win``), the exact platform;
- dependencies (run, host and build: an environment holds all three) and PyPI dependencies are the
  union over the features; requirements on one package from several features are combined;
- system requirements: per key the highest version over the features;
- channels: the union over the features, ordered by ``priority`` (higher first; 0 when not
  given), then by feature order (listed features before the default one), then as written;
- platforms: the intersection of the features' platforms (a feature without ``platforms`` has
  the project's);
- ``channel-priority`` and ``solve-strategy`` (project or feature level): one value per environment
  or solve group; features setting different values are an error (the project's value belongs to
  the default feature; unset everywhere: strict / highest);
- pypi-options: ``extra-index-urls``/``find-links``/``no-build-isolation`` are unions;
  ``index-url``, ``index-strategy`` and ``prerelease-mode`` may only have one value per
  environment or solve group, otherwise it is an error;
- environments of one solve group are solved together: one ``SolveUnit`` per (group, platform)
  with the union of the members' requirements, and each member's own requirements beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from ..conda.model import CondaRequest, VirtualPackage
from ..lazyre import lazy
from ..pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement
from .errors import ManifestError, did_you_mean, format_key
from .model import (
    DEFAULT_FEATURE,
    Activation,
    CondaDependency,
    Environment,
    Feature,
    Manifest,
    MemberRequest,
    PyPIOptions,
    SolveUnit,
    SystemRequirements,
    Task,
    environment_features,
    merge_platforms,
)
from .checks import is_url
from .. import platform as platform_facts
from ..options import ChannelPriority, SolveStrategy
from ..platform import KNOWN_SUBDIRS, selectors_for


#: pixi's default prerelease mode (uv's): what its locks record when the manifest says nothing.
PIXI_PRERELEASE_DEFAULT = "if-necessary-or-explicit"


class EnvironmentView(msgspec.Struct, kw_only=True):
    """What an environment is, platform-independently, after merging its features."""

    name: str
    features: list[str]
    solve_group: str | None
    channels: list[str]
    platforms: list[str]
    channel_priority: ChannelPriority
    solve_strategy: SolveStrategy
    exclude_newer: int | None
    system_requirements: SystemRequirements
    pypi_options: PyPIOptions


# -- errors located in the manifest -------------------------------------------------------------


def manifest_error(manifest: Manifest, path, message: str, suggestion: str | None = None) -> ManifestError:
    """A ``ManifestError`` positioned at ``path`` (relative to the pixi tables) in the manifest."""
    from .locate import Locator

    prefix = ("tool", "pixi") if manifest.kind == "pyproject" else ()
    pos = None
    try:
        pos = Locator(Path(manifest.path).read_text(encoding="utf-8"), prefix).find(path)
    except OSError:
        pass
    return ManifestError(
        message,
        file=manifest.path,
        line=pos[0] if pos else None,
        column=pos[1] if pos else None,
        key=format_key(prefix + tuple(path)) or None,
        suggestion=suggestion,
    )


def _feature_path(name: str) -> tuple:
    if name.startswith("environments."):  # an environment's own tables (see parse.inline_feature_name)
        return ("environments", name[len("environments."):])
    return () if name == DEFAULT_FEATURE else ("feature", name)


# -- environment-level merging --------------------------------------------------------------------


def _version_key(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.]", text))


def merge_system_requirements(manifest: Manifest, features: list[Feature]) -> SystemRequirements:
    out: dict = {}
    family_from: str | None = None
    for feature in features:
        sr = feature.system_requirements
        for key in ("linux", "libc", "macos", "cuda"):
            value = getattr(sr, key)
            if value is not None and (key not in out or _version_key(value) > _version_key(out[key])):
                out[key] = value
        if sr.libc_family is not None:
            if "libc_family" in out and out["libc_family"] != sr.libc_family:
                raise manifest_error(
                    manifest,
                    _feature_path(feature.name) + ("system-requirements", "libc", "family"),
                    f"libc family `{sr.libc_family}` conflicts with `{out['libc_family']}` of feature `{family_from}`",
                    "use one libc family in the features of an environment",
                )
            out["libc_family"] = sr.libc_family
            family_from = feature.name
        if sr.archspec is not None:
            out.setdefault("archspec", sr.archspec)
    return SystemRequirements(**out)


def merge_channels(manifest: Manifest, features: list[Feature]) -> list[str]:
    ranked = []
    for order, feature in enumerate(features):
        channels = feature.channels
        if feature.name == DEFAULT_FEATURE and channels is None:
            channels = manifest.project.channels
        for pos, ref in enumerate(channels or []):
            ranked.append((-(ref.priority or 0), order, pos, ref.channel))
    if not ranked:  # no feature names channels (no-default-feature): the project's apply
        ranked = [(-(r.priority or 0), 0, i, r.channel) for i, r in enumerate(manifest.project.channels)]
    out: list[str] = []
    for *_, channel in sorted(ranked):
        if channel not in out:
            out.append(channel)
    return out


def _single(manifest, features, attr: str, key: str, what: str, scope: str):
    value, owner = None, None
    for feature in features:
        v = getattr(feature.pypi_options, attr)
        if v is None:
            continue
        if value is not None and v != value:
            raise manifest_error(
                manifest,
                _feature_path(feature.name) + ("pypi-options", key),
                f"{what} `{v}` of feature `{feature.name}` conflicts with `{value}` of feature `{owner}` in {scope}",
                f"only one {key} can be used per environment or solve-group: set it in one feature (or the same in all)",
            )
        value, owner = v, feature.name
    return value


def _union_list_or_bool(values):
    if any(v is True for v in values):
        return True
    out: list[str] = []
    for v in values:
        if isinstance(v, list):
            out.extend(x for x in v if x not in out)
    return out


def merge_pypi_options(manifest: Manifest, features: list[Feature], scope: str, base: bool = True) -> PyPIOptions:
    """The features' pypi-options over the workspace base ([workspace.pypi-options]): lists
    merge; a single value a feature sets overrides the base's (two features may not disagree)."""
    ws = manifest.project.pypi_options
    if base and ws != PyPIOptions():
        merged = merge_pypi_options(manifest, features, scope, base=False)
        # the base's lists first, the features' single values over the base's
        lists = merge_pypi_options(manifest, [Feature(name="workspace", pypi_options=msgspec.structs.replace(
            ws, index_url=None, index_strategy=None, prerelease_mode=None)), Feature(name="features", pypi_options=merged)],
            scope, base=False)
        return msgspec.structs.replace(lists, index_url=merged.index_url or ws.index_url,
                                       index_strategy=merged.index_strategy or ws.index_strategy,
                                       prerelease_mode=merged.prerelease_mode or ws.prerelease_mode)
    extra: list[str] = []
    links = []
    overrides: dict[str, PyPIRequirement] = {}
    for feature in features:
        o = feature.pypi_options
        extra.extend(u for u in o.extra_index_urls if u not in extra)
        links.extend(link for link in o.find_links if link not in links)
        for req in o.dependency_overrides:
            overrides.setdefault(_canonical_name(req.name), req)
    nbi = _union_list_or_bool([f.pypi_options.no_build_isolation for f in features])
    no_build = _union_list_or_bool([f.pypi_options.no_build for f in features])
    no_binary = _union_list_or_bool([f.pypi_options.no_binary for f in features])
    return PyPIOptions(
        index_url=_single(manifest, features, "index_url", "index-url", "index-url", scope),
        extra_index_urls=extra,
        find_links=links,
        no_build_isolation=nbi if nbi else [],
        index_strategy=_single(manifest, features, "index_strategy", "index-strategy", "index-strategy", scope),
        prerelease_mode=_single(manifest, features, "prerelease_mode", "prerelease-mode", "prerelease-mode", scope),
        no_build=no_build if no_build else False,
        no_binary=no_binary if no_binary else False,
        dependency_overrides=list(overrides.values()),
    )


def _setting_path(manifest: Manifest, feature: Feature, key: str) -> tuple:
    """Where a feature's ``key`` is written: the default feature's lives in [workspace]/[project]."""
    if feature.name != DEFAULT_FEATURE:
        return ("feature", feature.name, key)
    from .locate import Locator

    prefix = ("tool", "pixi") if manifest.kind == "pyproject" else ()
    try:
        locator = Locator(Path(manifest.path).read_text(encoding="utf-8"), prefix)
    except OSError:
        return ("workspace", key)
    return ("project", key) if locator.find(("project", key)) else ("workspace", key)


def single_setting(manifest: Manifest, features: list[Feature], attr: str, key: str, scope: str, default: str) -> str:
    """The one value of a conda setting (``channel-priority``, ``solve-strategy``) the features of an
    environment or solve group agree on; ``default`` when none sets it. Two different values are an
    error, as pixi makes it: the user decides, the solver does not pick one silently."""
    value, owner = None, None
    for feature in features:
        v = getattr(feature, attr)
        if v is None:
            continue
        if value is not None and v != value:
            raise manifest_error(
                manifest,
                _setting_path(manifest, feature, key),
                f"{key} `{v}` of feature `{feature.name}` conflicts with `{value}` of feature `{owner}` in {scope}",
                f"only one {key} can be used per environment or solve-group: set it in one feature (or the same in all)",
            )
        value, owner = v, feature.name
    return value if value is not None else default


def resolve_environment(manifest: Manifest, env: Environment) -> EnvironmentView:
    features = environment_features(manifest, env)
    scope = f"environment `{env.name}`"
    return EnvironmentView(
        name=env.name,
        features=[f.name for f in features],
        solve_group=env.solve_group,
        channels=merge_channels(manifest, features),
        platforms=merge_platforms(manifest, features),
        channel_priority=single_setting(manifest, features, "channel_priority", "channel-priority", scope, manifest.project.channel_priority),
        solve_strategy=single_setting(manifest, features, "solve_strategy", "solve-strategy", scope, manifest.project.solve_strategy),
        exclude_newer=manifest.project.exclude_newer,
        system_requirements=merge_system_requirements(manifest, features),
        pypi_options=merge_pypi_options(manifest, features, scope),
    )


# -- platform-level merging -----------------------------------------------------------------------


def _spec_order(features: list[Feature]) -> list[Feature]:
    """Requirement order: the default feature's first (as a manifest is usually read), then the rest."""
    return sorted(features, key=lambda f: 0 if f.name == DEFAULT_FEATURE else 1)


def _wildcard(pattern: str, name: str) -> bool:
    """pixi's target patterns: ``*`` is the only metacharacter, matched against the whole name."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), name) is not None


def target_selectors(manifest: Manifest | None, feature: Feature, platform: str) -> list[str]:
    """The feature's target selectors that apply to a workspace platform, least specific first:
    ``unix``, the OS family and the subdir, then ``*`` patterns matching the platform's name (in
    manifest order: a later one wins), then a rich platform's own name."""
    subdir = manifest.subdir(platform) if manifest is not None else platform
    out = selectors_for(subdir)
    out += [s for s in feature.targets if "*" in s and _wildcard(s, platform)]
    if platform != subdir:
        out.append(platform)
    return out


def _overlay(feature: Feature, platform: str, attr: str, manifest: Manifest | None = None) -> dict:
    out = dict(getattr(feature.base, attr))
    for selector in target_selectors(manifest, feature, platform):
        target = feature.targets.get(selector)
        if target is not None:
            out.update(getattr(target, attr))
    return out


_SIMPLE_VERSION = lazy(r"^[A-Za-z0-9_.*+!<>=~,\-]+$")


def _is_bare(spec: str) -> bool:
    return " " not in spec and "::" not in spec and "[" not in spec


def _is_simple(spec: str) -> bool:
    """``name <version>`` with a plain version range (no ``|``, build, channel or brackets)."""
    if "::" in spec or "[" in spec:
        return False
    parts = spec.split(" ")
    return len(parts) == 2 and _SIMPLE_VERSION.match(parts[1]) is not None


def combine_conda_specs(specs: list[str]) -> list[str]:
    """Requirements on one package from several features, as few specs as say the same thing.

    ``numpy`` adds nothing to ``numpy >=1``; plain version ranges join with ``,`` (and);
    anything richer (``|``, build strings, channels, brackets) stays a separate spec, which the
    solver requires together with the others."""
    unique = list(dict.fromkeys(specs))
    rich = [s for s in unique if not _is_bare(s)]
    if not rich:
        return unique[:1]
    simple = [s for s in rich if _is_simple(s)]
    out: list[str] = []
    if simple:
        name = simple[0].split(" ")[0]
        parts: list[str] = []
        for spec in simple:
            for part in spec.split(" ", 1)[1].split(","):
                if part not in parts and part != "*":
                    parts.append(part)
        out.append(f"{name} {','.join(parts)}" if parts else name)
    return out + [s for s in rich if not _is_simple(s)]


def _merge_conda(feature_deps: list[tuple[str, dict[str, CondaDependency]]], virtual: dict[str, str] | None = None):
    """[(feature, {name: dep})] -> (ordered specs, source deps); one package -> combined specs.
    A conditional dependency (``when``) on virtual packages counts only where ``virtual``
    (the platform's virtual packages, name -> version) meets its condition."""
    from .dependencies import condition_holds

    by_name: dict[str, list[str]] = {}
    sources: dict[str, CondaDependency] = {}
    for _feature, deps in feature_deps:
        for name, dep in deps.items():
            if dep.when is not None and virtual is not None and condition_holds(dep.when, virtual) is not True:
                continue  # false here, or decided by the solve (see conditional_specs)
            if dep.is_source:
                sources.setdefault(name, dep)
                continue
            by_name.setdefault(name, []).append(dep.spec)
    specs: list[str] = []
    for name, group in by_name.items():
        specs.extend(combine_conda_specs(group))
    return specs, list(sources.values())


def combine_pypi(manifest: Manifest, a: PyPIRequirement, b: PyPIRequirement, where: str) -> list[PyPIRequirement]:
    """Two requirements on one PyPI package (from two features or two environments)."""
    if a == b:
        return [a]
    a_src = a.git or a.path or a.url
    b_src = b.git or b.path or b.url
    if a_src and b_src and (a.git, a.path, a.url, a.rev, a.branch, a.tag, a.subdirectory) != (b.git, b.path, b.url, b.rev, b.branch, b.tag, b.subdirectory):
        raise ManifestError(
            f"`{a.name}` comes from two different sources in {where} ({a_src} and {b_src})",
            file=manifest.path,
            suggestion="give the package one source across the features of an environment",
        )
    if a.marker != b.marker:
        return [a, b]
    if a.index and b.index and a.index != b.index:
        raise ManifestError(
            f"`{a.name}` is pinned to two indexes in {where} (`{a.index}` and `{b.index}`)",
            file=manifest.path,
            suggestion="name one index for the package",
        )
    base = a if a_src else b if b_src else a
    spec_parts = [s for s in (a.specifier, b.specifier) if s]
    specifier = ",".join(dict.fromkeys(",".join(spec_parts).split(","))) if spec_parts and not (a_src or b_src) else base.specifier
    extras = list(dict.fromkeys([*a.extras, *b.extras]))
    return [
        msgspec.structs.replace(
            base,
            specifier=specifier,
            extras=extras,
            index=a.index or b.index,
            editable=a.editable or b.editable,
        )
    ]


def _canonical_name(name: str) -> str:
    # packaging is imported on first use: conda-only manifests never load it (start-up time)
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def _merge_pypi(manifest: Manifest, groups: list[list[PyPIRequirement]], where: str) -> list[PyPIRequirement]:
    by_name: dict[str, list[PyPIRequirement]] = {}
    for reqs in groups:
        for req in reqs:
            key = _canonical_name(req.name)
            existing = by_name.get(key)
            if existing is None:
                by_name[key] = [req]
                continue
            merged = False
            for i, prev in enumerate(existing):
                if prev.marker == req.marker:
                    existing[i : i + 1] = combine_pypi(manifest, prev, req, where)
                    merged = True
                    break
            if not merged:
                existing.append(req)
    return [r for reqs in by_name.values() for r in reqs]


class PlatformView(msgspec.Struct, kw_only=True):
    """An environment on one platform: everything ``inspect`` shows and a solve needs."""

    environment: str
    platform: str
    conda_specs: list[str]
    conda_sources: list[CondaDependency]
    constraints: list[str]
    pypi_requirements: list[PyPIRequirement]
    tasks: dict[str, Task]
    task_features: dict[str, str]
    activation: Activation
    conda_extras: dict[str, list[str]] = {}
    conditional_specs: list[tuple[str, str | dict]] = []


def conditional_specs(feature_deps, virtual) -> list[tuple[str, str | dict]]:
    """Conditional dependencies whose condition names installed packages (not only virtual
    ones): (spec, condition) pairs the solve decides, adding the spec when the condition holds."""
    from .dependencies import condition_holds

    out = []
    for _feature, deps in feature_deps:
        for dep in deps.values():
            if dep.when is not None and not dep.is_source and condition_holds(dep.when, virtual) is None:
                if (dep.spec, dep.when) not in out:
                    out.append((dep.spec, dep.when))
    return out


def _dev_dependencies(manifest: Manifest, dev: dict[str, CondaDependency], platform: str) -> dict[str, CondaDependency]:
    """``[dev]`` entries as what pixi installs for them: the package's declared build, host and
    run dependencies (those whose ``if(...)`` holds on this platform). A package whose manifest
    is not known stays a source dependency (it needs a build)."""
    import os

    from .packages import selector_condition_holds

    selectors = target_selectors(manifest, Feature(name="dev"), platform)
    out: dict[str, CondaDependency] = {}
    for name, dep in dev.items():
        path = (dep.source or {}).get("path")
        rel = os.path.relpath(path, manifest.root).replace(os.sep, "/") if path else None
        declared = manifest.dev_packages.get(rel) if rel else None
        if declared is None:
            out[name] = dep
            continue
        for inner, condition in declared:
            if condition is None or selector_condition_holds(condition, selectors):
                out.setdefault(inner.name, inner)
    return out


def platform_view(manifest: Manifest, env: Environment, platform: str) -> PlatformView:
    from ..conda.conditions import virtual_records

    features = _spec_order(environment_features(manifest, env))
    virtual = virtual_records(platform_virtual_packages(manifest, platform, merge_system_requirements(manifest, features)))
    deps = []
    for attr in ("dependencies", "host_dependencies", "build_dependencies"):
        deps.extend((f.name, _overlay(f, platform, attr, manifest)) for f in features)
    deps.extend((f.name, _dev_dependencies(manifest, _overlay(f, platform, "dev", manifest), platform)) for f in features)
    specs, sources = _merge_conda(deps, virtual)
    conditional = conditional_specs(deps, virtual)
    extras: dict[str, list[str]] = {}
    for _, table in deps:
        for name, dep in table.items():
            extras.setdefault(name, [])
            extras[name] += [e for e in dep.extras if e not in extras[name]]
    extras = {name: found for name, found in extras.items() if found}
    constraints, _ = _merge_conda([(f.name, _overlay(f, platform, "constraints", manifest)) for f in features], virtual)
    pypi = _merge_pypi(
        manifest,
        [list(_overlay(f, platform, "pypi_dependencies", manifest).values()) for f in features],
        f"environment `{env.name}`",
    )
    tasks: dict[str, Task] = {}
    owners: dict[str, str] = {}
    scripts: list[str] = []
    env_vars: dict[str, str] = {}
    for feature in environment_features(manifest, env):  # listed features win over the default one
        for name, task in _overlay(feature, platform, "tasks", manifest).items():
            if name not in tasks:
                tasks[name] = task
                owners[name] = feature.name
    for feature in features:
        chain = [feature.base] + [feature.targets[s] for s in target_selectors(manifest, feature, platform) if s in feature.targets]
        for target in chain:
            if target.activation is not None:
                scripts.extend(s for s in target.activation.scripts if s not in scripts)
                env_vars.update(target.activation.env)
    return PlatformView(
        environment=env.name,
        platform=platform,
        conda_specs=specs,
        conda_sources=sources,
        constraints=constraints,
        pypi_requirements=pypi,
        tasks=tasks,
        task_features=owners,
        activation=Activation(scripts=scripts, env=env_vars),
        conda_extras=extras,
        conditional_specs=conditional,
    )


# -- requests -------------------------------------------------------------------------------------


def virtual_packages(platform: str, sr: SystemRequirements) -> list[VirtualPackage]:
    """The virtual packages of a platform with the (default or stated) system requirements."""
    return platform_facts.virtual_packages(
        platform, linux=sr.linux, libc=sr.libc, libc_family=sr.libc_family, macos=sr.macos,
        cuda=sr.cuda, archspec=sr.archspec,
    )


def platform_virtual_packages(manifest: Manifest, platform: str, sr: SystemRequirements) -> list[VirtualPackage]:
    """A workspace platform's virtual packages: its subdir's defaults and the system
    requirements, with what a rich platform entry declares taking their place."""
    subdir = manifest.subdir(platform)
    base = virtual_packages(subdir, sr)
    entry = manifest.project.platform_entries.get(platform)
    if entry is None or not entry.virtual_packages:
        return base
    declared = []
    for name, version in entry.virtual_packages.items():
        if name == "__archspec":
            declared.append(VirtualPackage("__archspec", "1", version))
        else:
            declared.append(VirtualPackage(name, version))
    names = {v.name for v in declared}
    libc = {"__glibc", "__musl", "__eglibc"}
    if names & libc:
        names |= libc
    return [v for v in base if v.name not in names] + declared


def declared_virtual_packages(manifest: Manifest, platform: str) -> list[str]:
    """A rich platform's declared virtual packages as pixi's lock lists them (``__cuda=12``)."""
    entry = manifest.project.platform_entries.get(platform)
    if entry is None:
        return []
    return [f"__archspec=1={v}" if k == "__archspec" else f"{k}={v}" for k, v in entry.virtual_packages.items()]


def _declared(manifest: Manifest, platform: str, name: str) -> str | None:
    entry = manifest.project.platform_entries.get(platform)
    return entry.virtual_packages.get(name) if entry is not None else None


def pypi_indexes(manifest: Manifest, options: PyPIOptions, requirements: list[PyPIRequirement]) -> list[PyPIIndex]:
    """Indexes in the order they are consulted: extra-index-urls, the index-url and primary named
    indexes, supplemental ones; explicit ones (and URL ``index =`` values) only when a requirement
    names them."""
    out: list[PyPIIndex] = []

    def add(url: str, name: str | None, priority: str) -> None:
        if not any(i.url == url and i.priority == priority for i in out):
            out.append(PyPIIndex(url=url, name=name, priority=priority))

    for url in options.extra_index_urls:
        add(url, None, "extra")
    if options.index_url:
        add(options.index_url, None, "primary")
    for idx in manifest.pypi_indices:
        if idx.priority == "primary":
            add(idx.url, idx.name, "primary")
    for idx in manifest.pypi_indices:
        if idx.priority == "supplemental":
            add(idx.url, idx.name, "supplemental")
    named = {r.index for r in requirements if r.index}
    for idx in manifest.pypi_indices:
        if idx.priority == "explicit" and idx.name in named:
            add(idx.url, idx.name, "explicit")
    for ref in sorted(named):
        if is_url(ref) and not any(i.url == ref for i in out):
            add(ref, None, "explicit")
    return out


def _find_links(options: PyPIOptions) -> list[str]:
    return [link.url or link.path for link in options.find_links]


def conda_pypi_map(manifest: Manifest) -> dict:
    """The project's conda-pypi-map in the PyPI stage's form (see ``PyPIRequest.conda_pypi_map``)."""
    p = manifest.project
    out: dict = dict(p.conda_pypi_map)
    for channel in set(p.conda_pypi_map_inline) | set(p.conda_pypi_map_replace):
        entry: dict = {"mapping": dict(p.conda_pypi_map_inline.get(channel, {})),
                       "mode": "replace" if channel in p.conda_pypi_map_replace else "overlay"}
        if channel in p.conda_pypi_map:
            entry["location"] = p.conda_pypi_map[channel]
        out[channel] = entry
    for channel in p.conda_pypi_map_disabled:
        out[channel] = False
    return out


def _package_cutoffs(manifest: Manifest, features: list[Feature], platform: str, attr: str) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for feature in features:
        out.update(_overlay(feature, platform, attr, manifest))
    return out


def _pypi_request(manifest, platform, views: list[EnvironmentView], requirements, sr, cutoffs=None) -> PyPIRequest | None:
    if not requirements:
        return None
    scope = f"solve group `{views[0].solve_group}`" if len(views) > 1 else f"environment `{views[0].name}`"
    options = _target_pypi_options(manifest, views, platform, _merge_options_of_views(manifest, views, scope))
    kw: dict = {}
    nb = options.no_build
    extra_fields = PyPIRequest.__struct_fields__
    if "no_build_packages" in extra_fields and isinstance(nb, list):
        kw["no_build_packages"] = nb
    if "no_binary" in extra_fields:
        kw["no_binary"] = options.no_binary
    if "dependency_overrides" in extra_fields:
        kw["dependency_overrides"] = options.dependency_overrides
    if cutoffs:
        kw["exclude_newer_packages"] = cutoffs
    subdir = manifest.subdir(platform)
    return PyPIRequest(
        platform=subdir,
        requirements=requirements,
        indexes=pypi_indexes(manifest, options, requirements),
        find_links=_find_links(options),
        index_strategy=options.index_strategy or "first-index",
        prerelease_mode=options.prerelease_mode or PIXI_PRERELEASE_DEFAULT,
        no_build_isolation=options.no_build_isolation if options.no_build_isolation else False,
        no_build=nb is True,
        exclude_newer=manifest.project.exclude_newer,
        glibc=_declared(manifest, platform, "__glibc") or platform_facts.effective_glibc(subdir, sr.libc, sr.libc_family),
        macos=_declared(manifest, platform, "__osx") or platform_facts.effective_macos(subdir, sr.macos),
        conda_pypi_map=conda_pypi_map(manifest),
        project_root=manifest.root,
        **kw,
    )


def _target_pypi_options(manifest: Manifest, views: list[EnvironmentView], platform: str, options: PyPIOptions) -> PyPIOptions:
    """``[target.<selector>.pypi-options]`` of the environments' features over their options on
    this platform: single values replace, lists add."""
    for view in views:
        for name in view.features:
            feature = manifest.features.get(name)
            if feature is None:
                continue
            for selector in target_selectors(manifest, feature, platform):
                target = feature.targets.get(selector)
                o = target.pypi_options if target is not None else None
                if o is None:
                    continue
                options = msgspec.structs.replace(
                    options,
                    index_url=o.index_url or options.index_url,
                    index_strategy=o.index_strategy or options.index_strategy,
                    prerelease_mode=o.prerelease_mode or options.prerelease_mode,
                    extra_index_urls=options.extra_index_urls + [u for u in o.extra_index_urls if u not in options.extra_index_urls],
                    find_links=options.find_links + [f for f in o.find_links if f not in options.find_links],
                    dependency_overrides=list({_canonical_name(r.name): r for r in
                                               options.dependency_overrides + o.dependency_overrides}.values()),
                )
    return options


def _merge_options_of_views(manifest: Manifest, views: list[EnvironmentView], scope: str) -> PyPIOptions:
    if len(views) == 1:
        return views[0].pypi_options
    pseudo = [Feature(name=v.name, pypi_options=v.pypi_options) for v in views]
    try:
        return merge_pypi_options(manifest, pseudo, scope)
    except ManifestError as exc:  # name environments, not features, and point at [environments]
        raise ManifestError(
            exc.message.replace("of feature", "of environment"),
            file=manifest.path,
            key="environments",
            suggestion=exc.suggestion,
        ) from None


def select_environments(manifest: Manifest, names) -> list[str]:
    if not names:
        return list(manifest.environments)
    out = []
    for name in names:
        if name not in manifest.environments:
            guess = did_you_mean(name, manifest.environments)
            raise ManifestError(
                f"unknown environment `{name}`",
                file=manifest.path,
                suggestion=f"did you mean `{guess}`?" if guess else f"environments: {', '.join(manifest.environments)}",
            )
        if name not in out:
            out.append(name)
    return out


def select_platforms(manifest: Manifest, names) -> list[str] | None:
    if not names:
        return None
    known = list(KNOWN_SUBDIRS) + list(manifest.project.platform_entries)
    for name in names:
        if name not in known:
            guess = did_you_mean(name, known)
            raise ManifestError(
                f"unknown platform `{name}`",
                file=manifest.path,
                suggestion=f"did you mean `{guess}`?" if guess else f"known platforms: {', '.join(KNOWN_SUBDIRS)}",
            )
    return list(dict.fromkeys(names))


def build_requests(manifest: Manifest, environments=None, platforms=None) -> list[SolveUnit]:
    """One ``SolveUnit`` per (environment or solve group, platform) the selection covers.

    ``environments``/``platforms``: names to restrict to (None: all). Selecting an environment
    of a solve group brings the whole group (they are solved together). A platform an environment
    does not support yields nothing for it."""
    selected = select_environments(manifest, environments)
    wanted = select_platforms(manifest, platforms)
    views = {name: resolve_environment(manifest, env) for name, env in manifest.environments.items()}

    units_keys: list[tuple[str, str]] = []  # ("group", name) | ("env", name), in manifest order
    for name in selected:
        env = manifest.environments[name]
        key = ("group", env.solve_group) if env.solve_group else ("env", name)
        if key not in units_keys:
            units_keys.append(key)

    units: list[SolveUnit] = []
    for kind, key in units_keys:
        members = [e for e in manifest.environments.values() if (e.solve_group == key if kind == "group" else e.name == key)]
        member_views = [views[e.name] for e in members]
        plats: list[str] = []
        for v in member_views:
            plats.extend(p for p in v.platforms if p not in plats)
        for platform in plats:
            if wanted is not None and platform not in wanted:
                continue
            here = [(e, v) for e, v in zip(members, member_views) if platform in v.platforms]
            units.append(_unit(manifest, kind, key, platform, here))
    _record_environment_indexes(units, units)
    if wanted is not None:
        covered = {u.platform for u in units}
        missing = [p for p in wanted if p not in covered]
        if missing:
            raise ManifestError(
                f"platform {', '.join(missing)} is not supported by the selected environments",
                file=manifest.path,
                suggestion="add it to the project's (or the features') platforms",
            )
    return units


def _record_environment_indexes(every: list[SolveUnit], units: list[SolveUnit]) -> None:
    """Gives each unit the PyPI indexes of its environments over all their platforms in ``every``
    (the units built: every platform unless a selection narrowed them): the lock records one
    list per environment, their union."""
    by_env: dict[str, list[str]] = {}
    for unit in every:
        if unit.pypi is None:
            continue
        for name in unit.environments:
            found = by_env.setdefault(name, [])
            found.extend(i.url for i in unit.pypi.indexes if i.priority != "explicit" and i.url not in found)
    for unit in units:
        union: list[str] = []
        for name in unit.environments:
            union.extend(u for u in by_env.get(name, []) if u not in union)
        unit.environment_indexes = union


def _unit(manifest: Manifest, kind: str, key: str, platform: str, members) -> SolveUnit:
    member_requests: list[MemberRequest] = []
    pviews = []
    for env, view in members:
        pv = platform_view(manifest, env, platform)
        pviews.append(pv)
        member_requests.append(
            MemberRequest(
                environment=env.name,
                conda_specs=pv.conda_specs,
                pypi_requirements=pv.pypi_requirements,
                conda_sources=pv.conda_sources,
                channels=view.channels,
                conda_extras=pv.conda_extras,
                conditional_specs=pv.conditional_specs,
            )
        )
    views = [v for _, v in members]
    if len(members) == 1:
        specs, constraints = pviews[0].conda_specs, pviews[0].constraints
        sources = pviews[0].conda_sources
        pypi_reqs = pviews[0].pypi_requirements
        sr = views[0].system_requirements
    else:
        by_name: dict[str, list[str]] = {}
        for pv in pviews:
            for spec in pv.conda_specs:
                by_name.setdefault(_spec_name(spec), []).append(spec)
        specs = [s for group in by_name.values() for s in combine_conda_specs(group)]
        cons: dict[str, list[str]] = {}
        for pv in pviews:
            for spec in pv.constraints:
                cons.setdefault(_spec_name(spec), []).append(spec)
        constraints = [s for group in cons.values() for s in combine_conda_specs(group)]
        sources = list({d.name: d for pv in pviews for d in pv.conda_sources}.values())
        pypi_reqs = _merge_pypi(manifest, [pv.pypi_requirements for pv in pviews], f"solve group `{key}`")
        sr = merge_system_requirements(manifest, [Feature(name=v.name, system_requirements=v.system_requirements) for v in views])
    channels: list[str] = []
    for v in views:
        channels.extend(c for c in v.channels if c not in channels)
    channel_priority, solve_strategy = views[0].channel_priority, views[0].solve_strategy
    if len(members) > 1:  # a solve group has one conda solve: its environments' features must agree
        group_feature_by_name: dict[str, Feature] = {}
        for env, _ in members:
            for feature in environment_features(manifest, env):
                group_feature_by_name.setdefault(feature.name, feature)
        group_features = list(group_feature_by_name.values())
        scope = f"solve group `{key}`"
        channel_priority = single_setting(manifest, group_features, "channel_priority", "channel-priority", scope, manifest.project.channel_priority)
        solve_strategy = single_setting(manifest, group_features, "solve_strategy", "solve-strategy", scope, manifest.project.solve_strategy)
    unit_features: dict[str, Feature] = {}
    for env, _ in members:
        for feature in environment_features(manifest, env):
            unit_features.setdefault(feature.name, feature)
    features = _spec_order(list(unit_features.values()))
    conda = CondaRequest(
        platform=manifest.subdir(platform),
        specs=specs,
        channels=channels,
        virtual_packages=platform_virtual_packages(manifest, platform, sr),
        channel_priority=channel_priority,
        strategy=solve_strategy,
        exclude_newer=manifest.project.exclude_newer,
        exclude_newer_packages=_package_cutoffs(manifest, features, platform, "exclude_newer"),
        constraints=constraints,
    )
    return SolveUnit(
        environment=key if kind == "env" else None,
        platform=platform,
        solve_group=key if kind == "group" else None,
        conda=conda,
        pypi=_pypi_request(manifest, platform, views, pypi_reqs, sr, _package_cutoffs(manifest, features, platform, "pypi_exclude_newer")),
        members=member_requests,
        conda_sources=sources,
        system_requirements=sr,
        declared_virtual_packages=declared_virtual_packages(manifest, platform),
        conditional_specs=[c for pv in pviews for c in pv.conditional_specs],
        conda_extras={name: sorted({e for pv in pviews for e in pv.conda_extras.get(name, [])})
                      for name in {n for pv in pviews for n in pv.conda_extras}},
        project_root=manifest.root,
        exclude_newer_relative=manifest.project.exclude_newer_relative is not None,
        pypi_prerelease_mode=next((v.pypi_options.prerelease_mode for v in views if v.pypi_options.prerelease_mode), None),
    )


def _spec_name(spec: str) -> str:
    name = spec.split("::", 1)[-1]
    return re.split(r"[ \[<>=!~]", name, maxsplit=1)[0]
