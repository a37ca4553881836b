"""Building the solve requests: the merged views into one ``SolveUnit`` per (environment or
solve group, platform).

Selecting environments and platforms, then per unit the conda request (specs, channels, virtual
packages, settings) and the PyPI request (indexes in consultation order, find-links, the
conda-pypi map, per-target pypi-options, exclude-newer cutoffs). Environments of one solve group
are solved together: one ``SolveUnit`` per (group, platform) with the union of the members'
requirements, and each member's own requirements beside it.

The merging itself lives in ``merge_environment`` (features into an environment) and
``merge_platform`` (an environment on one platform); this module only assembles their results.
"""

from __future__ import annotations

import re

import msgspec

from ..conda.model import CondaRequest
from ..pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement
from .. import platform as platform_facts
from ..platform import KNOWN_SUBDIRS
from .checks import is_url
from .errors import ManifestError, did_you_mean
from .merge_environment import (
    EnvironmentView,
    canonical_name,
    merge_pypi_options,
    merge_system_requirements,
    resolve_environment,
    single_setting,
)
from .merge_platform import (
    combine_conda_specs,
    merge_pypi,
    overlay,
    platform_view,
    platform_virtual_packages,
    spec_order,
    target_selectors,
)
from .model import (
    Feature,
    Manifest,
    MemberRequest,
    PyPIOptions,
    SolveUnit,
    environment_features,
)


#: pixi's default prerelease mode (uv's): what its locks record when the manifest says nothing.
PIXI_PRERELEASE_DEFAULT = "if-necessary-or-explicit"


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
            own = url in options.index_exclude_newer
            out.append(PyPIIndex(url=url, name=name, priority=priority, own_cutoff=own,
                                 exclude_newer=options.index_exclude_newer.get(url)))

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
        out.update(overlay(feature, platform, attr, manifest))
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
                    index_exclude_newer={**o.index_exclude_newer, **options.index_exclude_newer},
                    find_links=options.find_links + [f for f in o.find_links if f not in options.find_links],
                    dependency_overrides=list({canonical_name(r.name): r for r in
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
        pypi_reqs = merge_pypi(manifest, [pv.pypi_requirements for pv in pviews], f"solve group `{key}`")
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
    features = spec_order(list(unit_features.values()))
    conda = CondaRequest(
        platform=manifest.subdir(platform),
        specs=specs,
        channels=channels,
        virtual_packages=platform_virtual_packages(manifest, platform, sr),
        channel_priority=channel_priority,
        strategy=solve_strategy,
        exclude_newer=manifest.project.exclude_newer,
        exclude_newer_packages=_package_cutoffs(manifest, features, platform, "exclude_newer"),
        flags={name: sorted({f for pv in pviews for f in pv.conda_flags.get(name, [])})
               for name in sorted({n for pv in pviews for n in pv.conda_flags})},
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
