"""Turning solve results into a :class:`LockFile`, and the per-environment header (channels,
indexes, options) both the writer and the satisfiability check derive from a solve unit.

A solve unit is ``solver.manifest.model.SolveUnit`` (duck-typed here: the lock layer does not
import the manifest): ``environment``, ``platform``, ``solve_group``, ``conda`` (CondaRequest),
``pypi`` (PyPIRequest or None), ``members`` (each ``environment``, ``conda_specs``,
``pypi_requirements``, ``channels``).
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Iterable

import msgspec

from ..conda.model import PackageRecord
from ..pypi.model import PyPIPackage
from . import urls
from .match import conda_closure, parse_requirement, target_markers
from .model import LockedEnvironment, LockedPlatform, LockFile, SolveOptions

_STRATEGY = {"highest": None, "lowest": "lowest-version", "lowest-direct": "lowest-version-direct"}


class UnitResult(msgspec.Struct, kw_only=True):
    """What one solve unit resolved to (the whole unit: a solve group holds all its members)."""

    unit: Any
    conda: list[PackageRecord]
    pypi: list[PyPIPackage] = []


def channel_url(channel: str, channel_alias: str | None = None, project_root: str | None = None) -> str:
    """A channel as the lock names it: its credential-free URL with a trailing slash; a local
    channel inside the project as a path relative to it (``./channels/demo/``), so the lock does
    not depend on where the project is checked out."""
    if "://" not in channel:
        try:
            from ..conda.channel import Channel

            channel = Channel.parse(channel, channel_alias).canonical_url
        except Exception:
            return channel
    if channel.startswith("file:") and project_root:
        from ..conda.channel import file_url_to_path

        rel = relative_to_project(str(file_url_to_path(channel)), project_root)
        if not rel.startswith("/") and "://" not in rel and not (len(rel) > 1 and rel[1] == ":"):
            return rel.rstrip("/") + "/"
    return urls.strip_conda_credentials(channel).rstrip("/") + "/"


def format_exclude_newer(ms: int) -> str:
    t = _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)
    if ms % 1000:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def unit_options(unit) -> SolveOptions:
    conda = unit.conda
    exclude = conda.exclude_newer
    if exclude is None and unit.pypi is not None:
        exclude = unit.pypi.exclude_newer
    if getattr(unit, "exclude_newer_relative", False):
        exclude = None  # a moving cutoff: the locked packages' timestamps are judged, not a date
    return SolveOptions(
        strategy=_STRATEGY.get(conda.strategy, conda.strategy),
        channel_priority=None if conda.channel_priority == "strict" else conda.channel_priority,
        exclude_newer=format_exclude_newer(exclude) if exclude is not None else None,
        pypi_prerelease_mode=prerelease_mode_to_lock(unit),
    )


#: pixi's (and uv's) prerelease mode: current pixi does not spell it out in the lock.
DEFAULT_PRERELEASE_MODE = "if-necessary-or-explicit"


def prerelease_mode_to_lock(unit) -> str | None:
    """The ``pypi-prerelease-mode`` option the lock records: the environment's mode, left out
    when it is pixi's default (as pixi writes it; a lock without it means the default)."""
    mode = getattr(unit, "pypi_prerelease_mode", None)
    if mode is None and unit.pypi is not None:
        mode = unit.pypi.prerelease_mode
    return None if mode in (None, DEFAULT_PRERELEASE_MODE) else mode


def member_channels(unit, member, channel_alias: str | None = None) -> list[str]:
    channels = getattr(member, "channels", None) or unit.conda.channels
    root = getattr(unit, "project_root", None)
    return [channel_url(c, channel_alias, root) for c in channels]


def manifest_indexes(unit) -> list[str]:
    """The indexes the manifest names for every package (index-url, extra-index-urls, primary and
    supplemental named ones), credential-free; not the explicit ones a single dependency names."""
    return [urls.strip_credentials(i.url) for i in unit.pypi.indexes if i.priority != "explicit"]


def has_primary_index(unit) -> bool:
    return any(i.priority == "primary" for i in unit.pypi.indexes)


def unit_indexes(unit, env=None) -> list[str] | None:
    """What the lock records as the environment's ``indexes`` (as pixi does: the indexes every
    package may come from; an index one dependency names is on that package's entry). Without a
    main index in the manifest, the one the solve used stands in for pixi's default: the machine's
    configured default index (see :func:`solver.pypi.config.configured_default_index`)."""
    if unit.pypi is None:
        return None
    out = manifest_indexes(unit)
    if not has_primary_index(unit):
        from ..pypi.config import configured_default_index

        default = configured_default_index(env)
        if default and urls.strip_credentials(default) not in out:
            out.append(urls.strip_credentials(default))
    return out


def indexes_agree(unit, locked: list[str], env=None) -> bool:
    """Whether the lock's recorded ``indexes`` still fit the manifest.

    The same set fits. Beyond that, a manifest that names no main index gets pixi's built-in
    default, which pixi records in the lock; this project never writes that index's host down, so
    the rule is: the recorded list must hold every index the manifest names plus exactly one
    more, the default that was used. When the machine configures a default index now
    (``PIP_INDEX_URL``, pip.conf, ...) that one more must be it; with nothing configured, any
    single recorded default is accepted (it is what pixi used with nothing configured)."""
    want = unit_indexes(unit, env)
    if sorted(want) == sorted(locked):
        return True
    union = [urls.strip_credentials(u) for u in getattr(unit, "environment_indexes", []) or []]
    if union and sorted(union) == sorted(locked) and all(u in locked for u in want):
        return True  # the environment's indexes differ per platform: the lock records their union
    if has_primary_index(unit):
        return False
    named = manifest_indexes(unit)
    if any(u not in locked for u in named):
        return False
    extra = [u for u in locked if u not in named]
    from ..pypi.config import configured_default_index

    default = configured_default_index(env)
    if default:
        return extra == [urls.strip_credentials(default)]
    return len(extra) == 1


def is_source_record(record: PackageRecord) -> bool:
    """A locked source package (pixi-build): located by its source (a path), not an archive URL."""
    return "://" not in record.url


def archive_location(path: str, project_root: str | None) -> str:
    """A package archive named by path, as pixi's lock records it: relative to the project, also
    when it lies outside it (``../dist/foo-1.0-0.conda``)."""
    if not project_root or not os.path.isabs(path):
        return path
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(project_root)).replace(os.sep, "/")
    return rel if rel.startswith("../") else f"./{rel}"


def same_archive(location: str, path: str, project_root: str | None) -> bool:
    """Does a locked location name the archive at ``path``? pixi writes it relative to the
    project; older pixi wrote the absolute path: both name the same file."""
    if "://" in location:
        return False
    base = os.path.abspath(project_root) if project_root else os.getcwd()
    return os.path.normpath(os.path.join(base, location)) == os.path.normpath(os.path.join(base, path))


def archive_unchanged(record: PackageRecord, path: str) -> bool:
    """The archive at ``path`` is still the one ``record`` locks (its size and sha256): one rebuilt
    under the same file name has other contents, which an install from the lock would reject."""
    from ..conda.archive import file_digests

    try:
        if record.size is not None and os.path.getsize(path) != record.size:
            return False
        return not record.sha256 or file_digests(path, ("sha256",))["sha256"] == record.sha256
    except OSError:
        return False


def has_manifest_hashes(record: PackageRecord, source: dict) -> bool:
    """The record has the sha256 / md5 the manifest gives its archive (a new upload under the same
    URL comes with a new hash in the manifest: the lock's record is the old file's)."""
    return all(getattr(record, key) == source[key] for key in ("sha256", "md5") if key in source)


def locked_sources(unit, locked: list[PackageRecord]) -> list[PackageRecord]:
    """The unit's source dependencies that a previous lock holds, built from the same source:
    their metadata (depends) is known without building them again. A package archive named by
    path is held when the lock names the same file, unchanged."""
    from ..conda.archive import is_archive_path

    root = getattr(unit, "project_root", None)
    out = []
    for dep in unit.conda_sources:
        path = (dep.source or {}).get("path")
        if path and is_archive_path(path):
            held = [r for r in locked if r.name == dep.name and same_archive(r.url, path, root) and archive_unchanged(r, path)]
            out.extend(held[:1])
            continue
        url = (dep.source or {}).get("url")
        if url and is_archive_path(url):  # a downloaded archive: held when the lock names that URL
            held = [r for r in locked if r.name == dep.name and r.url == urls.strip_conda_credentials(url)
                    and has_manifest_hashes(r, dep.source)]
            out.extend(held[:1])
            continue
        want = relative_to_project(path, root).removeprefix("./").rstrip("/") if path else None
        for r in locked:
            if r.name == dep.name and is_source_record(r) and (want is None or r.url.removeprefix("./").rstrip("/") == want):
                out.append(r)
                break
    return out


def relative_to_project(path: str, project_root: str | None) -> str:
    """A local path inside the project as ``./sub/path`` (so the lock does not depend on where the
    project is checked out); other paths and URLs unchanged."""
    if not project_root or "://" in path or not os.path.isabs(path):
        return path
    root = os.path.abspath(project_root)
    full = os.path.abspath(path)
    if full != root and not full.startswith(root.rstrip(os.sep) + os.sep):
        return path
    rel = os.path.relpath(full, root).replace(os.sep, "/")
    return "." if rel == "." else f"./{rel}"


def unit_find_links(unit) -> list[str]:
    if unit.pypi is None:
        return []
    root = unit.pypi.project_root
    return [relative_to_project(urls.strip_credentials(f), root) for f in unit.pypi.find_links]


def member_subset(unit, member, conda: list[PackageRecord], pypi: list[PyPIPackage]):
    """The part of a solve group's solution one member environment needs: everything reachable
    from its own specs through ``depends`` (conda) and ``requires_dist`` (PyPI, markers evaluated
    for the platform and the locked python)."""
    from ..conda.conditions import condition_met, virtual_records

    present = {r.name: r for r in conda} | virtual_records(unit.conda.virtual_packages)
    conditional = [spec for spec, condition in getattr(member, "conditional_specs", []) if condition_met(condition, present)]
    requested = list(member.conda_specs) + conditional + [d.name for d in getattr(member, "conda_sources", [])]
    seen = conda_closure(requested, {r.name: r for r in conda}, getattr(member, "conda_extras", None))
    conda_subset = [r for r in conda if r.name in seen]

    env = target_markers(unit.conda.platform, conda_subset)
    pkgs = {urls.normalize_pypi_name(p.name): p for p in pypi}
    wanted: dict[str, set[str]] = {}
    todo2 = [(urls.normalize_pypi_name(r.name), set(r.extras)) for r in getattr(member, "pypi_requirements", [])]
    while todo2:
        name, extras = todo2.pop()
        if name not in pkgs:
            continue
        known = wanted.get(name)
        if known is not None and extras <= known:
            continue
        wanted[name] = (known or set()) | extras
        for text in pkgs[name].requires_dist:
            req = parse_requirement(text)
            if req.applies(env, wanted[name]):
                todo2.append((req.name, set(req.req.extras)))
    pypi_subset = [p for p in pypi if urls.normalize_pypi_name(p.name) in wanted]
    return conda_subset, pypi_subset


def member_shares(result: UnitResult) -> Iterable[tuple[Any, list[PackageRecord], list[PyPIPackage]]]:
    """(member, conda, pypi) for each environment of a unit's result."""
    unit = result.unit
    members = list(unit.members)
    if unit.solve_group is None or len(members) <= 1:
        for m in members:
            yield m, list(result.conda), list(result.pypi)
        return
    for m in members:
        c, p = member_subset(unit, m, result.conda, result.pypi)
        yield m, c, p


def assemble_lock(
    results: list[UnitResult],
    previous: LockFile | None = None,
    *,
    wanted: dict[str, set[str]] | None = None,
    channel_alias: str | None = None,
    version: int | None = None,
) -> LockFile:
    """A new lock: the solved (environment, platform) pairs from ``results``, and from
    ``previous`` every other pair ``wanted`` (environment -> platforms the manifest has) keeps.
    With ``wanted`` None, every pair of ``previous`` not solved now is kept."""
    envs: dict[str, LockedEnvironment] = {}
    if previous is not None:
        for name, env in previous.environments.items():
            keep_platforms = None if wanted is None else wanted.get(name)
            if wanted is not None and keep_platforms is None:
                continue  # the environment is gone from the manifest
            conda = {p: list(v) for p, v in env.conda.items() if keep_platforms is None or p in keep_platforms}
            pypi = {p: list(v) for p, v in env.pypi.items() if keep_platforms is None or p in keep_platforms}
            extras = {p: dict(v) for p, v in env.pypi_extras.items() if keep_platforms is None or p in keep_platforms}
            envs[name] = LockedEnvironment(
                name=name, channels=list(env.channels), indexes=env.indexes, find_links=list(env.find_links),
                options=env.options, conda=conda, pypi=pypi, pypi_extras=extras,
            )

    virtual: dict[str, list[str]] = {}
    subdirs: dict[str, str] = {}  # a rich workspace platform's name -> its conda subdir
    for result in sorted(results, key=lambda r: (r.unit.environment != "default", str(r.unit.environment or r.unit.solve_group))):
        unit = result.unit
        virtual.setdefault(unit.platform, list(getattr(unit, "declared_virtual_packages", []) or []))
        if unit.conda.platform != unit.platform:
            subdirs[unit.platform] = unit.conda.platform
        for member, conda, pypi in member_shares(result):
            name = member.environment
            env = envs.get(name)
            header = dict(
                channels=member_channels(unit, member, channel_alias),
                indexes=unit_indexes(unit),
                find_links=unit_find_links(unit),
                options=unit_options(unit),
            )
            if env is None:
                env = envs[name] = LockedEnvironment(name=name, conda={}, pypi={}, **header)
            else:
                for key, value in header.items():
                    setattr(env, key, value)
            env.pypi_extras.pop(unit.platform, None)  # solved anew: no extras recorded (as pixi)
            env.conda[unit.platform] = sorted(conda, key=lambda r: (r.name, r.url))
            if pypi:
                env.pypi[unit.platform] = sorted(pypi, key=lambda p: (urls.normalize_pypi_name(p.name), p.url or p.path or ""))
            else:
                env.pypi.pop(unit.platform, None)

    platforms: dict[str, LockedPlatform] = {}
    if previous is not None:
        for p in previous.platforms:
            platforms[p.name] = p
    for name, vps in virtual.items():
        platforms[name] = LockedPlatform(name=name, subdir=subdirs.get(name), virtual_packages=vps)
    # (pixi lists only what a rich platform declares: a bare platform's defaults are not spelled out)
    used = {p for env in envs.values() for p in env.platforms()}
    kept = [platforms.get(n) or LockedPlatform(name=n) for n in sorted(used)]
    from .model import DEFAULT_VERSION

    return LockFile(version=version or DEFAULT_VERSION, platforms=kept, environments=dict(sorted(envs.items())))
