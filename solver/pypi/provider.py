"""The PyPI stage's :class:`~solver.core.provider.Provider`: interning of names and version sets,
the provider protocol, dependencies from core metadata, and the packages of a solution.

Model (as uv does it): one core *name* per distribution and one per ``name[extra]``; an extra's
candidate at version V requires the base at exactly V plus the dependencies its extra enables.
Those dependencies are a third name (``Name.extra_deps``), so that the extra's pin on its base is
known without metadata: once the base is chosen, the extra's other versions are ruled out by that
pin alone, and an extra never drags the search through the base's history (reading, or building,
each old release). The
target Python is a name of its own with a single candidate, so ``Requires-Python`` found only in
metadata shows up in explanations as a dependency. Conda-provided distributions have a single
candidate (the conda version) with no dependencies: conda already satisfied them.

What candidates exist and in which order is :mod:`.candidates`' business, fetching pages and
metadata :mod:`.fetch`'s, path/git/url requirements :mod:`.direct`'s, and what the conda result
contradicts :mod:`.conda_conflicts`'.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import msgspec
from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from ..core.provider import Dependencies, Provider
from ..errors import InputError, SolverError
from ..options import PrereleaseMode, check_choice
from ..redact import strip_credentials
from .candidates import (
    CONDA_SOURCES,
    DIRECT_SOURCES,
    PYTHON,
    Candidate,
    CandidatePolicy,
    parse_specifier,
    metadata_files,
    pkg_key,
    python_lower_bounds,
)
from .conda_extras import conda_extra_metadata
from .config import IndexSource
from .direct import DirectSource, DirectSources
from .fetch import Fetcher
from .index import file_url_path
from .metadata import CoreMetadata, MetadataError, fetch_bytes
from .model import PyPIPackage, PyPIRequest
from .reqparse import parse_requirement
from .tags import TargetEnv


class Name(msgspec.Struct, frozen=True):
    """A core name: a distribution (``extra`` None), one of its extras, or (``extra_deps``) what
    that extra adds to the distribution's dependencies, read from the base's metadata."""

    pkg: str
    extra: str | None = None
    extra_deps: bool = False


class VersionSet(msgspec.Struct, frozen=True):
    """A requirement on a name: ``text`` as written (PEP 440), ``spec`` parsed."""

    name_id: int
    spec: SpecifierSet
    text: str


class PyPIProvider(Provider):
    """The provider the core solves over. Not thread-safe for the core's calls (one solve at a
    time); fetching runs on a private pool and only touches futures."""

    def __init__(self, request: PyPIRequest, target: TargetEnv, sources: list[IndexSource], http,
                 *, conda_provided: dict[str, tuple[Version, str]] | None = None,
                 cache_dir: str | os.PathLike | None = None, concurrency: int = 8,
                 freed: set[str] | frozenset[str] = frozenset(), freed_any: bool = False):
        check_choice(request.prerelease_mode, PrereleaseMode, "prerelease mode")
        self.request = request
        self.target = target
        self.env_markers = target.markers()
        self.sources = sources
        self.http = http
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.conda_provided = conda_provided or {}
        # conda-provided names whose version conda may change (candidates: the conda version
        # first, then the other versions the indexes list, or with freed_any one candidate
        # matching every specifier)
        self.freed = frozenset(freed)
        self.freed_any = freed_any
        self.policy = CandidatePolicy(request, target)
        self.python_version = self.policy.python_version
        self.fetcher = Fetcher(request, sources, http, self.policy, cache_dir=cache_dir,
                               concurrency=concurrency)
        self.direct_sources = DirectSources(request, http, self.python_version, self.fetcher.prepare,
                                            self.cache_dir)
        self.fetcher.skip_page = self._no_page
        # interning
        self.names: list[Name] = []
        self._name_ids: dict[Name, int] = {}
        self.solvables: list[Candidate] = []
        self.version_sets: list[VersionSet] = []
        self._vs_ids: dict[tuple[int, str], int] = {}
        self._candidates: dict[int, list[int]] = {}
        self._matching: dict[int, list[int]] = {}
        self._by_version_text: dict[int, dict[str, list[int]]] = {}  # name -> version text -> solvables
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
            self.overrides.setdefault(pkg_key(ov.name), []).append(parsed_ov)
            self.policy.note_first_party(pkg_key(ov.name), parsed_ov.specifier)  # the user wrote it
        self._override_specs = _applicable_override_specs(self.overrides, self.env_markers)
        self.fetcher.admits = self._worth_fetching_ahead
        self.python_name = self.intern_name(PYTHON, None)
        self.required_by: dict[int, int] = {}  # version set -> first solvable requiring it (hints)
        self.solvable_warnings: dict[int, str] = {}  # reported when the solvable is in the solution
        self.unusable: dict[int, str] = {}  # candidates whose metadata could not be had -> why
        self._quiet = False  # True while answering an explanation: start no fetches

    @property
    def direct(self) -> dict[str, DirectSource]:
        """Names with a path/git/url requirement."""
        return self.direct_sources.by_name

    @property
    def pinned_index(self) -> dict[str, IndexSource]:
        """Names a requirement pins to one index."""
        return self.fetcher.pinned_index

    @property
    def timings(self) -> dict[str, float]:
        return self.fetcher.timings

    # -- interning ------------------------------------------------------------------------------

    def intern_name(self, pkg: str, extra: str | None, extra_deps: bool = False) -> int:
        key = Name(pkg, extra, extra_deps)
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
            parsed = parse_specifier(spec)
            if parsed is None:
                raise InputError(f"invalid version specifier {spec!r} for {self.display_name(name_id)}")
            self.version_sets.append(VersionSet(name_id, parsed, spec))
            self._vs_ids[key] = vs
        return vs

    def _add_solvable(self, cand: Candidate) -> int:
        sid = len(self.solvables)
        self.solvables.append(cand)
        return sid

    # -- provider protocol ----------------------------------------------------------------------

    def name_of(self, solvable: int) -> int:
        return self.solvables[solvable].name_id

    def version_set_name(self, version_set: int) -> int:
        return self.version_sets[version_set].name_id

    def candidates(self, name: int) -> Sequence[int]:
        cands = self._candidates.get(name)
        if cands is None:
            cands = self._build_candidates(name)
            self._candidates[name] = cands
        return cands

    def matching(self, version_set: int) -> Sequence[int]:
        out = self._matching.get(version_set)
        if out is None:
            vset = self.version_sets[version_set]
            pkg = self.names[vset.name_id].pkg
            spec = vset.spec
            out = []
            allowed = None
            pinned = self._pinned(vset)
            for sid in self.candidates(vset.name_id) if pinned is None else pinned:
                cand = self.solvables[sid]
                if cand.source == "conda-any" or spec.contains(cand.version, prereleases=True):
                    # the pre-release policy is about index versions, not about what conda or a
                    # direct source put there
                    if cand.version.is_prerelease and cand.source == "index":
                        if allowed is None:
                            allowed = self.policy.prerelease_allowed(pkg)
                        if not allowed:
                            continue
                    out.append(sid)
            self._matching[version_set] = out
        return out

    def _pinned(self, vset: VersionSet) -> list[int] | None:
        """For an extra's ``===V`` pin on its base (there is one per candidate of each extra): the
        candidates whose version reads V, from an index by version text instead of a scan; else
        None."""
        text = vset.text
        if not text.startswith("===") or "," in text:
            return None
        by_text = self._by_version_text.get(vset.name_id)
        if by_text is None:
            by_text = self._by_version_text[vset.name_id] = {}
            for sid in self.candidates(vset.name_id):
                c = self.solvables[sid]
                key = "*" if c.source == "conda-any" else str(c.version)
                by_text.setdefault(key, []).append(sid)
        return sorted(by_text.get(text[3:].strip(), []) + by_text.get("*", []))

    def dependencies(self, solvable: int) -> Dependencies:
        cand = self.solvables[solvable]
        if cand.deps is None:
            cand.deps = self._dependencies(solvable, cand)
        return cand.deps

    def excluded(self, solvable: int) -> str | None:
        return self.solvables[solvable].excluded

    def prefetch(self, names: Sequence[int]) -> None:
        if self._quiet:
            return
        for nid in names:
            pkg = self.names[nid].pkg
            if not self._no_page(pkg):
                self.fetcher.page_future(pkg)

    def _override_admits(self, pkg: str, version: Version) -> bool:
        """Whether the dependency overrides on ``pkg`` that hold here leave ``version`` possible:
        they replace every requirement on the name (as uv's do), so a version none of them admits
        is never chosen, and is no candidate whose metadata the solve or a fetch ahead reads."""
        specs = self._override_specs.get(pkg)
        # none holding: no package requires the name any more, only a root requirement may
        return not specs or any(s.contains(version, prereleases=True) for s in specs)

    def _worth_fetching_ahead(self, pkg: str, version: Version) -> bool:
        """What the fetcher may read ahead of the solve: no version the overrides rule out, and
        nothing of a name whose overrides all fail their markers (no package requires it then)."""
        specs = self._override_specs.get(pkg)
        return specs is None or any(s.contains(version, prereleases=True) for s in specs)

    def _no_page(self, pkg: str) -> bool:
        """Names whose index pages the solve never reads."""
        return pkg == PYTHON or (pkg in self.conda_provided and pkg not in self.freed) or pkg in self.direct

    def display_name(self, name: int) -> str:
        n = self.names[name]
        if n.pkg == PYTHON:
            return "Python"
        return f"{n.pkg}[{n.extra}]" if n.extra else n.pkg

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
        if cand.source in DIRECT_SOURCES:
            return f"{name} @ {cand.index}"
        return f"{name}=={cand.version}"

    def display_version(self, solvable: int) -> str:
        cand = self.solvables[solvable]
        if cand.source == "index":
            return str(cand.version)
        name, text = self.display_name(cand.name_id), self.display_solvable(solvable)
        return text[len(name):].strip() if text.startswith(name) else text

    def display_range(self, solvables: Sequence[int]) -> str | None:
        """``>=lo,<=hi`` when ``solvables`` are every usable index version of their name from lo
        to hi (``>=lo`` / ``<=hi`` when that end is the newest / oldest there is); else None. A
        version that cannot be used at all (yanked, no file for the target) is told apart and
        does not break the range."""
        cands = [self.solvables[s] for s in solvables]
        if not cands or any(c.source != "index" for c in cands):
            return None
        group = {c.version for c in cands}
        every = sorted({c.version for c in (self.solvables[s] for s in self.candidates(cands[0].name_id))
                        if c.source == "index" and (c.excluded is None or c.version in group)})
        lo, hi = min(group), max(group)
        inside = [v for v in every if lo <= v <= hi]
        if len(inside) != len(group):
            return None
        if hi == every[-1]:
            return f">={lo}"
        return f"<={hi}" if lo == every[0] else f">={lo},<={hi}"

    def display_version_set(self, version_set: int) -> str:
        vset = self.version_sets[version_set]
        text = vset.text.replace("===", "==")  # an extra's pin on its base reads as a plain pin
        return f"{self.display_name(vset.name_id)}{text}" if text else self.display_name(vset.name_id)

    # -- candidates -----------------------------------------------------------------------------

    def _build_candidates(self, name_id: int) -> list[int]:
        pkg, extra = self.names[name_id].pkg, self.names[name_id].extra
        if extra is not None:  # the extra (or its dependencies) at each version of the base
            base_id = self.intern_name(pkg, None)
            out = []
            for sid in self.candidates(base_id):
                base = self.solvables[sid]
                cand = Candidate(name_id, base.version, files=base.files, index=base.index,
                                 source=base.source, excluded=base.excluded, extra=extra,
                                 conda=base.conda, base=sid)
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
            return [self._add_solvable(self.direct_sources.candidate(name_id, pkg))]
        rows = {row.version: row for row in self.fetcher.versions(pkg) if self._override_admits(pkg, row.version)}
        out = []
        for v in self.policy.order(pkg, list(rows)):
            row = rows[v]
            usable, reason = self.policy.usable_files(row.files, pkg, v)
            cand = Candidate(name_id, v, files=usable or row.files, index=row.index,
                             meta_files=metadata_files(usable, row.files) if usable else [],
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
                others = [row.version for row in self.fetcher.versions(pkg) if row.version != version]
            except SolverError:
                others = []
        others.sort(key=lambda v: (not v.is_prerelease, v), reverse=True)  # stable ones first
        if not others:
            return [self._add_solvable(Candidate(name_id, version, source="conda-any", conda=record))]
        return [self._add_solvable(Candidate(name_id, v, source="conda-alt", conda=record)) for v in others]

    def adopt_fetches(self, other: "PyPIProvider") -> None:
        """Reuse the index pages and metadata ``other`` (a provider of the same request) already
        fetched successfully."""
        self.fetcher.adopt(other.fetcher)

    # -- metadata -------------------------------------------------------------------------------

    def _prefetch_following(self, sid: int, cand: Candidate, count: int = 2) -> None:
        """When the solve moves past the first candidates of a name (backtracking), the next ones
        are likely next: start their metadata fetches alongside this one."""
        if cand.source != "index" or self._quiet:
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
            if other.excluded is None and other.meta_files and other.meta is None:
                self.fetcher.meta_future(other.meta_files[0])

    def metadata_of(self, cand: Candidate) -> CoreMetadata:
        """The candidate's metadata: from its best file, else the next one that gives it. Raises
        MetadataError (naming the file) when none does."""
        if cand.meta is None:
            if cand.source != "index":
                return CoreMetadata(name=self.names[cand.name_id].pkg, version=str(cand.version))
            first_error = None
            for f in cand.meta_files or cand.files:
                try:
                    cand.meta = self.fetcher.meta_future(f).result()
                    break
                except MetadataError as exc:
                    first_error = first_error or _file_error(f.filename, exc)
                except SolverError:
                    raise
                except (OSError, ValueError) as exc:
                    first_error = first_error or MetadataError(f"{f.filename}: cannot read its metadata: {exc}")
            else:
                raise first_error or MetadataError(f"{cand.version}: no files")
        return cand.meta

    def dependencies_if_known(self, solvable: int) -> Dependencies | None:
        """The dependencies when in hand without fetching or building anything (the metadata
        already read), else None; starts no fetch either (see
        :class:`~solver.core.provider.Provider`)."""
        if not self._metadata_in_hand(solvable):
            return None
        self._quiet = True
        try:
            return self.dependencies(solvable)
        finally:
            self._quiet = False

    def _metadata_in_hand(self, solvable: int) -> bool:
        cand = self.solvables[solvable]
        if cand.deps is not None or cand.meta is not None:
            return True
        if cand.source == "index":
            if cand.base is not None:
                return not self.names[cand.name_id].extra_deps or self._metadata_in_hand(cand.base)
            files = cand.meta_files or cand.files
            return bool(files) and self.fetcher.meta_ready(files[0])
        return cand.extra is None or cand.source in ("python", "conda-any")  # conda extras read indexes

    def _unusable(self, sid: int, exc: MetadataError) -> Dependencies:
        """A candidate whose metadata cannot be had (a failed build, a malformed file, a hash
        mismatch) is unusable, not fatal: the reason is kept for explanations."""
        cand = self.solvables[sid]
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        reason = lines[0] + (f" … {lines[-1]}" if len(lines) > 1 else "")
        files = [f.filename for f in cand.files]
        if files and not any(f in reason for f in files):
            reason = f"{files[0]}: {reason}"
        cand.excluded = f"{self.display_name(cand.name_id)}=={cand.version} gives no metadata: {reason}"
        self.unusable[sid] = cand.excluded
        return Dependencies()

    # -- dependencies ---------------------------------------------------------------------------

    def _dependencies(self, sid: int, cand: Candidate) -> Dependencies:
        pkg, extra = self.names[cand.name_id].pkg, self.names[cand.name_id].extra
        if cand.source == "conda-any":
            if extra is None:
                return Dependencies()
            return Dependencies(requires=[self.intern_version_set(self.intern_name(pkg, None), "")])
        if cand.source in ("python", "conda", "conda-alt"):
            if extra is None:
                return Dependencies()
            base_id = self.intern_name(pkg, None)
            requires = [self.intern_version_set(base_id, f"==={cand.version}")]
            meta = conda_extra_metadata(self, sid, cand, pkg, extra) if cand.source != "python" else None
            if meta is not None:
                # conda installed the distribution, not what its extra adds: take that from the
                # indexes' metadata of that version (or of its closest sibling)
                requires += self._requirements(meta, {**self.env_markers, "extra": extra}, only_extra=True)
            return Dependencies(requires=requires)
        if extra is not None and not self.names[cand.name_id].extra_deps:
            # the pin first, known without metadata; what the extra adds comes with its own name
            pin = self.intern_version_set(self.intern_name(pkg, None), f"==={cand.version}")
            adds = self.intern_version_set(self.intern_name(pkg, extra, extra_deps=True), f"==={cand.version}")
            return Dependencies(requires=[pin, adds])
        if extra is not None:
            try:
                meta = self.metadata_of(self.solvables[cand.base])
                requires = self._requirements(meta, {**self.env_markers, "extra": extra}, only_extra=True)
            except MetadataError as exc:
                return self._unusable(sid, exc)
            return Dependencies(requires=requires)
        self._prefetch_following(sid, cand)
        try:
            meta = self.metadata_of(cand)
            requires = []
            if meta.requires_python and parse_specifier(meta.requires_python) is not None:
                requires.append(self.intern_version_set(self.python_name, python_lower_bounds(meta.requires_python)))
            requires += self._requirements(meta, {**self.env_markers, "extra": ""}, only_extra=False)
        except MetadataError as exc:
            return self._unusable(sid, exc)
        for vs in requires:
            self.required_by.setdefault(vs, sid)
        return Dependencies(requires=requires)

    def _requirements(self, meta: CoreMetadata, marker_env: dict, *, only_extra: bool) -> list[int]:
        out = []
        names = []
        reqs = []
        for text in meta.requires_dist:
            try:
                reqs.append(parse_requirement(text))
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
            dep = pkg_key(req.name)
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
            subs = self.overrides.get(pkg_key(req.name))
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

    # -- result ---------------------------------------------------------------------------------

    def package_of(self, sid: int) -> PyPIPackage | None:
        cand = self.solvables[sid]
        name = self.names[cand.name_id]
        if name.extra is not None or cand.source == "python" or cand.source in CONDA_SOURCES:
            return None
        meta = self.metadata_of(cand)
        common = dict(name=name.pkg, version=str(cand.version), requires_dist=list(meta.requires_dist),
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
            elif not hashes:  # a find-links page gives none either: readers of the lock need one
                hashes = {"sha256": hashlib.sha256(fetch_bytes(self.http, f.url, f.filename)).hexdigest()}
            return PyPIPackage(**common, url=url, path=path, hashes=hashes, index=cand.index)
        facts = cand.direct or {}
        hashes = {"sha256": facts["sha256"]} if "sha256" in facts else {}
        return PyPIPackage(**common, url=facts.get("url"), path=facts.get("path"), hashes=hashes,
                           editable=bool(facts.get("editable")))

    def close(self) -> None:
        self.fetcher.close()


def _file_error(filename: str, exc: MetadataError) -> MetadataError:
    text = str(exc)
    return MetadataError(text if filename in text else f"{filename}: {text}")


def _relative_to_root(path: Path, root: str | None) -> str:
    """Paths under the project root are written relative to it, so the lock travels."""
    if root:
        try:
            return Path(os.path.relpath(path, root)).as_posix() if path.is_relative_to(Path(root).resolve()) \
                else str(path)
        except ValueError:
            pass
    return str(path)


def _applicable_override_specs(overrides: dict[str, list[Requirement]], env_markers: dict) -> dict[str, list[SpecifierSet]]:
    """name -> the specifiers of its overrides whose marker holds for the target (an override
    tied to an extra counts: whether it holds depends on the package asking); an empty list
    for a name whose overrides all fail their markers."""
    out: dict[str, list[SpecifierSet]] = {}
    for pkg, subs in overrides.items():
        specs = []
        for sub in subs:
            if sub.marker is not None and "extra" not in str(sub.marker):
                try:
                    if not sub.marker.evaluate({**env_markers, "extra": ""}):
                        continue
                except (UndefinedComparison, UndefinedEnvironmentName):
                    continue
            specs.append(sub.specifier)
        out[pkg] = specs
    return out
