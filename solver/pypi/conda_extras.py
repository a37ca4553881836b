"""The dependencies of an extra of a conda-installed distribution: conda records carry no
Requires-Dist, so they come from the indexes' metadata of the same version (or its closest
sibling), with a warning whenever that is not exact."""

from __future__ import annotations

from packaging.version import Version

from ..errors import SolverError
from .candidates import Candidate, VersionRow
from .metadata import CoreMetadata


def conda_extra_metadata(provider, sid: int, cand: Candidate, pkg: str, extra: str) -> CoreMetadata | None:
    """Metadata for the dependencies of ``pkg[extra]`` when conda installed ``pkg``: conda
    records carry no Requires-Dist, so it comes from the indexes: the same version, else the
    closest version of the same release (a ``.postN`` or a local variant), with a warning;
    with neither, a warning that the extra adds nothing (never silently)."""
    version = cand.version
    what = f"{pkg}[{extra}]: {pkg} {version} is installed by the conda package {cand.conda}"
    try:
        rows = provider.fetcher.versions(pkg)
        exact = [r for r in rows if r.version == version]
        row = exact[0] if exact else closest_of_release(version, rows)
        if row is not None:
            usable, _ = provider.policy.usable_files(row.files, pkg, row.version)
            meta = provider.fetcher.meta_future((usable or row.files)[0]).result()
            if not exact:
                provider.solvable_warnings[sid] = (
                    f"{what}, whose metadata the indexes do not have; the dependencies of the extra "
                    f"were taken from {pkg} {row.version} instead")
            return meta
        reason = f"no version of the {_release_text(version)} release is on the indexes"
    except SolverError as exc:
        reason = f"its metadata could not be read from the indexes ({exc})"
    provider.solvable_warnings[sid] = (
        f"{what} and {reason}: the dependencies of the extra are not included; add them to "
        f"the dependencies yourself")
    return None


def _release_key(version: Version) -> tuple[int, ...]:
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()  # 2.31 and 2.31.0 are one release
    return (version.epoch, *release)


def _release_text(version: Version) -> str:
    return (f"{version.epoch}!" if version.epoch else "") + ".".join(str(p) for p in version.release)


def closest_of_release(version: Version, rows: list[VersionRow]) -> VersionRow | None:
    """The row of the version closest to ``version`` among those of the same release: the nearest
    one above it (the same version with a local label, then post-releases), else the nearest
    below (pre-releases); None when the release is not there at all."""
    key = _release_key(version)
    same = [r for r in rows if _release_key(r.version) == key]
    above = sorted((r for r in same if r.version > version), key=lambda r: r.version)
    below = sorted((r for r in same if r.version < version), key=lambda r: r.version, reverse=True)
    return (above or below or [None])[0]
