"""Our PyPI stage vs ``uv pip compile`` on real-world requirement sets, against the index this
machine's pip is configured for (read at run time: ``PIP_INDEX_URL``, else ``pip config list``,
else pip's own built-in default, asked of pip; no host is written here).

Each set is resolved for Python 3.12 on linux-64 as a whole process, cold (empty caches) and warm
(the same caches again), ``--repeat`` times each; the table shows medians and ours/uv ratios.
Conflict sets must end with exit 1 and a derivation (checked, reported) in under 10 s.

    python benchmarks/bench_pypi_real.py [--repeat 3] [--only NAME ...] [--json FILE]

A benchmark, not a test: it needs the network. Tests stay on loopback fixtures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON_VERSION = "3.12"

# (name, requirements, expected outcome: "solved" | "conflict")
SETS: list[tuple[str, list[str], str]] = [
    ("web-fastapi", ["fastapi[standard]", "sqlalchemy>=2", "alembic", "httpx"], "solved"),
    ("web-django", ["django>=5", "djangorestframework", "celery[redis]", "psycopg[binary]"], "solved"),
    ("web-flask", ["flask", "flask-sqlalchemy", "gunicorn", "requests"], "solved"),
    ("data-science", ["pandas", "scikit-learn", "matplotlib", "seaborn", "jupyterlab"], "solved"),
    ("numpy-lt2-scipy", ["numpy<2", "scipy"], "solved"),
    ("docs", ["sphinx", "furo", "myst-parser", "sphinx-autodoc-typehints"], "solved"),
    ("mkdocs", ["mkdocs-material", "mkdocstrings[python]"], "solved"),
    ("pytest-stack", ["pytest", "pytest-cov", "pytest-xdist", "hypothesis", "pytest-asyncio"], "solved"),
    ("langchain-openai", ["langchain-openai"], "solved"),
    ("dask-complete", ["dask[complete]"], "solved"),
    ("dask-distributed", ["dask", "distributed"], "solved"),
    ("pydantic1-settings", ["pydantic<2", "pydantic-settings"], "solved"),
    ("black-click7", ["black==23.1.0", "click<8"], "conflict"),
    ("pydantic1-fastapi", ["pydantic<2", "fastapi>=0.126"], "conflict"),
]

# Runs our PyPI stage in a fresh interpreter, started and ended through solver.cli.run as the
# executable is: requirements as JSON on stdin; exit 1 when
# unsatisfiable (message on stderr), 2 on other errors, as the CLI does.
OURS = """
import sys, json
from packaging.requirements import Requirement
from solver.cli import run
from solver.conda.model import PackageRecord
from solver.errors import SolverError, UnsolvableError
from solver.pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement
from solver.pypi.resolve import solve_pypi

def stage():
    args = json.loads(sys.stdin.read())
    reqs = []
    for text in args["requirements"]:
        r = Requirement(text)
        reqs.append(PyPIRequirement(name=r.name, specifier=str(r.specifier), extras=sorted(r.extras)))
    request = PyPIRequest(platform="linux-64", requirements=reqs, indexes=[PyPIIndex(url=args["index"])])
    python = [PackageRecord(name="python", version=args["python"], build="h0_cpython")]
    try:
        sol = solve_pypi(request, python, cache_dir=args["cache"], env={"PIP_CONFIG_FILE": "/dev/null"})
    except UnsolvableError as exc:
        print(exc, file=sys.stderr)
        return 1
    except SolverError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in sol.packages:
        print(f"{p.name}=={p.version}")
    return 0

run(stage)  # started and ended as the solver executable is (its collector settings)
"""


def pip_index_url() -> str:
    """The index pip would use here: PIP_INDEX_URL, else pip's configuration, else pip's default."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"].split()[0]
    proc = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith(".index-url") and value.strip():
            return value.strip().strip("'\"").split()[0]
    proc = subprocess.run([sys.executable, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def uv_binary() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        sys.exit("uv not found: pip install '.[bench]'")
    return found


# Byte-code cached outside the tree, as an installed package has it (a sandbox may set
# PYTHONDONTWRITEBYTECODE, which would make every run compile every module of an editable install).
PYCACHE = Path(tempfile.gettempdir()) / "bench-pypi-real-pycache"


def ours_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def run_ours(reqs: list[str], index: str, cache: Path) -> tuple[float, int, str, str]:
    payload = json.dumps({"requirements": reqs, "index": index, "cache": str(cache), "python": PYTHON_VERSION + ".0"})
    env = ours_env()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", OURS], input=payload, capture_output=True, text=True, env=env)
    return time.perf_counter() - t0, proc.returncode, proc.stdout, proc.stderr


def run_uv(reqs: list[str], index: str, cache: Path, uv: str) -> tuple[float, int, str, str]:
    cmd = [uv, "pip", "compile", "-", "--index-url", index, "--python-version", PYTHON_VERSION,
           "--python-platform", "x86_64-unknown-linux-gnu", "--no-header", "--no-annotate", "--quiet",
           "--cache-dir", str(cache), "--python", sys.executable]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    # no configuration files, and no attempt to download a Python 3.12 (the target version is given;
    # an interpreter of another version does for uv what the conda record does for us)
    env.update(UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, input="\n".join(reqs) + "\n", capture_output=True, text=True, env=env)
    return time.perf_counter() - t0, proc.returncode, proc.stdout, proc.stderr


def pins(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not line.startswith("#"):
            out[name.strip().lower().replace("_", "-")] = version.split()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    index = pip_index_url()
    uv = uv_binary()
    subprocess.run([sys.executable, "-c", OURS.split("def stage")[0]], env=ours_env(), check=True)  # byte-code
    rows = []
    print(f"{'set':<20} {'ours cold':>9} {'uv cold':>8} {'ratio':>6} {'ours warm':>9} {'uv warm':>8} {'ratio':>6}  outcome")
    for name, reqs, expected in SETS:
        if args.only and name not in args.only:
            continue
        times: dict[str, list[float]] = {"ours-cold": [], "uv-cold": [], "ours-warm": [], "uv-warm": []}
        outcome = ""
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="bench-pypi-real-") as tmp:
                for who, run in (("ours", lambda c: run_ours(reqs, index, c)),
                                 ("uv", lambda c: run_uv(reqs, index, c, uv))):
                    cache = Path(tmp) / who
                    cold = run(cache)
                    warm = run(cache)
                    times[f"{who}-cold"].append(cold[0])
                    times[f"{who}-warm"].append(warm[0])
                    if who == "ours":
                        ours_result = warm
                    else:
                        uv_result = warm
        outcome = describe(expected, ours_result, uv_result, times)
        med = {k: statistics.median(v) for k, v in times.items()}
        row = {"set": name, **med, "ratio_cold": med["ours-cold"] / med["uv-cold"],
               "ratio_warm": med["ours-warm"] / med["uv-warm"], "outcome": outcome}
        rows.append(row)
        print(f"{name:<20} {med['ours-cold']:9.2f} {med['uv-cold']:8.2f} {row['ratio_cold']:6.2f} "
              f"{med['ours-warm']:9.2f} {med['uv-warm']:8.2f} {row['ratio_warm']:6.2f}  {outcome}", flush=True)
    if rows:
        cold = statistics.median(r["ratio_cold"] for r in rows)
        warm = statistics.median(r["ratio_warm"] for r in rows)
        print(f"median ratio ours/uv: cold {cold:.2f}, warm {warm:.2f}; "
              f"max cold {max(r['ratio_cold'] for r in rows):.2f}, max warm {max(r['ratio_warm'] for r in rows):.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def describe(expected: str, ours, uv, times) -> str:
    if expected == "conflict":
        slowest = max(times["ours-cold"])
        explained = ours[1] == 1 and ("depend" in ours[3] or "conflict" in ours[3])
        verdict = "ok" if explained and slowest < 10 else "NOT OK"
        return f"conflict: exit {ours[1]} (uv {uv[1]}), derivation {'yes' if explained else 'no'}, " \
               f"cold max {slowest:.1f}s {verdict}"
    if ours[1] != 0:
        return f"ours FAILED (exit {ours[1]}): {ours[3].strip().splitlines()[-1][:120] if ours[3].strip() else ''}"
    a, b = pins(ours[2]), pins(uv[2])
    same = {k: v for k, v in a.items() if b.get(k) == v}
    if a == b:
        return f"same {len(a)} packages as uv"
    return f"{len(same)}/{len(b)} same as uv; differ: " + ", ".join(
        f"{k} {a.get(k)} vs {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))[:200]


if __name__ == "__main__":
    main()
