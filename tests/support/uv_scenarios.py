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

# resolver options we know how to express; a scenario with any other is not ours to judge.
# ``universal`` / ``required_environments`` ask uv for one resolution over every platform: ours
# resolves per target environment, as pixi does, so such a scenario's expectation (a universal
# lock) is not ours; it is still solved for one environment and compared with `uv pip compile`
# for that environment (``Scenario.universal``).
SUPPORTED_OPTIONS = {"prereleases", "python", "no_build", "no_binary", "python_platform"}
UNIVERSAL_OPTIONS = {"universal", "required_environments"}
# uv's --python-platform targets that are our linux-64 (the only platform the harness drives)
LINUX_64_PLATFORMS = {"x86_64-manylinux2014", "x86_64-unknown-linux-gnu", "linux"}


class Scenario(msgspec.Struct, kw_only=True):
    name: str
    root: list[str]
    packages: dict[str, dict[str, dict]]  # name -> version -> {requires, requires_python, ...}
    satisfiable: bool
    expected: dict[str, str] = {}
    python: str = "3.12"  # the target environment's Python
    prereleases_allowed: bool = False
    prerelease_mode: str | None = None  # one of uv's --prerelease modes; None: allow or the default
    python_override: str | None = None
    no_build: list[str] = []  # packages whose sdists may not be built (uv pip's --only-binary)
    no_binary: list[str] = []  # packages whose wheels may not be used (uv's --no-binary)
    python_platform: str | None = None  # uv's --python-platform (one of LINUX_64_PLATFORMS)
    universal: bool = False  # written for universal resolution: only the per-environment peer judges it


def skip_reason(data: dict) -> str | None:
    """Why a parsed scenario file is not ours to judge, or None when the harness expresses it."""
    options = data.get("resolver_options", {})
    if set(options) - SUPPORTED_OPTIONS - UNIVERSAL_OPTIONS:
        return f"resolver options {sorted(set(options) - SUPPORTED_OPTIONS - UNIVERSAL_OPTIONS)}"
    if options.get("python_platform", "linux") not in LINUX_64_PLATFORMS:
        return f"python_platform {options['python_platform']!r}"
    if set(data.get("environment", {})) - {"python", "additional_python"}:
        return f"environment {sorted(set(data['environment']) - {'python', 'additional_python'})}"
    # a universal resolution's own Requires-Python and workspace are not the target environment's
    root_keys = {"requires", "requires_python", "workspace"} if set(options) & UNIVERSAL_OPTIONS else {"requires"}
    if set(data.get("root", {})) - root_keys:
        return f"root keys {sorted(set(data['root']) - root_keys)}"
    return None


def load(path: Path) -> Scenario | None:
    """A scenario file, or None when it uses what this harness cannot express (see
    :func:`skip_reason`)."""
    import tomli

    data = tomli.loads(path.read_text())
    if skip_reason(data) is not None:
        return None
    options = data.get("resolver_options", {})
    packages = {name: dict(pkg.get("versions", {})) for name, pkg in data.get("packages", {}).items()}
    expected = data.get("expected", {})
    return Scenario(
        name=data.get("name", path.stem), root=list(data.get("root", {}).get("requires", [])),
        packages=packages, satisfiable=bool(expected.get("satisfiable")),
        expected=dict(expected.get("packages", {})), python=data.get("environment", {}).get("python", "3.12"),
        prereleases_allowed=bool(options.get("prereleases")), python_override=options.get("python"),
        no_build=list(options.get("no_build", [])), no_binary=list(options.get("no_binary", [])),
        python_platform=options.get("python_platform"), universal=bool(set(options) & UNIVERSAL_OPTIONS),
    )


def dists(s: Scenario) -> list[Dist]:
    """The files of each version as the scenario format means them: a wheel (``wheel_tags``, else
    ``py3-none-any``) unless ``wheel = false``, and an sdist unless ``sdist = false``."""
    out = []
    for name, versions in s.packages.items():
        for version, info in versions.items():
            wheel = info.get("wheel", True)
            out.append(Dist(
                name=name, version=version, requires=list(info.get("requires", [])),
                requires_python=info.get("requires_python"), extras=dict(info.get("extras", {})),
                yanked="" if info.get("yanked") else None,
                tags=list(info.get("wheel_tags", ["py3-none-any"])) if wheel else [],
                sdist=bool(info.get("sdist", True)),
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


def outcome(s: Scenario, root: Path, solve) -> dict[str, str] | None:
    """What our PyPI stage resolves ``s`` to over an index generated under ``root``, with
    ``solve`` (tests/pypi/conftest.py's fixture): {name: version}, or None when it finds no
    solution."""
    from solver.conda.model import PackageRecord
    from solver.errors import UnsolvableError

    if not (root / "simple").is_dir():
        build_index(root, dists(s))
    python = s.python_override or s.python
    version = python if python.count(".") >= 2 else python + ".0"
    record = [PackageRecord(name="python", version=version, build="h0_cpython")]
    mode = s.prerelease_mode or ("allow" if s.prereleases_allowed else "if-necessary-or-explicit")
    try:
        sol = solve(requirements(s), [(root / "simple").as_uri()], conda=record, prerelease_mode=mode,
                    no_build_packages=s.no_build, no_binary=s.no_binary)
    except UnsolvableError:
        return None
    return {p.name: p.version for p in sol.packages}


def check(s: Scenario, root: Path, solve) -> str | None:
    """Solves ``s`` (see :func:`outcome`); None when the outcome is the expected one, else what
    went differently."""
    got = outcome(s, root, solve)
    if got is None:
        return None if not s.satisfiable else f"expected {s.expected}, got unsatisfiable"
    if not s.satisfiable:
        return f"expected unsatisfiable, got {got}"
    want = {k.lower().replace("_", "-"): v for k, v in s.expected.items()}
    wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    return f"(expected, got): {wrong}" if wrong else None


def uv_outcome(s: Scenario, root: Path, uv: str) -> dict[str, str] | None:
    """What ``uv pip compile`` (the oracle) resolves ``s`` to over the index generated under
    ``root`` (see :func:`outcome`), offline; None when it finds no solution (any other failure
    raises, so a broken oracle never passes for an unsatisfiable scenario)."""
    import os
    import subprocess
    import sys

    if not (root / "simple").is_dir():
        build_index(root, dists(s))
    python = s.python_override or s.python
    cmd = [uv, "pip", "compile", "-", "--index-url", (root / "simple").as_uri(), "--python-version", python,
           "--python", sys.executable, "--no-header", "--no-annotate", "--quiet", "--offline",
           "--cache-dir", str(root / "uv-cache")]
    if s.prerelease_mode or s.prereleases_allowed:
        cmd += ["--prerelease", s.prerelease_mode or "allow"]
    for name in s.no_build:
        cmd += ["--only-binary", name]
    for name in s.no_binary:
        cmd += ["--no-binary", name]
    if s.python_platform:
        cmd += ["--python-platform", s.python_platform]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    proc = subprocess.run(cmd, input="\n".join(s.root) + "\n", capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        if "No solution found" in proc.stderr:
            return None
        raise RuntimeError(f"uv failed on {s.name}: {proc.stderr.strip()}")
    return dict(line.strip().split("==", 1) for line in proc.stdout.splitlines() if "==" in line)

