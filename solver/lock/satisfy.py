"""Is the lock still good? Decided offline from the manifest's solve units and the lock alone.

A lock satisfies a unit when, for every member environment on the unit's platform: the
environment and platform are locked; channels, PyPI indexes and solve options are unchanged;
every requested conda spec and PyPI requirement is met by a locked package; every locked
package's own dependencies are met inside the lock; and nothing is locked that nothing needs.
Each failure is one readable reason; the first one is what ``--locked`` shows first.
"""

from __future__ import annotations

from typing import Iterable

from ..conda.model import PackageRecord
from ..errors import InputError
from ..pypi.model import PyPIPackage
from . import urls
from .build import member_channels, unit_find_links, unit_indexes, unit_options
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

    for spec in member.conda_specs:
        ok, why = satisfied(spec)
        if not ok:
            reasons.append(f"{where}: the requested `{spec}` is not met ({why})")
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
    for name, found in by_name.items():
        if len(found) > 1:
            reasons.append(f"{where}: {name} is locked more than once ({', '.join(_show(r) for r in found)})")

    # Nothing extra: every locked record must be reachable from the requested specs.
    seen = conda_closure(member.conda_specs, by_name)
    for name in sorted(set(by_name) - seen):
        reasons.append(f"{where}: {name} is locked but nothing requires it")
    return reasons


def _conda_provided(unit, conda: list[PackageRecord]) -> dict:
    """PyPI name -> (version, conda record) the conda records install, by the PyPI stage's own
    mapping (purls, the manifest's conda-pypi-map, names); offline: remote mappings are skipped."""
    from ..pypi.conda_map import conda_distributions

    mapping = dict(getattr(unit.pypi, "conda_pypi_map", None) or {}) if unit.pypi is not None else {}
    return conda_distributions(conda, mapping, offline=True)


def _specifier_text(req) -> str:
    return str(req.req.specifier) or "*"


def _check_pypi(where: str, unit, member, conda: list[PackageRecord], packages: list[PyPIPackage]) -> list[str]:
    reasons: list[str] = []
    by_name: dict[str, list[PyPIPackage]] = {}
    for p in packages:
        by_name.setdefault(urls.normalize_pypi_name(p.name), []).append(p)
    from_conda = _conda_provided(unit, conda)
    env = target_markers(unit.platform, conda)

    requested = list(getattr(member, "pypi_requirements", []))
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
            locked = ", ".join(f"{p.name} {p.version}" for p in found)
            text = req.specifier or req.path or req.git or req.url or "*"
            reasons.append(f"{where}: the requested PyPI `{req.name} {text}` is not met (locked: {locked})")

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
                todo.append((req.name, set(req.req.extras)))
    for name in sorted(set(by_name) - set(wanted)):
        reasons.append(f"{where}: PyPI package {name} is locked but nothing requires it")
    return reasons


def check_unit(unit, lock: LockFile | None, *, channel_alias: str | None = None) -> list[str]:
    """Why ``lock`` does not satisfy one solve unit (empty: it does)."""
    reasons: list[str] = []
    platform = unit.platform
    for member in unit.members:
        name = member.environment
        where = f"environment '{name}' on {platform}"
        env = lock.environment(name) if lock is not None else None
        if env is None:
            reasons.append(f"environment '{name}' is not in the lock file")
            continue
        if not env.has_platform(platform):
            reasons.append(f"{where}: the platform is not locked")
            continue
        want_channels = member_channels(unit, member, channel_alias)
        have_channels = [urls.strip_conda_credentials(c).rstrip("/") + "/" for c in env.channels]
        if want_channels != have_channels:
            reasons.append(f"{where}: channels changed (locked {have_channels}, manifest {want_channels})")
        want_indexes = unit_indexes(unit)
        if want_indexes is not None and env.indexes is not None and want_indexes != env.indexes:
            reasons.append(f"{where}: PyPI indexes changed (locked {env.indexes}, manifest {want_indexes})")
        elif want_indexes is not None and env.indexes is None and env.pypi_packages(platform) == [] and getattr(member, "pypi_requirements", []):
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
        if (
            want_options.pypi_prerelease_mode is not None
            and have.pypi_prerelease_mode is not None
            and want_options.pypi_prerelease_mode != have.pypi_prerelease_mode
        ):
            reasons.append(f"{where}: PyPI prerelease mode changed")
        conda = env.conda_records(platform)
        pypi = env.pypi_packages(platform)
        reasons.extend(_check_conda(where, unit, member, conda))
        if unit.pypi is None:
            if pypi:
                reasons.append(f"{where}: PyPI packages are locked but the manifest has no PyPI dependencies")
        else:
            reasons.extend(_check_pypi(where, unit, member, conda, pypi))
    return reasons


def check_lock(
    units: Iterable,
    lock: LockFile | None,
    *,
    all_environments: Iterable[str] | None = None,
    channel_alias: str | None = None,
) -> list[str]:
    """Why ``lock`` does not satisfy the manifest's ``units`` (empty list: it does). With
    ``all_environments`` (the manifest's environment names), environments locked but no longer
    in the manifest are reasons too."""
    if lock is None:
        return ["there is no lock file"]
    reasons: list[str] = []
    for unit in units:
        reasons.extend(check_unit(unit, lock, channel_alias=channel_alias))
    if all_environments is not None:
        known = set(all_environments)
        for name in sorted(lock.environments):
            if name not in known:
                reasons.append(f"environment '{name}' is locked but no longer in the manifest")
    return reasons
