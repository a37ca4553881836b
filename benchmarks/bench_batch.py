"""Batch solving: installability of every package name in the shared conda-forge data.

    python benchmarks/bench_batch.py [--sample 40] [--repeat 1] [--platform linux-64]

The batch: for each name of ``conda-forge`` ``linux-64`` + ``noarch`` (``../shared/data/conda``
or ``$SOLVER_SHARED_DATA/conda``), "install this one" on linux-64 with pixi's default virtual
packages. What is measured, each in a fresh process (warm repodata index, byte-code cached
outside the tree as for an installed package):

* 1 vs 2 pool workers (``solver batch --jobs N --executor pool``): wall time; the speed-up
  target is >= 1.7x on a 2-core machine (a machine busy with other work gives less);
* the whole batch in one process (``solver batch``, sequential) vs one ``solver solve`` process
  per problem (a one-dependency pixi.toml each; ``--sample`` of them, extrapolated): >= 5x;
* per-problem solve time, median and p90: ours (the rows' load + solve times, sequential) vs a
  py-rattler loop over the same problems (``solve_with_sparse_repodata``, the SparseRepoData
  opened once, each call timed): ours/rattler median <= 1.0;
* peak memory (max RSS) per worker process beside the py-rattler loop's process;
* with the ``dask`` extra installed, the same batch on a 2-worker Dask ``LocalCluster``; the rows
  (timings aside) are checked identical across all runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = Path(os.environ.get("SOLVER_SHARED_DATA", ROOT.parent / "shared" / "data")) / "conda"
CHANNEL = DATA / "conda-forge"


def _env(cache: Path, pycache: Path) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["SOLVER_CACHE_DIR"] = str(cache)
    return env


def _run(argv: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds, proc.stdout


# -- modes run in a fresh process -----------------------------------------------------------------


def mode_pool(jobs: int, executor: str, out: Path) -> dict:
    """The batch through the library, in this process; reports wall time and workers' max RSS."""
    from solver.batch import installability_problems, run_batch

    problems = installability_problems(str(CHANNEL), "linux-64")
    if executor == "dask":
        from distributed import LocalCluster

        with LocalCluster(n_workers=jobs, threads_per_worker=1, dashboard_address=None) as cluster:
            t0 = time.perf_counter()
            summary = run_batch(problems, out, resume=False, executor="dask", scheduler=cluster.scheduler_address,
                                timeout=60)
            wall = time.perf_counter() - t0
    else:
        t0 = time.perf_counter()
        summary = run_batch(problems, out, resume=False, executor=executor, jobs=jobs, timeout=60)
        wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": wall, "problems": len(problems), "counts": summary.counts,
            "worker_rss_kb": children.ru_maxrss if executor == "pool" else own.ru_maxrss,
            "cpu_parent": own.ru_utime + own.ru_stime, "cpu_workers": children.ru_utime + children.ru_stime}


def mode_rattler(out: Path) -> dict:
    """A py-rattler loop over the same problems; each solve timed; this process's max RSS."""
    import asyncio

    import rattler
    from rattler import BuildString, Channel, GenericVirtualPackage, PackageName, SparseRepoData, Version

    from solver.batch import installability_problems

    problems = installability_problems(str(CHANNEL), "linux-64")
    vps = [GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
           for v in problems[0].request.virtual_packages]
    channel = Channel(CHANNEL.as_uri())
    t0 = time.perf_counter()
    sparse = [SparseRepoData(channel, sd, str(CHANNEL / sd / "repodata.json")) for sd in ("linux-64", "noarch")]
    open_seconds = time.perf_counter() - t0
    times = {}
    status = {}

    async def loop():
        for p in problems:
            t = time.perf_counter()
            try:
                await rattler.solve_with_sparse_repodata(p.request.specs, sparse, virtual_packages=vps)
                status[p.id] = "solved"
            except Exception:  # noqa: BLE001 (rattler raises SolverError for unsolvable)
                status[p.id] = "unsolvable"
            times[p.id] = time.perf_counter() - t

    t0 = time.perf_counter()
    asyncio.run(loop())
    wall = time.perf_counter() - t0
    out.write_text(json.dumps({"times": times, "status": status}))
    return {"wall": wall, "open": open_seconds, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


# -- the orchestration -----------------------------------------------------------------------------


def _child(mode: list[str], env: dict) -> dict:
    _, stdout = _run([sys.executable, str(Path(__file__).resolve()), *mode], env)
    return json.loads(stdout.strip().splitlines()[-1])


def _per_problem(rows_file: Path) -> dict[str, float]:
    out = {}
    for line in rows_file.read_text().splitlines():
        row = json.loads(line)
        if row["status"] != "error":
            out[row["id"]] = row["timings"]["load"] + row["timings"]["solve"]
    return out


def _without_timings(line: str) -> str:
    row = json.loads(line)
    row.pop("timings", None)
    return json.dumps(row)


def _pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=40, help="problems solved one `solver solve` process each")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each pool measurement (best kept)")
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--executor", default="pool", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.mode == "pool":
        print(json.dumps(mode_pool(args.jobs, args.executor, Path(args.out))))
        return 0
    if args.mode == "rattler":
        print(json.dumps(mode_rattler(Path(args.out))))
        return 0
    if not (CHANNEL / "noarch" / "repodata.json").is_file():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average at start: {load:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        env = _env(tmp / "cache", tmp / "pycache")
        # warm: the repodata index on disk, byte-code compiled
        _child(["--mode", "pool", "--executor", "sequential", "--out", str(tmp / "warm.jsonl")], env)

        runs: dict[str, dict] = {}
        setups = [("sequential", "sequential", 1), ("pool-1", "pool", 1), ("pool-2", "pool", 2)]
        try:
            import distributed  # noqa: F401

            setups.append(("dask-2", "dask", 2))
        except ImportError:
            print("(dask not installed: no Dask run; pip install '.[dask]')")
        for label, executor, jobs in setups:
            best = None
            for _ in range(args.repeat):
                res = _child(["--mode", "pool", "--executor", executor, "--jobs", str(jobs),
                              "--out", str(tmp / f"{label}.jsonl")], env)
                best = res if best is None or res["wall"] < best["wall"] else best
            runs[label] = best
        n = runs["sequential"]["problems"]
        print(f"problems: {n} names ({runs['sequential']['counts']})")
        for label, res in runs.items():
            print(f"  {label:<11} {res['wall']:7.2f}s  {n / res['wall']:7.1f} problems/s  "
                  f"CPU parent {res['cpu_parent']:5.2f}s workers {res['cpu_workers']:5.2f}s  "
                  f"worker max RSS {res['worker_rss_kb'] / 1024:6.1f} MiB")
        rows = {label: [_without_timings(x) for x in (tmp / f"{label}.jsonl").read_text().splitlines()] for label in runs}
        same = all(r == rows["sequential"] for r in rows.values())
        print(f"rows without timings identical across {', '.join(runs)}: {'yes' if same else 'NO'}")
        speedup = runs["pool-1"]["wall"] / runs["pool-2"]["wall"]
        # what 2 idle cores would give for the 2-worker run's own work, counting the parent's CPU as
        # serial (pessimistic: much of it overlaps the workers) and the workers' as split in two
        two = runs["pool-2"]
        ideal = (two["cpu_parent"] + two["cpu_workers"]) / (two["cpu_parent"] + two["cpu_workers"] / 2)
        print(f"2 workers vs 1: {speedup:.2f}x wall (target >= 1.7x on 2 idle cores; load average now "
              f"{os.getloadavg()[0]:.2f}); from CPU time, on 2 idle cores: {ideal:.2f}x")

        # whole batch in one process vs one `solver solve` process per problem
        whole, _ = _run([sys.executable, "-m", "solver", "batch", "--installable", str(CHANNEL), "-q",
                         "--no-resume", "-o", str(tmp / "whole.jsonl")], env)
        from solver.batch import installability_problems

        names = [p.id.split("/", 1)[1] for p in installability_problems(str(CHANNEL), "linux-64", cache_dir=tmp / "cache")]
        sample = random.Random(0).sample(names, min(args.sample, len(names)))
        per_process = []
        for i, name in enumerate(sample):
            project = tmp / "projects" / str(i)
            project.mkdir(parents=True)
            (project / "pixi.toml").write_text(
                f'[workspace]\nname = "p{i}"\nchannels = ["{CHANNEL.as_uri()}"]\nplatforms = ["linux-64"]\n'
                f'[dependencies]\n"{name}" = "*"\n')
            seconds, _ = _run([sys.executable, "-m", "solver", "solve", str(project), "-q"], env)
            per_process.append(seconds)
        estimate = statistics.mean(per_process) * n
        print(f"whole batch, one `solver batch` process: {whole:.2f}s; one `solver solve` process per problem: "
              f"{statistics.mean(per_process) * 1000:.0f} ms each (mean of {len(sample)}), {estimate:.1f}s for all "
              f"-> {estimate / whole:.1f}x (target >= 5x)")

        # per-problem solve times vs a py-rattler loop
        try:
            rat = _child(["--mode", "rattler", "--out", str(tmp / "rattler.json")], env)
        except SystemExit as exc:
            print(f"py-rattler loop not run: {exc}")
            return 0
        rat_rows = json.loads((tmp / "rattler.json").read_text())
        ours = _per_problem(tmp / "sequential.jsonl")
        common = [k for k in ours if k in rat_rows["times"]]
        o = [ours[k] for k in common]
        r = [rat_rows["times"][k] for k in common]
        print(f"per-problem time over {len(common)} problems: ours median {statistics.median(o) * 1000:.2f} ms, "
              f"p90 {_pct(o, 0.9) * 1000:.2f} ms; py-rattler median {statistics.median(r) * 1000:.2f} ms, "
              f"p90 {_pct(r, 0.9) * 1000:.2f} ms -> ours/rattler median {statistics.median(o) / statistics.median(r):.2f} "
              f"(target <= 1.0), loop wall ours {runs['sequential']['wall']:.2f}s vs rattler {rat['wall']:.2f}s")
        ours_status = {json.loads(x)["id"]: json.loads(x)["status"] for x in (tmp / "sequential.jsonl").read_text().splitlines()}
        differ = sum(1 for k in common if rat_rows["status"][k] != ours_status[k])
        if differ:
            print(f"  note: {differ} problems solved by one and not the other")
        print(f"peak memory: ours per worker {runs['pool-1']['worker_rss_kb'] / 1024:.1f} MiB (1 worker), "
              f"{runs['pool-2']['worker_rss_kb'] / 1024:.1f} MiB (largest of 2); py-rattler loop process "
              f"{rat['rss_kb'] / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
