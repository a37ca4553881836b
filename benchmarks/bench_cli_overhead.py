"""What the command line costs beyond the solve (issue 13.3), over small real projects.

For each project (a ``pixi.toml`` over the real channels in ../shared/data/conda, one platform):

* ``solve``: ``solver solve PROJECT --lock-file X`` as a whole fresh process, the lock removed
  before each run (so every run reads the manifest, solves and writes the lock);
* ``help``: ``solver --help`` as a whole fresh process (the interpreter, argparse, our CLI module);
* ``rattler``: py-rattler's load + solve of the same request in-process (``SparseRepoData`` of
  every subdir, then ``solve_with_sparse_repodata``; the specs, channels and virtual packages are
  the ones our request builder gives, as tests/cli/test_real_projects.py compares them).

Context (not the figure of merit): ``peer proc``, py-rattler as a whole fresh process (the
interpreter, ``import rattler``, the same load + solve), and ``solve / peer proc``: what a user
of either command line waits for in all. And the floor: what the imports the solve path cannot
avoid (msgspec, its records; tomli, the manifest; pathlib with the urllib.parse and ipaddress it
imports) cost beyond ``import argparse``, each on its own, against rattler's load + solve.

The figure of merit is ``(solve - help) / rattler``: what a user waits for beyond an interpreter
that only prints help, against a peer that already runs in-process. The three are run interleaved,
``--repeat`` times each, so a busy machine weighs on all alike; the ratio is given for the medians
and for the minima (the least disturbed runs), in wall time and in CPU time (user + system, all
threads; steadier on a shared machine). The summary line is the median over the projects (issue
target: at most 2).

Measure a regular (non-editable) install: it ships byte-code (pip compiles it at install time),
which is what users run. In a source tree or an editable install this sandbox's
``PYTHONDONTWRITEBYTECODE`` would make every process recompile our modules; the benchmark then
caches byte-code outside the tree (``PYTHONPYCACHEPREFIX``) and says so.

    python benchmarks/bench_cli_overhead.py [--repeat 15] [--projects NAME,...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # support.rattler_inputs: what the oracle tests hand py-rattler
SHARED = Path(os.environ.get("SOLVER_SHARED_DATA", ROOT.parent / "shared" / "data")) / "conda"

# name -> (platform, channels, dependencies): small projects a pixi user writes.
PROJECTS = {
    "numpy-py312": ("linux-64", ["conda-forge"], {"python": "3.12.*", "numpy": "*"}),
    "pandas": ("linux-64", ["conda-forge"], {"python": ">=3.11", "pandas": "*"}),
    "pytest-osx": ("osx-arm64", ["conda-forge"], {"python": "3.12.*", "pytest": "*", "rich": "*"}),
    "requests-win": ("win-64", ["conda-forge"], {"python": "*", "requests": "*"}),
    "cmake-ninja": ("linux-64", ["conda-forge"], {"cmake": "*", "ninja": "*", "make": "*"}),
    "ros-humble": ("linux-64", ["robostack-humble", "conda-forge"], {"ros-humble-rclpy": "*", "python": "*"}),
}


def manifest_text(name: str, platform: str, channels: list[str], deps: dict[str, str]) -> str:
    chans = ", ".join(f'"{(SHARED / c).as_uri()}"' for c in channels)
    lines = [f'[workspace]\nname = "{name}"\nchannels = [{chans}]\nplatforms = ["{platform}"]\n', "[dependencies]"]
    lines += [f'{k} = "{v}"' for k, v in deps.items()]
    return "\n".join(lines) + "\n"


def _installed_with_bytecode() -> bool:
    import solver

    pkg = Path(solver.__file__).resolve().parent
    return "site-packages" in pkg.parts and any((pkg / "__pycache__").glob("cli.*.pyc"))


def _env(tmp: Path, regular: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["SOLVER_CACHE_DIR"] = str(tmp / "cache")
    env["PIP_CONFIG_FILE"] = os.devnull
    if not regular:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env["PYTHONPATH"] = str(ROOT)
    return env


def _solver_cmd() -> list[str]:
    script = Path(sys.executable).parent / "solver"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "solver"]


def _child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _run_times(cmd: list[str], env: dict, repeat: int, before=None) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of ``repeat`` fresh processes."""
    wall, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        c0, t0 = _child_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall.append(time.perf_counter() - t0)
        cpu.append(_child_cpu() - c0)
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode()}")
    return wall, cpu


# py-rattler's load + solve in a process of its own: argv[1] is the request as JSON. It ends with
# os._exit, skipping the interpreter's finalization (which py-rattler crashes): if anything, that
# flatters the peer.
RATTLER_PROCESS = """
import asyncio, json, os, sys
from rattler import BuildString, Channel, GenericVirtualPackage, PackageName, SparseRepoData, Version
from rattler import solve_with_sparse_repodata
req = json.loads(sys.argv[1])
sparse = []
for url in req["channels"]:
    for subdir in (req["platform"], "noarch"):
        path = os.path.join(url[len("file://"):], subdir, "repodata.json")
        if os.path.isfile(path):
            sparse.append(SparseRepoData(Channel(url), subdir, path))
virtual = [GenericVirtualPackage(PackageName(n), Version(v), BuildString(b)) for n, v, b in req["virtual"]]
if not asyncio.run(solve_with_sparse_repodata(req["specs"], sparse, virtual_packages=virtual)):
    sys.exit("rattler found no solution")
os._exit(0)  # py-rattler 0.28 aborts in interpreter finalization (PyGILState_Release from its threads)
"""


def rattler_process_cmd(request) -> list[str]:
    """The command running ``RATTLER_PROCESS`` on ``request`` (a ``CondaRequest``)."""
    import json

    payload = {"channels": list(request.channels), "platform": request.platform, "specs": list(request.specs),
               "virtual": [[v.name, v.version, v.build] for v in request.virtual_packages]}
    return [sys.executable, "-c", RATTLER_PROCESS, json.dumps(payload)]


# What the solve path cannot avoid importing, each measured on its own beyond ``import argparse``
# (which --help imports too): the floor under "solve - help".
FLOOR_IMPORTS = {
    "msgspec": "msgspec",
    "tomli": "tomli",
    "pathlib": "pathlib",  # with urllib.parse and ipaddress, which it imports
}


def rattler_load_solve(request) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) for py-rattler to open every subdir and solve
    ``request`` (a ``CondaRequest``)."""
    from rattler import solve_with_sparse_repodata
    from support.rattler_inputs import rattler_inputs

    c0, t0 = time.process_time(), time.perf_counter()
    sparse, virtual = rattler_inputs(request)
    records = asyncio.run(solve_with_sparse_repodata(list(request.specs), sparse, virtual_packages=virtual))
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    if not records:
        raise SystemExit("rattler found no solution")
    return dt, dc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--projects", default=",".join(PROJECTS), help="comma-separated subset of: " + ", ".join(PROJECTS))
    args = ap.parse_args()
    if not (SHARED / "conda-forge" / "noarch" / "repodata.json").is_file():
        raise SystemExit(f"shared data not found at {SHARED}")
    import solver

    regular = _installed_with_bytecode()
    print(f"solver from {Path(solver.__file__).parent} "
          f"({'regular install, shipped byte-code' if regular else 'source tree: byte-code cached in PYTHONPYCACHEPREFIX'})")
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-overhead-"))
    try:
        env = _env(tmp, regular)
        cli = _solver_cmd()
        _run_times([*cli, "--help"], env, 3)
        print("per project, interleaved runs of: solver --help, solver solve, rattler in-process "
              "(the machine's load then weighs on all three alike)")
        print(f"{'':<16} {'--------------- wall (ms) ----------------':>51}   {'---------------- CPU (ms) ----------------':>51}"
              f"   {'-- whole process (wall) --':>21}")
        print(f"{'project':<16} {'help':>8} {'solve':>8} {'- help':>8} {'rattler':>8} {'ratio':>6} {'(min)':>7}   "
              f"{'help':>8} {'solve':>8} {'- help':>8} {'rattler':>8} {'ratio':>6} {'(min)':>7}  "
              f"{'peer proc':>9} {'solve/peer':>10}")
        ratios: dict[str, list[float]] = {"wall": [], "cpu": [], "wall_min": [], "cpu_min": [], "whole": []}
        rattler_ms: list[float] = []
        for name in args.projects.split(","):
            platform, channels, deps = PROJECTS[name]
            if not all((SHARED / c).is_dir() for c in channels):
                print(f"{name:<16} skipped: channel missing")
                continue
            proj = tmp / name
            proj.mkdir()
            (proj / "pixi.toml").write_text(manifest_text(name, platform, channels, deps))
            lock = tmp / f"{name}.lock"
            cmd = [*cli, "solve", str(proj), "--lock-file", str(lock), "-q"]

            def drop(lock=lock):
                lock.unlink(missing_ok=True)

            _run_times(cmd, env, 2, drop)  # warm: byte-code, repodata index
            (unit,) = solver.build_requests(solver.load_manifest(proj / "pixi.toml"))
            rattler_load_solve(unit.conda)  # warm
            peer = rattler_process_cmd(unit.conda)
            _run_times(peer, env, 1)  # warm
            runs = {"help": ([], []), "solve": ([], []), "rattler": ([], []), "peer": ([], [])}
            for _ in range(args.repeat):
                for key, (w, c) in (("help", _run_times([*cli, "--help"], env, 1)), ("solve", _run_times(cmd, env, 1, drop)),
                                    ("peer", _run_times(peer, env, 1))):
                    runs[key][0].extend(w)
                    runs[key][1].extend(c)
                w, c = rattler_load_solve(unit.conda)
                runs["rattler"][0].append(w)
                runs["rattler"][1].append(c)
            row = f"{name:<16}"
            for i, kind in enumerate(("wall", "cpu")):
                med = {k: statistics.median(v[i]) for k, v in runs.items()}
                low = {k: min(v[i]) for k, v in runs.items()}
                ratio = (med["solve"] - med["help"]) / med["rattler"]
                ratio_min = (low["solve"] - low["help"]) / low["rattler"]
                ratios[kind].append(ratio)
                ratios[kind + "_min"].append(ratio_min)
                row += (f" {med['help'] * 1000:8.1f} {med['solve'] * 1000:8.1f} {(med['solve'] - med['help']) * 1000:8.1f}"
                        f" {med['rattler'] * 1000:8.1f} {ratio:6.2f} {ratio_min:7.2f}  ")
                if kind == "wall":
                    rattler_ms.append(med["rattler"] * 1000)
                    peer_row = f" {med['peer'] * 1000:9.1f} {med['solve'] / med['peer']:10.2f}"
                    ratios["whole"].append(med["solve"] / med["peer"])
            print(row + peer_row, flush=True)
        bare = [sys.executable, "-c", "import argparse"]
        floor: dict[str, list[float]] = {name: [] for name in FLOOR_IMPORTS}
        for _ in range(args.repeat):
            for name, module in FLOOR_IMPORTS.items():
                (bw,), _ = _run_times(bare, env, 1)
                (w,), _ = _run_times([sys.executable, "-c", f"import argparse, {module}"], env, 1)
                floor[name].append(w - bw)
        parts = {name: statistics.median(v) * 1000 for name, v in floor.items()}
        rattler_med = statistics.median(rattler_ms) if rattler_ms else float("nan")
        print(f"{'floor':<16} imports beyond argparse (wall medians): "
              + ", ".join(f"{name} {ms:.1f} ms" for name, ms in parts.items())
              + f"; together {sum(parts.values()):.1f} ms = {sum(parts.values()) / rattler_med:.2f}x rattler's load+solve "
              f"(median {rattler_med:.1f} ms)")
        if ratios["wall"]:
            m = {k: statistics.median(v) for k, v in ratios.items()}
            print(f"median over {len(ratios['wall'])} projects of (solve - help) / rattler load+solve (target <= 2): "
                  f"wall {m['wall']:.2f} (of minima {m['wall_min']:.2f}), CPU {m['cpu']:.2f} (of minima {m['cpu_min']:.2f}); "
                  f"context: whole solve process / whole rattler process {m['whole']:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
