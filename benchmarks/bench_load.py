"""Repodata loading: our lazy loader against a full orjson decode and py-rattler's SparseRepoData.

    /work/venv/bin/python benchmarks/bench_load.py [--sizes 10000,100000,1000000] [--repeat 5]

Part 1, the real channels in ../shared/data/conda (platform linux-64 + noarch of every channel):
  * ``orjson``      full decode of every repodata.json (what a non-lazy loader pays at least)
  * ``ours cold``   Gateway with an empty cache dir (scan + index write) + the typical request
  * ``ours warm``   Gateway with the index cached + the same request
  * ``rattler``     SparseRepoData per subdir + ``load_records_recursive`` of the same roots
  The typical request is the transitive closure of ``python`` and ``numpy`` (the names a solve of
  ``python numpy`` touches); both loaders walk it themselves.

Part 2, synthetic channels of growing size (``synth_channel.py``), each measurement in a fresh
subprocess so peak RSS (``ru_maxrss``) is that run's alone: reading the bytes, our cold scan, our
warm open, the closure decode, rattler, and orjson. The OS page cache is warm in every run (cold =
no index cache), so the numbers compare CPU work, not the disk. Wall times on a shared machine are
noisy; the CPU column (all threads of the process, our background index write included) is steadier.

"records" differ: rattler's ``load_records_recursive`` also returns ``.tar.bz2`` entries that have
a ``.conda`` twin of the same stem; ours applies the ``.conda``-over-``.tar.bz2`` rule.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

SHARED = Path(os.environ.get("SOLVER_SHARED_DATA", REPO.parent / "shared" / "data")) / "conda"
ROOTS = ["python", "numpy"]
PLATFORM = "linux-64"
_SPEC_NAME = re.compile(r"[^\s=<>!~,\[]+")
_dep_names: dict[str, str] = {}


def dep_name(spec: str) -> str:
    """Package name of a MatchSpec string (cached: the same strings repeat across records)."""
    name = _dep_names.get(spec)
    if name is None:
        m = _SPEC_NAME.match(spec)
        name = _dep_names[spec] = m.group(0) if m else spec
    return name


# --- the three loaders -------------------------------------------------------------------------------


def ours_closure(channels: list[Path], cache_dir: Path) -> tuple[float, float, int]:
    """(open seconds, closure seconds, records loaded)."""
    from solver.conda.gateway import Gateway
    from solver.conda.repodata_index import flush_index_writes

    t0 = time.perf_counter()
    gw = Gateway([str(c) for c in channels], PLATFORM, cache_dir=cache_dir)
    t1 = time.perf_counter()
    seen = set(ROOTS)
    todo = list(ROOTS)
    count = 0
    while todo:
        name = todo.pop()
        for _, rec in gw.records(name):
            count += 1
            for dep in rec.depends:
                d = dep_name(dep)
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
    t2 = time.perf_counter()
    gw.close()
    flush_index_writes()  # background index writes count in the CPU time
    return t1 - t0, t2 - t1, count


def rattler_subdirs(channels: list[Path]) -> list[tuple[Path, str, Path]]:
    out = []
    for ch in channels:
        for sd in (PLATFORM, "noarch"):
            p = ch / sd / "repodata.json"
            if p.is_file():
                out.append((ch, sd, p))
    return out


def rattler_closure(channels: list[Path]) -> tuple[float, float, int]:
    from rattler import Channel, ChannelConfig, PackageName, SparseRepoData

    config = ChannelConfig("https://conda.example.invalid/")
    t0 = time.perf_counter()
    sparse = [SparseRepoData(Channel(str(ch), config), sd, str(p)) for ch, sd, p in rattler_subdirs(channels)]
    t1 = time.perf_counter()
    res = SparseRepoData.load_records_recursive(sparse, [PackageName(n) for n in ROOTS])
    t2 = time.perf_counter()
    count = sum(len(r) for r in res)
    for s in sparse:
        s.close()
    return t1 - t0, t2 - t1, count


def orjson_full(channels: list[Path]) -> tuple[float, float, int]:
    import orjson

    t0 = time.perf_counter()
    count = 0
    for _, _, p in rattler_subdirs(channels):
        doc = orjson.loads(p.read_bytes())
        count += len(doc.get("packages") or {}) + len(doc.get("packages.conda") or {})
    return time.perf_counter() - t0, 0.0, count


def read_bytes(channels: list[Path]) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    total = 0
    buf = bytearray(8 << 20)
    for _, _, p in rattler_subdirs(channels):
        with open(p, "rb", buffering=0) as f:
            while n := f.readinto(buf):
                total += n
    return time.perf_counter() - t0, 0.0, total


# --- part 1 --------------------------------------------------------------------------------------------


def best(fn, repeat: int):
    """(fastest run's (open, request, count), median wall total, fastest CPU total). CPU time
    (all threads of this process) is the steadier number on a shared machine."""
    runs = []
    for _ in range(repeat):
        c0 = time.process_time()
        r = fn()
        runs.append((r, time.process_time() - c0))
    fastest = min(runs, key=lambda x: x[0][0] + x[0][1])[0]
    return fastest, statistics.median(r[0] + r[1] for r, _ in runs), min(c for _, c in runs)


def part_real(repeat: int) -> None:
    channels = sorted(p for p in SHARED.iterdir() if (p / "noarch").is_dir())
    files = rattler_subdirs(channels)
    size = sum(p.stat().st_size for _, _, p in files)
    print(f"== real channels: {len(channels)} channels, {len(files)} subdir files ({PLATFORM} + noarch), "
          f"{size / 1e6:.1f} MB; request = closure of {' '.join(ROOTS)}")
    tmp = Path(tempfile.mkdtemp(prefix="solver-bench-"))
    try:
        def cold():
            cache = Path(tempfile.mkdtemp(dir=tmp))
            return ours_closure(channels, cache)

        warm_cache = tmp / "warm"
        ours_closure(channels, warm_cache)
        results = {
            "read bytes": best(lambda: read_bytes(channels), repeat),
            "orjson full decode": best(lambda: orjson_full(channels), repeat),
            "ours cold (scan+index)": best(cold, repeat),
            "ours warm (index cached)": best(lambda: ours_closure(channels, warm_cache), repeat),
            "rattler SparseRepoData": best(lambda: rattler_closure(channels), repeat),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'loader':28} {'open ms':>9} {'request ms':>11} {'total ms':>9} {'median':>8} {'CPU ms':>8}  records")
    for label, ((t_open, t_req, count), med, cpu) in results.items():
        print(f"{label:28} {t_open * 1e3:9.2f} {t_req * 1e3:11.2f} {(t_open + t_req) * 1e3:9.2f} "
              f"{med * 1e3:8.2f} {cpu * 1e3:8.2f}  {count}")
    rat_wall = sum(results["rattler SparseRepoData"][0][:2])
    rat_cpu = results["rattler SparseRepoData"][2]
    for label in ("ours cold (scan+index)", "ours warm (index cached)", "orjson full decode"):
        print(f"ratio {label} / rattler: wall {sum(results[label][0][:2]) / rat_wall:.2f}, "
              f"CPU {results[label][2] / rat_cpu:.2f}")


# --- part 2 --------------------------------------------------------------------------------------------


def child(mode: str, channel: Path, cache: Path) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    fn = {
        "read": lambda: read_bytes([channel]),
        "ours": lambda: ours_closure([channel], cache),
        "rattler": lambda: rattler_closure([channel]),
        "orjson": lambda: orjson_full([channel]),
    }[mode]
    if mode == "ours":  # imports stay outside the timings, for every loader
        import solver.conda.gateway  # noqa: F401
    elif mode == "rattler":
        import rattler  # noqa: F401
    elif mode == "orjson":
        import orjson  # noqa: F401
    c0 = time.process_time()
    t_open, t_req, count = fn()
    cpu = time.process_time() - c0
    print(json.dumps({"open": t_open, "request": t_req, "cpu": cpu, "count": count, "rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """Peak RSS of this process. ``VmHWM`` is reset by exec; ``ru_maxrss`` of a child can carry
    the parent's peak over the fork, so it is only the fallback."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, channel: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(channel), str(cache)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def part_synth(sizes: list[int], workdir: Path, skip_orjson_above: int, repeat: int) -> None:
    from synth_channel import ensure_channel

    def fastest(mode, channel, cache, fresh_cache=False):
        runs = []
        for _ in range(repeat):
            if fresh_cache:
                shutil.rmtree(cache, ignore_errors=True)
            runs.append(run_child(mode, channel, cache))
        return min(runs, key=lambda r: r["open"] + r["request"]), min(r["cpu"] for r in runs)

    def tot(r):
        return (r["open"] + r["request"]) * 1e3

    print(f"\n== synthetic channels (linux-64), request = closure of {' '.join(ROOTS)}; each run a fresh "
          f"process, fastest of {repeat}; times in ms (wall / CPU), peak RSS in MB")
    print(f"{'records':>8} {'MB':>6} | {'read':>5} | {'scan':>6} {'cold':>6} {'CPU':>6} {'RSS':>5} | "
          f"{'w.open':>6} {'w.req':>6} {'warm':>6} {'CPU':>6} {'RSS':>5} | {'rattler':>7} {'CPU':>6} {'RSS':>5} | "
          f"{'orjson':>7} {'RSS':>5}")
    for n in sizes:
        channel = ensure_channel(workdir, n)
        size_mb = (channel / "linux-64" / "repodata.json").stat().st_size / 1e6
        count = int((channel / "COUNT").read_text())
        cache = workdir / f"cache-{n}"
        read, _ = fastest("read", channel, cache)
        cold, cold_cpu = fastest("ours", channel, cache, fresh_cache=True)
        warm, warm_cpu = fastest("ours", channel, cache)
        rat, rat_cpu = fastest("rattler", channel, cache)
        orj = run_child("orjson", channel, cache) if n <= skip_orjson_above else None
        print(f"{count:8d} {size_mb:6.1f} | {read['open'] * 1e3:5.0f} | {cold['open'] * 1e3:6.0f} {tot(cold):6.0f} "
              f"{cold_cpu * 1e3:6.0f} {cold['rss_mb']:5.0f} | {warm['open'] * 1e3:6.1f} {warm['request'] * 1e3:6.1f} "
              f"{tot(warm):6.1f} {warm_cpu * 1e3:6.0f} {warm['rss_mb']:5.0f} | {tot(rat):7.0f} {rat_cpu * 1e3:6.0f} "
              f"{rat['rss_mb']:5.0f} | "
              + (f"{orj['open'] * 1e3:7.0f} {orj['rss_mb']:5.0f}" if orj else f"{'-':>7} {'-':>5}"))
        print(f"{'':8} ours/rattler: cold wall {tot(cold) / tot(rat):.2f} CPU {cold_cpu / rat_cpu:.2f}; "
              f"warm wall {tot(warm) / tot(rat):.2f} CPU {warm_cpu / rat_cpu:.2f}; cold open/read "
              f"{cold['open'] / max(read['open'], 1e-9):.1f}; records loaded ours {warm['count']}, rattler {rat['count']}")
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="synthetic channel sizes ('' to skip)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "solver-bench-synth"),
                    help="where synthetic channels are written (kept for reuse)")
    ap.add_argument("--skip-orjson-above", type=int, default=1_000_000)
    ap.add_argument("--child", nargs=3, metavar=("MODE", "CHANNEL", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    if SHARED.is_dir():
        part_real(args.repeat)
    else:
        print(f"shared data not found at {SHARED}; skipping the real channels")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if sizes:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        part_synth(sizes, workdir, args.skip_orjson_above, max(1, min(args.repeat, 3)))


if __name__ == "__main__":
    main()
