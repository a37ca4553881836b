"""Conflicts are explained from what the solve saw: over version ranges, as uv's derivation trees
do, and without reading the metadata of versions the search never needed."""

from __future__ import annotations

import pytest
from support.pypi_index import Dist, build_index

from solver.errors import UnsolvableError
from solver.pypi.fetch import Fetcher


def fastapi_like_index() -> list[Dist]:
    """``api`` 0.100–0.165 where 0.126 and newer need ``model>=2.9``; ``model`` has 40 1.x and 12
    2.x releases; ``web`` (29 versions) needs any ``model``: 121 versions in all."""
    dists = [Dist(name="api", version=f"0.{m}.0", requires=[f"model>={'2.9' if m >= 126 else '1.0'}", "web>=0.1"])
             for m in range(100, 166)]
    dists += [Dist(name="model", version=f"1.{m}") for m in range(40)]
    dists += [Dist(name="model", version=f"2.{m}") for m in range(12)]
    dists += [Dist(name="web", version=f"0.{m}", requires=["model"]) for m in range(1, 30)]
    return dists


@pytest.fixture
def metadata_fetches(monkeypatch):
    """Records each metadata fetch started, and whether an explanation was being built then."""
    import solver.core.explain as explain_mod

    started: list[tuple[str, bool]] = []
    explaining = [False]
    submit = Fetcher.meta_future

    def meta_future(self, f):
        if f.url not in self._meta:
            started.append((f.filename, explaining[0]))
        return submit(self, f)

    explain = explain_mod.explain

    def traced_explain(*args):
        explaining[0] = True
        try:
            return explain(*args)
        finally:
            explaining[0] = False

    monkeypatch.setattr(Fetcher, "meta_future", meta_future)
    monkeypatch.setattr(explain_mod, "explain", traced_explain)
    return started


def test_conflict_is_a_range_derivation_without_reading_more_metadata(solve, tmp_path, serve_index, metadata_fetches):
    build_index(tmp_path / "i", fastapi_like_index())
    srv = serve_index(tmp_path / "i")
    with pytest.raises(UnsolvableError) as err:
        solve([("model", "<2"), ("api", ">=0.126")], [f"{srv.url}/simple"])
    msg = str(err.value)
    assert "api >=0.126.0 (40 versions) depend on model>=2.9" in msg, msg
    assert "conflict with model<2, which you also require" in msg, msg
    assert [name for name, during in metadata_fetches if during] == []  # the explanation read nothing
    reads = [r.path for r in srv.requests if r.path.endswith(".metadata")]
    assert len(reads) == len(set(reads)) and len(reads) <= 50  # of 121 versions: api's 40, a few more


def test_range_is_not_claimed_over_a_gap(solve, tmp_path):
    # 1.1 is usable, so the failing 1.0 and 1.2 are not "every version from 1.0 to 1.2"
    dists = [Dist(name="a", version=v, requires=["b>=2"]) for v in ("1.0", "1.2", "1.3", "1.4", "1.5", "1.6")]
    dists += [Dist(name="a", version="1.1"), Dist(name="b", version="1.0"), Dist(name="b", version="2.0")]
    build_index(tmp_path / "i", dists)
    with pytest.raises(UnsolvableError) as err:
        solve([("a", "!=1.1"), ("b", "<2")], [(tmp_path / "i" / "simple").as_uri()])
    msg = str(err.value)
    assert ">=1.0" not in msg and "<=1.6" not in msg and "1.6 | 1.5" in msg, msg


def test_a_yanked_version_does_not_break_the_range(solve, tmp_path):
    dists = [Dist(name="a", version=v, requires=["b>=2"]) for v in ("1.0", "1.1", "1.2", "1.4", "1.5", "1.6")]
    dists += [Dist(name="a", version="1.3", requires=["b>=2"], yanked="broken"),
              Dist(name="b", version="1.0"), Dist(name="b", version="2.0")]
    build_index(tmp_path / "i", dists)
    with pytest.raises(UnsolvableError) as err:
        solve([("a",), ("b", "<2")], [(tmp_path / "i" / "simple").as_uri()])
    msg = str(err.value)
    assert "a >=1.0 (6 versions) depend on b>=2" in msg, msg


def test_versions_the_roots_rule_out_are_never_read(solve, tmp_path, serve_index, metadata_fetches):
    # two roots, so their order is worked out from their best candidates' dependencies: the best
    # that ``numlike<2`` allows, not numlike 2.x, whose metadata nothing needs
    build_index(tmp_path / "i", [Dist(name="numlike", version=v) for v in ("1.25", "1.26", "2.0", "2.1")]
                + [Dist(name="sci", version="1.0", requires=["numlike>=1.20"])])
    srv = serve_index(tmp_path / "i")
    sol = solve([("numlike", "<2"), ("sci",)], [srv.url + "/simple"])
    assert {p.name: p.version for p in sol.packages} == {"numlike": "1.26", "sci": "1.0"}
    read = [name for name, _ in metadata_fetches]
    assert "numlike-1.26-py3-none-any.whl" in read
    assert not [name for name in read if name.startswith("numlike-2.")]
