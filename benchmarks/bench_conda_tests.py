"""conda's own solver tests (the table in ``tests/conda/conda_cases.py``): how many each solver passes.

    python benchmarks/bench_conda_tests.py [--show]

Runs every case with our default objective (``pixi``), with ``objective="conda"`` and with
py-rattler (resolvo) in the same process, over the same channels, and prints the pass counts and
the time each took in total. ``--show`` lists the cases each one misses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests" / "conda"))

from bench_solve import DATA  # noqa: E402
from conda_cases import CASES, build_channels, verdict  # noqa: E402

from solver.conda.model import CondaRequest  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402


def ours(urls, specs, options, objective):
    from solver.conda.solve import solve_conda
    from solver.errors import UnsolvableError

    req = CondaRequest(
        platform="linux-64", specs=list(specs), channels=urls,
        virtual_packages=virtual_packages("linux-64"),
        channel_priority=options.get("channel_priority", "strict"),
        constraints=list(options.get("constraints", ())),
    )
    try:
        sol = solve_conda(req, objective=objective)
    except UnsolvableError:
        return None
    return [(r.name, r.version, r.build, r.subdir) for r in sol.records]


def rattler(urls, specs, options):
    import rattler as r
    from rattler import (BuildString, Channel, ChannelPriority, GenericVirtualPackage, MatchSpec, PackageName,
                         SparseRepoData, Version)

    sparse = []
    for url in urls:
        channel = Channel(url)
        folder = Path(url.removeprefix("file://"))
        for subdir in ("linux-64", "noarch"):
            path = folder / subdir / "repodata.json"
            if path.is_file():
                sparse.append(SparseRepoData(channel, subdir, str(path)))
    vps = [GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
           for v in virtual_packages("linux-64")]
    priority = ChannelPriority.Disabled if options.get("channel_priority") == "disabled" else ChannelPriority.Strict
    try:
        records = asyncio.run(r.solve_with_sparse_repodata(
            # parsed leniently, as conda (and pixi) read these specs
            [MatchSpec(s, strict=False) for s in specs], sparse, virtual_packages=vps, channel_priority=priority,
            constraints=[MatchSpec(s, strict=False) for s in options.get("constraints", ())]))
    except Exception:  # rattler.exceptions.SolverError: unsatisfiable
        return None
    return [(x.name.normalized, str(x.version), str(x.build), x.subdir) for x in records]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args(argv)
    if not (DATA / "conda-test-index1" / "linux-64" / "repodata.json").is_file():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    solvers = {
        "ours (pixi)": lambda u, s, o: ours(u, s, o, "pixi"),
        "ours (conda)": lambda u, s, o: ours(u, s, o, "conda"),
        "py-rattler": rattler,
    }
    passed = {k: 0 for k in solvers}
    seconds = {k: 0.0 for k in solvers}
    missed: dict[str, list[str]] = {k: [] for k in solvers}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, channels, specs, expect, options) in enumerate(CASES):
            urls = build_channels(DATA, Path(tmp) / str(i), channels, options)
            for label, run in solvers.items():
                t0 = time.perf_counter()
                answer = run(urls, specs, options)
                seconds[label] += time.perf_counter() - t0
                if verdict(expect, answer):
                    passed[label] += 1
                else:
                    missed[label].append(name)
    for label in solvers:
        print(f"{label:14} {passed[label]:3d}/{len(CASES)} cases, {seconds[label]:.2f}s in total")
        if args.show and missed[label]:
            print("   misses: " + ", ".join(missed[label]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
