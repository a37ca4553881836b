"""conda's own objective (``objective="conda"``): the solution conda's classic solver picks.

The default objective (``"pixi"``) is rattler's: the native backend walks names breadth first and
gives each its best candidate that still fits. conda instead encodes every candidate it kept and
minimises a sequence of metrics over the whole solution, each kept at its optimum while the next is
minimised (``solver.core.lexmin``), so it can trade a newer version of one dependency for two
others, and it honours the legacy ``features`` mechanism rattler ignores.

What is kept (conda's "reduced index"): candidates not excluded (channel priority, exclude-newer,
unreadable), of the user's names only those some user spec on that name matches, only those whose
every dependency still has such a candidate (to a fixpoint), and only what the user's specs reach
through them. A record with ``features: F`` needs, for each feature in F, a kept record that
*tracks* it (``track_features``) in the solution; trackers are never pulled in by that need.

Ranks, per name, over the kept candidates sorted best first by conda's key (channel, version,
build number, arch before noarch, timestamp; with ``channel_priority="disabled"`` version before
channel): a candidate's channel rank counts the channel changes before it, its version rank the
version changes within its channel, its build rank the build-number changes within its version, and
so on (each rank restarts when a more significant part changes), so metrics add up per name.

The sequence (conda's ``Resolve.solve`` for a fresh environment), after one metric of pixi's:

0. locked records not kept (none without a lock). First, unlike conda (whose "packages that need
   updating" come after the requested packages' metrics, since ``conda install x`` upgrades x):
   a pixi lock that still fits is kept under either objective; ``--update`` frees names;
1. requested names: channel rank, then version rank;
2. the number of features tracked by the solution;
3. "misfeatures": records installed without a feature that another build of their name has and
   the solution tracks;
4. requested names: build rank, then noarch rank;
5. every other name: channel, version, build, noarch ranks;
6. the number of packages not requested (leaving out those every solution has: a constant);
7. timestamp ranks of all names.

Ties left after all that are broken by the SAT solver, as in conda.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..core.provider import Problem
from .version import version_key
from .virtual import is_virtual_name

if TYPE_CHECKING:
    from .provider import CondaProvider


def _features(text: str | None) -> frozenset[str]:
    return frozenset(text.replace(",", " ").split()) if text else frozenset()


class _Problem:
    """The reachable candidates as variables, with what the kept set and the metrics need."""

    def __init__(self, provider: CondaProvider, problem: Problem):
        from ..core.eager import reach

        reachable, var = reach(provider, problem)
        self.provider = provider
        self.reachable = reachable
        self.var = var
        self.solvables = reachable.solvables  # variable v is solvables[v - 1]
        self.records = [provider.record(s) for s in self.solvables]
        self.name_of = [provider.name_of(s) for s in self.solvables]
        self.user_names = {provider.version_set_name(vs) for vs in problem.requirements}
        self._add_feature_requirements()
        self._requirements: list[tuple[int, list[int]]] | None = None

    def _add_feature_requirements(self) -> None:
        """A record carrying ``features`` needs a reached record tracking each of them."""
        r = self.reachable
        trackers: dict[str, list[int]] = defaultdict(list)
        for v, rec in enumerate(self.records, 1):
            for f in _features(rec.track_features):
                trackers[f].append(v)
        self.trackers = trackers
        for v, rec in enumerate(self.records, 1):
            for f in sorted(_features(rec.features)):
                r.req_owner.append(v)
                r.req_targets.extend(trackers.get(f, ()))
                r.req_offsets.append(len(r.req_targets))

    def requirements(self) -> list[tuple[int, list[int]]]:
        """(owner variable, 0 for the problem; the variables one of which it needs)."""
        if self._requirements is None:
            r = self.reachable
            self._requirements = [(r.req_owner[k], r.req_targets[r.req_offsets[k]:r.req_offsets[k + 1]])
                                  for k in range(len(r.req_owner))]
        return self._requirements

    def needed(self, true: set[int]) -> set[int]:
        """The variables true in a model that the problem needs, through the true ones: the rest
        can be set false and the model still holds (only requirements ask for a variable)."""
        owned: dict[int, list[list[int]]] = defaultdict(list)
        for owner, targets in self.requirements():
            if owner == 0 or owner in true:
                owned[owner].append(targets)
        seen: set[int] = set()
        stack = [0]
        while stack:
            for targets in owned.get(stack.pop(), ()):
                for t in targets:
                    if t in true and t not in seen:
                        seen.add(t)
                        stack.append(t)
        return seen

    def is_solution(self, true: set[int], keep: list[bool]) -> bool:
        """Whether these variables, all kept, meet every requirement and forbidden pair (at most
        one per name is the caller's to vouch for: the native solver's answer has it)."""
        if not all(keep[v] for v in true):
            return False
        for owner, targets in self.requirements():
            if (owner == 0 or owner in true) and not any(t in true for t in targets):
                return False
        r = self.reachable
        return not any((a == 0 or a in true) and b in true for a, b in zip(r.forbid_a, r.forbid_b))

    def forced_choices(self, keep: list[bool]) -> dict[int, set[int]]:
        """Names every solution installs, each with the kept candidates a solution may still
        choose for it: a user spec's name, its candidates matching the spec; and, to a fixpoint,
        a name every allowed candidate of a forced name requires, with the union of what those
        requirements allow. (Any solution installs one allowed candidate of a forced name, and
        that one's requirement on the next name must be met.)"""
        on_one_name: dict[int, list[tuple[int, set[int]]]] = defaultdict(list)
        for owner, targets in self.requirements():
            kept = {t for t in targets if keep[t]}
            names = {self.name_of[t - 1] for t in kept}
            if len(names) == 1:
                on_one_name[owner].append((names.pop(), kept))
        allowed: dict[int, set[int]] = {}
        queue: list[int] = []

        def narrow(name: int, targets: set[int]) -> None:
            now = allowed.get(name)
            new = set(targets) if now is None else now & targets
            if now is None or new != now:
                allowed[name] = new
                queue.append(name)

        for name, targets in on_one_name.get(0, ()):
            narrow(name, targets)
        while queue:
            cands = allowed[queue.pop()]
            if not cands:
                continue
            per: list[dict[int, set[int]]] = []
            for c in cands:
                needs: dict[int, set[int]] = {}
                for name, targets in on_one_name.get(c, ()):
                    needs[name] = targets if name not in needs else needs[name] & targets
                per.append(needs)
            for name in set.intersection(*(set(d) for d in per)):
                narrow(name, set().union(*(d[name] for d in per)))
        return allowed

    def kept(self) -> list[bool]:
        """conda's reduced index over the variables (index 0 unused)."""
        r = self.reachable
        n = len(self.solvables)
        keep = [True] * (n + 1)
        for v in r.excluded:
            keep[v] = False
        for a, b in zip(r.forbid_a, r.forbid_b):
            if a == 0:  # the problem's own constraints
                keep[b] = False
        reqs = self.requirements()
        # a user name keeps only what some user spec on it matches
        allowed: dict[int, set[int]] = defaultdict(set)
        for owner, targets in reqs:
            if owner == 0:
                for t in targets:
                    allowed[self.name_of[t - 1]].add(t)
        for v in range(1, n + 1):
            name = self.name_of[v - 1]
            if name in allowed and v not in allowed[name]:
                keep[v] = False
        # records with a dependency nothing kept can meet go, to a fixpoint
        live = [sum(1 for t in targets if keep[t]) for _, targets in reqs]
        holding: dict[int, list[int]] = defaultdict(list)
        for k, (_, targets) in enumerate(reqs):
            for t in targets:
                holding[t].append(k)
        queue = list({owner for k, (owner, _) in enumerate(reqs) if owner and live[k] == 0 and keep[owner]})
        for v in queue:
            keep[v] = False
        while queue:  # live counts already leave out what was dropped before; now drop the rest
            v = queue.pop()
            for k in holding.get(v, ()):
                live[k] -= 1
                owner = reqs[k][0]
                if live[k] == 0 and owner and keep[owner]:
                    keep[owner] = False
                    queue.append(owner)
        # ... and only what the user's specs reach through kept records
        owned: dict[int, list[int]] = defaultdict(list)
        for owner, targets in reqs:
            owned[owner].append(targets)
        reached = [False] * (n + 1)
        stack = [0]
        while stack:
            v = stack.pop()
            for targets in owned.get(v, ()):
                for t in targets:
                    if keep[t] and not reached[t]:
                        reached[t] = True
                        stack.append(t)
        return [keep[v] and reached[v] for v in range(n + 1)]


def _rank_columns(records: list, variables: list[int], disabled_priority: bool, channel_of) -> dict[int, tuple]:
    """(channel, version, build, noarch, timestamp) ranks per variable of one name (conda's
    ``generate_version_metrics``)."""
    keys = {}
    for v in variables:
        rec = records[v - 1]
        channel = -channel_of(v)
        version = version_key(rec.version)
        first, second = (version, channel) if disabled_priority else (channel, version)
        keys[v] = (first, second, rec.build_number, -int(rec.subdir == "noarch"), rec.timestamp or 0, rec.build)
    ordered = sorted(variables, key=lambda v: keys[v], reverse=True)
    ranks: dict[int, tuple] = {}
    prev = None
    ic = iv = ib = ia = it = 0
    for v in ordered:
        k = keys[v]
        if prev is None:
            pass
        elif prev[0] != k[0]:
            ic, iv, ib, ia, it = ic + 1, 0, 0, 0, 0
        elif prev[1] != k[1]:
            iv, ib, ia, it = iv + 1, 0, 0, 0
        elif prev[2] != k[2]:
            ib, ia, it = ib + 1, 0, 0
        elif prev[3] != k[3]:
            ia, it = ia + 1, 0
        elif prev[4] != k[4]:
            it += 1
        ranks[v] = (ic, iv, ib, ia, it)
        prev = k
    return ranks


def _greedy(provider: CondaProvider, problem: Problem, p: _Problem) -> set[int] | None | bool:
    """The native solver's answer as variables; False when it finds none (then conda's stricter
    encoding has none either), None when it picks something conda's encoding never reached."""
    from .._ext.sat import Solver

    chosen = Solver(provider, list(problem.requirements), list(problem.constraints)).solve()
    if chosen is None:
        return False
    if any(s not in p.var for s in chosen):
        return None
    return {p.var[s] for s in chosen}


def solve_with_conda_objective(provider: CondaProvider, problem: Problem, *, stats: dict | None = None) -> list[int] | None:
    """The solvables conda's objective picks, or None when conda's encoding has no solution."""
    from ..core.eager import encode
    from ..core.lexmin import LexMinimizer

    p = _Problem(provider, problem)
    keep = p.kept()
    cnf = encode(p.reachable)
    opt = LexMinimizer(cnf.to_lists(), cnf.num_vars)
    opt.clauses.extend([-v] for v in range(1, len(keep)) if not keep[v])
    # start from the default objective's answer where conda's rules allow it: near the optimum
    # already, so most metrics only need one call to prove it
    greedy = _greedy(provider, problem, p)
    if greedy is False:
        return None
    if not opt.start(greedy if greedy is not None and p.is_solution(greedy, keep) else None):
        return None
    solvable_vars = range(1, len(keep))

    by_name: dict[int, list[int]] = defaultdict(list)
    for v in range(1, len(keep)):
        if keep[v] and not is_virtual_name(p.records[v - 1].name):
            by_name[p.name_of[v - 1]].append(v)
    disabled = provider.request.channel_priority == "disabled"
    ranks: dict[int, tuple] = {}
    for vs in by_name.values():
        ranks.update(_rank_columns(p.records, vs, disabled, lambda v: provider.channel_index(p.solvables[v - 1])))
    # names every solution installs: the candidates none can choose are ruled out, and each rank
    # counts from the best one still allowed (a constant per name, so no choice changes), which
    # keeps the counts, and the count bounds built on them, small
    choices = p.forced_choices(keep)
    forced = set(choices)
    for name, allowed in choices.items():
        if allowed and name in by_name:
            opt.clauses.extend([-v] for v in by_name[name] if v not in allowed)
            offset = [min(ranks[v][i] for v in allowed) for i in range(5)]
            for v in by_name[name]:
                ranks[v] = tuple(max(0, r - o) for r, o in zip(ranks[v], offset))
    requested = [n for n in by_name if n in p.user_names]
    others = [n for n in by_name if n not in p.user_names]

    def metric(names, column: int) -> list[list[int]]:
        return [opt.ranked([(v, ranks[v][column]) for v in by_name[n]]) for n in names]

    # track_features in the solution, and records installed without a feature the solution tracks
    tracked = {f: opt.any_of(vs) for f, vs in sorted(p.trackers.items()) if any(keep[v] for v in vs)}
    misfeatures: list[int] = []
    for vs in by_name.values():
        feats = [_features(p.records[v - 1].features) for v in vs]
        for f in sorted(set().union(*feats) & tracked.keys()):
            misfeatures.extend(opt.all_of([v, tracked[f]]) for v, fs in zip(vs, feats) if f not in fs)
    locked = [v for v in (provider.locked_solvable(n) for n in by_name) if v is not None]
    locked_vars = [p.var[s] for s in locked if s in p.var and keep[p.var[s]]]

    sequence: list[tuple[str, Any]] = [
        ("locked not kept", lambda: [-v for v in locked_vars]),
        ("requested channel", lambda: metric(requested, 0)),
        ("requested version", lambda: metric(requested, 1)),
        ("tracked features", lambda: list(tracked.values())),
        ("misfeatures", lambda: misfeatures),
        ("requested build", lambda: metric(requested, 2)),
        ("requested noarch", lambda: metric(requested, 3)),
        ("channel", lambda: metric(others, 0)),
        ("version", lambda: metric(others, 1)),
        ("build", lambda: metric(others, 2)),
        ("noarch", lambda: metric(others, 3)),
        ("packages", lambda: [opt.any_of(by_name[n]) for n in others if n not in forced]),
        ("timestamp", lambda: metric(requested + others, 4)),
    ]
    values = {}
    for label, build in sequence:
        opt.drop(set(opt.chosen(solvable_vars)) - p.needed(opt.model))
        lits = build()
        values[label] = opt.minimize(lits) if lits else 0
    if stats is not None:
        stats.update(variables=opt.num_vars, clauses=len(opt.clauses), pycosat_calls=opt.pycosat_calls, metrics=values)
    chosen = [p.solvables[v - 1] for v in opt.chosen(range(1, len(keep)))]
    return sorted(chosen, key=lambda s: (provider.name_of(s), s))
