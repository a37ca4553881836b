"""Shared by the conda solve tests: tiny channels written as repodata.json, and a solve that
runs both backends and both validators on every answer."""

from __future__ import annotations

import json
from pathlib import Path

from solver.conda.model import CondaRequest
from solver.platform import virtual_packages

LINUX = virtual_packages("linux-64", linux="5.10")


def rec(name, version, build=None, *, build_number=0, depends=(), constrains=(), subdir="linux-64",
        timestamp=None, track_features="", noarch=None) -> dict:
    build = build if build is not None else f"h0_{build_number}"
    d = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": build_number,
        "depends": list(depends),
        "constrains": list(constrains),
        "subdir": subdir,
    }
    if timestamp is not None:
        d["timestamp"] = timestamp
    if track_features:
        d["track_features"] = track_features
    if noarch:
        d["noarch"] = noarch
    return d


def write_channel(root: Path, name: str, records: list[dict], platform: str = "linux-64") -> str:
    """Writes ``root/name/{platform,noarch}/repodata.json``; returns the channel's file:// URL."""
    base = Path(root) / name
    by_subdir: dict[str, dict] = {platform: {}, "noarch": {}}
    for r in records:
        fn = f"{r['name']}-{r['version']}-{r['build']}.tar.bz2"
        by_subdir.setdefault(r["subdir"], {})[fn] = r
    for subdir, pkgs in by_subdir.items():
        d = base / subdir
        d.mkdir(parents=True, exist_ok=True)
        (d / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": pkgs, "packages.conda": {}, "repodata_version": 1})
        )
    return base.as_uri()


def make_gateway(channels, platform):
    from solver.conda.gateway import Gateway

    return Gateway(channels, platform)


def channels(tmp_path, spec: dict[str, list[dict]], platform="linux-64") -> list[str]:
    return [write_channel(tmp_path, name, recs, platform) for name, recs in spec.items()]


def request(chans, specs, *, platform="linux-64", virtual=LINUX, **kw) -> CondaRequest:
    return CondaRequest(platform=platform, specs=list(specs), channels=list(chans), virtual_packages=list(virtual), **kw)


def solve_checked(req: CondaRequest, gateway=None):
    """Solves with both backends; checks both agree and both validators accept the answer.
    Returns the CondaSolution. Unsatisfiable requests raise from the native backend (after
    checking pycosat agrees that it is unsatisfiable)."""
    from solver.conda.provider import CondaProvider
    from solver.conda.solve import solve_conda
    from support.conda_validate import validate_conda
    from solver.core.solve import solve
    from solver.core.validate import validate
    from solver.errors import UnsolvableError

    gateway = gateway or make_gateway(req.channels, req.platform)
    results = {}
    for backend in ("native", "pycosat"):
        provider = CondaProvider(req, gateway)
        problem = provider.problem()
        try:
            ids = solve(provider, problem, backend=backend)
        except UnsolvableError:
            results[backend] = None
            continue
        core_problems = validate(provider, problem, ids)
        assert not core_problems, (backend, core_problems)
        results[backend] = sorted(
            (provider.record(s).name, provider.record(s).version, provider.record(s).build, provider.channel_index(s))
            for s in ids
        )
    assert (results["native"] is None) == (results["pycosat"] is None), results
    assert results["native"] == results["pycosat"], results
    solution = solve_conda(req, gateway)
    problems = validate_conda(req, solution.records, available=gateway.records)
    assert not problems, problems
    assert [r.name for r in solution.records] == sorted(r.name for r in solution.records)
    assert not any(r.name.startswith("__") for r in solution.records)
    return solution


def picked(solution) -> dict[str, str]:
    return {r.name: r.version for r in solution.records}


def unsat_message(req: CondaRequest, gateway=None) -> str:
    import pytest

    from solver.conda.solve import solve_conda
    from solver.errors import UnsolvableError

    gateway = gateway or make_gateway(req.channels, req.platform)
    messages = []
    for backend in ("native", "pycosat"):
        with pytest.raises(UnsolvableError) as info:
            solve_conda(req, gateway, backend=backend)
        messages.append(str(info.value))
    return messages[0]
