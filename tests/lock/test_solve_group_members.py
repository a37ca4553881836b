"""A solve group is solved once and each member environment locks its share: what its own specs
reach, and the conda packages that install a PyPI distribution its PyPI packages need, even when
another member is the one that asked conda for them."""

from __future__ import annotations

import hashlib
import json

import pytest

from solver.cli import main
from solver.lock import read_lock
from support.isolation import isolate
from support.pypi_index import Dist, build_index


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    isolate(tmp_path, monkeypatch)


def _conda(name, version, depends=(), purl=None):
    fn = f"{name}-{version}-h0_0.conda"
    rec = {"name": name, "version": version, "build": "h0_0", "build_number": 0, "depends": list(depends),
           "subdir": "linux-64", "sha256": hashlib.sha256(fn.encode()).hexdigest(), "size": 100}
    if purl:
        rec["purls"] = [purl]
    return fn, rec


@pytest.fixture
def group_project(tmp_path, serve_dir):
    root = tmp_path / "proj"
    packages = dict([_conda("python", "3.12.4"),
                     _conda("tiny-ext", "4.12.0", ["python >=3.12"], "pkg:pypi/tiny-ext@4.12.0")])
    for subdir, pkgs in (("linux-64", packages), ("noarch", {})):
        (root / "channel" / subdir).mkdir(parents=True)
        (root / "channel" / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages.conda": pkgs}))
    build_index(root / "index", [Dist(name="app", version="1.0", requires=["tiny-ext>=4"]),
                                 Dist(name="tiny-ext", version="4.13.0")])
    server = serve_dir(root)
    (root / "pixi.toml").write_text(
        '[workspace]\nchannels = ["./channel"]\nplatforms = ["linux-64"]\n'
        '[dependencies]\npython = "3.12.*"\n'
        '[feature.ext.dependencies]\ntiny-ext = "*"\n'
        '[feature.web.pypi-dependencies]\napp = "*"\n'
        f'[pypi-options]\nindex-url = "{server.url}/index/simple"\n'
        '[environments]\next = { features = ["ext"], solve-group = "g" }\n'
        'web = { features = ["web"], solve-group = "g" }\n')
    return root


def test_a_member_keeps_the_conda_package_its_pypi_packages_need(group_project, capsys):
    assert main(["solve", str(group_project), "-q"]) == 0, capsys.readouterr().err
    lock = read_lock(group_project / "pixi.lock")
    web = lock.environments["web"]
    # the group's conda tiny-ext (asked for by `ext`) installs what app needs: PyPI locks no
    # tiny-ext of its own, so `web` must hold the conda one
    assert {r.name for r in web.conda["linux-64"]} == {"python", "tiny-ext"}
    assert [p.name for p in web.pypi["linux-64"]] == ["app"]
    assert {r.name for r in lock.environments["default"].conda["linux-64"]} == {"python"}
    assert main(["solve", str(group_project), "--locked"]) == 0, capsys.readouterr().err
    before = (group_project / "pixi.lock").read_bytes()
    assert main(["solve", str(group_project), "-q", "--update"]) == 0
    assert (group_project / "pixi.lock").read_bytes() == before


def test_a_lock_whose_member_lacks_it_is_out_of_date(group_project, capsys):
    assert main(["solve", str(group_project), "-q"]) == 0
    path = group_project / "pixi.lock"
    text = path.read_text()
    head, web = text.split("  web:\n", 1)
    section, rest = web.split("\npackages:\n", 1)
    kept = [line for line in section.splitlines() if "tiny-ext-4.12.0" not in line]
    assert len(kept) == len(section.splitlines()) - 1
    path.write_text(head + "  web:\n" + "\n".join(kept) + "\npackages:\n" + rest)
    assert main(["solve", str(group_project), "--locked"]) == 1
    assert "requires `tiny-ext>=4`, which is neither locked nor installed by a locked conda package" in capsys.readouterr().err
