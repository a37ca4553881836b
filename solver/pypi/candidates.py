"""Candidates of the PyPI stage and the policy that orders and filters them (uv's
``candidate_selector``): which files of a version are usable for the target, how the versions of
several indexes merge under the index strategy, the preference order (locked first, then by the
pre-release mode), and whether a pre-release may be chosen at all.

Pre-release modes (as uv and pixi have them; the default is ``if-necessary-or-explicit``):

* ``disallow``: never, not even where the user's own specifier names one; ``allow``: always,
  like any other version;
* ``if-necessary`` and ``if-necessary-or-explicit``: pre-releases after every stable version,
  so one is chosen only when no stable version in range can be used (uv 0.13.9: ``a>1.0``
  where only ``2.0b1`` is newer, or a stable ``c`` ruled out by a conflict, take the
  pre-release);
* ``explicit``: only for names whose first-party specifier names a pre-release (``>=2.0b1``).

In every mode but ``allow`` stable versions are preferred, even where a specifier names a
pre-release (uv 0.13.9).

``explicit`` looks at the user's own requirements (and overrides, and the dependencies of
editable path projects), not at what packages ask, as uv does.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..core.provider import Dependencies
from ..redact import strip_credentials
from .index import DistFile
from .tags import TargetEnv

PYTHON = "<python>"  # the core name of the target interpreter (no distribution can be named so)
# Candidates standing for what conda installs: the conda version itself, and (only while working
# out what PyPI would want of a conda-provided name, see conda_conflicts) the other versions the
# indexes know of, or any version at all when they know none. None has dependencies: conda
# satisfies those.
CONDA_SOURCES = ("conda", "conda-alt", "conda-any")
DIRECT_SOURCES = ("path", "git", "url")


class Candidate(msgspec.Struct, gc=False):
    """One solvable: a version of a name (base or extra) and where it comes from. ``source``:
    index | conda | conda-alt | conda-any | python | path | git | url. ``excluded``: why it may
    not be chosen (None: usable). ``base``: for the candidate of an extra (or of what the extra
    adds), the base's solvable. ``direct``: facts about a path/git/url source (for the lock)."""

    name_id: int
    version: Version
    files: list[DistFile] = []
    meta_files: list[DistFile] = []  # where to read the metadata from (see metadata_files)
    index: str | None = None
    source: str = "index"
    excluded: str | None = None
    meta: object = None  # CoreMetadata once read
    extra: str | None = None
    base: int | None = None
    direct: dict | None = None
    conda: str | None = None
    deps: Dependencies | None = None


class VersionRow(msgspec.Struct, gc=False):
    """One version of a name as the indexes (and find-links) list it: its files and the index
    that served the version."""

    version: Version
    files: list[DistFile]
    index: str


# Sorting thousands of versions: packaging compares two versions by their ``_key`` tuples, in
# Python; sorting by the tuples themselves compares in C, in the same order (None: a packaging
# without that attribute, the versions compare themselves).
_VERSION_ORDER = (lambda v: v._key) if isinstance(getattr(Version("0"), "_key", None), tuple) else None


def pkg_key(name: str) -> str:
    return canonicalize_name(name)


@lru_cache(maxsize=4096)
def parse_specifier(text: str) -> SpecifierSet | None:
    """A specifier parsed once per distinct text (Requires-Python strings repeat across thousands
    of files); None when it does not parse."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


@lru_cache(maxsize=4096)
def python_lower_bounds(requires_python: str) -> str:
    """``Requires-Python`` reduced to the lowest Python it admits (``>=3.8,<3.11`` -> ``>=3.8``,
    ``!=3.12.*`` or ``<3.8`` -> no bound, ``>=3.12,!=3.12.*`` -> ``>=3.13``), as uv reads it: a
    distribution is for the target when some Python at or below the target satisfies it. Upper
    bounds and exclusions above that floor are most often guesses about future Pythons, not known
    incompatibilities, and wheel tags still keep out binaries built for other Pythons. Unparsable
    text comes back as is."""
    spec = parse_specifier(requires_python)
    if spec is None:
        return requires_python
    if spec.contains(Version("0"), prereleases=True):
        return ""
    # the floor is one of the versions the clauses name, or the version just above one of them
    edges: set[Version] = set()
    for clause in spec:
        text = clause.version.removesuffix(".*")
        if not _is_version(text):
            continue
        edge = Version(text)
        edges.add(edge)
        if clause.version.endswith(".*"):  # the first version past the wildcard's prefix
            release = edge.release
            edges.add(Version(".".join(map(str, (*release[:-1], release[-1] + 1)))))
    for edge in sorted(edges):
        if spec.contains(edge, prereleases=True):
            return f">={edge}"
        just_above = Version(".".join(map(str, (*edge.release, 0, 0)[:max(3, len(edge.release))])) + ".1")
        if spec.contains(just_above, prereleases=True):
            return f">{edge}"
    return ""  # admits no Python at all: uv then sets no floor either


@lru_cache(maxsize=4096)
def python_allowed(requires_python: str, python: Version) -> bool:
    """Does ``requires_python`` admit the target Python (its floor only, see
    :func:`python_lower_bounds`)? An unparsable one does not exclude (as pip and uv)."""
    spec = parse_specifier(python_lower_bounds(requires_python))
    return spec is None or spec.contains(python, prereleases=True)


def specifier_names_prerelease(spec: SpecifierSet) -> bool:
    """Does a specifier name a pre-release (``>=2.0b1``, ``==2.0rc1``, ``===2.0rc1``)? Exclusions
    do not count."""
    return any(s.operator != "!=" and _names_prerelease(s.version) for s in spec)


def _names_prerelease(text: str) -> bool:
    try:
        return Version(text.removesuffix(".*") or "0").is_prerelease
    except InvalidVersion:
        return False


def _is_version(text: str) -> bool:
    try:
        Version(text)
        return True
    except InvalidVersion:
        return False


class CandidatePolicy:
    """What the request and the target say about candidates, and what the requirements met so
    far say about pre-releases and pins (``note_first_party``)."""

    def __init__(self, request, target: TargetEnv):
        self.request = request
        self.target = target
        self.python_version = Version(target.python_version)
        self._markers: dict | None = None
        self.tag_priority = target.tag_priority()
        self._tag_rank: dict[frozenset, int] = {}  # a wheel's tag set -> its best priority
        self._python_ok: dict[str, bool] = {}  # Requires-Python text -> does the target's Python meet it
        py = target.py_tuple
        self._no_wheel = f"has no wheel for {target.platform} (Python {py[0]}.{py[1]})"
        no_binary = getattr(request, "no_binary", False)
        self.no_binary_all = no_binary is True
        self.no_binary = {pkg_key(n) for n in no_binary} if isinstance(no_binary, list) else set()
        self.no_build = {pkg_key(n) for n in getattr(request, "no_build_packages", [])}
        # names the user's own requirements name a pre-release of (only these count for
        # ``explicit``, as uv has it)
        self.first_party_pre: set[str] = set()
        self.pinned_eq: dict[str, set[str]] = {}  # exact pins of the user's (they may pick yanked ones)
        self.locked: dict[str, Version] = {}
        # credential-free index URL (as files name their index) -> that index's own cutoff
        self.index_cutoffs = {strip_credentials(i.url): i.exclude_newer for i in request.indexes if i.own_cutoff}
        update = set(pkg_key(n) for n in (request.update or []))
        for pkg in request.locked:
            key = pkg_key(pkg.name)
            if key in update or pkg.url or pkg.path:
                continue
            try:
                self.locked[key] = Version(pkg.version)
            except InvalidVersion:
                continue

    def dependency_requests(self, meta, extras: frozenset[str] = frozenset()) -> list[tuple[str, frozenset[str]]]:
        """(name, extras asked of it) for what ``meta``'s Requires-Dist asks for on the target,
        for the base and for ``extras`` (and the extras those ask of the package itself,
        ``dask[complete]`` -> ``dask[array]``): what a fetch ahead may want. Unparsable entries
        are left to the solve to report."""
        from .reqparse import parse_requirement

        if self._markers is None:
            self._markers = {**self.target.markers(), "extra": ""}
        own = pkg_key(meta.name)
        wanted = set(extras)
        out: dict[str, set[str]] = {}
        while True:
            environments = [self._markers] + [{**self._markers, "extra": e} for e in sorted(wanted)]
            out.clear()
            for text in meta.requires_dist:
                try:
                    req = parse_requirement(text)
                    if req.marker is not None and not any(req.marker.evaluate(env) for env in environments):
                        continue
                except Exception:
                    continue
                out.setdefault(pkg_key(req.name), set()).update(req.extras)
            more = out.pop(own, set()) - wanted
            if not more:
                return [(name, frozenset(asked)) for name, asked in out.items()]
            wanted |= more

    @property
    def mode(self) -> str:
        return self.request.prerelease_mode

    def note_first_party(self, pkg: str, spec: SpecifierSet) -> None:
        """A requirement of the user's own (or an override): its pre-release naming counts for
        ``explicit``; an exact pin that is the whole specifier may choose a yanked version (as uv:
        ``==1.0`` may, ``>0.5,==1.0`` and a package's own pin may not)."""
        if specifier_names_prerelease(spec):
            self.first_party_pre.add(pkg)
        clauses = list(spec)
        if len(clauses) == 1 and clauses[0].operator in ("==", "===") and "*" not in clauses[0].version:
            self.pinned_eq.setdefault(pkg, set()).add(clauses[0].version)

    def prerelease_allowed(self, pkg: str) -> bool:
        """May an index pre-release of ``pkg`` match a requirement at all (see the module text)?"""
        mode = self.mode
        if mode in ("allow", "if-necessary", "if-necessary-or-explicit"):
            # if-necessary: pre-releases come after every stable version (see ``order``), so the
            # search takes one only when no stable version in range can be used, as uv 0.13.9
            # does (its scenario prerelease-fallback-after-stable-rejected)
            return True
        if mode == "disallow":  # even under a user's own pre-release specifier (uv 0.13.9)
            return False
        return pkg in self.first_party_pre

    def wheel_fits(self, tags: frozenset) -> bool:
        """Can a wheel with these tags serve the target at all?"""
        rank = self._tag_rank.get(tags)
        if rank is None:
            rank = self._tag_rank[tags] = min((self.tag_priority.get(t, 1 << 30) for t in tags), default=1 << 30)
        return rank < 1 << 30

    def usable_files(self, files: list[DistFile], pkg: str, version: Version):
        """(usable files best first, reason when none)."""
        pins = tuple(self.pinned_eq.get(pkg, ()))  # a copy: prefetch threads read it too
        pinned = bool(pins) and (str(version) in pins or any(Version(v) == version for v in pins if _is_version(v)))
        usable = []
        reasons = []
        own = pkg in self.request.exclude_newer_packages
        newer = self.request.exclude_newer_packages.get(pkg, self.request.exclude_newer)
        cutoffs = self.index_cutoffs
        # asked for every version of every name the solve meets (thousands): what holds for all
        # of a name's files is worked out once, a Requires-Python text once per policy
        no_binary = self.no_binary_all or pkg in self.no_binary
        no_build = self.request.no_build or pkg in self.no_build
        python_ok = self._python_ok
        tag_rank = self._tag_rank
        for f in files:
            cutoff = newer if own or f.index not in cutoffs else cutoffs[f.index]
            if cutoff is not None and f.upload_time is not None and f.upload_time > cutoff:
                reasons.append("was uploaded after the exclude-newer date")
                continue
            if f.yanked is not None and not pinned:
                reasons.append("yanked" + (f" ({f.yanked})" if f.yanked else ""))
                continue
            requires_python = f.requires_python
            if requires_python:
                ok = python_ok.get(requires_python)
                if ok is None:
                    ok = python_ok[requires_python] = python_allowed(requires_python, self.python_version)
                if not ok:
                    reasons.append(f"requires Python {requires_python}, the target has {self.python_version}")
                    continue
            tags = f.tags
            if tags is not None:  # a wheel
                if no_binary:
                    reasons.append("has only wheels and no-binary forbids them")
                    continue
                rank = tag_rank.get(tags)
                if rank is None:
                    rank = min((self.tag_priority.get(t, 1 << 30) for t in tags), default=1 << 30)
                    tag_rank[tags] = rank
                if rank == 1 << 30:
                    reasons.append(self._no_wheel)
                    continue
                usable.append((0, rank, f))
            else:
                if no_build:
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

    def merge_versions(self, pkg: str, pages, flat_pages) -> list[VersionRow]:
        """The versions of ``pkg`` merged per the index strategy, in preference order (before the
        pre-release ordering). ``pages``: [(source, files)] of the indexes in preference order;
        ``flat_pages``: the same for find-links (files of every name)."""
        strategy = self.request.index_strategy
        by_version: dict[Version, VersionRow] = {}
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
                by_version[v] = VersionRow(v, seen_here[v], src.display)
        for src, files in flat_pages:
            for f in files:
                if f.name != pkg:
                    continue
                if f.version in by_version:
                    by_version[f.version].files.append(f)
                else:
                    by_version[f.version] = VersionRow(f.version, [f], src.display)
                    if strategy == "unsafe-first-match":
                        order.append(f.version)
        if strategy != "unsafe-first-match":
            order = sorted(by_version, key=_VERSION_ORDER, reverse=True)
        return [by_version[v] for v in order]

    def order(self, pkg: str, versions: list[Version]) -> list[Version]:
        """Preference order: the locked version first, then stable versions before pre-releases
        in every mode but ``allow``, even where a specifier names a pre-release (uv 0.13.9:
        ``a>=0.1.0a1`` over 0.3.0 and 1.0.0a1 takes 0.3.0)."""
        if self.mode != "allow":
            stable = [v for v in versions if not v.is_prerelease]
            pre = [v for v in versions if v.is_prerelease]
            versions = stable + pre
        locked = self.locked.get(pkg)
        if locked is not None and locked in versions:
            versions = [locked] + [v for v in versions if v != locked]
        return versions

    def first_choice(self, pkg: str, rows: list[VersionRow]) -> DistFile | None:
        """The file whose metadata the solve most likely asks for first (the locked version's,
        else the best stable version's best file): worth fetching ahead."""
        locked = self.locked.get(pkg)
        for row in rows:
            if locked is not None and row.version != locked:
                continue
            if row.version.is_prerelease and self.mode != "allow":
                continue
            usable, _ = self.usable_files(row.files, pkg, row.version)
            if usable:
                return metadata_files(usable, row.files)[0]
            if locked is not None:
                return None
        return None


def metadata_files(usable: list[DistFile], every: list[DistFile]) -> list[DistFile]:
    """The files to read a version's metadata from, in order: its usable wheels, else a wheel for
    another target (the same metadata, as uv reads it: no sdist build), then its sdists."""
    wheels = [f for f in usable if f.is_wheel]
    if not wheels:
        wheels = [f for f in every if f.is_wheel and f.yanked is None][:1]
    return wheels + [f for f in usable if not f.is_wheel]
