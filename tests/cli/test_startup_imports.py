"""Cold start of the command line: what a fresh ``solver`` process imports on its cheap paths.

A command-line user pays for every module the process imports. ``solver --help`` must not load
the stages, the HTTP transport, numpy or YAML; a lock check (``solver solve`` with the lock up to
date) must not load the solve machinery (the conda gateway, the PyPI resolver, the network); a
conda-only manifest must not need ``packaging`` at all. Timings live in
``benchmarks/bench_startup.py``; this guards the imports, which is what keeps them fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import solver

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"

# Never needed to print help, parse arguments or check a lock.
HEAVY = [
    "numpy",
    "yaml",
    "ssl",
    "http.client",
    "email",
    "concurrent.futures",
    "zipfile",
    "solver.http",
    "solver.pypi.resolve",
    "solver.pypi.index",
    "solver.conda.gateway",
    "solver.conda.repodata",
    "solver.conda.repodata_index",
    "solver.conda.repodata_records",
    "solver.conda.solve",
    "solver.core.solve",
    "solver._ext.sat",
    "solver._ext.repodata_scan",
]

_PROBE = """
import json, sys
from solver.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sys.stderr.write("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def _run(args: list[str], tmp_path: Path) -> tuple[int, set[str], str]:
    """``solver ARGS`` in a fresh interpreter: exit code, the modules it imported, its stdout."""
    env = dict(os.environ)
    # the package this test imported (installed or built in place), not whatever is on the path
    env["PYTHONPATH"] = str(Path(solver.__file__).resolve().parents[1])
    env["SOLVER_CACHE_DIR"] = str(tmp_path / "cache")
    env["PIP_CONFIG_FILE"] = os.devnull
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), proc.stdout


def _loaded(modules: set[str], names: list[str]) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


def test_importing_the_cli_loads_nothing_heavy(tmp_path):
    code, modules, _ = _run([], tmp_path)  # no command: prints help, exit 2
    assert code == 2
    assert _loaded(modules, HEAVY + ["packaging", "msgspec", "solver.api", "solver.manifest", "solver.lock"]) == []


def test_help_loads_nothing_heavy(tmp_path):
    code, modules, out = _run(["--help"], tmp_path)
    assert code == 0 and "usage: solver" in out
    assert _loaded(modules, HEAVY + ["packaging", "msgspec", "solver.api", "shutil"]) == []
    code, modules, out = _run(["solve", "--help"], tmp_path)
    assert code == 0 and "--lock-file" in out
    assert _loaded(modules, HEAVY + ["packaging", "solver.api"]) == []


@pytest.fixture
def demo(tmp_path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    return root


def test_up_to_date_lock_check_loads_no_solve_machinery(demo, tmp_path):
    lock = tmp_path / "demo.lock"
    code, modules, _ = _run(["solve", str(demo), "--lock-file", str(lock), "-q"], tmp_path)
    assert code == 0 and lock.is_file()
    assert "solver.pypi.resolve" in modules  # the fresh solve did use the stages (the probe sees them)
    before = lock.read_bytes()

    code, modules, _ = _run(["solve", str(demo), "--lock-file", str(lock), "--json"], tmp_path)
    assert code == 0 and lock.read_bytes() == before
    assert _loaded(modules, HEAVY) == []
    code, modules, _ = _run(["solve", str(demo), "--lock-file", str(lock), "--locked", "-q"], tmp_path)
    assert code == 0
    assert _loaded(modules, HEAVY) == []


def test_cache_dir_loads_nothing_heavy(tmp_path):
    code, modules, out = _run(["cache", "dir"], tmp_path)
    assert code == 0 and out == f"{tmp_path / 'cache'}\n"
    assert _loaded(modules, HEAVY + ["packaging", "msgspec", "solver.api", "shutil"]) == []


def test_inspect_loads_no_solve_machinery(demo, tmp_path):
    code, modules, out = _run(["inspect", str(demo), "--json"], tmp_path)
    assert code == 0 and json.loads(out)
    assert _loaded(modules, HEAVY) == []


def test_conda_only_lock_check_does_not_need_packaging(tmp_path):
    root = tmp_path / "conda-only"
    root.mkdir()
    channel = (DEMO / "channels" / "demo").as_posix()
    (root / "pixi.toml").write_text(
        f'[workspace]\nname = "c"\nchannels = ["{channel}"]\nplatforms = ["linux-64", "win-64"]\n\n'
        '[dependencies]\npython = ">=3.11"\nnumlite = ">=1.26"\n'
    )
    code, _, _ = _run(["solve", str(root), "-q"], tmp_path)
    assert code == 0 and (root / "pixi.lock").is_file()
    code, modules, _ = _run(["solve", str(root), "--locked", "-q"], tmp_path)
    assert code == 0
    assert _loaded(modules, HEAVY + ["packaging", "solver.pypi.conda_map", "solver.pypi.tags"]) == []


# A fresh solve of a project over local channels reads the manifest, the repodata and writes the
# lock: none of these is needed for it (the transport, the temporary-file machinery, OpenSSL hashing,
# the compression modules ``tempfile``/``shutil`` bring, the PyPI stage; with no lock yet, the lock
# reader and checker; for one solve unit, threads; the other commands' parsers).
LOCAL_SOLVE_NEEDS_NONE_OF = [
    "threading",
    "concurrent.futures",
    "solver.lock.read",
    "solver.lock.satisfy",
    "solver.batch",
    "solver.http",
    "http.client",
    "ssl",
    "tempfile",
    "shutil",
    "random",
    "bz2",
    "lzma",
    "hashlib",
    "packaging",
    "solver.pypi.resolve",
    "solver.pypi.index",
    "yaml",
    "numpy",
]


def test_fresh_local_conda_solve_loads_no_transport_nor_compression(tmp_path):
    root = tmp_path / "conda-only"
    root.mkdir()
    channel = (DEMO / "channels" / "demo").as_uri()
    (root / "pixi.toml").write_text(
        f'[workspace]\nname = "c"\nchannels = ["{channel}"]\nplatforms = ["linux-64"]\n\n'
        '[dependencies]\npython = ">=3.11"\nnumlite = ">=1.26"\n'
    )
    code, modules, _ = _run(["solve", str(root), "-q"], tmp_path)
    assert code == 0 and (root / "pixi.lock").is_file()
    assert "solver.conda.solve" in modules and "solver.lock.write" in modules  # it did solve and write
    assert _loaded(modules, LOCAL_SOLVE_NEEDS_NONE_OF) == []


def test_a_solve_that_never_touches_the_network_loads_no_transport(demo, tmp_path):
    # local channels and wheels: the HTTP client is built, but TLS, http.client and the
    # credential stores are imported only by a request that goes out
    lock = tmp_path / "fresh.lock"
    code, modules, _ = _run(["solve", str(demo), "--lock-file", str(lock), "-q"], tmp_path)
    assert code == 0 and lock.is_file()
    assert _loaded(modules, ["ssl", "http.client", "email", "netrc", "keyring", "urllib3"]) == []
