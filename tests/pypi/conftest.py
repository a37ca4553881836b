"""Shared helpers of the PyPI-stage tests: loopback index servers that record what was asked,
a python record for the conda result, and a solve wrapper with an isolated environment."""

from __future__ import annotations


import pytest

from solver.conda.model import PackageRecord
from solver.pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement
from support.loopback import LoopbackServer
from support.pypi_index import IndexHandler


@pytest.fixture
def serve_index():
    servers: list[LoopbackServer] = []

    def start(root, handler=IndexHandler) -> LoopbackServer:
        srv = LoopbackServer(root, handler, record_ranges=True)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.close()


def python_record(version="3.11.7", build="h1234567_0_cpython", abi_build=None) -> list[PackageRecord]:
    recs = [PackageRecord(name="python", version=version, build=build, channel="https://conda.example.invalid/main")]
    if abi_build:
        recs.append(PackageRecord(name="python_abi", version=".".join(version.split(".")[:2]), build=abi_build))
    return recs


@pytest.fixture
def solve(tmp_path):
    """``solve(requirements, indexes, **request_fields)`` with a clean environment (no pip.conf,
    no PIP_* variables, no netrc) unless ``env=`` is given."""
    from solver.pypi.resolve import solve_pypi

    def run(requirements, indexes=(), *, conda=None, env=None, platform="linux-64", http=None, **fields):
        reqs = [r if isinstance(r, PyPIRequirement) else PyPIRequirement(name=r[0], specifier=r[1] if len(r) > 1 else "")
                for r in requirements]
        idx = [i if isinstance(i, PyPIIndex) else PyPIIndex(url=i) for i in indexes]
        request = PyPIRequest(platform=platform, requirements=reqs, indexes=idx, **fields)
        base_env = {"PIP_CONFIG_FILE": "/dev/null", "NETRC": str(tmp_path / "no-netrc"), "HOME": str(tmp_path)}
        return solve_pypi(request, conda if conda is not None else python_record(), http=http,
                          cache_dir=tmp_path / "cache", env={**base_env, **(env or {})})

    return run


def versions(solution) -> dict[str, str]:
    return {p.name: p.version for p in solution.packages}
