"""The PyPI stage: a :class:`~solver.core.provider.Provider` over indexes, find-links, direct
sources and the conda result, and :func:`solve_pypi` that runs the core on it.

Model (as uv does it): one core *name* per distribution and one per ``name[extra]``; an extra's
candidate at version V requires the base at exactly V plus the dependencies its extra enables. The
target Python is a name of its own with a single candidate, so ``Requires-Python`` found only in
metadata shows up in explanations as a dependency. Conda-provided distributions have a single
candidate (the conda version) with no dependencies: conda already satisfied them. When a
requirement excludes a conda version, the resolution is tried again with that name free (the
versions the indexes list, then any version) to learn what PyPI needs of conda; if that works,
:class:`CondaConflictError` carries every such requirement, for the caller to re-solve conda.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

import msgspec
from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..core.provider import Dependencies, Problem, Provider
from ..errors import InputError, NetworkError, SolverError, UnsolvableError
from ..options import PrereleaseMode, check_choice
from ..redact import mask_credentials, strip_credentials
from .auth import CredentialProvider
from .config import IndexSource, effective_sources, pip_subprocess_env
from .index import DistFile, fetch_flat, fetch_project, file_url_path, parse_filename
from .metadata import (
    CoreMetadata,
    MetadataError,
    extract_sdist,
    fetch_bytes,
    is_static,
    metadata_from_wheel_bytes,
    metadata_from_wheel_range,
    metadata_hash_check,
    metadata_hash_tag,
    parse_metadata,
    pkg_info_from_sdist,
    prepare_metadata,
    static_pyproject_metadata,
)
from .conda_map import conda_distributions
from .model import CondaConflict, PyPIPackage, PyPIRequest, PyPIRequirement, PyPISolution
from .tags import TargetEnv, target_from_conda

PYTHON = "<python>"  # the core name of the target interpreter (no distribution can be named so)
# Candidates standing for what conda installs: the conda version itself, and (only while working
# out what PyPI would want of a conda-provided name, see _conda_conflicts) the other versions the
# indexes know of, or any version at all when they know none. None has dependencies: conda
# satisfies those.
CONDA_SOURCES = ("conda", "conda-alt", "conda-any")


class CondaConflictError(UnsolvableError):
    """The PyPI requirements cannot be met because of versions the conda result installs, and
    they could be met if conda installed other versions. ``conflicts``: every PyPI requirement
    (direct or transitive) found to exclude a conda-installed version, as
    :class:`~solver.pypi.model.CondaConflict` records, in a stable order."""

    def __init__(self, message: str, conflicts: list[CondaConflict], explanation=None):
        super().__init__(message, explanation)
        self.conflicts = list(conflicts)


class Candidate:
    """One solvable: a version of a name (base or extra) and where it comes from."""

    __slots__ = ("name_id", "version", "files", "index", "source", "excluded", "meta", "extra",
                 "direct", "conda", "deps")

    def __init__(self, name_id, version, *, files=(), index=None, source="index", excluded=None,
                 meta=None, extra=None, direct=None, conda=None):
        self.name_id = name_id
        self.version: Version = version
        self.files: list[DistFile] = list(files)
        self.index: str | None = index
        self.source = source  # index | conda | python | path | git | url
        self.excluded: str | None = excluded
        self.meta: CoreMetadata | None = meta
        self.extra: str | None = extra
        self.direct: dict | None = direct  # facts about a path/git/url source
        self.conda: str | None = conda
        self.deps: Dependencies | None = None


class _DirectSource(msgspec.Struct, kw_only=True):
    kind: str  # path | git | url
    requirement: PyPIRequirement


def _pkg_key(name: str) -> str:
    return canonicalize_name(name)


class PyPIProvider(Provider):
    """The provider the core solves over. Not thread-safe for the core's calls (one solve at a
    time); fetching runs on a private pool and only touches futures."""

    def __init__(self, request: PyPIRequest, target: TargetEnv, sources: list[IndexSource], http,
                 *, conda_provided: dict[str, tuple[Version, str]] | None = None,
                 cache_dir: str | os.PathLike | None = None, concurrency: int = 8,
                 freed: set[str] | frozenset[str] = frozenset(), freed_any: bool = False):
        self.request = request
        self.target = target
        self.env_markers = target.markers()
        self.python_version = Version(target.python_version)
        self.sources = sources
        self.http = http
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.conda_provided = conda_provided or {}
        # conda-provided names whose version conda may change (candidates: the conda version
        # first, then the other versions the indexes list, or with freed_any one candidate
        # matching every specifier)
        self.freed = frozenset(freed)
        self.freed_any = freed_any
        check_choice(request.prerelease_mode, PrereleaseMode, "prerelease mode")
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="solver-pypi")
        self._lock = threading.Lock()
        # interning
        self.names: list[tuple[str, str | None]] = []
        self._name_ids: dict[tuple[str, str | None], int] = {}
        self.solvables: list[Candidate] = []
        self.version_sets: list[tuple[int, SpecifierSet, str]] = []
        self._vs_ids: dict[tuple[int, str], int] = {}
        self._candidates: dict[int, list[int]] = {}
        self._matching: dict[int, list[int]] = {}
        # fetching
        self._pages: dict[str, Future] = {}
        self._flat: Future | None = None
        self._meta: dict[str, Future] = {}
        # per-name knowledge gathered from requirements
        self.pinned_index: dict[str, IndexSource] = {}
        self.direct: dict[str, _DirectSource] = {}
        # names a specifier anywhere names a pre-release of (if-necessary prefers them then), and
        # names the user's own requirements do (only these count for explicit and
        # if-necessary-or-explicit, as uv has it)
        self.named_pre: set[str] = set()
        self.first_party_pre: set[str] = set()
        self.pinned_eq: dict[str, set[str]] = {}
        self.locked: dict[str, Version] = {}
        update = set(_pkg_key(n) for n in (request.update or []))
        for pkg in request.locked:
            key = _pkg_key(pkg.name)
            if key in update or pkg.url or pkg.path:
                continue
            try:
                self.locked[key] = Version(pkg.version)
            except InvalidVersion:
                continue
        self.tag_priority = target.tag_priority()
        no_binary = getattr(request, "no_binary", False)
        self.no_binary_all = no_binary is True
        self.no_binary = {_pkg_key(n) for n in no_binary} if isinstance(no_binary, list) else set()
        self.no_build = {_pkg_key(n) for n in getattr(request, "no_build_packages", [])}
        # dependency overrides (uv's override-dependencies): name -> the requirements replacing
        # whatever any package (or the user) asks of that name
        self.overrides: dict[str, list[Requirement]] = {}
        for ov in getattr(request, "dependency_overrides", []):
            text = ov.name + ("[" + ",".join(ov.extras) + "]" if ov.extras else "") + (ov.specifier or "")
            if ov.marker:
                text += f"; {ov.marker}"
            try:
                parsed_ov = Requirement(text)
            except InvalidRequirement as exc:
                raise InputError(f"dependency override {ov.name!r}: {exc}") from None
            self.overrides.setdefault(_pkg_key(ov.name), []).append(parsed_ov)
            if _specifier_names_prerelease(parsed_ov.specifier):
                self.first_party_pre.add(_pkg_key(ov.name))  # the user wrote it
        self.python_name = self.intern_name(PYTHON, None)
        self.timings = {"index": 0.0, "metadata": 0.0}
        if any(s.kind == "flat" for s in sources):
            self._flat_files(wait=False)  # first in the pool's queue: page fetches wait on it
        self.required_by: dict[int, int] = {}  # version set -> first solvable requiring it (hints)
        self.solvable_warnings: dict[int, str] = {}  # reported when the solvable is in the solution

    # -- interning ------------------------------------------------------------------------------

    def intern_name(self, pkg: str, extra: str | None) -> int:
        key = (pkg, extra)
        nid = self._name_ids.get(key)
        if nid is None:
            nid = len(self.names)
            self.names.append(key)
            self._name_ids[key] = nid
        return nid

    def intern_version_set(self, name_id: int, spec: str) -> int:
        key = (name_id, spec)
        vs = self._vs_ids.get(key)
        if vs is None:
            vs = len(self.version_sets)
            try:
                parsed = SpecifierSet(spec)
            except InvalidSpecifier:
                raise InputError(f"invalid version specifier {spec!r} for {self.display_name(name_id)}") from None
            self.version_sets.append((name_id, parsed, spec))
            self._vs_ids[key] = vs
            pkg = self.names[name_id][0]
            if _specifier_names_prerelease(parsed):
                self.named_pre.add(pkg)
            for s in parsed:
                if s.operator in ("==", "===") and "*" not in s.version:
                    self.pinned_eq.setdefault(pkg, set()).add(s.version)
        return vs

    def _add_solvable(self, cand: Candidate) -> int:
        sid = len(self.solvables)
        self.solvables.append(cand)
        return sid

    # -- provider protocol ----------------------------------------------------------------------

    def name_of(self, solvable: int) -> int:
        return self.solvables[solvable].name_id

    def version_set_name(self, version_set: int) -> int:
        return self.version_sets[version_set][0]

    def candidates(self, name: int) -> Sequence[int]:
        cands = self._candidates.get(name)
        if cands is None:
            cands = self._build_candidates(name)
            self._candidates[name] = cands
        return cands

    def matching(self, version_set: int) -> Sequence[int]:
        out = self._matching.get(version_set)
        if out is None:
            name_id, spec, _ = self.version_sets[version_set]
            pkg = self.names[name_id][0]
            out = []
            for sid in self.candidates(name_id):
                cand = self.solvables[sid]
                if cand.source == "conda-any" or spec.contains(cand.version, prereleases=True):
                    # the pre-release policy is about index versions, not about what conda or a
                    # direct source put there
                    if (cand.version.is_prerelease and cand.source == "index"
                            and not self._prerelease_allowed(pkg, spec, name_id)):
                        continue
                    out.append(sid)
            self._matching[version_set] = out
        return out

    def dependencies(self, solvable: int) -> Dependencies:
        cand = self.solvables[solvable]
        if cand.deps is None:
            cand.deps = self._dependencies(solvable, cand)
        return cand.deps

    def excluded(self, solvable: int) -> str | None:
        return self.solvables[solvable].excluded

    def prefetch(self, names: Sequence[int]) -> None:
        for nid in names:
            pkg, _extra = self.names[nid]
            if pkg == PYTHON or (pkg in self.conda_provided and pkg not in self.freed) or pkg in self.direct:
                continue
            self._page_future(pkg)

    def display_name(self, name: int) -> str:
        pkg, extra = self.names[name]
        if pkg == PYTHON:
            return "Python"
        return f"{pkg}[{extra}]" if extra else pkg

    def display_solvable(self, solvable: int) -> str:
        cand = self.solvables[solvable]
        name = self.display_name(cand.name_id)
        if cand.source == "python":
            return f"Python=={cand.version} (the target environment's Python)"
        if cand.source == "conda":
            return f"{name}=={cand.version} (installed by conda package {cand.conda})"
        if cand.source == "conda-alt":
            return f"{name}=={cand.version} (if conda installed it instead of {cand.conda})"
        if cand.source == "conda-any":
            return f"{name} (any version conda could install instead of {cand.conda})"
        if cand.source in ("path", "git", "url"):
            return f"{name} @ {cand.index}"
        return f"{name}=={cand.version}"

    def display_version_set(self, version_set: int) -> str:
        name_id, _, text = self.version_sets[version_set]
        text = text.replace("===", "==")  # an extra's pin on its base reads as a plain pin
        return f"{self.display_name(name_id)}{text}" if text else self.display_name(name_id)

    # -- candidates -----------------------------------------------------------------------------

    def _prerelease_allowed(self, pkg: str, spec: SpecifierSet, name_id: int) -> bool:
        mode = self.request.prerelease_mode
        if mode in ("allow", "if-necessary"):
            return True
        if pkg in self.first_party_pre:
            return True
        if mode == "if-necessary-or-explicit":
            return all(self.solvables[s].version.is_prerelease for s in self.candidates(name_id)
                       if self.solvables[s].source == "index")
        return False

    def _page_future(self, pkg: str) -> Future:
        with self._lock:
            fut = self._pages.get(pkg)
            if fut is None:
                fut = self._pool.submit(self._fetch_pages, pkg)
                self._pages[pkg] = fut
        return fut

    def _sources_for(self, pkg: str) -> tuple[list[IndexSource], list[IndexSource]]:
        """(primary-tier sources, supplemental sources) to consult for a name, in order."""
        pinned = self.pinned_index.get(pkg)
        if pinned is not None:
            return [pinned], []
        primary = [s for s in self.sources if s.priority == "primary" and s.kind == "simple"]
        supplemental = [s for s in self.sources if s.priority == "supplemental" and s.kind == "simple"]
        return primary, supplemental

    def _fetch_pages(self, pkg: str) -> list[tuple[IndexSource, list[DistFile]]]:
        """Project pages of ``pkg`` per the index strategy: [(source, files)] in preference order."""
        t0 = time.perf_counter()
        strategy = self.request.index_strategy
        primary, supplemental = self._sources_for(pkg)
        result: list[tuple[IndexSource, list[DistFile]]] = []
        for tier in (primary, supplemental):
            if not tier:
                continue
            if strategy == "first-index":
                for src in tier:
                    files = fetch_project(self.http, src, pkg)
                    if files is not None:  # as uv: the first index that has the name answers for
                        if files:          # it, even with a page without files
                            result.append((src, files))
                        break
            else:
                pages = [fetch_project(self.http, src, pkg) for src in tier] if len(tier) == 1 else \
                    list(self._pool_map(lambda s: fetch_project(self.http, s, pkg), tier))
                result.extend((src, files) for src, files in zip(tier, pages) if files)
            if result:
                break  # supplemental indexes only serve names no primary index has
        self._add_time("index", time.perf_counter() - t0)
        self._prefetch_best_metadata(pkg, result)
        return result

    def _pool_map(self, fn, items):
        # Pages of one name on several indexes: fetched from this worker thread sequentially
        # would serialise; the HTTP client's own pool runs them side by side.
        return self.http.fetch_many(items, fn) if hasattr(self.http, "fetch_many") else map(fn, items)

    def _flat_files(self, wait: bool = True) -> list[tuple[IndexSource, list[DistFile]]]:
        flat = [s for s in self.sources if s.kind == "flat"]
        if not flat:
            return []
        with self._lock:
            if self._flat is None:
                self._flat = self._pool.submit(lambda: [(s, fetch_flat(self.http, s)) for s in flat])
        return self._flat.result() if wait else []

    def _add_time(self, key: str, dt: float) -> None:
        with self._lock:
            self.timings[key] = self.timings.get(key, 0.0) + dt

    def _usable_files(self, files: list[DistFile], pkg: str, version: Version):
        """(usable files best first, reason when none)."""
        pins = tuple(self.pinned_eq.get(pkg, ()))  # a copy: prefetch threads read it too
        pinned = str(version) in pins or any(Version(v) == version for v in pins if _is_version(v))
        usable = []
        reasons = []
        newer = self.request.exclude_newer
        for f in files:
            if newer is not None and f.upload_time is not None and f.upload_time > newer:
                reasons.append("was uploaded after the exclude-newer date")
                continue
            if f.yanked is not None and not pinned:
                reasons.append("yanked" + (f" ({f.yanked})" if f.yanked else ""))
                continue
            if f.requires_python:
                try:
                    ok = SpecifierSet(f.requires_python).contains(self.python_version, prereleases=True)
                except InvalidSpecifier:
                    ok = True  # as pip and uv: an unparsable Requires-Python does not exclude
                if not ok:
                    reasons.append(f"requires Python {f.requires_python}, the target has {self.python_version}")
                    continue
            if f.is_wheel and (self.no_binary_all or pkg in self.no_binary):
                reasons.append("has only wheels and no-binary forbids them")
                continue
            if f.is_wheel:
                rank = min((self.tag_priority.get(t, 1 << 30) for t in f.tags), default=1 << 30)
                if rank == 1 << 30:
                    reasons.append(f"has no wheel for {self.target.platform} "
                                   f"(Python {self.target.py_tuple[0]}.{self.target.py_tuple[1]})")
                    continue
                usable.append((0, rank, f))
            else:
                if self.request.no_build or pkg in self.no_build:
                    reasons.append("has only an sdist and building is disabled (no-build)")
                    continue
                usable.append((1, 0, f))
        usable.sort(key=lambda x: (x[0], x[1]))
        files_out = [f for _, _, f in usable]
        if files_out:
            return files_out, None
        # The most telling reason: yanked beats the others, then requires-python.
        for key in ("yanked", "requires Python"):
            for r in reasons:
                if r.startswith(key):
                    return [], r
        return [], (reasons[0] if reasons else "has no files")

    def _versions(self, pkg: str, pages) -> list[tuple[Version, list[DistFile], str]]:
        """[(version, files, index)] merged per the strategy, in preference order (before the
        prerelease ordering)."""
        strategy = self.request.index_strategy
        by_version: dict[Version, tuple[list[DistFile], str]] = {}
        order: list[Version] = []
        for src, files in pages:
            seen_here: dict[Version, list[DistFile]] = {}
            for f in files:
                seen_here.setdefault(f.version, []).append(f)
            new = [v for v in seen_here if v not in by_version]
            if strategy == "unsafe-first-match":
                new.sort(reverse=True)
                order.extend(new)
            for v in new:
                by_version[v] = (seen_here[v], src.display)
        # a name pinned to an index comes only from that index: find-links do not add to it
        pinned = self.pinned_index.get(pkg)
        for src, files in (self._flat_files() if pinned is None else []):
            for f in files:
                if f.name != pkg:
                    continue
                if f.version in by_version:
                    by_version[f.version][0].append(f)
                else:
                    by_version[f.version] = ([f], src.display)
                    if strategy == "unsafe-first-match":
                        order.append(f.version)
        if strategy != "unsafe-first-match":
            order = sorted(by_version, reverse=True)
        return [(v, *by_version[v]) for v in order]

    def _order(self, pkg: str, versions: list[Version]) -> list[Version]:
        """Preference order: the locked version first, then by the prerelease mode."""
        mode = self.request.prerelease_mode
        if mode == "if-necessary" and pkg not in self.named_pre:
            stable = [v for v in versions if not v.is_prerelease]
            pre = [v for v in versions if v.is_prerelease]
            versions = stable + pre
        locked = self.locked.get(pkg)
        if locked is not None and locked in versions:
            versions = [locked] + [v for v in versions if v != locked]
        return versions

    def _build_candidates(self, name_id: int) -> list[int]:
        pkg, extra = self.names[name_id]
        if extra is not None:
            base_id = self.intern_name(pkg, None)
            out = []
            for sid in self.candidates(base_id):
                base = self.solvables[sid]
                cand = Candidate(name_id, base.version, files=base.files, index=base.index,
                                 source=base.source, excluded=base.excluded, extra=extra,
                                 conda=base.conda, direct={"base": sid})
                out.append(self._add_solvable(cand))
            return out
        if pkg == PYTHON:
            return [self._add_solvable(Candidate(name_id, self.python_version, source="python"))]
        if pkg in self.conda_provided:
            version, record = self.conda_provided[pkg]
            out = [self._add_solvable(Candidate(name_id, version, source="conda", conda=record))]
            if pkg in self.freed:
                out += self._freed_candidates(name_id, pkg, version, record)
            return out
        if pkg in self.direct:
            return [self._add_solvable(self._direct_candidate(name_id, self.direct[pkg]))]
        pages = self._page_future(pkg).result()
        rows = self._versions(pkg, pages)
        files_of = {v: (files, index) for v, files, index in rows}
        versions = [v for v, _, _ in rows]
        if self.request.index_strategy == "unsafe-first-match":
            ordered = versions
            if self.request.prerelease_mode == "if-necessary" and pkg not in self.named_pre:
                ordered = [v for v in versions if not v.is_prerelease] + [v for v in versions if v.is_prerelease]
            locked = self.locked.get(pkg)
            if locked in ordered:
                ordered = [locked] + [v for v in ordered if v != locked]
        else:
            ordered = self._order(pkg, versions)
        out = []
        for v in ordered:
            files, index = files_of[v]
            usable, reason = self._usable_files(files, pkg, v)
            cand = Candidate(name_id, v, files=usable or files, index=index,
                             excluded=None if usable else f"{pkg}=={v} {reason}")
            out.append(self._add_solvable(cand))
        return out

    def _freed_candidates(self, name_id: int, pkg: str, version: Version, record: str) -> list[int]:
        """Versions conda might install instead of ``version``: those the indexes list (newest
        first; files and tags do not matter, conda would provide it), or (``freed_any``, or when
        the indexes list none) one candidate that stands for any version."""
        others = []
        if not self.freed_any:
            try:
                others = [v for v, _, _ in self._versions(pkg, self._page_future(pkg).result()) if v != version]
            except SolverError:
                others = []
        others.sort(key=lambda v: (not v.is_prerelease, v), reverse=True)  # stable ones first
        if not others:
            return [self._add_solvable(Candidate(name_id, version, source="conda-any", conda=record))]
        return [self._add_solvable(Candidate(name_id, v, source="conda-alt", conda=record)) for v in others]

    def adopt_fetches(self, other: "PyPIProvider") -> None:
        """Reuse the index pages and metadata ``other`` (a provider of the same request) already
        fetched successfully."""
        def done(fut: Future) -> bool:
            return fut.done() and not fut.cancelled() and fut.exception() is None

        with other._lock:  # its fetch threads may still be adding entries
            pages = {k: f for k, f in other._pages.items() if done(f)}
            meta = {k: f for k, f in other._meta.items() if done(f)}
            flat = other._flat if other._flat is not None and done(other._flat) else None
        with self._lock:
            self._pages.update(pages)
            self._meta.update(meta)
            if self._flat is None and flat is not None:
                self._flat = flat

    # -- metadata -------------------------------------------------------------------------------

    def _prefetch_best_metadata(self, pkg: str, pages) -> None:
        """Starts fetching the metadata the solve most likely asks for first: the best stable
        version's best file."""
        try:
            self._prefetch_best(pkg, pages)
        except Exception:  # best effort: the solve asks again and reports real errors
            pass

    def _prefetch_best(self, pkg: str, pages) -> None:
        rows = self._versions(pkg, pages) if pages else []
        locked = self.locked.get(pkg)
        for v, files, _ in rows:
            if locked is not None and v != locked:
                continue
            if v.is_prerelease and self.request.prerelease_mode != "allow":
                continue
            usable, _ = self._usable_files(files, pkg, v)
            if usable:
                self._meta_future(usable[0])
                return
            if locked is not None:
                return

    def _meta_future(self, f: DistFile) -> Future:
        with self._lock:
            fut = self._meta.get(f.url)
            if fut is None:
                fut = self._pool.submit(self._load_metadata, f)
                self._meta[f.url] = fut
        return fut

    def _cache_path(self, f: DistFile) -> Path | None:
        if self.cache_dir is None or not f.hashes:
            return None
        algo = sorted(f.hashes)[0]
        # the PEP 658 hash too: metadata the index now describes differently is read again
        tag = metadata_hash_tag(f.metadata)
        key = hashlib.sha256(f"{f.filename}\n{algo}:{f.hashes[algo]}{tag}".encode()).hexdigest()
        return self.cache_dir / "pypi-metadata" / key[:2] / f"{key}.json"

    def _load_metadata(self, f: DistFile) -> CoreMetadata:
        t0 = time.perf_counter()
        cache = self._cache_path(f)
        if cache is not None and cache.is_file():
            try:
                meta = msgspec.json.decode(cache.read_bytes(), type=CoreMetadata)
                if _describes(meta, f):  # else a damaged entry: read the metadata again
                    self._add_time("metadata", time.perf_counter() - t0)
                    return meta
            except (msgspec.DecodeError, OSError):
                pass
        try:
            meta = self._read_metadata(f)
        except NetworkError as exc:
            raise NetworkError(f"cannot read metadata of {f.filename} from {f.index}: {exc}") from None
        if not _describes(meta, f):
            raise MetadataError(
                f"{f.filename} from {f.index}: its metadata says {meta.name} {meta.version}, "
                f"the file name says {f.name} {f.version}"
            )
        if cache is not None:
            _write_atomic(cache, msgspec.json.encode(meta))
        self._add_time("metadata", time.perf_counter() - t0)
        return meta

    def _read_metadata(self, f: DistFile) -> CoreMetadata:
        from ..http import NotFoundError

        if f.metadata is not None and not f.url.startswith("file:"):
            try:
                resp = self.http.get(f.url + ".metadata", check=metadata_hash_check(f.metadata))
                return parse_metadata(resp.body, f.filename)
            except NotFoundError:
                pass  # advertised but missing: read the file itself
        if f.is_wheel:
            if f.url.startswith("file:"):
                path = file_url_path(f.url)
                meta_file = Path(str(path) + ".metadata")
                if f.metadata is not None and meta_file.is_file():
                    return parse_metadata(meta_file.read_bytes(), f.filename)
                from .metadata import metadata_from_wheel_file

                return metadata_from_wheel_file(path, f.filename, str(path))
            meta = metadata_from_wheel_range(self.http, f.url, f.filename, f.hashes)
            if meta is not None:
                return meta
            return metadata_from_wheel_bytes(fetch_bytes(self.http, f.url, f.filename, f.hashes), f.filename)
        data = fetch_bytes(self.http, f.url, f.filename, f.hashes)
        meta = pkg_info_from_sdist(data, f.filename)
        if meta is not None and is_static(meta):
            return meta
        import tempfile

        with tempfile.TemporaryDirectory(prefix="solver-sdist-") as tmp:
            tree = extract_sdist(data, f.filename, Path(tmp))
            return self._prepare(tree, f.name)

    def _prepare(self, tree: Path, pkg: str) -> CoreMetadata:
        nbi = self.request.no_build_isolation
        isolated = not (nbi is True or (isinstance(nbi, list) and pkg in {_pkg_key(n) for n in nbi}))
        pip_args = []
        simple = [s for s in self.sources if s.kind == "simple" and s.priority != "explicit"]
        if simple:
            pip_args += ["--index-url", simple[0].url]
            for s in simple[1:]:
                pip_args += ["--extra-index-url", s.url]
        for s in self.sources:
            if s.kind == "flat":
                pip_args += ["--find-links", s.url]
        if not simple:
            pip_args.append("--no-index")
        return prepare_metadata(tree, pkg, isolated=isolated, pip_args=pip_args,
                                pip_env=pip_subprocess_env(os.environ) if isolated else None)

    def _prefetch_following(self, sid: int, cand: Candidate, count: int = 2) -> None:
        """When the solve moves past the first candidates of a name (backtracking), the next ones
        are likely next: start their metadata fetches alongside this one."""
        if cand.source != "index":
            return
        cands = self._candidates.get(cand.name_id) or ()
        try:
            pos = cands.index(sid)
        except ValueError:
            return
        if pos == 0:
            return
        for nxt in cands[pos + 1:pos + 1 + count]:
            other = self.solvables[nxt]
            if other.excluded is None and other.files and other.meta is None:
                self._meta_future(other.files[0])

    def _conda_extra_metadata(self, sid: int, cand: Candidate, pkg: str, extra: str) -> CoreMetadata | None:
        """Metadata for the dependencies of ``pkg[extra]`` when conda installed ``pkg``: conda
        records carry no Requires-Dist, so it comes from the indexes: the same version, else the
        closest version of the same release (a ``.postN`` or a local variant), with a warning;
        with neither, a warning that the extra adds nothing (never silently)."""
        version = cand.version
        what = f"{pkg}[{extra}]: {pkg} {version} is installed by the conda package {cand.conda}"
        try:
            rows = self._versions(pkg, self._page_future(pkg).result())
            exact = [r for r in rows if r[0] == version]
            row = exact[0] if exact else _closest_of_release(version, rows)
            if row is not None:
                v, files, _ = row
                usable, _ = self._usable_files(files, pkg, v)
                meta = self._meta_future((usable or files)[0]).result()
                if not exact:
                    self.solvable_warnings[sid] = (
                        f"{what}, whose metadata the indexes do not have; the dependencies of the extra "
                        f"were taken from {pkg} {v} instead")
                return meta
            reason = f"no version of the {_release_text(version)} release is on the indexes"
        except SolverError as exc:
            reason = f"its metadata could not be read from the indexes ({exc})"
        self.solvable_warnings[sid] = (
            f"{what} and {reason}: the dependencies of the extra are not included; add them to "
            f"the dependencies yourself")
        return None

    def metadata_of(self, cand: Candidate) -> CoreMetadata:
        if cand.meta is None:
            if cand.source != "index":
                return CoreMetadata(name=self.names[cand.name_id][0], version=str(cand.version))
            try:
                cand.meta = self._meta_future(cand.files[0]).result()
            except SolverError:
                raise
            except (OSError, ValueError) as exc:
                raise MetadataError(f"cannot read metadata of {cand.files[0].filename}: {exc}") from None
        return cand.meta

    # -- dependencies ---------------------------------------------------------------------------

    def _dependencies(self, sid: int, cand: Candidate) -> Dependencies:
        pkg, extra = self.names[cand.name_id]
        if cand.source == "conda-any":
            if extra is None:
                return Dependencies()
            return Dependencies(requires=[self.intern_version_set(self.intern_name(pkg, None), "")])
        if cand.source in ("python", "conda", "conda-alt"):
            if extra is None:
                return Dependencies()
            base_id = self.intern_name(pkg, None)
            requires = [self.intern_version_set(base_id, f"==={cand.version}")]
            meta = self._conda_extra_metadata(sid, cand, pkg, extra) if cand.source != "python" else None
            if meta is not None:
                # conda installed the distribution, not what its extra adds: take that from the
                # indexes' metadata of that version (or of its closest sibling)
                requires += self._requirements(meta, {**self.env_markers, "extra": extra}, only_extra=True)
            return Dependencies(requires=requires)
        if extra is not None:
            base_sid = cand.direct["base"]
            meta = self.metadata_of(self.solvables[base_sid])
            base_id = self.intern_name(pkg, None)
            requires = [self.intern_version_set(base_id, f"==={cand.version}")]
            marker_env = {**self.env_markers, "extra": extra}
            requires += self._requirements(meta, marker_env, only_extra=True)
            return Dependencies(requires=requires)
        self._prefetch_following(sid, cand)
        meta = self.metadata_of(cand)
        requires = []
        if meta.requires_python:
            try:
                SpecifierSet(meta.requires_python)
                requires.append(self.intern_version_set(self.python_name, meta.requires_python))
            except InvalidSpecifier:
                pass
        requires += self._requirements(meta, {**self.env_markers, "extra": ""}, only_extra=False)
        for vs in requires:
            self.required_by.setdefault(vs, sid)
        return Dependencies(requires=requires)

    def _requirements(self, meta: CoreMetadata, marker_env: dict, *, only_extra: bool) -> list[int]:
        out = []
        names = []
        reqs = []
        for text in meta.requires_dist:
            try:
                reqs.append(Requirement(text))
            except InvalidRequirement as exc:
                raise MetadataError(f"{meta.name} {meta.version}: invalid Requires-Dist {text!r}: {exc}") from None
        if self.overrides:
            reqs = self._apply_overrides(reqs)
        for req in reqs:
            if req.marker is not None:
                try:
                    if not req.marker.evaluate(marker_env):
                        continue
                except (UndefinedComparison, UndefinedEnvironmentName):
                    continue
                if only_extra and "extra" not in str(req.marker):
                    continue  # the base candidate already requires it
            elif only_extra:
                continue
            dep = _pkg_key(req.name)
            if req.url and dep not in self.direct and dep not in self.conda_provided:
                # as uv: a package may not pull in a URL on its own; the user must declare it
                raise InputError(
                    f"{meta.name} {meta.version} depends on {req.name} @ {strip_credentials(req.url)}, a direct "
                    f"URL; add {req.name} with that url (or git/path) to the pypi-dependencies to allow it"
                )
            spec = str(req.specifier)
            nid = self.intern_name(dep, None)
            out.append(self.intern_version_set(nid, spec))
            names.append(nid)
            for e in sorted(req.extras):
                eid = self.intern_name(dep, canonicalize_name(e))
                out.append(self.intern_version_set(eid, spec))
        self.prefetch(names)
        return out

    def _apply_overrides(self, reqs: list[Requirement]) -> list[Requirement]:
        """Requirements on an overridden name are replaced by the overrides; an ``extra`` marker
        of the original is kept, so an extra still only pulls the override in with it."""
        out = []
        for req in reqs:
            subs = self.overrides.get(_pkg_key(req.name))
            if subs is None:
                out.append(req)
                continue
            extra_marker = None
            if req.marker is not None and "extra" in str(req.marker):
                extra_marker = str(req.marker)
            for sub in subs:
                new = Requirement(str(sub))
                if extra_marker:
                    new.marker = Marker(f"({new.marker}) and ({extra_marker})" if new.marker else extra_marker)
                out.append(new)
        return out

    # -- direct sources -------------------------------------------------------------------------

    def _direct_candidate(self, name_id: int, src: _DirectSource) -> Candidate:
        req = src.requirement
        pkg = self.names[name_id][0]
        root = Path(self.request.project_root or ".")
        if src.kind == "path":
            path = Path(req.path).expanduser()
            full = path if path.is_absolute() else root / path
            if not full.exists():
                raise InputError(f"pypi dependency {req.name}: path {full} does not exist")
            if full.is_dir():
                if not any((full / f).is_file() for f in ("pyproject.toml", "setup.py", "setup.cfg", "PKG-INFO")):
                    raise InputError(f"pypi dependency {req.name}: {full} is not a Python project "
                                     "(no pyproject.toml, setup.py or setup.cfg)")
                meta = self._tree_metadata(full, pkg)
            else:
                meta = self._archive_metadata(full.read_bytes(), full.name)
            facts = {"path": req.path, "editable": bool(req.editable) and full.is_dir()}
            if full.is_file():
                facts["sha256"] = hashlib.sha256(full.read_bytes()).hexdigest()
            label = str(req.path)
        elif src.kind == "git":
            tree, commit, clean_url = self._git_checkout(req)
            meta = self._tree_metadata(tree, pkg)
            query = next((f"?{k}={v}" for k, v in (("branch", req.branch), ("tag", req.tag), ("rev", req.rev)) if v), "")
            sub = f"&subdirectory={req.subdirectory}" if req.subdirectory and query else (
                f"?subdirectory={req.subdirectory}" if req.subdirectory else "")
            facts = {"url": f"git+{clean_url}{query}{sub}#{commit}"}
            label = facts["url"]
        else:
            # A direct URL may pin its file with a hash fragment (``#sha256=...``): checked as the index's.
            algo, _, value = urlsplit(req.url).fragment.partition("=")
            data = fetch_bytes(self.http, req.url, req.url, {algo: value} if value else None)
            filename = urlsplit(req.url).path.rsplit("/", 1)[-1]
            meta = self._archive_metadata(data, filename)
            facts = {"url": strip_credentials(req.url), "sha256": hashlib.sha256(data).hexdigest()}
            label = facts["url"]
        if _pkg_key(meta.name) != pkg:
            raise InputError(
                f"pypi dependency {req.name!r} points at a distribution named {meta.name!r} ({label})"
            )
        try:
            version = Version(meta.version)
        except InvalidVersion:
            raise InputError(f"{label}: invalid version {meta.version!r}") from None
        excluded = None
        if meta.requires_python:
            try:
                if not SpecifierSet(meta.requires_python).contains(self.python_version, prereleases=True):
                    excluded = f"{pkg} requires Python {meta.requires_python}, the target has {self.python_version}"
            except InvalidSpecifier:
                pass
        return Candidate(name_id, version, index=label, source=src.kind, meta=meta, direct=facts,
                         excluded=excluded)

    def _tree_metadata(self, tree: Path, pkg: str) -> CoreMetadata:
        meta = static_pyproject_metadata(tree)
        if meta is not None:
            return meta
        pkg_info = tree / "PKG-INFO"
        if pkg_info.is_file():
            meta = parse_metadata(pkg_info.read_bytes(), str(pkg_info))
            if is_static(meta):
                return meta
        return self._prepare(tree, pkg)

    def _archive_metadata(self, data: bytes, filename: str) -> CoreMetadata:
        if filename.endswith(".whl"):
            return metadata_from_wheel_bytes(data, filename)
        meta = pkg_info_from_sdist(data, filename)
        if meta is not None and is_static(meta):
            return meta
        parsed = parse_filename(filename)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="solver-sdist-") as tmp:
            tree = extract_sdist(data, filename, Path(tmp))
            return self._prepare(tree, parsed[0] if parsed else filename)

    def _git_checkout(self, req: PyPIRequirement) -> tuple[Path, str, str]:
        import shutil
        import subprocess
        import tempfile

        clean_url = strip_credentials(req.git)
        base = (self.cache_dir or Path(tempfile.gettempdir()) / "solver-cache") / "git"
        key = hashlib.sha256(clean_url.encode()).hexdigest()[:24]
        repo = base / key
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        ref = req.rev or req.tag or req.branch

        def git(*args, cwd=None):
            try:
                proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InputError(f"git dependency {req.name} ({clean_url}): {exc}") from None
            if proc.returncode != 0:
                # git's first "fatal:" line says what went wrong; the last is often advice
                lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
                first = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "failed")
                msg = mask_credentials(first)
                raise InputError(f"git dependency {req.name} ({clean_url}): git {args[0]} failed: {msg}")
            return proc.stdout.strip()

        if not (repo / ".git").is_dir():
            base.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=base))
            try:
                git("clone", "--quiet", req.git, str(tmp / "repo"))
                try:
                    os.replace(tmp / "repo", repo)
                except OSError:
                    pass  # another process cloned it first
            finally:
                shutil.rmtree(tmp, ignore_errors=True)  # a failed clone leaves nothing in the cache
        else:
            git("fetch", "--quiet", "--tags", "origin", cwd=repo)
        if ref:
            target = ref
            if req.branch:
                target = f"origin/{req.branch}"
            commit = git("rev-parse", "--verify", f"{target}^{{commit}}", cwd=repo)
        else:
            commit = git("rev-parse", "origin/HEAD^{commit}", cwd=repo) if _has_ref(repo, "origin/HEAD") \
                else git("rev-parse", "HEAD", cwd=repo)
        worktree = base / f"{key}-{commit[:16]}"
        if not worktree.is_dir():
            tmpdir = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=base))
            try:
                git("--work-tree", str(tmpdir), "checkout", "--quiet", commit, "--", ".", cwd=repo)
                try:
                    os.replace(tmpdir, worktree)
                except OSError:
                    pass
            finally:
                shutil.rmtree(tmpdir, ignore_errors=True)
        tree = worktree / req.subdirectory if req.subdirectory else worktree
        return tree, commit, clean_url

    # -- result ---------------------------------------------------------------------------------

    def package_of(self, sid: int) -> PyPIPackage | None:
        cand = self.solvables[sid]
        pkg, extra = self.names[cand.name_id]
        if extra is not None or cand.source == "python" or cand.source in CONDA_SOURCES:
            return None
        meta = self.metadata_of(cand)
        common = dict(name=pkg, version=str(cand.version), requires_dist=list(meta.requires_dist),
                      requires_python=meta.requires_python)
        if cand.source == "index":
            f = cand.files[0]
            url = f.url
            path = None
            hashes = dict(f.hashes)
            if url.startswith("file:"):
                local = file_url_path(f.url)
                url, path = None, _relative_to_root(local, self.request.project_root)
                if not hashes:  # a find-links directory has no hashes: the lock needs one
                    try:
                        hashes = {"sha256": hashlib.sha256(local.read_bytes()).hexdigest()}
                    except OSError as exc:
                        raise InputError(f"cannot read {local}: {exc.strerror}") from None
            return PyPIPackage(**common, url=url, path=path, hashes=hashes, index=cand.index)
        facts = cand.direct or {}
        hashes = {"sha256": facts["sha256"]} if "sha256" in facts else {}
        return PyPIPackage(**common, url=facts.get("url"), path=facts.get("path"), hashes=hashes,
                           editable=bool(facts.get("editable")))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _relative_to_root(path: Path, root: str | None) -> str:
    """Paths under the project root are written relative to it, so the lock travels."""
    if root:
        try:
            return Path(os.path.relpath(path, root)).as_posix() if path.is_relative_to(Path(root).resolve()) \
                else str(path)
        except ValueError:
            pass
    return str(path)


def _has_ref(repo: Path, ref: str) -> bool:
    import subprocess

    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=repo,
                          capture_output=True).returncode == 0


def _specifier_names_prerelease(spec: SpecifierSet) -> bool:
    """Does a specifier name a pre-release (``>=2.0b1``, ``==2.0rc1``)? Exclusions do not count."""
    return any(s.operator not in ("===", "!=") and _names_prerelease(s.version) for s in spec)


def _names_prerelease(text: str) -> bool:
    try:
        return Version(text.removesuffix(".*") or "0").is_prerelease
    except InvalidVersion:
        return False


def _release_key(version: Version) -> tuple[int, ...]:
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()  # 2.31 and 2.31.0 are one release
    return (version.epoch, *release)


def _release_text(version: Version) -> str:
    return (f"{version.epoch}!" if version.epoch else "") + ".".join(str(p) for p in version.release)


def _closest_of_release(version: Version, rows):
    """The row of the version closest to ``version`` among those of the same release: the nearest
    one above it (the same version with a local label, then post-releases), else the nearest
    below (pre-releases); None when the release is not there at all."""
    key = _release_key(version)
    same = [r for r in rows if _release_key(r[0]) == key]
    above = sorted((r for r in same if r[0] > version), key=lambda r: r[0])
    below = sorted((r for r in same if r[0] < version), key=lambda r: r[0], reverse=True)
    return (above or below or [None])[0]


def _is_version(text: str) -> bool:
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


def _describes(meta: CoreMetadata, f: DistFile) -> bool:
    """The metadata is that of the file's name and version."""
    try:
        return Version(meta.version) == f.version and _pkg_key(meta.name) == f.name
    except InvalidVersion:
        return False


def _write_atomic(path: Path, data: bytes) -> None:
    from ..atomic import write_atomic

    try:
        write_atomic(path, data)
    except OSError:
        pass  # a cache that cannot be written only costs time


# -- entry point --------------------------------------------------------------------------------

def _root_requirements(provider: PyPIProvider, request: PyPIRequest) -> list[int]:
    sources_by_name = {s.name: s for s in provider.sources if s.name}
    sources_by_url = {s.display.rstrip("/"): s for s in provider.sources}
    out: list[int] = []
    marker_env = {**provider.env_markers, "extra": ""}
    for req in request.requirements:
        pkg = _pkg_key(req.name)
        where = f"pypi dependency {req.name!r}"
        if req.marker:
            try:
                if not Marker(req.marker).evaluate(marker_env):
                    continue
            except InvalidMarker as exc:
                raise InputError(f"{where}: invalid marker {req.marker!r}: {exc}") from None
            except (UndefinedComparison, UndefinedEnvironmentName):
                continue
        kinds = [k for k in ("git", "path", "url") if getattr(req, k)]
        if len(kinds) > 1:
            raise InputError(f"{where}: give only one of git, path, url")
        if kinds and pkg not in provider.conda_provided:
            provider.direct[pkg] = _DirectSource(kind=kinds[0], requirement=req)
        if req.index:
            src = sources_by_name.get(req.index) or sources_by_url.get(strip_credentials(req.index).rstrip("/"))
            if src is None:
                if "://" not in req.index:
                    known = ", ".join(sorted(sources_by_name)) or "none declared"
                    raise InputError(f"{where}: unknown index {req.index!r} (declared indexes: {known})")
                src = IndexSource(url=req.index, priority="explicit")
            provider.pinned_index[pkg] = src
        spec = "" if kinds else req.specifier.strip()
        if spec == "*":
            spec = ""
        elif spec[:1].isdigit():
            spec = "==" + spec  # a bare version pins it
        if not kinds and pkg in provider.overrides:
            # overrides replace the user's own requirement too (as uv does)
            applicable = [o for o in provider.overrides[pkg]
                          if o.marker is None or o.marker.evaluate(marker_env)]
            spec = ",".join(str(o.specifier) for o in applicable if str(o.specifier))
        nid = provider.intern_name(pkg, None)
        try:
            vs = provider.intern_version_set(nid, spec)
        except InputError:
            raise InputError(f"{where}: invalid version specifier {req.specifier!r}") from None
        if _specifier_names_prerelease(provider.version_sets[vs][1]):
            provider.first_party_pre.add(pkg)
        conda = provider.conda_provided.get(pkg)
        if (conda is not None and pkg not in provider.freed
                and not provider.version_sets[vs][1].contains(conda[0], prereleases=True)):
            raise UnsolvableError(
                f"{where} ({req.name}{spec}) conflicts with the conda package {conda[1]}, which "
                f"installs {pkg} {conda[0]}: relax the PyPI requirement or change the conda one"
            )
        out.append(vs)
        for extra in sorted(req.extras):
            eid = provider.intern_name(pkg, canonicalize_name(extra))
            out.append(provider.intern_version_set(eid, spec))
    _first_party_prereleases_of_editables(provider)
    return out


def _first_party_prereleases_of_editables(provider: PyPIProvider) -> None:
    """The dependencies of editable path dependencies (the user's own projects) are first-party
    too: a pre-release they name counts as the user's, as for uv's workspace members."""
    marker_env = {**provider.env_markers, "extra": ""}
    for pkg, src in list(provider.direct.items()):
        if src.kind != "path" or not src.requirement.editable:
            continue
        for sid in provider.candidates(provider.intern_name(pkg, None)):
            meta = provider.solvables[sid].meta
            for text in meta.requires_dist if meta is not None else ():
                try:
                    req = Requirement(text)
                    if req.marker is not None and not req.marker.evaluate(marker_env):
                        continue
                except (InvalidRequirement, UndefinedComparison, UndefinedEnvironmentName):
                    continue  # reported where the dependencies are read
                if _specifier_names_prerelease(req.specifier):
                    provider.first_party_pre.add(_pkg_key(req.name))


def solve_pypi(request: PyPIRequest, conda_records, *, http=None, cache_dir=None, env=None,
               backend: str = "native") -> PyPISolution:
    """Resolves ``request`` on top of the conda result (see the module docstring)."""
    t_start = time.perf_counter()
    if not request.requirements:
        return PyPISolution(timings={"total": 0.0})
    target = target_from_conda(request.platform, conda_records, glibc=request.glibc, macos=request.macos)
    sources = effective_sources(request, env)
    own_http = http is None
    if own_http:
        from ..http import HttpClient

        pinned_urls = [(r.index, None) for r in request.requirements if r.index and "://" in r.index]
        auth = CredentialProvider([(s.url, s.name) for s in sources] + pinned_urls, env=env)
        http = HttpClient(cache_dir, auth=auth)
    try:
        conda = conda_distributions(conda_records, request.conda_pypi_map, http)
        provider = PyPIProvider(request, target, sources, http, conda_provided=conda, cache_dir=cache_dir)
        try:
            t_solve = time.perf_counter()
            try:
                roots = _root_requirements(provider, request)
                provider.prefetch(sorted({provider.version_sets[v][0] for v in roots}))
                t_solve = time.perf_counter()
                _check_roots(provider, roots)
                try:
                    chosen = _run_core(provider, Problem(requirements=roots), backend)
                except UnsolvableError as exc:
                    raise UnsolvableError(
                        f"cannot resolve the PyPI dependencies for {request.platform} "
                        f"(Python {target.python_version}):\n{exc}{_conda_hints(provider)}",
                        exc.explanation) from None
            except UnsolvableError as exc:
                conflicts = _conda_conflicts(provider, conda_records, backend)
                if conflicts:
                    raise CondaConflictError(str(exc), conflicts, exc.explanation) from None
                raise
            solve_time = time.perf_counter() - t_solve
            packages = [p for p in (provider.package_of(s) for s in chosen) if p is not None]
            packages.sort(key=lambda p: p.name)
            used_conda = {}
            for s in chosen:
                cand = provider.solvables[s]
                if cand.source == "conda" and provider.names[cand.name_id][1] is None:
                    used_conda[provider.names[cand.name_id][0]] = str(cand.version)
            timings = dict(provider.timings)
            timings["solve"] = solve_time
            timings["total"] = time.perf_counter() - t_start
            warnings = list(dict.fromkeys(provider.solvable_warnings[s] for s in chosen
                                          if s in provider.solvable_warnings))
            return PyPISolution(packages=packages, conda_provided=used_conda, timings=timings,
                                warnings=warnings)
        finally:
            provider.close()
    finally:
        if own_http:
            http.close()


def _conda_hints(provider: PyPIProvider) -> str:
    """Requirements met on the way that the conda-installed version contradicts."""
    lines = []
    for vs, (name_id, spec, _) in enumerate(provider.version_sets):
        pkg, extra = provider.names[name_id]
        conda = provider.conda_provided.get(pkg)
        if extra is not None or conda is None or spec.contains(conda[0], prereleases=True):
            continue
        by = provider.required_by.get(vs)
        who = f" (required by {provider.display_solvable(by)})" if by is not None else ""
        lines.append(f"  note: {provider.display_version_set(vs)}{who} conflicts with the conda package "
                     f"{conda[1]}, which installs {pkg} {conda[0]}")
    return ("\n" + "\n".join(lines)) if lines else ""


def _contradicted_conda_names(provider: PyPIProvider) -> set[str]:
    """Conda-provided names (not freed yet) some requirement met on the way excludes."""
    out = set()
    for name_id, spec, _ in provider.version_sets:
        pkg, extra = provider.names[name_id]
        conda = provider.conda_provided.get(pkg)
        if extra is None and conda is not None and pkg not in provider.freed \
                and not spec.contains(conda[0], prereleases=True):
            out.add(pkg)
    return out


def _conda_conflicts(failed: PyPIProvider, conda_records, backend: str) -> list[CondaConflict]:
    """After a failed resolution: would it succeed if conda installed other versions of the
    conda-provided names some requirement excludes? Resolves again with those names free (their
    conda version still preferred, then the versions the indexes list), freeing more names when
    that meets new contradictions, then (conda may have versions the indexes lack) with any
    version allowed for them; returns every requirement the successful resolution holds that
    excludes a conda version. [] when the failure is not conda's doing (or freeing does not help)."""
    freed = _contradicted_conda_names(failed)
    records = {f"{r.name}-{r.version}-{r.build}": r for r in conda_records}
    any_version = False
    while freed:
        hypo = PyPIProvider(failed.request, failed.target, failed.sources, failed.http,
                            conda_provided=failed.conda_provided, cache_dir=failed.cache_dir, freed=freed,
                            freed_any=any_version)
        hypo.adopt_fetches(failed)
        try:
            roots = _root_requirements(hypo, failed.request)
            _check_roots(hypo, roots)
            chosen = _run_core(hypo, Problem(requirements=roots), backend)
        except UnsolvableError:
            more = _contradicted_conda_names(hypo)
            if more:
                freed = freed | more
            elif not any_version:
                any_version = True
            else:
                return []
            continue
        except SolverError:
            return []  # e.g. an index that fails now: keep the original error
        finally:
            hypo.close()
        return _conflicts_in(hypo, roots, chosen, records)
    return []


def _solvable_label(provider: PyPIProvider, sid: int) -> str:
    cand = provider.solvables[sid]
    name = provider.display_name(cand.name_id)
    if cand.source in ("path", "git", "url"):
        return f"{name} @ {cand.index}"
    return f"{name} {cand.version}"


def _conflicts_in(provider: PyPIProvider, roots: list[int], chosen: list[int], records: dict) -> list[CondaConflict]:
    """The requirements in a (hypothetical) solution that exclude a conda-installed version, each
    with the chain of packages leading to it (breadth first from the user's requirements)."""
    by_name = {provider.solvables[s].name_id: s for s in chosen}
    parent: dict[int, int | None] = {}
    order: list[int] = []
    for vs in roots:
        s = by_name.get(provider.version_sets[vs][0])
        if s is not None and s not in parent:
            parent[s] = None
            order.append(s)
    i = 0
    while i < len(order):
        s = order[i]
        i += 1
        for vs in provider.dependencies(s).requires:
            t = by_name.get(provider.version_sets[vs][0])
            if t is not None and t not in parent:
                parent[t] = s
                order.append(t)

    def chain(sid: int | None) -> list[str]:
        out = []
        while sid is not None:
            out.append(_solvable_label(provider, sid))
            sid = parent.get(sid)
        return out[::-1]

    wanted_of = {}
    for name_id, s in by_name.items():
        cand = provider.solvables[s]
        if cand.source in ("conda-alt", "index"):
            wanted_of[name_id] = str(cand.version)
    asked = [(vs, None) for vs in roots] + [(vs, s) for s in order for vs in provider.dependencies(s).requires]
    out: list[CondaConflict] = []
    seen = set()
    for vs, by in asked:
        name_id, spec, text = provider.version_sets[vs]
        pkg, extra = provider.names[name_id]
        if extra is not None or pkg not in provider.freed:
            continue
        if by is not None and provider.names[provider.solvables[by].name_id][0] == pkg:
            continue  # an extra's pin on its own base
        version, label = provider.conda_provided[pkg]
        if spec.contains(version, prereleases=True):
            continue
        who = _solvable_label(provider, by) if by is not None else None
        key = (pkg, text, who)
        if key in seen:
            continue
        seen.add(key)
        rec = records.get(label)
        out.append(CondaConflict(
            pypi_name=pkg, conda_name=rec.name if rec is not None else label,
            conda_version=rec.version if rec is not None else str(version), conda_record=label,
            installed=str(version), specifier=text, required_by=who, chain=chain(by),
            wanted=wanted_of.get(name_id),
        ))
    return out


def _check_roots(provider: PyPIProvider, roots: list[int]) -> None:
    """A root requirement nothing can satisfy gets a direct, uv-style message naming what exists
    (the core's derivation says the same at more length)."""
    for vs in roots:
        name_id, spec, text = provider.version_sets[vs]
        if provider.names[name_id][1] is not None:
            continue
        cands = [provider.solvables[s] for s in provider.candidates(name_id)]
        usable = [provider.solvables[s] for s in provider.matching(vs)
                  if provider.solvables[s].excluded is None]
        if usable:
            continue
        req = provider.display_version_set(vs)
        pkg = provider.display_name(name_id)
        platform = provider.target.platform
        if not cands:
            srcs, supp = provider._sources_for(provider.names[name_id][0])
            where = ", ".join(s.display for s in srcs + supp + [s for s in provider.sources if s.kind == "flat"])
            reason = f"{pkg} was not found in the package indexes ({where or 'none consulted'})"
        else:
            matching = [provider.solvables[s] for s in provider.matching(vs)]
            if matching:
                reasons = sorted({c.excluded for c in matching if c.excluded})
                reason = "; ".join(reasons[:5]) + (f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else "")
            else:
                avail = sorted({c.version for c in cands if c.excluded is None})
                if not avail:
                    reason = "; ".join(sorted({c.excluded for c in cands if c.excluded})[:5])
                else:
                    shown = ", ".join(str(v) for v in avail[-8:])
                    pre = "" if len(avail) <= 8 else "..., "
                    reason = f"only {pkg} {pre}{shown} {'is' if len(avail) == 1 else 'are'} available"
                    if any(c.version.is_prerelease for c in cands) and provider.request.prerelease_mode in (
                            "disallow", "explicit", "if-necessary-or-explicit"):
                        reason += f" (pre-releases are not allowed by prerelease-mode {provider.request.prerelease_mode!r})"
        raise UnsolvableError(
            f"cannot resolve the PyPI dependencies for {platform} (Python {provider.target.python_version}):\n"
            f"  Because {reason} and you require {req}, we can conclude that your requirements are unsatisfiable."
        )


def _run_core(provider: PyPIProvider, problem: Problem, backend: str) -> list[int]:
    from ..core.solve import solve

    return list(solve(provider, problem, backend=backend))
