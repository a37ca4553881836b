"""The fetch ahead follows extras: the dependencies of the extras asked of a package (by the user
or by another package, and those an extra asks of the package itself) are fetched with its own,
while dependencies for other targets and other extras are not."""

import time

from solver.http import HttpClient
from solver.pypi.candidates import CandidatePolicy
from solver.pypi.config import IndexSource
from solver.pypi.fetch import Fetcher
from solver.pypi.metadata import CoreMetadata
from solver.pypi.model import PyPIRequest, PyPIRequirement
from solver.pypi.tags import target_from_conda
from support.pypi_index import Dist, build_index

from .conftest import python_record

DASK = CoreMetadata(name="Dask", version="1.0", requires_dist=[
    "click>=8", "pywin32; sys_platform == 'win32'", "toolz; python_version < '3'",
    "numpy>=1.24; extra == 'array'", "dask[array]; extra == 'dataframe'", "pandas>=2; extra == 'dataframe'",
    "dask[dataframe,diagnostics]; extra == 'complete'", "lz4; extra == 'complete'",
    "bokeh; extra == 'diagnostics'", "jsonschema[format-nongpl]>=4; extra == 'complete'",
    "pytest; extra == 'test'", "not a requirement ((",
])
CASES = [
    (set(), {"click": set()}),
    ({"array"}, {"click": set(), "numpy": set()}),
    ({"complete"}, {"click": set(), "numpy": set(), "pandas": set(), "lz4": set(), "bokeh": set(),
                    "jsonschema": {"format-nongpl"}}),
    ({"Test"}, {"click": set(), "pytest": set()}),  # extra names compare normalised
]


def policy(requirements=()):
    request = PyPIRequest(platform="linux-64", requirements=list(requirements))
    return request, CandidatePolicy(request, target_from_conda("linux-64", python_record()))


def test_dependency_requests_per_extras():
    _, pol = policy()
    for extras, expected in CASES:
        got = {name: set(asked) for name, asked in pol.dependency_requests(DASK, frozenset(extras))}
        assert got == expected, extras


def test_pages_of_an_extra_asked_by_a_dependency_are_fetched_ahead(tmp_path, serve_index):
    build_index(tmp_path / "i", [
        Dist(name="app", version="1.0", requires=["lib[x]>=1"]),
        Dist(name="lib", version="1.0", extras={"x": ["dep"], "y": ["unwanted"]}),
        Dist(name="dep", version="1.0"), Dist(name="unwanted", version="1.0"),
    ])
    srv = serve_index(tmp_path / "i")
    request, pol = policy([PyPIRequirement(name="app")])
    http = HttpClient(tmp_path / "cache")
    fetcher = Fetcher(request, [IndexSource(url=srv.url + "/simple")], http, pol, cache_dir=tmp_path / "cache")
    try:
        fetcher.page_future("app").result(30)  # nothing else is asked: the rest is the fetch ahead's
        deadline = time.monotonic() + 15
        while "dep" not in fetcher._pages and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "dep" in fetcher._pages and fetcher._pages["dep"].result(30)
        assert "unwanted" not in fetcher._pages
    finally:
        fetcher.close()
        http.close()
