"""A harness for resolver scenarios written in uv's ``test/scenarios`` TOML format: each scenario
becomes a generated index (see :mod:`support.pypi_index`) and a request; :func:`check` solves it
and says whether the outcome is the expected one.

The scenario files are not part of this repository: ``SOLVER_UV_SCENARIOS`` may name a folder
holding them (checked by tests/pypi/test_uv_scenarios.py when set); the representative cases in
that test module are written as tables of our own.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
from packaging.requirements import Requirement

from support.pypi_index import Dist, build_index

# resolver options we know how to express; a scenario with any other is not ours to judge
SUPPORTED_OPTIONS = {"prereleases", "python"}


class Scenario(msgspec.Struct, kw_only=True):
    name: str
    root: list[str]
    packages: dict[str, dict[str, dict]]  # name -> version -> {requires, requires_python, ...}
    satisfiable: bool
    expected: dict[str, str] = {}
    python: str = "3.12"  # the target environment's Python
    prereleases_allowed: bool = False
    python_override: str | None = None


def load(path: Path) -> Scenario | None:
    """A scenario file, or None when it uses what this harness cannot express."""
    import tomli

    data = tomli.loads(path.read_text())
    options = data.get("resolver_options", {})
    if set(options) - SUPPORTED_OPTIONS or "environment" in data and set(data["environment"]) - {"python"}:
        return None
    packages = {name: dict(pkg.get("versions", {})) for name, pkg in data.get("packages", {}).items()}
    expected = data.get("expected", {})
    return Scenario(
        name=data.get("name", path.stem), root=list(data.get("root", {}).get("requires", [])),
        packages=packages, satisfiable=bool(expected.get("satisfiable")),
        expected=dict(expected.get("packages", {})), python=data.get("environment", {}).get("python", "3.12"),
        prereleases_allowed=bool(options.get("prereleases")), python_override=options.get("python"),
    )


def dists(s: Scenario) -> list[Dist]:
    out = []
    for name, versions in s.packages.items():
        for version, info in versions.items():
            wheels = info.get("wheels", True)
            out.append(Dist(
                name=name, version=version, requires=list(info.get("requires", [])),
                requires_python=info.get("requires_python"), extras=dict(info.get("extras", {})),
                yanked="" if info.get("yanked") else None,
                tags=list(info.get("wheel_tags", ["py3-none-any"])) if wheels else [],
                sdist=bool(info.get("sdist", not wheels)),
            ))
    return out


def requirements(s: Scenario):
    from solver.pypi.model import PyPIRequirement

    out = []
    for text in s.root:
        req = Requirement(text)
        out.append(PyPIRequirement(name=req.name, specifier=str(req.specifier), extras=sorted(req.extras),
                                   marker=str(req.marker) if req.marker else None))
    return out


def check(s: Scenario, root: Path, solve) -> str | None:
    """Solves ``s`` with ``solve`` (tests/pypi/conftest.py's fixture) over an index generated under
    ``root``; None when the outcome is the expected one, else what went differently."""
    from solver.conda.model import PackageRecord
    from solver.errors import UnsolvableError

    build_index(root, dists(s))
    python = s.python_override or s.python
    version = python if python.count(".") >= 2 else python + ".0"
    record = [PackageRecord(name="python", version=version, build="h0_cpython")]
    mode = "allow" if s.prereleases_allowed else "if-necessary-or-explicit"
    try:
        sol = solve(requirements(s), [(root / "simple").as_uri()], conda=record, prerelease_mode=mode)
    except UnsolvableError as exc:
        return None if not s.satisfiable else f"expected {s.expected}, got unsatisfiable: {exc}"
    got = {p.name: p.version for p in sol.packages}
    if not s.satisfiable:
        return f"expected unsatisfiable, got {got}"
    want = {k.lower().replace("_", "-"): v for k, v in s.expected.items()}
    wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    return f"(expected, got): {wrong}" if wrong else None


def uv_outcome(s: Scenario, root: Path, uv: str) -> dict[str, str] | None:
    """What ``uv pip compile`` (the oracle) resolves ``s`` to over the index generated under
    ``root`` (see :func:`check`), offline; None when it finds no solution."""
    import os
    import subprocess
    import sys

    if not (root / "simple").is_dir():
        build_index(root, dists(s))
    python = s.python_override or s.python
    cmd = [uv, "pip", "compile", "-", "--index-url", (root / "simple").as_uri(), "--python-version", python,
           "--python", sys.executable, "--no-header", "--no-annotate", "--quiet", "--offline",
           "--cache-dir", str(root / "uv-cache")]
    if s.prereleases_allowed:
        cmd += ["--prerelease", "allow"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    proc = subprocess.run(cmd, input="\n".join(s.root) + "\n", capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        return None
    return dict(line.strip().split("==", 1) for line in proc.stdout.splitlines() if "==" in line)

