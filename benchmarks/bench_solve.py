"""Conda solve benchmark: our solver vs py-rattler (resolvo) over the same local channels.

    /work/venv/bin/python benchmarks/bench_solve.py [--repeat N] [--case NAME] [--backend native]
                                                    [--objective pixi|conda]

Both read the same repodata.json files (``../shared/data/conda`` or ``$SOLVER_SHARED_DATA/conda``)
with the same specs and virtual packages. Per case it prints load and solve time apart (best of
``--repeat`` runs, each from a fresh gateway / fresh SparseRepoData):

* ours:    load = Gateway(...) + decoding the records of every name the solve reached,
           solve = the rest of ``solve_conda``;
* rattler: load = building the ``SparseRepoData`` objects, solve = ``solve_with_sparse_repodata``
           (which decodes records lazily, so its "solve" includes its record decoding).

so the fair comparison is load+solve; "solve" alone is shown as well. It warns when our chosen
versions of the requested names differ from rattler's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from solver.conda.model import CondaRequest  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402

DATA = Path(os.environ.get("SOLVER_SHARED_DATA", HERE.parent.parent / "shared" / "data")) / "conda"

CASES = [
    ("cf-python-numpy", ["conda-forge"], "linux-64", ["python 3.11.*", "numpy"]),
    ("cf-pandas", ["conda-forge"], "linux-64", ["pandas"]),
    ("cf-osx-arm64-sci", ["conda-forge"], "osx-arm64", ["python", "numpy", "pandas"]),
    ("cf-win-64-numpy", ["conda-forge"], "win-64", ["python 3.12.*", "numpy"]),
    ("cf-pytorch", ["conda-forge"], "linux-64", ["pytorch"]),
    ("ros-humble-desktop", ["robostack-humble", "conda-forge"], "linux-64", ["ros-humble-desktop"]),
    ("ros-jazzy-desktop", ["robostack-jazzy", "conda-forge"], "linux-64", ["ros-jazzy-desktop"]),
    ("ros-humble-osx-arm64", ["robostack-humble", "conda-forge"], "osx-arm64", ["ros-humble-desktop"]),
    ("index4-dask", ["conda-test-index4"], "linux-64", ["dask", "distributed", "notebook"]),
    ("index4-pandas-scipy", ["conda-test-index4"], "linux-64", ["pandas", "scipy"]),
    ("r-base", ["conda-test-r", "conda-test-index4"], "linux-64", ["r-base"]),
    ("index5-win-conda-build", ["conda-test-index5"], "win-64", ["conda-build"]),
]


def _request(chans, platform, specs) -> CondaRequest:
    return CondaRequest(
        platform=platform,
        specs=list(specs),
        channels=[(DATA / c).as_uri() for c in chans],
        virtual_packages=virtual_packages(platform),
    )


def run_ours(req: CondaRequest, backend: str, objective: str = "pixi"):
    from solver.conda.gateway import Gateway
    from solver.conda.solve import solve_conda

    t0 = time.perf_counter()
    gateway = Gateway(req.channels, req.platform)
    init = time.perf_counter() - t0
    sol = solve_conda(req, gateway, backend=backend, objective=objective)
    return init + sol.load_seconds, sol.solve_seconds, {r.name: (r.version, r.build) for r in sol.records}


def run_rattler(req: CondaRequest, chans):
    import rattler
    from rattler import BuildString, Channel, GenericVirtualPackage, PackageName, SparseRepoData, Version

    vps = [GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build)) for v in req.virtual_packages]
    t0 = time.perf_counter()
    sparse = []
    for c in chans:
        channel = Channel((DATA / c).as_uri())
        for subdir in (req.platform, "noarch"):
            path = DATA / c / subdir / "repodata.json"
            if path.is_file():
                sparse.append(SparseRepoData(channel, subdir, str(path)))
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    records = asyncio.run(rattler.solve_with_sparse_repodata(req.specs, sparse, virtual_packages=vps))
    solve = time.perf_counter() - t1
    return load, solve, {r.name.normalized: (str(r.version), str(r.build)) for r in records}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--backend", default="native")
    ap.add_argument("--objective", default="pixi", help="pixi (rattler's choices, the default) or conda")
    args = ap.parse_args(argv)
    if not (DATA / "conda-forge" / "noarch" / "repodata.json").is_file():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    cases = [c for c in CASES if not args.case or c[0] in args.case]
    header = (
        f"{'case':24} {'pkgs':>4} | {'our load':>8} {'our solve':>9} | {'rat load':>8} {'rat solve':>9} |"
        f" {'total x':>7} {'solve x':>7}"
    )
    print(header)
    print("-" * len(header))
    total_ratios, solve_ratios = [], []
    mismatches = 0
    for name, chans, platform, specs in cases:
        req = _request(chans, platform, specs)
        ours, peer = [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            ours.append(run_ours(req, args.backend, args.objective))
            peer.append(run_rattler(req, chans))
        o_load, o_solve = min(o[0] for o in ours), min(o[1] for o in ours)
        o_total = min(o[0] + o[1] for o in ours)
        r_load, r_solve = min(p[0] for p in peer), min(p[1] for p in peer)
        r_total = min(p[0] + p[1] for p in peer)
        total_ratios.append(o_total / r_total)
        solve_ratios.append(o_solve / r_solve)
        print(
            f"{name:24} {len(ours[0][2]):4d} | {o_load * 1e3:6.1f}ms {o_solve * 1e3:7.1f}ms |"
            f" {r_load * 1e3:6.1f}ms {r_solve * 1e3:7.1f}ms | {o_total / r_total:6.2f}x {o_solve / r_solve:6.2f}x"
        )
        our_versions, peer_versions = ours[0][2], peer[0][2]
        for spec in specs:
            pkg = spec.split()[0].split("::")[-1]
            a, b = our_versions.get(pkg), peer_versions.get(pkg)
            if (a and a[0]) != (b and b[0]):
                mismatches += 1
                print(f"  WARNING: {pkg}: ours {a and a[0]} vs rattler {b and b[0]}")
        diff = sorted(set(our_versions) ^ set(peer_versions))
        if diff:
            print(f"  note: package sets differ in {len(diff)} names: {', '.join(diff[:8])}")
        other = sorted(n for n in set(our_versions) & set(peer_versions) if our_versions[n] != peer_versions[n])
        if other:
            shown = ", ".join(f"{n} {our_versions[n][0]} ({our_versions[n][1]}) vs {peer_versions[n][0]} ({peer_versions[n][1]})" for n in other[:4])
            print(f"  note: {len(other)} dependencies resolved differently: {shown}")
    print("-" * len(header))
    worst = max(range(len(total_ratios)), key=lambda i: total_ratios[i])
    print(
        f"median load+solve ratio {statistics.median(total_ratios):.2f}x (worst {total_ratios[worst]:.2f}x "
        f"in {cases[worst][0]}); median solve-only ratio {statistics.median(solve_ratios):.2f}x; "
        f"requested-version mismatches: {mismatches}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
