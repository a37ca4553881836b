"""The conda stage's candidate order: which record of a name the solver tries first.

Best first, mirroring rattler's resolvo provider (``conda_sorting.rs``):

1. records that are not excluded (channel priority, exclude-newer, unparsable dependencies) go
   before excluded ones (the core never picks those; they stay listed so explanations can say why);
   among the rest, a still-valid locked record of the name goes first unless the name is updated;
2. records without ``track_features`` before records with them;
3. highest version first (lowest first under ``strategy="lowest"``, and for the user's own names
   under ``"lowest-direct"``);
4. with ``channel_priority="disabled"``: the higher-priority channel first among equal versions
   (conda's "version first, channel breaks ties"; rattler ignores the channel here);
5. higher build number first;
6. among records equal so far (typically the builds of one version for different pythons): the one
   whose dependencies allow the highest versions of the dependencies they all share (and state
   differently), names compared alphabetically, as rattler does (the lowest under ``lowest``);
7. newer timestamp first, then file name (so equal input always gives equal order).

Differences from rattler on purpose: (4) above; a locked record is *favoured* (tried first), never
forced, so a lock that no longer fits is silently re-solved.
"""

from __future__ import annotations

from typing import Any

from .channel import channel_tail
from .model import PackageRecord


class CandidateSorter:
    """Orders one provider's candidates. The provider hands over its per-solvable tables (records,
    channel indexes, version keys, exclusion reasons: lists it only appends to, so they stay
    current) and its locked records by name; the sorter asks the provider itself only public
    questions (dependencies, the highest version a dependency allows, names)."""

    def __init__(self, provider: Any, *, records: list, channels: list[int], version_keys: list[bytes],
                 excluded: list, locked: dict[str, PackageRecord]):
        self.p = provider  # the CondaProvider that owns it (which imports this module)
        self.records = records
        self.channels = channels
        self.version_keys = version_keys
        self.excluded = excluded
        self.locked = locked
        self.strategy = provider.request.strategy

    def is_lowest(self, nid: int) -> bool:
        strategy = self.strategy
        return strategy == "lowest" or (strategy == "lowest-direct" and nid in self.p.direct_names)

    def sort(self, nid: int, ids: list[int]) -> list[int]:
        """``ids`` (all loaded solvables of name ``nid``) best first, excluded ones last."""
        if len(ids) <= 1:
            return ids
        recs = self.records
        chans = self.channels
        keys = self.version_keys
        # versions ranked best first, so one ascending tuple sort does everything
        distinct = sorted({keys[s] for s in ids}, reverse=not self.is_lowest(nid))
        rank = {k: i for i, k in enumerate(distinct)}
        strict = self.p.strict
        decorated = []
        for s in ids:
            r = recs[s]
            decorated.append(
                (
                    (bool(r.track_features), rank[keys[s]], 0 if strict else chans[s], -r.build_number),
                    -(r.timestamp or 0),
                    r.fn,
                    r.subdir,
                    chans[s],
                    s,
                )
            )
        decorated.sort()
        out: list[int] = []
        i = 0
        n = len(decorated)
        dep_lowest = self.strategy == "lowest"
        while i < n:
            j = i + 1
            k = decorated[i][0]
            while j < n and decorated[j][0] == k:
                j += 1
            if j - i > 1:
                out.extend(self.by_dependency_versions([d[-1] for d in decorated[i:j]], dep_lowest))
            else:
                out.append(decorated[i][-1])
            i = j

        locked = self.locked.get(self.p.display_name(nid))
        if locked is not None:
            pick = self.find_locked(out, locked)
            if pick is not None:
                out.remove(pick)
                out.insert(0, pick)
        excluded = self.excluded
        return [s for s in out if excluded[s] is None] + [s for s in out if excluded[s] is not None]

    def find_locked(self, ids: list[int], locked: PackageRecord) -> int | None:
        """The usable solvable among ``ids`` that is the locked record (same version, build,
        subdir; the same channel preferred), or None."""
        recs = self.records
        same = [
            s
            for s in ids
            if recs[s].version == locked.version
            and recs[s].build == locked.build
            and (not locked.subdir or recs[s].subdir == locked.subdir)
            and self.excluded[s] is None
        ]
        if not same:
            return None
        for s in same:
            if locked.channel and channel_tail(recs[s].channel or "") == channel_tail(locked.channel):
                return s
        return same[0]

    def by_dependency_versions(self, group: list[int], lowest: bool) -> list[int]:
        """Reorders ``group`` (already newest first) by the versions of the dependencies its
        members share but state differently (rule 6 of the module docstring)."""
        p = self.p
        recs = self.records
        first = recs[group[0]].depends
        if all(recs[s].depends == first for s in group):
            return group  # identical dependencies cannot tell them apart
        vs_name = p.version_set_name
        reqs = [p.dependencies(s).requires for s in group]
        common = set(reqs[0]).intersection(*reqs[1:])
        candidates = {vs_name(v) for r in reqs for v in r if v not in common}
        if not candidates:
            return group
        per: list[dict[int, list[int]]] = []
        for r in reqs:
            by_name: dict[int, list[int]] = {}
            for vs in r:
                n = vs_name(vs)
                if n in candidates:
                    if n in by_name:
                        by_name[n].append(vs)
                    else:
                        by_name[n] = [vs]
            per.append(by_name)
        # only names every member depends on, and states differently, can tell them apart
        names = sorted((n for n in candidates if all(n in d for d in per)), key=p.display_name)
        if not names:
            return group
        highest = p.highest_matching
        columns = []
        for n in names:
            values = []
            for d in per:
                best = None
                for vs in d[n]:
                    h = highest(vs)
                    if h is not None and (best is None or (not h[0], h[1]) > (not best[0], best[1])):
                        best = h
                values.append(best)
            distinct = sorted({v[1] for v in values if v is not None}, reverse=not lowest)
            rank = {k: i for i, k in enumerate(distinct)}
            columns.append([(1, 0, 0) if v is None else (0, int(v[0]), rank[v[1]]) for v in values])
        keyed = sorted((tuple(col[i] for col in columns), i) for i in range(len(group)))
        return [group[i] for _, i in keyed]
