"""Unsatisfiable conda requests: is the named conflict set minimal, and how long is the message?

    python benchmarks/bench_unsat.py [--requests 440] [--seed 13] [--show N]

Random requests over the real channels (``../shared/data/conda`` or ``$SOLVER_SHARED_DATA/conda``):
2 to 5 names drawn from one channel set and platform, most with a version bound taken from the
versions the channel has, so that many requests cannot be met. For each request that both tools
find unsatisfiable (py-rattler in the same process, same records and virtual packages), the user
specs the message names are checked:

* ours: the closing line "your requirements A, B and C cannot all be satisfied" (or "your
  requirement A cannot be satisfied");
* rattler: the specs its tree starts from (the top-level lines of resolvo's report).

A named set is *minimal* when it is unsatisfiable on its own and dropping any one of its specs
leaves the rest satisfiable (checked with our solver). The script prints, per tool, how many named
sets are not minimal (or not a conflict at all), the median message length in lines, and our
time to explain: the solve that fails plus the explanation, median and worst, and how much of it
went into minimising the named set.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_solve import DATA, _request  # noqa: E402

from solver.platform import virtual_packages  # noqa: E402

SETUPS = [
    (["conda-forge"], "linux-64"),
    (["conda-forge"], "osx-arm64"),
    (["conda-forge"], "win-64"),
    (["robostack-humble", "conda-forge"], "linux-64"),
    (["conda-test-index4"], "linux-64"),
    (["conda-test-index2"], "linux-64"),
    (["conda-test-r", "conda-test-index4"], "linux-64"),
    (["conda-test-index5"], "win-64"),
]


def _names_and_versions(chans, platform) -> tuple[dict[str, list[str]], list[str]]:
    """Every name with its versions, and the names many records depend on (where conflicts are)."""
    import orjson

    out: dict[str, set[str]] = {}
    depended: dict[str, int] = {}
    for c in chans:
        for subdir in (platform, "noarch"):
            path = DATA / c / subdir / "repodata.json"
            if not path.is_file():
                continue
            data = orjson.loads(path.read_bytes())
            for key in ("packages", "packages.conda"):
                for rec in (data.get(key) or {}).values():
                    out.setdefault(rec["name"], set()).add(rec["version"])
                    for dep in rec.get("depends") or ():
                        depended[dep.split()[0]] = depended.get(dep.split()[0], 0) + 1
    popular = sorted(n for n, k in depended.items() if k >= 20 and n in out)
    return {n: sorted(v) for n, v in out.items()}, popular


def _random_request(rng: random.Random, universe: dict[str, list[str]], popular: list[str]) -> list[str]:
    count = rng.randint(2, 5)
    names = rng.sample(sorted(universe), count)
    if popular:  # half of them among the names many records depend on
        names = list(dict.fromkeys(rng.sample(popular, min(len(popular), count // 2 + 1)) + names))[:count]
    specs = []
    for name in names:
        versions = universe[name]
        roll = rng.random()
        if roll < 0.2 or len(versions) < 2:
            specs.append(name)
        else:
            v = rng.choice(versions)
            op = rng.choice([">=", "<", "=="])
            specs.append(f"{name} {op}{v}")
    return specs


def _ours(chans, platform, specs):
    """(solved?, UnsolvableError or None, seconds)"""
    from solver.conda.solve import solve_conda
    from solver.errors import UnsolvableError

    t0 = time.perf_counter()
    try:
        solve_conda(_request(chans, platform, specs))
    except UnsolvableError as exc:
        return False, exc, time.perf_counter() - t0
    return True, None, time.perf_counter() - t0


class _MinimisingClock:
    """Times ``solver.core.minimal.minimal_explanation`` (the shrink and, when the set shrank, the
    rebuilt explanation) inside our failing solves, and counts the derivations whose own named set
    it had to cut (what the closing line said before minimising)."""

    def __init__(self):
        import solver.core.minimal as minimal

        self.seconds = 0.0
        self.cut = 0
        inner = minimal.minimal_explanation

        def timed(provider, problem, explanation):
            t0 = time.perf_counter()
            try:
                result = inner(provider, problem, explanation)
            finally:
                self.seconds += time.perf_counter() - t0
            self.cut += result is not explanation
            return result

        minimal.minimal_explanation = timed


def _rattler(chans, platform, specs):
    """(solved?, message)"""
    import rattler
    from rattler import BuildString, Channel, GenericVirtualPackage, PackageName, SparseRepoData, Version

    vps = [GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
           for v in virtual_packages(platform)]
    sparse = []
    for c in chans:
        channel = Channel((DATA / c).as_uri())
        for subdir in (platform, "noarch"):
            path = DATA / c / subdir / "repodata.json"
            if path.is_file():
                sparse.append(SparseRepoData(channel, subdir, str(path)))
    try:
        asyncio.run(rattler.solve_with_sparse_repodata(specs, sparse, virtual_packages=vps))
    except Exception as exc:  # rattler.exceptions.SolverError
        return False, str(exc)
    return True, ""


def rattler_named(message: str, specs: list[str]) -> list[str]:
    """The user specs resolvo's report starts from: its top-level tree lines name them."""
    by_name = {s.split()[0]: s for s in specs}
    named = []
    missing = "No candidates were found for "
    if missing in message:  # a spec nothing matches: it alone is the conflict
        rest = message.split(missing, 1)[1].strip().rstrip(".")
        return [by_name[rest.split()[0]]] if rest.split() and rest.split()[0] in by_name else []
    for line in message.splitlines():
        stripped = line.lstrip("│ ")
        if not stripped.startswith(("├─ ", "└─ ")) or len(line) - len(stripped) > 0:
            continue
        first = stripped[3:].split()[0] if stripped[3:].split() else ""
        if first in by_name and by_name[first] not in named:
            named.append(by_name[first])
    return named


def ours_named(exc, specs: list[str]) -> list[str]:
    explanation = getattr(exc, "explanation", None)
    return list(explanation.requirements) if explanation is not None else []


def minimal(chans, platform, named: list[str]) -> bool:
    """Unsatisfiable as a whole, satisfiable without any one of them."""
    if not named or _ours(chans, platform, named)[0]:
        return False
    return all(_ours(chans, platform, [s for s in named if s != drop])[0] for drop in named)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=440)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--show", type=int, default=0, help="print the first N non-minimal cases of ours")
    args = ap.parse_args(argv)
    if not (DATA / "conda-forge" / "noarch" / "repodata.json").is_file():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    universes = {tuple(c) + (p,): _names_and_versions(c, p) for c, p in SETUPS}
    unsat = both = verdict_differs = 0
    bad_ours, bad_rattler = [], []
    lines_ours, lines_rattler, explain_times, minimise_times, requests = [], [], [], [], []
    clock = _MinimisingClock()
    for _ in range(args.requests):
        chans, platform = rng.choice(SETUPS)
        specs = _random_request(rng, *universes[tuple(chans) + (platform,)])
        clock.seconds = 0.0
        solved, exc, seconds = _ours(chans, platform, specs)
        r_solved, r_message = _rattler(chans, platform, specs)
        if solved != r_solved:
            verdict_differs += 1
        if solved:
            continue
        unsat += 1
        explain_times.append(seconds)
        requests.append(("+".join(chans), platform, specs))
        minimise_times.append(clock.seconds)
        if r_solved:
            continue
        both += 1
        named = ours_named(exc, specs)
        lines_ours.append(len(str(exc).splitlines()))
        lines_rattler.append(len(r_message.splitlines()))
        if not minimal(chans, platform, named):
            bad_ours.append((chans, platform, specs, named, str(exc)))
        if not minimal(chans, platform, rattler_named(r_message, specs)):
            bad_rattler.append((chans, platform, specs, rattler_named(r_message, specs)))
    print(f"{args.requests} requests, {unsat} unsatisfiable for us, {both} for both; verdicts differ: {verdict_differs}")
    print(f"named set not minimal: ours {len(bad_ours)}/{both} (the derivation's own set, before minimising: "
          f"{clock.cut}/{unsat} cut), rattler {len(bad_rattler)}/{both}")
    if lines_ours:
        print(f"message lines (median): ours {statistics.median(lines_ours):g}, rattler {statistics.median(lines_rattler):g}")
    if explain_times:
        slowest = max(range(len(minimise_times)), key=lambda i: minimise_times[i])
        print(
            f"failing solve + explanation: median {statistics.median(explain_times) * 1e3:.1f} ms, "
            f"worst {max(explain_times) * 1e3:.1f} ms; of which minimising the named set: median "
            f"{statistics.median(minimise_times) * 1e3:.2f} ms, worst {minimise_times[slowest] * 1e3:.1f} ms "
            f"(in {requests[slowest]}), {sum(minimise_times) / sum(explain_times):.0%} of the total"
        )
    for chans, platform, specs, named, message in bad_ours[: args.show]:
        print(f"\n--- {'+'.join(chans)} {platform}: {specs}\nnamed: {named}\n{message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
