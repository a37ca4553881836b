"""Platform-level merging: an environment on one platform into one ``PlatformView``.

What an environment needs on one platform: its target tables overlaid, the requirements of its
features combined (conda and PyPI), conditional and ``[dev]`` dependencies resolved, tasks and
activation; and the platform's virtual packages those conditions are read against. The rules:

- target tables overlay the feature's own tables per package name, least specific first:
  unconditional, ``unix``, the OS family (``linux``/``osx``/``win``), the exact platform;
- dependencies (run, host and build: an environment holds all three) and PyPI dependencies are the
  union over the features; requirements on one package from several features are combined.

Builds on ``merge_environment`` (system requirements); ``requests`` builds the solve requests
from these views, and ``inspect`` shows them.
"""

from __future__ import annotations

import re

import msgspec

from ..conda.model import VirtualPackage
from ..pypi.model import PyPIRequirement
from .. import platform as platform_facts
from ..platform import selectors_for
from .errors import ManifestError
from .merge_environment import canonical_name, merge_system_requirements
from .model import (
    DEFAULT_FEATURE,
    Activation,
    CondaDependency,
    Environment,
    Feature,
    Manifest,
    SystemRequirements,
    Task,
    environment_features,
)


def spec_order(features: list[Feature]) -> list[Feature]:
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


def overlay(feature: Feature, platform: str, attr: str, manifest: Manifest | None = None) -> dict:
    out = dict(getattr(feature.base, attr))
    for selector in target_selectors(manifest, feature, platform):
        target = feature.targets.get(selector)
        if target is not None:
            out.update(getattr(target, attr))
    return out


_SIMPLE_VERSION_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.*+!<>=~,-")


def _is_bare(spec: str) -> bool:
    return " " not in spec and "::" not in spec and "[" not in spec


def _is_simple(spec: str) -> bool:
    """``name <version>`` with a plain version range (no ``|``, build, channel or brackets)."""
    if "::" in spec or "[" in spec:
        return False
    parts = spec.split(" ")
    return len(parts) == 2 and parts[1] != "" and set(parts[1]) <= _SIMPLE_VERSION_CHARS


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


def merge_pypi(manifest: Manifest, groups: list[list[PyPIRequirement]], where: str) -> list[PyPIRequirement]:
    by_name: dict[str, list[PyPIRequirement]] = {}
    for reqs in groups:
        for req in reqs:
            key = canonical_name(req.name)
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
    conda_flags: dict[str, list[str]] = {}  # name -> variant-flag matchers (all must hold)
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

    features = spec_order(environment_features(manifest, env))
    virtual = virtual_records(platform_virtual_packages(manifest, platform, merge_system_requirements(manifest, features)))
    deps = []
    for attr in ("dependencies", "host_dependencies", "build_dependencies"):
        deps.extend((f.name, overlay(f, platform, attr, manifest)) for f in features)
    deps.extend((f.name, _dev_dependencies(manifest, overlay(f, platform, "dev", manifest), platform)) for f in features)
    specs, sources = _merge_conda(deps, virtual)
    conditional = conditional_specs(deps, virtual)
    extras: dict[str, list[str]] = {}
    for _, table in deps:
        for name, dep in table.items():
            extras.setdefault(name, [])
            extras[name] += [e for e in dep.extras if e not in extras[name]]
    extras = {name: found for name, found in extras.items() if found}
    flags: dict[str, list[str]] = {}
    for _, table in deps:
        for name, dep in table.items():
            if dep.flags and not dep.is_source:
                flags.setdefault(name, [])
                flags[name] += [f for f in dep.flags if f not in flags[name]]
    constraints, _ = _merge_conda([(f.name, overlay(f, platform, "constraints", manifest)) for f in features], virtual)
    pypi = merge_pypi(
        manifest,
        [list(overlay(f, platform, "pypi_dependencies", manifest).values()) for f in features],
        f"environment `{env.name}`",
    )
    tasks: dict[str, Task] = {}
    owners: dict[str, str] = {}
    scripts: list[str] = []
    env_vars: dict[str, str] = {}
    for feature in environment_features(manifest, env):  # listed features win over the default one
        for name, task in overlay(feature, platform, "tasks", manifest).items():
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
        conda_flags=flags,
        conditional_specs=conditional,
    )


# -- a platform's virtual packages ---------------------------------------------------------------


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
