"""Solves over the real channels in ../shared/data/conda: both backends agree, and both the conda
validator and the core validator accept every answer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import make_gateway, solve_checked, unsat_message  # noqa: E402

from solver.conda.model import CondaRequest, VirtualPackage  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402

CASES = [
    # (channels, platform, specs, names whose versions the user cares about)
    (["conda-forge"], "linux-64", ["python 3.11.*", "numpy"]),
    (["conda-forge"], "linux-64", ["pandas"]),
    (["conda-forge"], "osx-arm64", ["python", "numpy", "pandas"]),
    (["conda-forge"], "win-64", ["python 3.12.*", "numpy"]),
    (["conda-forge"], "linux-64", ["pytorch"]),
    (["robostack-humble", "conda-forge"], "linux-64", ["ros-humble-ros-core"]),
    (["conda-test-index4"], "linux-64", ["pandas", "scipy"]),
    (["conda-test-index5"], "win-64", ["conda-build"]),
]

_GATEWAYS: dict = {}


def _gateway(root: Path, chans: list[str], platform: str):
    key = (tuple(chans), platform)
    if key not in _GATEWAYS:
        _GATEWAYS[key] = make_gateway([(root / c).as_uri() for c in chans], platform)
    return _GATEWAYS[key]


def _request(root, chans, platform, specs, **kw):
    return CondaRequest(
        platform=platform,
        specs=specs,
        channels=[(root / c).as_uri() for c in chans],
        virtual_packages=virtual_packages(platform),
        **kw,
    )


@pytest.mark.parametrize("chans,platform,specs", CASES, ids=lambda v: v if isinstance(v, str) else ",".join(v))
def test_real_solve_valid_and_backends_agree(shared_conda, chans, platform, specs):
    req = _request(shared_conda, chans, platform, specs)
    sol = solve_checked(req, _gateway(shared_conda, chans, platform))
    names = {r.name for r in sol.records}
    for spec in specs:
        assert spec.split()[0] in names
    assert all(r.subdir in (platform, "noarch") for r in sol.records)


def test_real_python_pin_is_honoured(shared_conda):
    req = _request(shared_conda, ["conda-forge"], "linux-64", ["python 3.11.*", "numpy"])
    sol = solve_checked(req, _gateway(shared_conda, ["conda-forge"], "linux-64"))
    by_name = {r.name: r for r in sol.records}
    assert by_name["python"].version.startswith("3.11.")
    assert "py311" in by_name["numpy"].build


def test_real_unsat_names_the_conflict(shared_conda):
    req = _request(shared_conda, ["conda-forge"], "linux-64", ["python 3.11.*", "python_abi 3.12.*"])
    msg = unsat_message(req, _gateway(shared_conda, ["conda-forge"], "linux-64"))
    assert "python 3.11.*" in msg and "python_abi 3.12.*" in msg


def test_real_old_glibc_is_explained(shared_conda):
    # every libgcc 15 build needs __glibc >=2.17
    req = _request(shared_conda, ["conda-forge"], "linux-64", ["libgcc >=15"])
    req.virtual_packages = [VirtualPackage("__unix"), VirtualPackage("__glibc", "2.5")]
    msg = unsat_message(req, _gateway(shared_conda, ["conda-forge"], "linux-64"))
    assert "__glibc" in msg and "2.5" in msg


def test_same_answer_in_fresh_processes_with_different_hash_seeds(shared_conda):
    import os
    import subprocess

    code = (
        "import sys, msgspec\n"
        "from solver.conda.model import CondaRequest\n"
        "from solver.conda.solve import solve_conda\n"
        "from solver.platform import virtual_packages\n"
        "req = CondaRequest(platform='linux-64', specs=['ros-humble-ros-core', 'numpy'], channels=sys.argv[1:],\n"
        "                   virtual_packages=virtual_packages('linux-64'))\n"
        "sys.stdout.buffer.write(msgspec.json.encode(solve_conda(req).records))\n"
    )
    urls = [(shared_conda / c).as_uri() for c in ("robostack-humble", "conda-forge")]
    outputs = []
    for seed in ("1", "2"):
        # the same (installed or in-place built) package this test imported, not the source tree
        import solver

        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(Path(solver.__file__).resolve().parents[1]))
        out = subprocess.run([sys.executable, "-c", code, *urls], env=env, capture_output=True, check=True)
        outputs.append(out.stdout)
    assert outputs[0] == outputs[1] and b'"ros-humble-ros-core"' in outputs[0]
