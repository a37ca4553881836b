"""How an unsatisfiable request over N records of one name grows (issue 15, item 5).

    python benchmarks/bench_unsat_one_name.py [--sizes 1000,10000,50000,100000] [--repeat 1]

Every record of ``foo`` needs ``bar >=2``, and the only ``bar`` is 1.0: the request ``foo`` is
unsatisfiable, and the explanation has to account for all N records. A channel controls N, so
this is input a hostile channel can shape. Each size runs in a fresh process (peak RSS is that
solve's alone); the table shows wall time, peak RSS and the growth against the previous size
(1.0 per 10x more records would be linear; the issue measured 15 s and 475 MB at 200k).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(n: int) -> dict:
    sys.path.insert(0, str(HERE.parent))
    from solver.conda.model import CondaRequest, PackageRecord
    from solver.conda.snapshot import SnapshotGateway
    from solver.conda.solve import solve_conda
    from solver.errors import UnsolvableError

    chan = "https://conda.example.invalid/bench"

    def rec(name, version, depends=()):
        fn = f"{name}-{version}-0.conda"
        return PackageRecord(name=name, version=version, build="0", subdir="linux-64", depends=list(depends),
                             channel=chan, url=f"{chan}/linux-64/{fn}", fn=fn)

    records = [(0, rec("foo", f"1.{i}", ["bar >=2"])) for i in range(n)] + [(0, rec("bar", "1.0"))]
    request = CondaRequest(platform="linux-64", specs=["foo"], channels=[chan])
    t0 = time.perf_counter()
    try:
        solve_conda(request, SnapshotGateway(records))
        outcome = "solved"
    except UnsolvableError as exc:
        outcome = f"unsat ({len(str(exc))} chars of explanation)"
    wall = time.perf_counter() - t0
    return {"n": n, "wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "outcome": outcome}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,50000,100000")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return
    print(f"{'records':>9} {'wall s':>8} {'peak MB':>8} {'time x':>7}  outcome")
    prev = None
    for n in (int(s) for s in args.sizes.split(",")):
        runs = [json.loads(subprocess.run([sys.executable, __file__, "--child", str(n)], check=True,
                                          capture_output=True, text=True).stdout)
                for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["wall"])
        growth = f"{best['wall'] / prev['wall']:.1f}" if prev else "-"
        print(f"{n:>9} {best['wall']:>8.2f} {best['rss_mb']:>8.0f} {growth:>7}  {best['outcome']}")
        prev = best


if __name__ == "__main__":
    main()
