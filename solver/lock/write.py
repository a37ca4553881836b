"""Writing ``pixi.lock`` (versions 6 and 7) byte for byte the way rattler lays it out.

Field order, the fields left out because the package URL already says them (name, version,
build, subdir, channel, file name), and the sort orders follow rattler's serializer, so the file
diffs cleanly against one pixi wrote. The same lock always gives the same bytes.

Two PyPI fields exist in v6 and were removed from v7 on purpose (rattler_lock's v7 format,
conda/rattler issues #1975 and #1986):

- ``editable: true`` on a PyPI package entry. v7 records no editability: whether a path
  dependency is installed editable is decided from the manifest at install time. We write it in
  v6 only, read it from any version, and the satisfiability check never compares it (a v7 lock
  cannot go stale over it).
- ``extras:`` on a ``- pypi:`` entry of an environment's package list (the extras the package is
  installed with there). The check does not need it (it walks ``requires_dist`` from the
  manifest's requirements and their extras). We read it (v4-v6), keep it in
  ``LockedEnvironment.pypi_extras`` and write it back in v6; our solves leave it empty, as pixi
  does, so our v6 files stay byte-identical to pixi's. v7 never has it.
"""

from __future__ import annotations

from pathlib import Path

from ..conda.model import PackageRecord
from ..atomic import write_atomic
from ..errors import InputError
from ..platform import subdir_sort_key
from ..pypi.model import PyPIPackage
from . import urls
from .model import WRITABLE_VERSIONS, LockedEnvironment, LockFile, SolveOptions
from .yaml_emit import dump


def conda_entry(record: PackageRecord, version: int) -> dict:
    """One ``packages:`` entry for a conda record (only what the URL does not already say)."""
    location = urls.strip_conda_credentials(record.url)
    if not location:
        raise InputError(f"conda record {record.name}-{record.version}-{record.build} has no url to lock")
    file_name = urls.file_name_of(location)
    derived = urls.split_archive_name(file_name)
    d_name, d_version, d_build = derived if derived else (None, None, None)
    d_subdir = urls.derive_subdir(location)
    d_channel = urls.derive_channel(location)
    d_build_number = urls.derive_build_number(record.build) or 0
    d_noarch = urls.derive_noarch(d_subdir or record.subdir, d_build or record.build)

    e: dict = {"conda": location}
    if record.name != d_name:
        e["name"] = record.name
    if record.version != d_version:
        e["version"] = record.version
    if record.build != (d_build or ""):
        e["build"] = record.build
    if record.build_number != d_build_number:
        e["build_number"] = record.build_number
    if record.subdir != d_subdir:
        e["subdir"] = record.subdir
    noarch = record.noarch or None
    if noarch != d_noarch:
        e["noarch"] = noarch if noarch else False
    if record.sha256:
        e["sha256"] = record.sha256
    if record.md5:
        e["md5"] = record.md5
    if record.depends:
        e["depends"] = list(record.depends)
    if record.constrains:
        e["constrains"] = list(record.constrains)
    channel = urls.strip_conda_credentials(record.channel) if "://" in record.channel else None
    if channel and (d_channel is None or channel.rstrip("/") != d_channel.rstrip("/")):
        e["channel"] = channel.rstrip("/")
    if record.features:
        e["features"] = record.features
    track = [t for t in record.track_features.replace(",", " ").split() if t]
    if track:
        e["track_features"] = track
    if record.fn and record.fn != file_name:
        e["file_name"] = record.fn
    if record.license is not None:
        e["license"] = record.license
    if record.license_family is not None:
        e["license_family"] = record.license_family
    if record.purls is not None:
        e["purls"] = sorted(set(record.purls), key=_purl_key)
    if record.run_exports is not None and version >= 7:
        e["run_exports"] = _run_exports(record.run_exports)
    if record.size is not None:
        e["size"] = record.size
    if record.timestamp is not None:
        e["timestamp"] = record.timestamp
    if record.python_site_packages_path is not None:
        e["python_site_packages_path"] = record.python_site_packages_path
    if record.extra_depends:
        e["extra_depends"] = {k: list(v) for k, v in sorted(record.extra_depends.items())}
    if record.flags:
        e["flags"] = sorted(set(record.flags))
    if record.source_input is not None:
        e["input"] = record.source_input
    if record.package_build_source is not None:
        e["package_build_source"] = record.package_build_source
    if record.source_dependencies is not None:
        e["sources"] = record.source_dependencies
    return e


def _purl_key(purl: str):
    """Package URLs sort by their parts (type, namespace, name, version, qualifiers, subpath),
    as rattler orders them, not by their text."""
    rest = purl[4:] if purl.startswith("pkg:") else purl
    rest, _, subpath = rest.partition("#")
    rest, _, qualifiers = rest.partition("?")
    rest, _, version = rest.partition("@")
    kind, _, path = rest.partition("/")
    namespace, _, name = path.rpartition("/")
    return (kind, namespace, name, version, qualifiers, subpath, purl)


_RUN_EXPORT_KINDS = ("weak", "strong", "noarch", "weak_constrains", "strong_constrains")


def _run_exports(value: dict) -> dict:
    """In rattler's field order, empty kinds left out (``{}`` when none: known to be empty)."""
    out = {k: list(value[k]) for k in _RUN_EXPORT_KINDS if value.get(k)}
    out.update({k: list(v) for k, v in sorted(value.items()) if k not in _RUN_EXPORT_KINDS and v})
    return out


def pypi_location(package: PyPIPackage) -> str:
    if package.url:
        return urls.strip_credentials(package.url)
    if package.path:
        return package.path
    raise InputError(f"PyPI package {package.name} {package.version} has neither a url nor a path to lock")


def pypi_entry(package: PyPIPackage, version: int) -> dict:
    e: dict = {
        "pypi": pypi_location(package),
        "name": urls.normalize_pypi_name(package.name),
    }
    if package.version:  # a path/git package with a dynamic version has none (as pixi writes it)
        e["version"] = package.version
    if package.hashes.get("md5"):
        e["md5"] = package.hashes["md5"]
    if package.hashes.get("sha256"):
        e["sha256"] = package.hashes["sha256"]
    if package.requires_dist:
        e["requires_dist"] = list(package.requires_dist)
    if package.requires_python:
        e["requires_python"] = package.requires_python
    if package.editable and version < 7:
        e["editable"] = True
    if package.index and version >= 7:
        e["index"] = urls.strip_credentials(package.index)
    return e


def _pypi_selector(location: str, extras: list[str] | None) -> dict:
    """``- pypi: LOCATION`` in an environment's package list; v6 adds the ``extras`` it is
    installed with when there are any (v7 has no such field)."""
    e: dict = {"pypi": location}
    if extras:
        e["extras"] = sorted(set(extras))
    return e


def _options_entry(options: SolveOptions) -> dict:
    o: dict = {}
    if options.strategy and options.strategy != "highest":
        o["strategy"] = options.strategy
    if options.channel_priority and options.channel_priority != "strict":
        o["channel-priority"] = options.channel_priority
    if options.exclude_newer:
        o["exclude-newer"] = options.exclude_newer
    if options.pypi_prerelease_mode:
        o["pypi-prerelease-mode"] = options.pypi_prerelease_mode
    return o


def _find_links_entry(link: str) -> dict:
    return {"url": urls.strip_credentials(link)} if "://" in link else {"path": link}


def _environment_entry(env: LockedEnvironment, version: int) -> dict:
    e: dict = {"channels": [{"url": urls.strip_conda_credentials(c)} for c in env.channels]}
    if env.indexes is not None:
        e["indexes"] = [urls.strip_credentials(i) for i in env.indexes]
        if env.find_links:
            e["find-links"] = [_find_links_entry(f) for f in env.find_links]
    options = _options_entry(env.options)
    if options:
        e["options"] = options
    platforms = sorted(env.platforms(), key=(lambda p: p) if version >= 7 else subdir_sort_key)
    packages: dict = {}
    for platform in platforms:
        # v7 sorts selectors by location; v6 by file name (case-insensitive), then location.
        key = (lambda u: u) if version >= 7 else (lambda u: (urls.file_name_of(u).lower(), u))
        conda = sorted({urls.strip_conda_credentials(r.url) for r in env.conda_records(platform)}, key=key)
        pypi = sorted({pypi_location(p) for p in env.pypi_packages(platform)}, key=key)
        extras = env.pypi_extras.get(platform, {}) if version < 7 else {}
        packages[platform] = [{"conda": u} for u in conda] + [_pypi_selector(u, extras.get(u)) for u in pypi]
    e["packages"] = packages
    return e


def lock_document(lock: LockFile, version: int | None = None) -> dict:
    """The lock as the plain mapping that is written (keys in the order they appear)."""
    version = version or lock.version
    if version not in WRITABLE_VERSIONS:
        raise InputError(f"cannot write lock file version {version} (supported: {', '.join(map(str, WRITABLE_VERSIONS))})")
    doc: dict = {"version": version}
    if version >= 7:
        platforms = {p.name: p for p in lock.platforms}
        for env in lock.environments.values():
            for name in env.platforms():
                platforms.setdefault(name, None)
        listed = []
        for name in sorted(platforms):
            p = platforms[name]
            entry: dict = {"name": name}
            if p is not None and p.subdir and p.subdir != name:
                entry["subdir"] = p.subdir
            if p is not None and p.virtual_packages:
                entry["virtual-packages"] = list(p.virtual_packages)
            listed.append(entry)
        doc["platforms"] = listed
    doc["environments"] = {
        name: _environment_entry(lock.environments[name], version) for name in sorted(lock.environments)
    }
    conda: dict[str, dict] = {}
    pypi: dict[str, dict] = {}
    # A URL names one artifact: the first environment (by name) that locks it gives its entry.
    for name in sorted(lock.environments):
        env = lock.environments[name]
        for platform in sorted(env.conda):
            for r in env.conda[platform]:
                entry = conda_entry(r, version)
                conda.setdefault(entry["conda"], entry)
        for platform in sorted(env.pypi):
            for p in env.pypi[platform]:
                entry = pypi_entry(p, version)
                pypi.setdefault(entry["pypi"], entry)
    if version >= 7:
        # v7: conda entries by location, then PyPI entries by location.
        doc["packages"] = [conda[u] for u in sorted(conda)] + [pypi[u] for u in sorted(pypi)]
    else:
        # v6: by package name; for one name PyPI before conda; then by location.
        keyed = [((_conda_name(e), 1, u), e) for u, e in conda.items()]
        keyed += [((e["name"], 0, u), e) for u, e in pypi.items()]
        doc["packages"] = [e for _, e in sorted(keyed, key=lambda kv: kv[0])]
    return doc


def _conda_name(entry: dict) -> str:
    if "name" in entry:
        return entry["name"]
    derived = urls.split_archive_name(urls.file_name_of(entry["conda"]))
    return derived[0] if derived else ""


def dumps_lock(lock: LockFile, version: int | None = None) -> str:
    """The text of ``pixi.lock`` for ``lock``."""
    return dump(lock_document(lock, version))


def write_lock(lock: LockFile, path, version: int | None = None) -> Path:
    """Write ``lock`` to ``path`` atomically (a temporary file beside it, then ``os.replace``):
    a reader sees either the old lock or the new one, never half of one."""
    return write_lock_text(dumps_lock(lock, version), path)


def write_lock_text(text: str, path) -> Path:
    """Write the text ``dumps_lock`` gave, as ``write_lock`` does (for a caller that already has
    the text, e.g. to compare it with the file: the lock is then serialised once)."""
    return write_atomic(path, text.encode("utf-8"), durable=True, keep_mode=True)
