"""Dependency overrides replace every requirement on their name (as uv's override-dependencies):
versions the override excludes are never candidates, so their metadata is never read or built."""

from __future__ import annotations

import pytest
from .conftest import versions
from support.pypi_index import Dist, build_index

from solver.pypi.fetch import Fetcher
from solver.pypi.model import PyPIRequirement


@pytest.fixture
def metadata_reads(monkeypatch):
    """The filenames whose metadata the solve started to read (or build)."""
    started: list[str] = []
    submit = Fetcher.meta_future

    def meta_future(self, f):
        if f.url not in self._meta:
            started.append(f.filename)
        return submit(self, f)

    monkeypatch.setattr(Fetcher, "meta_future", meta_future)
    return started


def _slow(name: str, version: str, **kw) -> Dist:
    # an sdist without static metadata: reading it means running its build backend
    return Dist(name=name, version=version, tags=[], sdist=True, static=False, in_tree_backend="prepare", **kw)


def index_dists() -> list[Dist]:
    dists = [_slow("dummy", v) for v in ("0.1.0", "0.1.1", "0.1.2", "0.1.3")]
    dists += [Dist(name="app", version="1.0", requires=["dummy==0.1.3"]),
              Dist(name="pinned", version="1.0", requires=["dummy<0.1.2"]),
              Dist(name="other", version="1.0")]
    return dists


def over(spec: str, marker: str | None = None) -> PyPIRequirement:
    return PyPIRequirement(name="dummy", specifier=spec, marker=marker)


CASES = [
    # (what, root requirements, overrides, expected dummy version, dummy versions whose metadata may be read)
    ("root narrowed", [("dummy", ">=0.1")], [over("==0.1.1")], "0.1.1", {"0.1.1"}),
    ("transitive narrowed", [("app",)], [over("==0.1.2")], "0.1.2", {"0.1.2"}),
    ("override with a marker that holds", [("app",)], [over("==0.1.1", 'sys_platform == "linux"'),
                                                        over("==0.1.0", 'sys_platform == "win32"')], "0.1.1", {"0.1.1"}),
    ("override with a marker that does not hold", [("app",)], [over("==0.1.0", 'sys_platform == "win32"')], None, set()),
    ("root kept when no override holds", [("dummy",)], [over("==0.1.0", 'sys_platform == "win32"')], "0.1.3", {"0.1.3"}),
    ("override widens past a dependency", [("pinned",)], [over(">=0.1.2")], "0.1.3", {"0.1.3"}),
    ("no override", [("app",)], [], "0.1.3", {"0.1.3"}),
]


@pytest.mark.parametrize("what,reqs,overrides,expected,readable", CASES, ids=[c[0] for c in CASES])
def test_override_reads_only_what_it_allows(solve, tmp_path, metadata_reads, what, reqs, overrides, expected, readable):
    build_index(tmp_path / "i", index_dists())
    sol = solve(reqs, [(tmp_path / "i" / "simple").as_uri()], dependency_overrides=overrides)
    assert versions(sol).get("dummy") == expected
    read = {f.split("-")[1].removesuffix(".tar.gz") for f in metadata_reads if f.startswith("dummy-")}
    assert read <= readable, (what, sorted(read))
