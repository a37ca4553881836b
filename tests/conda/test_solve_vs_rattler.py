"""Our answers on the real channels equal rattler's (resolvo) record for record: the preference
rules mirror rattler's, so any difference is a bug on one side worth looking at. Skipped when
py-rattler (the ``bench`` extra) is not installed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import make_gateway  # noqa: E402

from solver.conda.model import CondaRequest  # noqa: E402
from solver.conda.solve import solve_conda  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402

pytestmark = pytest.mark.oracle

CASES = [
    (["conda-forge"], "linux-64", ["python 3.11.*", "numpy"], {}),
    (["conda-forge"], "osx-arm64", ["python", "numpy", "pandas"], {}),
    (["conda-forge"], "win-64", ["python 3.12.*", "numpy"], {}),
    (["conda-forge"], "linux-64", ["pytorch"], {}),
    (["robostack-humble", "conda-forge"], "linux-64", ["ros-humble-ros-core"], {}),
    (["conda-test-index4"], "linux-64", ["dask", "distributed", "notebook"], {}),
    (["conda-test-r", "conda-test-index4"], "linux-64", ["r-base"], {}),
    (["conda-forge"], "linux-64", ["python 3.11.*", "numpy"], {"strategy": "lowest-direct"}),
    (["conda-test-index4"], "linux-64", ["dask", "distributed"], {"strategy": "lowest"}),
    (["conda-test-index4", "conda-test-index2"], "linux-64", ["pandas", "scipy"], {"channel_priority": "disabled"}),
]


def _rattler_solve(root: Path, chans, platform, specs, vps, strategy="highest", channel_priority="strict"):
    rattler = pytest.importorskip("rattler")
    from rattler import BuildString, Channel, ChannelPriority, GenericVirtualPackage, PackageName, SparseRepoData, Version

    sparse = []
    for c in chans:
        channel = Channel((root / c).as_uri())
        for subdir in (platform, "noarch"):
            path = root / c / subdir / "repodata.json"
            if path.is_file():
                sparse.append(SparseRepoData(channel, subdir, str(path)))
    virtual = [GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build)) for v in vps]
    priority = ChannelPriority.Strict if channel_priority == "strict" else ChannelPriority.Disabled
    records = asyncio.run(rattler.solve_with_sparse_repodata(
        specs, sparse, virtual_packages=virtual, strategy=strategy, channel_priority=priority))
    return sorted((r.name.normalized, str(r.version), str(r.build)) for r in records)


def _id(v):
    if isinstance(v, dict):
        return ",".join(v.values()) or "default"
    return v if isinstance(v, str) else ",".join(v)


@pytest.mark.parametrize("chans,platform,specs,options", CASES, ids=_id)
def test_same_records_as_rattler(shared_conda, chans, platform, specs, options):
    vps = virtual_packages(platform)
    expected = _rattler_solve(shared_conda, chans, platform, specs, vps, **options)
    urls = [(shared_conda / c).as_uri() for c in chans]
    req = CondaRequest(platform=platform, specs=specs, channels=urls, virtual_packages=vps, **options)
    ours = solve_conda(req, make_gateway(urls, platform))
    assert sorted((r.name, r.version, r.build) for r in ours.records) == expected
