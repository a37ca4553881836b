"""Is the lock still good? Decided offline from the manifest's solve units and the lock alone.

A lock satisfies a unit when, for every member environment on the unit's platform: the
environment and platform are locked; channels, PyPI indexes and solve options are unchanged;
every requested conda spec and PyPI requirement is met by a locked package; every locked
package's own dependencies are met inside the lock; and nothing is locked that nothing needs.
Each failure is one readable reason; the first one is what ``--locked`` shows first.
"""

from __future__ import annotations

from typing import Iterable

import msgspec

from ..conda.model import PackageRecord
from ..errors import InputError
from ..pypi.model import PyPIPackage
from . import urls
from .build import (
    DEFAULT_PRERELEASE_MODE,
    channel_url,
    format_exclude_newer,
    has_primary_index,
    indexes_agree,
    manifest_indexes,
    member_channels,
    relative_to_project,
    unit_find_links,
    unit_indexes,
    unit_options,
)
from .match import (
    conda_closure,
    conda_matches,
    parse_requirement,
    requirement_satisfied_by,
    spec_name,
    target_markers,
)
from .model import LockFile


def _show(record: PackageRecord) -> str:
    return f"{record.name} {record.version} {record.build}"


def _check_conda(where: str, unit, member, records: list[PackageRecord]) -> list[str]:
    reasons: list[str] = []
    by_name: dict[str, list[PackageRecord]] = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    virtual = {v.name for v in unit.conda.virtual_packages}

    def satisfied(spec: str) -> tuple[bool, str]:
        name = spec_name(spec)
        if name.startswith("__"):
            return (not virtual or name in virtual, f"virtual package {name} is not available on {unit.platform}")
        found = by_name.get(name)
        if not found:
            return False, f"nothing named {name} is locked"
        if any(conda_matches(spec, r) for r in found):
            return True, ""
        return False, "locked: " + ", ".join(_show(r) for r in found)

    # a conditional dependency whose condition the locked packages meet is requested too
    from ..conda.conditions import condition_met, virtual_records

    present = {name: found[0] for name, found in by_name.items()} | virtual_records(unit.conda.virtual_packages)
    conditional = [spec for spec, condition in getattr(member, "conditional_specs", []) if condition_met(condition, present)]
    sources = {d.name for d in getattr(member, "conda_sources", [])}
    for spec in list(member.conda_specs) + conditional:
        ok, why = satisfied(spec)
        if not ok:
            reasons.append(f"{where}: the requested `{spec}` is not met ({why})")
        elif spec_name(spec) not in sources and all(_is_source_record(r) for r in by_name.get(spec_name(spec), [None])):
            # a binary spec is met by a package from a channel, never by one built from source
            reasons.append(f"{where}: the requested `{spec}` is locked as a source package ({spec_name(spec)} from "
                           f"{by_name[spec_name(spec)][0].url}), but the manifest asks for a binary one")
    for spec in unit.conda.constraints:
        name = spec_name(spec)
        for r in by_name.get(name, []):
            if not conda_matches(spec, r):
                reasons.append(f"{where}: the constraint `{spec}` is not met by the locked {_show(r)}")
    for r in records:
        for dep in r.depends:
            ok, why = satisfied(dep)
            if not ok:
                reasons.append(f"{where}: {_show(r)} depends on `{dep}`, which the lock does not meet ({why})")
        for con in r.constrains:
            for other in by_name.get(spec_name(con), []):
                if not conda_matches(con, other):
                    reasons.append(f"{where}: {_show(r)} constrains `{con}`, but {_show(other)} is locked")
    for r in records:  # pixi records each package's timestamp: one newer than the cutoff is out
        cutoff = unit.conda.exclude_newer_packages.get(r.name, unit.conda.exclude_newer)
        if cutoff is not None and r.timestamp is not None and r.timestamp > cutoff:
            reasons.append(f"{where}: the locked {_show(r)} is newer than exclude-newer ({format_exclude_newer(r.timestamp)} > {format_exclude_newer(cutoff)})")
    for name, wanted in (getattr(unit.conda, "flags", None) or {}).items():
        from ..conda.flags import flags_match

        for r in by_name.get(name, []):
            if not flags_match(wanted, r.flags):
                reasons.append(f"{where}: the locked {_show(r)} has flags {sorted(r.flags or [])}, which do not match {wanted}")
    for name, found in by_name.items():
        if len(found) > 1:
            reasons.append(f"{where}: {name} is locked more than once ({', '.join(_show(r) for r in found)})")

    # Source packages (path/git/url dependencies): locked as records whose location is the source
    root = getattr(unit, "project_root", None)
    for dep in getattr(member, "conda_sources", []):
        from ..conda.archive import is_archive_path

        # an archive by URL is locked under it; for any other source a channel's record is not it
        archive = is_archive_path(str((dep.source or {}).get("path") or (dep.source or {}).get("url") or ""))
        found = [r for r in by_name.get(dep.name, [])
                 if "://" not in r.url or r.url.startswith("file:") or (archive and is_archive_path(r.url))]
        if not found:
            reasons.append(f"{where}: the source package `{dep.name}` is not locked (a build would be needed)")
            continue
        source = dep.source or {}
        want = _source_location(source, root)
        from .build import archive_unchanged, has_manifest_hashes, same_archive

        if want is not None and want.endswith((".conda", ".tar.bz2")):
            same = [r for r in found if same_archive(r.url, source["path"], root)]
            if not same:
                reasons.append(f"{where}: the archive of `{dep.name}` changed (locked {found[0].url}, manifest {want})")
            elif not any(archive_unchanged(r, source["path"]) for r in same):
                reasons.append(f"{where}: the archive {want} is not the one locked (its size or sha256 changed)")
        elif want is not None and all(_norm_location(r.url) != want for r in found):
            reasons.append(f"{where}: the source of `{dep.name}` changed (locked {found[0].url}, manifest {want})")
        elif want is None and ("git" in source or "url" in source):
            # pixi locks a git/url source under that URL: a record from a local path is another source
            # compared (and shown) as the lock writes it: without user:password@ nor a conda token
            wanted_url = urls.strip_conda_credentials(str(source.get("git") or source.get("url")))
            wanted_url = wanted_url.removesuffix(".git").rstrip("/")
            if not any(wanted_url in r.url for r in found):
                reasons.append(f"{where}: the source of `{dep.name}` changed (locked {found[0].url}, manifest {wanted_url})")
        elif want is not None and not want.endswith((".conda", ".tar.bz2")):  # an archive has no package manifest
            reasons.extend(f"{where}: {why}" for why in _package_drift(dep.name, root, want, found))
        if archive and not any(has_manifest_hashes(r, source) for r in found):
            reasons.append(f"{where}: the locked {_show(found[0])} does not have the sha256/md5 the manifest gives it")
        if archive and not _archive_meets_spec(dep, found):
            reasons.append(f"{where}: the locked {_show(found[0])} does not match `{dep.spec}`"
                           + (f" with flags {dep.flags}" if dep.flags else ""))

    # A source package names where its own source dependencies come from (relative to itself):
    # the record locked under that name must have been built from there
    import posixpath

    for r in records:
        for dep_name, where_from in (r.source_dependencies or {}).items():
            if not isinstance(where_from, dict) or "path" not in where_from or not _is_source_record(r):
                continue
            want = _norm_location(posixpath.normpath(posixpath.join(r.url, str(where_from["path"]))))
            locked_as = [_norm_location(d.url) for d in by_name.get(dep_name, [])]
            if locked_as and want not in locked_as:
                reasons.append(f"{where}: {_show(r)} wants `{dep_name}` built from {want}, but it is locked from {locked_as[0]}")

    # Extras (optional groups) the manifest asks of a package must be ones the locked record has
    for pkg, wanted_extras in (getattr(member, "conda_extras", None) or {}).items():
        for r in by_name.get(pkg, []):
            missing = [e for e in wanted_extras if e not in (r.extra_depends or {})]
            if missing:
                reasons.append(f"{where}: the locked {_show(r)} has no extra {', '.join(missing)} that the manifest asks for")

    # Nothing extra: every locked record must be reachable from the requested specs.
    requested = list(member.conda_specs) + conditional + [d.name for d in getattr(member, "conda_sources", [])]
    seen = conda_closure(requested, by_name, getattr(member, "conda_extras", None))
    for name in sorted(set(by_name) - seen):
        reasons.append(f"{where}: {name} is locked but nothing requires it")
    return reasons


def _package_drift(name: str, root: str | None, location: str, found: list[PackageRecord]) -> list[str]:
    """Why the locked source records of ``name`` no longer describe the [package] at ``location``
    (relative to the project): its version changed, its ``build.source`` moved, or it declares extra-dependency groups
    the locked record does not have. pixi re-solves on both; a package it cannot read is judged
    by the lock alone."""
    import posixpath
    from pathlib import Path

    from ..errors import InputError
    from ..manifest.packages import read_package

    try:
        read = read_package(Path(root or ".") / location)
    except (InputError, OSError):
        return []
    if read is None:
        return []
    table = read[1]
    build = table.get("build") if isinstance(table.get("build"), dict) else {}
    declared = build.get("source") if isinstance(build.get("source"), dict) else None

    def where_of(source: dict | None) -> str | None:
        if not source:
            return None
        if "path" in source:
            return posixpath.normpath(str(source["path"]).replace("\\", "/"))
        return str(source.get("git") or source.get("url") or "").removesuffix(".git").rstrip("/")

    reasons = []
    version = table.get("version")
    if isinstance(version, str) and all(r.version != version for r in found):
        reasons.append(f"the version of `{name}` changed (locked {found[0].version}, its package declares {version})")
    want = where_of(declared)
    if all(where_of(r.package_build_source) != want for r in found):
        reasons.append(f"the build source of `{name}` changed (locked {where_of(found[0].package_build_source) or 'none'}, "
                       f"manifest {want or 'none'})")
    groups = table.get("extra-dependencies")
    if isinstance(groups, dict) and groups:
        for r in found:
            missing = sorted(set(groups) - set(r.extra_depends or {}))
            if missing:
                reasons.append(f"the locked `{name}` has no extra {', '.join(missing)} that its package declares")
    return reasons


def _is_source_record(record: PackageRecord | None) -> bool:
    """A record pixi locked from a source (its location is a path, not a package URL)."""
    return record is not None and "://" not in record.url


def _norm_location(location: str) -> str:
    return location.rstrip("/").removeprefix("./") or "."


def _archive_meets_spec(dep, found: list[PackageRecord]) -> bool:
    """A package archive's locked record meets the version, build and flags the manifest gives it
    (``foo = { path = "foo-1.0-0.conda", version = ">=1" }``); a spec that does not parse is the
    manifest's error, reported by the solve."""
    from ..conda.flags import flags_match
    from ..conda.matchspec import MatchSpec

    try:
        spec = MatchSpec.parse(dep.spec) if dep.spec != dep.name else None
    except InputError:
        return False
    return any((spec is None or spec.matches(r)) and flags_match(dep.flags, r.flags) for r in found)


def _source_location(source: dict, project_root: str | None) -> str | None:
    """Where a source dependency is, as pixi's lock names it (a path relative to the project)."""
    if "path" in source:
        from ..conda.archive import is_archive_path
        from .build import archive_location

        if is_archive_path(source["path"]):  # a package archive: relative even outside the project
            return _norm_location(archive_location(source["path"], project_root))
        return _norm_location(relative_to_project(source["path"], project_root))
    return None


def _conda_provided(unit, conda: list[PackageRecord]) -> dict:
    """PyPI name -> (version, conda record) the conda records install, by the PyPI stage's own
    mapping (purls, the manifest's conda-pypi-map, names); offline: remote mappings are skipped."""
    from ..pypi.conda_map import conda_distributions

    mapping = dict(getattr(unit.pypi, "conda_pypi_map", None) or {}) if unit.pypi is not None else {}
    return conda_distributions(conda, mapping, offline=True)


def _needs_pypi_packages(unit, member, conda: list[PackageRecord]) -> bool:
    """Does some PyPI requirement of ``member`` need a PyPI package (no locked conda record
    provides it, or it names a path, git or URL source)?"""
    requirements = getattr(member, "pypi_requirements", [])
    if not requirements:
        return False
    provided = _conda_provided(unit, conda)
    return any(r.path or r.git or r.url or urls.normalize_pypi_name(r.name) not in provided for r in requirements)


def _specifier_text(req) -> str:
    return str(req.req.specifier) or "*"


def _check_pypi(where: str, unit, member, conda: list[PackageRecord], packages: list[PyPIPackage], locked_env=None) -> list[str]:
    reasons: list[str] = []
    by_name: dict[str, list[PyPIPackage]] = {}
    for p in packages:
        by_name.setdefault(urls.normalize_pypi_name(p.name), []).append(p)
    from_conda = _conda_provided(unit, conda)
    env = target_markers(unit.conda.platform, conda)

    # dependency-overrides replace what is required of a name, the manifest's own requirement too
    overrides = {urls.normalize_pypi_name(r.name): r for r in getattr(unit.pypi, "dependency_overrides", [])}
    requested = [msgspec.structs.replace(overrides[urls.normalize_pypi_name(r.name)], marker=r.marker, extras=r.extras)
                 if urls.normalize_pypi_name(r.name) in overrides else r
                 for r in getattr(member, "pypi_requirements", [])]
    for req in requested:
        name = urls.normalize_pypi_name(req.name)
        if req.marker:
            try:
                if not parse_requirement(f"{name} ; {req.marker}").applies(env, set()):
                    continue
            except InputError:
                pass
        found = by_name.get(name)
        if not found:
            provided = from_conda.get(name)
            if provided is not None and not (req.path or req.git or req.url):
                version, record = provided
                if req.specifier and req.specifier not in ("*", "") and not parse_requirement(f"{name} {req.specifier}").version_ok(str(version)):
                    reasons.append(
                        f"{where}: the requested PyPI `{req.name} {req.specifier}` is not met by "
                        f"{name} {version} that the conda package {record} provides"
                    )
                continue
            reasons.append(f"{where}: the requested PyPI package `{req.name}` is not locked")
            continue
        if not any(requirement_satisfied_by(req, p) for p in found):
            locked = ", ".join(f"{p.name} {p.version or 'with no version recorded'}" for p in found)
            text = req.specifier or req.path or req.git or req.url or "*"
            reasons.append(f"{where}: the requested PyPI `{req.name} {text}` is not met (locked: {locked})")
        elif req.path and not any(p.version for p in found) and _static_source_version(unit, req.path):
            reasons.append(
                f"{where}: PyPI `{req.name}` is locked with a dynamic version, but its source at {req.path} "
                f"now declares version {_static_source_version(unit, req.path)}"
            )
        elif req.index:
            index = _index_url(unit, req.index)
            recorded = [p.index for p in found if p.index]
            if index and recorded and all(r.rstrip("/") != index.rstrip("/") for r in recorded):
                reasons.append(f"{where}: PyPI `{req.name}` should come from {index}, but is locked from {recorded[0]}")
        elif (has_primary_index(unit) or locked_env is not None) and not (req.path or req.git or req.url):
            # the manifest names the indexes (here, on this platform), or else the default one pixi
            # recorded stands: a package pixi recorded as coming from another one (an index a
            # dependency no longer names) was resolved for other settings. A find-links page, and
            # an index the same name is pinned to in the solve group, are where it may come from too.
            base = manifest_indexes(unit) if has_primary_index(unit) else list(locked_env.indexes or []) + manifest_indexes(unit)
            root = getattr(unit, "project_root", None)
            allowed = {_index_location(u, root) for u in base + list(locked_env.find_links if locked_env is not None else [])}
            allowed |= {_index_location(u, root) for u in _pinned_indexes(unit, name)}
            recorded = [p.index for p in found if p.index]
            if recorded and all(_index_location(r, root) not in allowed for r in recorded):
                reasons.append(f"{where}: PyPI `{req.name}` is locked from {recorded[0]}, which is not an index of the manifest here")

    # Every requirement of a needed locked package (its requires_dist, markers evaluated for the
    # platform and the locked python, extras as requested) must be met by a locked PyPI package
    # or by what conda installs.
    wanted: dict[str, set[str]] = {}
    todo = [(urls.normalize_pypi_name(r.name), set(r.extras)) for r in requested]
    while todo:
        name, extras = todo.pop()
        found = by_name.get(name)
        if not found:
            continue
        known = wanted.get(name)
        if known is not None and extras <= known:
            continue
        wanted[name] = (known or set()) | extras
        for p in found:
            for text in p.requires_dist:
                req = parse_requirement(text)
                if not req.applies(env, wanted[name]):
                    continue
                extras = set(req.req.extras)
                if req.name in overrides:  # uv replaces every requirement on an overridden name
                    spec = overrides[req.name].specifier
                    req = parse_requirement(f"{req.name} {spec}" if spec not in ("", "*") else req.name)
                deps = by_name.get(req.name)
                if not deps:
                    provided = from_conda.get(req.name)
                    if provided is None:
                        reasons.append(
                            f"{where}: PyPI {p.name} {p.version} requires `{text}`, which is neither locked "
                            "nor installed by a locked conda package"
                        )
                    elif not req.version_ok(str(provided[0])):
                        reasons.append(
                            f"{where}: PyPI {p.name} {p.version} requires {req.name} {_specifier_text(req)}, but the "
                            f"locked conda package {provided[1]} provides {req.name} {provided[0]}"
                        )
                    continue
                if not any(req.version_ok(d.version) for d in deps):
                    reasons.append(
                        f"{where}: PyPI {p.name} {p.version} requires {req.name} {_specifier_text(req)}, but "
                        f"{deps[0].name} {deps[0].version} is locked"
                    )
                todo.append((req.name, extras))
    for name in sorted(set(by_name) - set(wanted)):
        reasons.append(f"{where}: PyPI package {name} is locked but nothing requires it")
    # no-build: a locked source distribution would have to be built, which the manifest forbids
    no_build = {urls.normalize_pypi_name(n) for n in getattr(unit.pypi, "no_build_packages", []) or []}
    for name in sorted(wanted):
        if getattr(unit.pypi, "no_build", False) or name in no_build:
            for p in by_name[name]:
                if p.url and not p.url.split("#")[0].split("?")[0].endswith(".whl"):
                    reasons.append(f"{where}: PyPI {p.name} {p.version} is locked as a source distribution, but no-build forbids building it")
    return reasons


def _static_source_version(unit, path: str) -> str | None:
    """The version a local source tree declares statically in ``[project]`` (None: dynamic,
    absent or unreadable). pixi records no version for a path package whose version is dynamic;
    once the source names one, the locked entry no longer describes it and pixi re-solves."""
    from pathlib import Path

    import tomli

    root = getattr(unit, "project_root", None)
    pyproject = Path(root or ".") / path / "pyproject.toml"
    try:
        project = tomli.loads(pyproject.read_text(encoding="utf-8")).get("project")
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError, RecursionError):
        return None
    if not isinstance(project, dict) or not isinstance(project.get("version"), str):
        return None
    dynamic = project.get("dynamic")
    if isinstance(dynamic, list) and "version" in dynamic:
        return None
    return project["version"]


def _index_location(location: str, root: str | None) -> str:
    """An index or find-links location in one form: a URL without its trailing slash, or, for a
    local folder (a path relative to the project, or a file:// URL), its absolute path."""
    from pathlib import Path
    from urllib.parse import unquote, urlparse

    if location.startswith("file:"):
        return str(Path(unquote(urlparse(location).path)).resolve())
    if "://" not in location:
        return str((Path(root or ".") / location).resolve())
    return location.rstrip("/")


def _pinned_indexes(unit, name: str) -> set[str]:
    """The indexes a requirement on ``name`` is pinned to anywhere in the unit (its solve group)."""
    out = set()
    for m in unit.members:
        for r in getattr(m, "pypi_requirements", []):
            if r.index and urls.normalize_pypi_name(r.name) == name:
                url = _index_url(unit, r.index)
                if url:
                    out.add(url.rstrip("/"))
    return out


def _index_url(unit, index: str) -> str | None:
    """A requirement's ``index``: a URL, or the name of a declared index."""
    if "://" in index:
        return urls.strip_credentials(index)
    for i in unit.pypi.indexes:
        if i.name == index:
            return urls.strip_credentials(i.url)
    return None


def locked_platform(lock: LockFile, env, unit) -> tuple[str | None, list[str]]:
    """The name the lock gives the unit's platform, and why that platform no longer fits.

    A bare platform is locked under its name. A rich one (a subdir with declared virtual
    packages) is matched by what it is: pixi writes those under short aliases (``p1``, ...), so
    a locked platform with the same subdir and the same declared virtual packages (in any order)
    is the same platform, whatever its name."""
    declared = sorted(getattr(unit, "declared_virtual_packages", []) or [])
    subdir = unit.conda.platform
    listed = lock.platform(unit.platform)
    if env.has_platform(unit.platform):
        problems = []
        if listed is not None and listed.subdir and listed.subdir != subdir:
            problems.append(f"the platform's subdir changed (locked {listed.subdir}, manifest {subdir})")
        elif listed is not None and (declared or listed.subdir) and sorted(listed.virtual_packages) != declared:
            problems.append(f"the platform's virtual packages changed (locked {sorted(listed.virtual_packages)}, manifest {declared})")
        return unit.platform, problems
    for p in lock.platforms:
        if (p.subdir or p.name) == subdir and sorted(p.virtual_packages) == declared and env.has_platform(p.name):
            return p.name, []
    if not declared:
        # pixi turns a legacy [system-requirements] into a synthetic platform (an alias, listing
        # every virtual package it assumed): the same when what both list agrees
        ours = {v.name: v.version for v in unit.conda.virtual_packages}
        for p in lock.platforms:
            if (p.subdir or p.name) != subdir or not p.virtual_packages or not env.has_platform(p.name):
                continue
            listed = dict((text.split("=") + [""])[:2] for text in p.virtual_packages)
            if all(name == "__archspec" or ours.get(name) == version for name, version in listed.items() if name in ours) \
                    and all(name in listed for name in ours if name in ("__glibc", "__musl", "__cuda", "__osx", "__linux")):
                return p.name, []
    return None, []


def align_platform_names(lock: LockFile | None, units) -> LockFile | None:
    """The lock with each rich platform under the manifest's name for it (pixi writes them under
    short aliases, ``p1``...; see :func:`locked_platform`), so that what it holds per platform
    can be kept, compared and re-written under one name."""
    if lock is None:
        return None
    import msgspec

    renames: dict[str, str] = {}
    for unit in units:
        for member in unit.members:
            env = lock.environment(member.environment)
            if env is None:
                continue
            name, _ = locked_platform(lock, env, unit)
            if name is not None and name != unit.platform:
                renames[name] = unit.platform
    if not renames:
        return lock
    envs = {}
    for env_name, env in lock.environments.items():
        envs[env_name] = msgspec.structs.replace(
            env,
            conda={renames.get(p, p): v for p, v in env.conda.items()},
            pypi={renames.get(p, p): v for p, v in env.pypi.items()},
            pypi_extras={renames.get(p, p): v for p, v in env.pypi_extras.items()},
        )
    platforms = [msgspec.structs.replace(p, name=renames.get(p.name, p.name), subdir=p.subdir or p.name) for p in lock.platforms]
    return msgspec.structs.replace(lock, environments=envs, platforms=platforms)


def check_unit(unit, lock: LockFile | None, *, channel_alias: str | None = None) -> list[str]:
    """Why ``lock`` does not satisfy one solve unit (empty: it does)."""
    reasons: list[str] = []
    for member in unit.members:
        name = member.environment
        where = f"environment '{name}' on {unit.platform}"
        env = lock.environment(name) if lock is not None else None
        if env is None:
            reasons.append(f"environment '{name}' is not in the lock file")
            continue
        platform, problems = locked_platform(lock, env, unit)
        if platform is None:
            if not (member.conda_specs or getattr(member, "conda_sources", []) or getattr(member, "pypi_requirements", [])):
                continue  # an environment that asks for nothing: pixi locks no packages for it
            reasons.append(f"{where}: the platform is not locked")
            continue
        reasons.extend(f"{where}: {p}" for p in problems)
        want_channels = member_channels(unit, member, channel_alias)
        # a local channel an older lock names by its file:// URL is the same channel as the path
        root = getattr(unit, "project_root", None)
        have_channels = [channel_url(c, None, root) if c.startswith("file:") else urls.strip_conda_credentials(c).rstrip("/") + "/"
                         for c in env.channels]
        if want_channels != have_channels:
            reasons.append(f"{where}: channels changed (locked {have_channels}, manifest {want_channels})")
        want_indexes = unit_indexes(unit)
        if want_indexes is not None and env.indexes is not None and not indexes_agree(unit, env.indexes):
            reasons.append(f"{where}: PyPI indexes changed (locked {env.indexes}, manifest {want_indexes})")
        elif (want_indexes is not None and env.indexes is None and env.pypi_packages(platform) == []
              and _needs_pypi_packages(unit, member, env.conda_records(platform))):
            # a PyPI dependency that a locked conda package provides (its purl, the
            # conda-pypi-map) needs no PyPI section: pixi takes such a lock as it is
            reasons.append(f"{where}: the lock has no PyPI section but the manifest has PyPI dependencies")
        if want_indexes is not None and unit_find_links(unit) != env.find_links:
            reasons.append(f"{where}: PyPI find-links changed")
        want_options = unit_options(unit)
        have = env.options
        for field, label in (
            ("strategy", "solve strategy"),
            ("channel_priority", "channel priority"),
            ("exclude_newer", "exclude-newer"),
        ):
            if getattr(want_options, field) != getattr(have, field):
                reasons.append(f"{where}: {label} changed (locked {getattr(have, field) or 'default'}, manifest {getattr(want_options, field) or 'default'})")
        # pixi leaves its default out of the lock: an absent mode is the default one
        want_mode = want_options.pypi_prerelease_mode or DEFAULT_PRERELEASE_MODE
        have_mode = have.pypi_prerelease_mode or DEFAULT_PRERELEASE_MODE
        if want_mode != have_mode:
            reasons.append(f"{where}: PyPI prerelease mode changed (locked {have_mode}, manifest {want_mode})")
        conda = env.conda_records(platform)
        pypi = env.pypi_packages(platform)
        reasons.extend(_check_conda(where, unit, member, conda))
        if unit.pypi is None:
            if pypi:
                reasons.append(f"{where}: PyPI packages are locked but the manifest has no PyPI dependencies")
        else:
            reasons.extend(_check_pypi(where, unit, member, conda, pypi, env))
    return reasons


def check_lock(
    units: Iterable,
    lock: LockFile | None,
    *,
    all_environments: Iterable[str] | None = None,
    channel_alias: str | None = None,
    all_platforms: bool = False,
) -> list[str]:
    """Why ``lock`` does not satisfy the manifest's ``units`` (empty list: it does). With
    ``all_environments`` (the manifest's environment names), environments locked but no longer
    in the manifest are reasons too; with ``all_platforms`` (``units`` cover every platform),
    platforms an environment has locked that the manifest no longer gives it."""
    if lock is None:
        return ["there is no lock file"]
    units = list(units)
    reasons: list[str] = []
    if all_platforms:
        aligned = align_platform_names(lock, units)
        wanted: dict[str, set[str]] = {}
        for unit in units:
            for name in unit.environments:
                wanted.setdefault(name, set()).add(unit.platform)
        for name, env in sorted(aligned.environments.items()):
            for platform in env.platforms():
                if name in wanted and platform not in wanted[name]:
                    reasons.append(f"environment '{name}': the platform {platform} is locked but no longer in the manifest")
    for unit in units:
        reasons.extend(check_unit(unit, lock, channel_alias=channel_alias))
    if all_environments is not None:
        known = set(all_environments)
        for name in sorted(lock.environments):
            if name not in known:
                reasons.append(f"environment '{name}' is locked but no longer in the manifest")
    return reasons
