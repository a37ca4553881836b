"""How load+solve time and peak memory grow with channel size, for a fixed request.

    /work/venv/bin/python benchmarks/bench_solve_scaling.py [--sizes 10000,100000,1000000] [--repeat 3]

Synthetic channels of growing size come from ``synth_channel.py`` (kept under ``--workdir`` for
reuse). Every measurement runs in a fresh process, so peak RSS (``ru_maxrss``) is that solve's
alone: ours cold (no index cache), ours warm (index cached by an earlier process), and py-rattler
(``SparseRepoData`` + ``solve_with_sparse_repodata``) when it is installed. The request is the same
at every size, so the ideal is flat lines: we only decode what the request reaches.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPECS = ["python", "numpy"]


def child(mode: str, channel: Path, cache: Path) -> dict:
    sys.path.insert(0, str(HERE.parent))
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    if mode == "rattler":
        import asyncio

        import rattler
        from rattler import Channel, SparseRepoData

        sparse = [
            SparseRepoData(Channel(channel.as_uri()), sub, str(channel / sub / "repodata.json"))
            for sub in ("linux-64", "noarch")
        ]
        records = asyncio.run(rattler.solve_with_sparse_repodata(SPECS, sparse))
        chosen = {r.name.normalized: str(r.version) for r in records}
    else:
        from solver.conda.gateway import Gateway
        from solver.conda.model import CondaRequest
        from solver.conda.solve import solve_conda

        req = CondaRequest(platform="linux-64", specs=SPECS, channels=[channel.as_uri()])
        solution = solve_conda(req, Gateway(req.channels, req.platform, cache_dir=cache))
        chosen = {r.name: r.version for r in solution.records}
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_mb, "packages": len(chosen),
            "python": chosen.get("python"), "numpy": chosen.get("numpy")}


def run_child(mode: str, channel: Path, cache: Path, tries: int = 3) -> dict:
    for attempt in range(tries):
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(channel), str(cache)],
                             capture_output=True, text=True)
        if out.returncode == 0:
            return json.loads(out.stdout.strip().splitlines()[-1])
        # py-rattler 0.28 occasionally aborts at interpreter exit after printing its result.
        lines = out.stdout.strip().splitlines()
        if lines and lines[-1].startswith("{"):
            return json.loads(lines[-1])
    raise RuntimeError(f"{mode} failed on {channel}:\n{out.stderr[-2000:]}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "solver-bench-synth"))
    ap.add_argument("--child", nargs=3, metavar=("MODE", "CHANNEL", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), Path(args.child[2]))))
        return 0

    sys.path.insert(0, str(HERE))
    from synth_channel import ensure_channel

    try:
        import rattler  # noqa: F401

        modes = ["cold", "warm", "rattler"]
    except ImportError:
        modes = ["cold", "warm"]
    workdir = Path(args.workdir)
    print(f"request {SPECS} on linux-64; each run a fresh process, fastest of {args.repeat}; ms and MB")
    print(f"{'records':>8} {'MB':>6} | " + " | ".join(f"{m:>7} {'CPU':>6} {'RSS':>5}" for m in modes)
          + " | cold/rattler warm/rattler")
    for n in [int(s) for s in args.sizes.split(",") if s]:
        channel = ensure_channel(workdir, n)
        size_mb = (channel / "linux-64" / "repodata.json").stat().st_size / 1e6
        cache = workdir / f"solve-cache-{n}"
        best = {}
        for mode in modes:
            runs = []
            for _ in range(args.repeat):
                if mode == "cold":
                    shutil.rmtree(cache, ignore_errors=True)
                runs.append(run_child("ours" if mode != "rattler" else "rattler", channel, cache))
            best[mode] = min(runs, key=lambda r: r["wall"])
        row = " | ".join(f"{best[m]['wall'] * 1e3:7.0f} {best[m]['cpu'] * 1e3:6.0f} {best[m]['rss_mb']:5.0f}" for m in modes)
        ratios = ""
        if "rattler" in best:
            ratios = (f" | {best['cold']['wall'] / best['rattler']['wall']:10.2f} "
                      f"{best['warm']['wall'] / best['rattler']['wall']:10.2f}")
            if (best["warm"]["python"], best["warm"]["numpy"]) != (best["rattler"]["python"], best["rattler"]["numpy"]):
                ratios += f"  (differs: ours {best['warm']['python']}/{best['warm']['numpy']}, " \
                          f"rattler {best['rattler']['python']}/{best['rattler']['numpy']})"
        print(f"{n:8d} {size_mb:6.1f} | {row}{ratios}")
        shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
