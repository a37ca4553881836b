"""Cold-start cost of the command line: whole fresh processes, best of N (hyperfine-style).

What a command-line user waits for: interpreter start, imports, the work. Byte-code is cached
outside the tree (``PYTHONPYCACHEPREFIX``) as it is for an installed package; this sandbox sets
``PYTHONDONTWRITEBYTECODE``, which would make every run recompile every module, so it is unset.

Commands timed (``solver`` is ``python -m solver`` from this tree):

* ``python -c pass``: the interpreter alone, the floor everything else sits on;
* ``solver --help``;
* ``solver solve fixtures/demo --lock-file X`` with X up to date (the no-op check);
* the same without a lock (a fresh solve of every environment, local channel and wheels);
* ``solver inspect fixtures/demo --json``;
* ``solver solve --locked`` on a conda-only copy of the demo (no PyPI dependencies: the check
  needs no ``packaging`` at all);
* PyPI-only: one warm find-links resolution in-process vs as a fresh process (the gap is what
  start-up and imports cost the ``ours as a process`` column of ``bench_pypi.py``), and uv.

    python benchmarks/bench_startup.py [--repeat 15] [--importtime]

``--importtime`` also prints, per command, the modules with the largest cumulative import time
(``python -X importtime``), to see what a path imports that it does not need.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"
PY = sys.executable


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["SOLVER_CACHE_DIR"] = str(tmp / "cache")
    env["PYTHONPATH"] = str(ROOT)
    return env


def _time(cmd: list[str], env: dict[str, str], repeat: int, before=None) -> list[float]:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode()}")
        times.append(dt)
    return times


def _top_imports(cmd: list[str], env: dict[str, str], n: int = 12) -> list[tuple[int, int, str]]:
    proc = subprocess.run([PY, "-X", "importtime", *cmd[1:]], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|")
        rows.append((int(cum_us), int(self_us), name.rstrip()))
    total = sum(c for c, _, name in rows if not name[1:].startswith(" "))  # top-level imports only
    top = sorted(rows, reverse=True)[:n]
    return [(total, len(rows), "")] + top


def _report(label: str, times: list[float], floor: float | None) -> None:
    best, med = min(times), statistics.median(times)
    extra = f"  (+{(best - floor) * 1000:6.1f} ms over the interpreter)" if floor is not None else ""
    print(f"{label:<44} best {best * 1000:7.1f} ms   median {med * 1000:7.1f} ms{extra}", flush=True)


def _pypi_gap(tmp: Path, env: dict[str, str], repeat: int) -> None:
    """One find-links PyPI resolution, warm: in-process, as a fresh process, and uv."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))  # tests/support
    import bench_pypi
    from solver.pypi.model import PyPIRequest, PyPIRequirement
    from support.pypi_index import build_find_links

    dists, roots = bench_pypi.generate(40)
    links = build_find_links(tmp / "links", dists)
    req_file = tmp / "requirements.in"
    req_file.write_text("\n".join(roots) + "\n")
    request = PyPIRequest(platform="linux-64", requirements=[PyPIRequirement(name=r) for r in roots],
                          find_links=[str(links)])
    cache = tmp / "pypi-cache"
    uv_args = ["--no-index", "--find-links", str(links)]
    bench_pypi.uv_compile(uv_args, req_file, tmp / "uv-cache")
    bench_pypi.ours(request, cache)
    bench_pypi.ours_process(request, cache)
    inproc = [bench_pypi.ours(request, cache)[0] for _ in range(repeat)]
    proc = [bench_pypi.ours_process(request, cache) for _ in range(repeat)]
    uv = [bench_pypi.uv_compile(uv_args + ["--offline"], req_file, tmp / "uv-cache")[0] for _ in range(repeat)]
    bi, bp, bu = min(inproc), min(proc), min(uv)
    print(f"{'PyPI find-links, in-process':<44} best {bi * 1000:7.1f} ms   ratio vs uv {bi / bu:5.2f}")
    print(f"{'PyPI find-links, as a process':<44} best {bp * 1000:7.1f} ms   ratio vs uv {bp / bu:5.2f}"
          f"   (gap {(bp - bi) * 1000:.1f} ms)")
    print(f"{'uv pip compile (offline)':<44} best {bu * 1000:7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--importtime", action="store_true", help="also show the largest imports per command")
    ap.add_argument("--no-pypi", action="store_true", help="skip the PyPI in-process/process comparison")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        env = _env(tmp)
        lock = tmp / "demo.lock"
        fresh_lock = tmp / "fresh.lock"
        solver = [PY, "-m", "solver"]
        # warm byte-code and the lock for the no-op check
        subprocess.run([*solver, "solve", str(DEMO), "--lock-file", str(lock), "-q"], env=env, cwd=ROOT, check=True)
        conda_only = tmp / "conda-only"
        conda_only.mkdir()
        (conda_only / "pixi.toml").write_text(
            f'[workspace]\nname = "conda-only"\nchannels = ["{(DEMO / "channels" / "demo").as_posix()}"]\n'
            'platforms = ["linux-64", "osx-arm64", "win-64"]\n\n'
            '[dependencies]\npython = ">=3.11"\nnumlite = ">=1.26"\npip = "*"\n'
        )
        subprocess.run([*solver, "solve", str(conda_only), "-q"], env=env, cwd=ROOT, check=True)

        def drop_fresh():
            fresh_lock.unlink(missing_ok=True)

        cases = [
            ("python -c pass", [PY, "-c", "pass"], None),
            ("solver --help", [*solver, "--help"], None),
            ("solver solve (lock up to date)", [*solver, "solve", str(DEMO), "--lock-file", str(lock)], None),
            ("solver solve (no lock: fresh solve)", [*solver, "solve", str(DEMO), "--lock-file", str(fresh_lock)], drop_fresh),
            ("solver inspect --json", [*solver, "inspect", str(DEMO), "--json"], None),
            ("solver solve --locked (conda-only manifest)", [*solver, "solve", str(conda_only), "--locked"], None),
        ]
        floor = None
        for label, cmd, before in cases:
            _time(cmd, env, 2, before)  # warm
            times = _time(cmd, env, args.repeat, before)
            _report(label, times, floor)
            if floor is None:
                floor = min(times)
            if args.importtime and label != "python -c pass":
                if before is not None:
                    before()
                (total, count, _), *top = _top_imports(cmd, env)
                print(f"    {count} modules imported, {total / 1000:.1f} ms under -X importtime; largest (cumulative/self):")
                for cum, own, name in top:
                    print(f"      {cum / 1000:6.1f} {own / 1000:6.1f}  {name.strip()}")
        if not args.no_pypi:
            _pypi_gap(tmp, env, max(3, args.repeat // 3))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
