"""Random layered scenarios: every resolved package's requirements (markers evaluated for the
target) are met by the result, and both core backends agree."""

import random

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from solver.pypi.tags import TargetEnv
from support.pypi_index import Dist, build_find_links


def scenario(seed: int, n: int = 12):
    rng = random.Random(seed)
    names = [f"p{i}" for i in range(n)]
    dists = []
    for i, name in enumerate(names):
        for v in range(rng.randint(2, 9)):
            deps = []
            for dep in rng.sample(names[i + 1:], min(n - i - 1, rng.randint(0, 3))):
                lo = rng.randint(0, 4)
                spec = rng.choice([f">={lo}.0", f"<{lo + 2}.0", f">={lo}.0,<{lo + 3}.0", ""])
                marker = rng.choice(["", "", "; sys_platform == 'win32'", "; python_version < '3.10'"])
                deps.append(f"{dep}{spec}{marker}")
            extras = {"x": [f"{rng.choice(names[i + 1:])}>=1.0"]} if i < n - 1 and rng.random() < 0.3 else {}
            dists.append(Dist(name=name, version=f"{v}.{rng.randint(0, 3)}", requires=deps, extras=extras))
    roots = [("p0",), ("p1",), ("p2",)]
    return dists, roots


def check(sol, platform="linux-64"):
    env = TargetEnv(platform=platform, python_version="3.11.7").markers()
    got = {p.name: Version(p.version) for p in sol.packages}
    for p in sol.packages:
        for text in p.requires_dist:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                continue
            assert req.name in got, f"{p.name} {p.version} needs {text}, missing"
            assert req.specifier.contains(got[req.name], prereleases=True), f"{p.name} needs {text}, got {got[req.name]}"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_scenarios_consistent_across_backends(solve, tmp_path, seed):
    from solver.errors import UnsolvableError

    dists, roots = scenario(seed)
    links = build_find_links(tmp_path / f"links{seed}", dists)
    results = {}
    for backend in ("native", "pycosat"):
        from solver.pypi.resolve import solve_pypi
        from solver.pypi.model import PyPIRequest, PyPIRequirement
        from .conftest import python_record

        request = PyPIRequest(platform="linux-64", requirements=[PyPIRequirement(name=r[0]) for r in roots],
                              find_links=[str(links)])
        try:
            sol = solve_pypi(request, python_record(), cache_dir=tmp_path / "c", env={"PIP_CONFIG_FILE": "/dev/null"},
                             backend=backend)
        except UnsolvableError:
            results[backend] = None
            continue
        check(sol)
        results[backend] = {p.name: p.version for p in sol.packages}
    assert results["native"] == results["pycosat"]
    assert results["native"] is None or len(results["native"]) >= 3
