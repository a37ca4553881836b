"""Extras are packages tied to their base's exact version (uv's way): ``dask[complete]`` never
drags the search through the base's history."""

from __future__ import annotations

from support.pypi_index import Dist, build_index

from solver.pypi.model import PyPIRequirement

from .conftest import versions


def dask_like_index() -> list[Dist]:
    """dask 1.0–60.0 with extras ``complete`` (-> ``dask[distributed]``) and ``distributed`` (->
    ``distributed==V``); distributed 46 and newer need Python >= 3.12 (the target has 3.11);
    dask 0.8.2 is an sdist whose build fails."""
    dists = []
    for v in range(1, 61):
        dists.append(Dist(name="dask", version=f"{v}.0", requires=["toolz"],
                          extras={"complete": ["dask[distributed]", "lz4"], "distributed": [f"distributed=={v}.0"]}))
        dists.append(Dist(name="distributed", version=f"{v}.0", requires=[f"dask=={v}.0"],
                          requires_python=">=3.12" if v >= 46 else None))
    dists.append(Dist(name="dask", version="0.8.2", tags=[], sdist=True, static=False, in_tree_backend="fails"))
    dists += [Dist(name="toolz", version="1.0"), Dist(name="lz4", version="4.0")]
    return dists


def test_extra_never_walks_the_base_history(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", dask_like_index())
    srv = serve_index(tmp_path / "i")
    sol = solve([PyPIRequirement(name="dask", extras=["complete"])], [f"{srv.url}/simple"])
    assert versions(sol) == {"dask": "45.0", "distributed": "45.0", "toolz": "1.0", "lz4": "4.0"}
    dask_reads = [r.path for r in srv.requests if "/dask-" in r.path and r.path.endswith(".metadata")]
    # the newest dask down to the one that fits (with a little read-ahead), not dask's history
    assert len(dask_reads) <= 20, dask_reads
    assert not any("dask-0.8.2" in r.path for r in srv.requests)


def test_a_root_that_pins_another_root_fixes_its_version(solve, tmp_path):
    # as uv answers dask + distributed: distributed's newest pins dask, rather than dask's newest
    # forcing distributed back to its last release without a pin
    dists = [Dist(name="dask", version=f"{v}.0") for v in range(1, 11)]
    dists += [Dist(name="distributed", version=f"{v}.0", requires=[f"dask=={v}.0"]) for v in range(1, 9)]
    dists.append(Dist(name="distributed", version="0.5", requires=["dask>=1"]))
    build_index(tmp_path / "i", dists)
    sol = solve([("dask",), ("distributed",)], [(tmp_path / "i" / "simple").as_uri()])
    assert versions(sol) == {"dask": "8.0", "distributed": "8.0"}
