"""``CondaProvider``: the solver core's Provider over conda records from a gateway.

Everything is lazy per name: a name's records are asked of the gateway the first time the core
(or a preference computation) reaches it, so a solve only decodes what it touches.

Candidate order (best first): see ``sorting`` (``CandidateSorter``).

Difference from rattler on purpose: with strict priority a name required
by a channel-qualified user spec (``conda-forge::numpy``) takes that channel as its highest
priority channel, so the qualifier never conflicts with priority.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from ..core.provider import Dependencies, Problem, Provider
from ..errors import InputError
from ..options import ChannelPriority, SolveStrategy, check_choice
from ..platform import is_known_subdir
from ..redact import mask_credentials
from .channel import channel_tail
from .matchspec import InvalidMatchSpec, MatchSpec
from .model import CondaRequest, PackageRecord
from .sorting import CandidateSorter
from .version import version_key
from .virtual import is_virtual_name, missing_virtual_reason, virtual_records

_NO_DEPS = Dependencies()
_ANY, _VERSION_ONLY, _GENERAL = 0, 1, 2


def _spec_kind(spec, pinned: bool = False) -> int:
    """How ``matching`` can test a spec: by name alone, by version string alone, or in full.
    (A channel resolved to a channel index is checked by the provider itself.)"""
    if spec.build is None and not getattr(spec, "_rare", True):
        # the common shape of a dependency: name and maybe version (the compiled spec knows)
        return _ANY if spec.version is None else _VERSION_ONLY
    if (
        spec.build is not None
        or spec.build_number is not None
        or spec.subdir is not None
        or spec.md5 is not None
        or spec.sha256 is not None
        or spec.license is not None
        or spec.license_family is not None
        or spec.track_features is not None
        or spec.features is not None
        or spec.fn is not None
        or spec.url is not None
        or (spec.channel is not None and not pinned)
    ):
        return _GENERAL
    return _ANY if spec.version is None else _VERSION_ONLY


VIRTUAL_PRIORITY = -1  # channel index of given virtual packages
MISSING_PRIORITY = -2  # channel index of the placeholder for an absent virtual package




def _parse_spec(text: str, *, where: str):
    try:
        return MatchSpec.parse(text)
    except InvalidMatchSpec as exc:
        raise InputError(f"{where}: {exc}" if where else str(exc)) from None
    except (ValueError, TypeError) as exc:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}invalid match spec {text!r}: {exc}") from None


class CondaProvider(Provider):
    """Implements ``solver.core.provider.Provider`` for one ``CondaRequest`` over a gateway.

    ``gateway.records(name)`` returns ``[(channel_index, PackageRecord), ...]`` where the index
    is the channel's position in ``request.channels`` (0 = highest priority).
    """

    def __init__(self, request: CondaRequest, gateway: Any):
        self.request = request
        self._gateway = gateway
        self._version_key = version_key
        self._vkey_cache: dict[str, bytes] = {}
        self.load_seconds = 0.0
        self.strict = request.channel_priority != "disabled"

        # names
        self._name_ids: dict[str, int] = {}
        self._names: list[str] = []
        self._loaded: list[list[int] | None] = []  # solvables of a name, load order
        self._sorted: list[list[int] | None] = []

        # solvables
        self._records: list[PackageRecord] = []
        self._sv_name: list[int] = []
        self._sv_channel: list[int] = []
        self._sv_excluded: list[str | None] = []
        self._sv_deps: list[Dependencies | None] = []
        self._sv_key: list[bytes] = []  # version order key (b"" when the version does not parse)

        # version sets
        self._vs_ids: dict[str, int] = {}
        self._vs_text: list[str] = []
        self._vs_spec: list[Any] = []
        self._vs_name: list[int] = []
        self._vs_channel: list[int | None] = []
        self._vs_kind: list[int] = []
        self._vs_matching: list[list[int] | None] = []
        self._vs_highest: dict[int, tuple[bool, bytes] | None] = {}
        self._by_version: dict[int, list[tuple[bytes, int]]] = {}

        self._virtual = {r.name: r for r in virtual_records(list(request.virtual_packages))}

        # user input: specs, constraints, channel pins, locked records
        self.spec_ids = [self._intern_user(t, "spec") for t in request.specs]
        self.constraint_ids = [self._intern_user(t, "constraint") for t in request.constraints]
        self.direct_names = {self._vs_name[v] for v in self.spec_ids}
        self._pinned_channel: dict[int, int] = {}
        for vs in self.spec_ids + self.constraint_ids:
            ch = self._vs_channel[vs]
            if ch is not None:
                self._pinned_channel.setdefault(self._vs_name[vs], ch)
        update = request.update
        self._locked: dict[str, PackageRecord] = {}
        if update is None or len(update) > 0:
            skip = set(update or ())
            for rec in request.locked:
                if rec.name not in skip:
                    self._locked.setdefault(rec.name, rec)
        self._sorter = CandidateSorter(
            self, records=self._records, channels=self._sv_channel, version_keys=self._sv_key,
            excluded=self._sv_excluded, locked=self._locked,
        )
        check_choice(request.strategy, SolveStrategy, "strategy")
        check_choice(request.channel_priority, ChannelPriority, "channel priority")

    # -- problem ------------------------------------------------------------------------------

    def problem(self) -> Problem:
        return Problem(requirements=list(self.spec_ids), constraints=list(self.constraint_ids))

    # -- interning ----------------------------------------------------------------------------

    def name_id(self, name: str) -> int:
        nid = self._name_ids.get(name)
        if nid is None:
            nid = len(self._names)
            self._name_ids[name] = nid
            self._names.append(name)
            self._loaded.append(None)
            self._sorted.append(None)
        return nid

    def _channel_index(self, channel: str, text: str) -> int:
        channels = self.request.channels
        for i, ch in enumerate(channels):
            if ch == channel or ch.rstrip("/") == channel.rstrip("/"):
                return i
        tail = channel_tail(channel)
        for i, ch in enumerate(channels):
            if channel_tail(ch) == tail:
                return i
        raise InputError(
            f"spec {text!r} names channel {mask_credentials(channel)!r}, which is not one of the channels "
            f"of this environment ({', '.join(mask_credentials(c) for c in channels) or 'none'})"
        )

    def _intern(self, text: str, spec=None, *, where: str = "") -> int:
        vs = self._vs_ids.get(text)
        if vs is not None:
            return vs
        if spec is None:
            spec = _parse_spec(text, where=where)
        name = getattr(spec, "name", None)
        if not name or name == "*":
            raise InputError(f"{where + ': ' if where else ''}match spec {text!r} names no package")
        vs = len(self._vs_text)
        self._vs_ids[text] = vs
        self._vs_text.append(text)
        self._vs_spec.append(spec)
        self._vs_name.append(self.name_id(name))
        self._vs_channel.append(None)
        self._vs_matching.append(None)
        self._vs_kind.append(_spec_kind(spec))
        return vs

    def _intern_user(self, text: str, kind: str) -> int:
        spec = _parse_spec(text, where=kind)
        vs = self._intern(text, spec, where=kind)
        channel = getattr(spec, "channel", None)
        if channel:
            channel = str(channel)
            try:
                self._vs_channel[vs] = self._channel_index(channel, text)
            except InputError:
                head, _, last = channel.rstrip("/").rpartition("/")
                if head and is_known_subdir(last):  # "channel/subdir::name"
                    self._vs_channel[vs] = self._channel_index(head, text)
                else:
                    raise
            self._vs_kind[vs] = _spec_kind(spec, pinned=True)
        return vs

    def _vkey(self, version: str) -> bytes:
        key = self._vkey_cache.get(version)
        if key is None:
            try:
                key = self._version_key(version)
            except InputError:
                key = b""  # sorts last; _load excludes such records
            self._vkey_cache[version] = key
        return key

    # -- loading ------------------------------------------------------------------------------

    def _add_solvable(self, nid: int, channel: int, record: PackageRecord, excluded: str | None) -> int:
        sid = len(self._records)
        self._records.append(record)
        self._sv_name.append(nid)
        self._sv_channel.append(channel)
        self._sv_excluded.append(excluded)
        self._sv_deps.append(None)
        self._sv_key.append(self._vkey(record.version))
        return sid

    def _load(self, nid: int) -> list[int]:
        ids = self._loaded[nid]
        if ids is not None:
            return ids
        name = self._names[nid]
        ids = []
        if is_virtual_name(name):
            rec = self._virtual.get(name)
            if rec is not None:
                ids.append(self._add_solvable(nid, VIRTUAL_PRIORITY, rec, None))
            else:
                placeholder = PackageRecord(name=name, version="0", build="0", channel="@virtual")
                ids.append(self._add_solvable(nid, MISSING_PRIORITY, placeholder, missing_virtual_reason(name)))
            self._loaded[nid] = ids
            return ids
        t0 = time.perf_counter()
        entries = self._gateway.records(name)
        self.load_seconds += time.perf_counter() - t0
        n = len(entries)
        first = len(self._records)
        chans = [c for c, _ in entries]
        recs = [r for _, r in entries]
        excluded: list[str | None] = [None] * n
        exclude_newer = self.request.exclude_newer_packages.get(name, self.request.exclude_newer)
        if exclude_newer is not None:
            for i, r in enumerate(recs):
                if r.timestamp is not None and r.timestamp > exclude_newer:
                    excluded[i] = (
                        f"published after the exclude-newer date ({_fmt_ms(r.timestamp)} > "
                        f"{_fmt_ms(exclude_newer)})"
                    )
        wanted_flags = self.request.flags.get(name)
        if wanted_flags:
            from .flags import flags_match

            for i, r in enumerate(recs):
                if excluded[i] is None and not flags_match(wanted_flags, r.flags):
                    excluded[i] = f"its flags {r.flags or []} do not match {wanted_flags}"
        cache = self._vkey_cache
        keys = [cache.get(r.version) for r in recs]
        if None in keys:
            vkey = self._vkey
            keys = [k if k is not None else vkey(r.version) for k, r in zip(keys, recs)]
        if b"" in keys:
            for i, r in enumerate(recs):
                if not keys[i] and excluded[i] is None:
                    excluded[i] = f"its version {r.version!r} cannot be parsed"
        if self.strict and n:
            best = self._pinned_channel.get(nid)
            if best is None or best not in chans:
                best = min(chans)
            if chans.count(best) != n:
                why = (
                    f"hidden by channel priority: {name} is available in "
                    f"{mask_credentials(self.request.channels[best])} with higher priority"
                )
                for i, c in enumerate(chans):
                    if c != best and excluded[i] is None:
                        excluded[i] = why
        self._records.extend(recs)
        self._sv_name.extend([nid] * n)
        self._sv_channel.extend(chans)
        self._sv_excluded.extend(excluded)
        self._sv_deps.extend([None] * n)
        self._sv_key.extend(keys)
        ids = list(range(first, first + n))
        self._loaded[nid] = ids
        return ids

    # -- Provider -----------------------------------------------------------------------------

    def candidates(self, name: int) -> Sequence[int]:
        ids = self._sorted[name]
        if ids is None:
            ids = self._sorter.sort(name, list(self._load(name)))
            self._sorted[name] = ids
        return ids

    def name_of(self, solvable: int) -> int:
        return self._sv_name[solvable]

    def version_set_name(self, version_set: int) -> int:
        return self._vs_name[version_set]

    def matching(self, version_set: int) -> Sequence[int]:
        found = self._vs_matching[version_set]
        if found is None:
            nid = self._vs_name[version_set]
            cands = self.candidates(nid)
            kind = self._vs_kind[version_set]
            pinned = self._vs_channel[version_set]
            chans = self._sv_channel
            if cands and chans[cands[0]] == MISSING_PRIORITY:
                found = list(cands)  # the absent-virtual placeholder "matches" to explain itself
            elif kind == _ANY:
                found = [s for s in cands if pinned is None or chans[s] == pinned]
            elif pinned is None and (found := self._filter(version_set, cands)) is not None:
                pass
            else:
                vspec = self._vs_spec[version_set].version
                if kind == _VERSION_ONLY:
                    rest = (lambda s: pinned is None or chans[s] == pinned)
                else:
                    rest = (lambda s: self._matches(version_set, s))
                if vspec is None:
                    found = [s for s in cands if rest(s)]
                else:
                    found = [s for s in self._version_matches(vspec, cands) if rest(s)]
            self._vs_matching[version_set] = found
        return found

    def _version_matches(self, vspec, cands: Sequence[int]) -> list[int]:
        """Candidates whose version ``vspec`` matches, testing each distinct version once; a
        version that does not parse matches nothing."""
        seen: dict[str, bool] = {}
        found = []
        recs = self._records
        for s in cands:
            v = recs[s].version
            ok = seen.get(v)
            if ok is None:
                try:
                    ok = seen[v] = vspec.matches(v)
                except InputError:
                    ok = seen[v] = False
            if ok:
                found.append(s)
        return found

    def _filter(self, version_set: int, cands: Sequence[int]) -> list[int] | None:
        """The compiled ``MatchSpec.filter`` over the candidates (one call per version set); None
        when a record's version does not parse (the caller then tests one by one)."""
        recs = self._records
        try:
            flags = self._vs_spec[version_set].filter([recs[s] for s in cands])
        except (ValueError, InputError):
            return None
        return [s for s, ok in zip(cands, flags) if ok]

    def dependencies(self, solvable: int) -> Dependencies:
        deps = self._sv_deps[solvable]
        if deps is None:
            record = self._records[solvable]
            if not record.depends and not record.constrains:
                deps = _NO_DEPS
            else:
                known = self._vs_ids
                try:
                    try:
                        requires = [known[t] for t in record.depends]
                    except KeyError:
                        requires = [known[t] if t in known else self._intern(t) for t in record.depends]
                    constrains = (
                        [known[t] if t in known else self._intern(t) for t in record.constrains]
                        if record.constrains
                        else ()
                    )
                    deps = Dependencies(requires=requires, constrains=constrains)
                except InputError as exc:
                    # A broken record must not break the solve: it just cannot be chosen.
                    if self._sv_excluded[solvable] is None:
                        self._sv_excluded[solvable] = f"its dependencies cannot be read: {exc}"
                    deps = _NO_DEPS
            self._sv_deps[solvable] = deps
        return deps

    def excluded(self, solvable: int) -> str | None:
        # a record whose dependencies do not parse is found out by ``dependencies`` (the core asks
        # again after reading them), so loading a name does not parse every candidate's metadata
        return self._sv_excluded[solvable]

    # -- display ------------------------------------------------------------------------------

    def display_name(self, name: int) -> str:
        return self._names[name]

    def display_solvable(self, solvable: int) -> str:
        rec = self._records[solvable]
        channel = self._sv_channel[solvable]
        if channel == MISSING_PRIORITY:
            return rec.name  # the exclusion reason says it is absent
        if channel == VIRTUAL_PRIORITY:
            return f"{rec.name} {rec.version}" + ("" if rec.build in ("0", "") else f" ({rec.build})")
        text = f"{rec.name} {rec.version} ({rec.build})"
        if len(self.request.channels) > 1:
            text += f" from {self._where(solvable)}"
        return text

    def display_version(self, solvable: int) -> str:
        """The solvable without its name, for lists of one name's candidates: ``1.26.4 (py311h_0)``."""
        rec = self._records[solvable]
        if self._sv_channel[solvable] < 0:
            return rec.version
        return f"{rec.version} ({rec.build})"

    def display_release(self, solvable: int) -> str:
        """The version alone, so explanations list ``2.4.6, 2.3.5`` and count builds apart."""
        return self._records[solvable].version

    def display_version_set(self, version_set: int) -> str:
        return self._vs_text[version_set]

    # -- for the stage ------------------------------------------------------------------------

    def record(self, solvable: int) -> PackageRecord:
        return self._records[solvable]

    def is_virtual(self, solvable: int) -> bool:
        return self._sv_channel[solvable] < 0

    def channel_index(self, solvable: int) -> int:
        return self._sv_channel[solvable]

    def locked_solvable(self, name: int) -> int | None:
        """The usable candidate of ``name`` that is its locked record; None without one (no lock
        entry, the name is being updated, or the locked record is gone)."""
        locked = self._locked.get(self._names[name])
        return None if locked is None else self._sorter.find_locked(list(self.candidates(name)), locked)

    def reached(self) -> list[tuple[int, PackageRecord]]:
        """Every non-virtual record the solve loaded, as ``(channel index, record)``: replaying a
        solve over exactly these gives the same answer (see ``snapshot``)."""
        return [
            (self._sv_channel[s], self._records[s])
            for s in range(len(self._records))
            if self._sv_channel[s] >= 0
        ]

    # -- internals ----------------------------------------------------------------------------

    def _where(self, solvable: int) -> str:
        ch = self._sv_channel[solvable]
        if ch < 0:
            return "the system"
        return mask_credentials(self.request.channels[ch]) if ch < len(self.request.channels) else f"channel {ch}"

    def _matches(self, version_set: int, solvable: int) -> bool:
        pinned = self._vs_channel[version_set]
        if pinned is not None and self._sv_channel[solvable] != pinned:
            return False
        try:
            return self._vs_spec[version_set].matches(self._records[solvable])
        except InputError:  # a record whose version does not parse matches no versioned spec
            return False


    def highest_matching(self, vs: int) -> tuple[bool, bytes] | None:
        """(has track_features, version key) of the highest version the version set allows among
        the name's usable records, without sorting that name (so the candidate order of one name
        may ask about another without a cycle)."""
        if vs in self._vs_highest:
            return self._vs_highest[vs]
        nid = self._vs_name[vs]
        by_version = self._by_version.get(nid)
        if by_version is None:
            self._load(nid)
            by_version = sorted(
                ((self._sv_key[s], s) for s in self._loaded[nid] if self._sv_excluded[s] is None),
                reverse=True,
            )
            self._by_version[nid] = by_version
        kind = self._vs_kind[vs]
        pinned = self._vs_channel[vs]
        best = None
        vspec = self._vs_spec[vs].version
        if kind != _ANY and vspec is not None:
            # walk versions best first; test the version once per distinct version, the rest of
            # the spec (build, channel ...) only on records whose version fits
            full = kind != _VERSION_ONLY or pinned is not None
            last, ok = None, False
            for key, s in by_version:
                version = self._records[s].version
                if version != last:
                    last = version
                    try:
                        ok = vspec.matches(version)
                    except InputError:
                        ok = False
                if ok and (not full or self._matches(vs, s)):
                    best = (bool(self._records[s].track_features), key)
                    break
        else:
            for key, s in by_version:
                if (kind == _ANY and (pinned is None or self._sv_channel[s] == pinned)) or self._matches(vs, s):
                    best = (bool(self._records[s].track_features), key)
                    break
        self._vs_highest[vs] = best
        return best


def _fmt_ms(ms: int) -> str:
    import datetime

    try:
        return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):  # past year 9999 (a channel can write any number)
        return f"timestamp {ms} ms"
