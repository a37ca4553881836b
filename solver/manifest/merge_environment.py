"""Environment-level merging: an environment's features into one ``EnvironmentView``.

What an environment is before any platform is chosen: its channels, platforms, system
requirements, pypi-options and conda settings, merged over its features by the reference's rules:

- an environment's features are the ones it lists, then the default feature (unless
  ``no-default-feature``);
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
  environment or solve group, otherwise it is an error.

Conflicts are reported at the manifest key at fault (``manifest_error``). Per-platform merging
lives in ``merge_platform``, the solve requests in ``requests``; both build on this module.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from ..options import ChannelPriority, SolveStrategy
from ..pypi.model import PyPIRequirement
from .errors import ManifestError, format_key
from .model import (
    DEFAULT_FEATURE,
    Environment,
    Feature,
    Manifest,
    PyPIOptions,
    SystemRequirements,
    environment_features,
    merge_platforms,
)


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
    cutoffs: dict[str, int | None] = {}
    links = []
    overrides: dict[str, PyPIRequirement] = {}
    for feature in features:
        o = feature.pypi_options
        extra.extend(u for u in o.extra_index_urls if u not in extra)
        for url, cutoff in o.index_exclude_newer.items():
            cutoffs.setdefault(url, cutoff)
        links.extend(link for link in o.find_links if link not in links)
        for req in o.dependency_overrides:
            overrides.setdefault(canonical_name(req.name), req)
    nbi = _union_list_or_bool([f.pypi_options.no_build_isolation for f in features])
    no_build = _union_list_or_bool([f.pypi_options.no_build for f in features])
    no_binary = _union_list_or_bool([f.pypi_options.no_binary for f in features])
    return PyPIOptions(
        index_url=_single(manifest, features, "index_url", "index-url", "index-url", scope),
        extra_index_urls=extra,
        index_exclude_newer=cutoffs,
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


def canonical_name(name: str) -> str:
    # packaging is imported on first use: conda-only manifests never load it (start-up time)
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)
