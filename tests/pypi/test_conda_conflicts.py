"""PyPI requirements that exclude a version conda installs: a typed error carrying every such
conflict (who requires what of which conda record), found by resolving again as if conda were free
to install other versions of those names."""

import pytest

from solver.conda.model import PackageRecord
from solver.errors import UnsolvableError
from solver.pypi.resolve import CondaConflictError
from support.pypi_index import Dist, build_index

from .conftest import python_record


@pytest.fixture
def index(tmp_path):
    def make(dists):
        build_index(tmp_path / "idx", dists)
        return [(tmp_path / "idx" / "simple").as_uri()]

    return make


def conda_pkg(name, version, pypi_name=None):
    return PackageRecord(name=name, version=version, build="py311h_0",
                         purls=[f"pkg:pypi/{pypi_name or name}@{version}"])


def conflicts_of(exc):
    return sorted((c.pypi_name, c.specifier, c.required_by) for c in exc.conflicts)


def test_transitive_conflict_names_the_chain_and_the_record(solve, index):
    idx = index([Dist(name="app", version="1.0", requires=["oldlib"]),
                 Dist(name="oldlib", version="1.0", requires=["numpy<2,>=1.20"]),
                 Dist(name="numpy", version="1.26.4"), Dist(name="numpy", version="2.1.0")])
    with pytest.raises(CondaConflictError) as err:
        solve([("app",)], idx, conda=python_record() + [conda_pkg("numpy", "2.1.0")])
    [c] = err.value.conflicts
    assert (c.pypi_name, c.conda_name, c.conda_version, c.conda_record) == ("numpy", "numpy", "2.1.0", "numpy-2.1.0-py311h_0")
    assert c.specifier == "<2,>=1.20" and c.required_by == "oldlib 1.0" and c.chain == ["app 1.0", "oldlib 1.0"]
    assert c.wanted == "1.26.4"
    assert isinstance(err.value, UnsolvableError)  # callers that only know UnsolvableError still work
    assert "oldlib" in str(err.value) and "numpy-2.1.0-py311h_0" in str(err.value)


def test_every_conflict_is_collected_in_one_go(solve, index):
    # two conda-provided names excluded by different packages, one of them behind another
    idx = index([Dist(name="a", version="1.0", requires=["numpy<2"]),
                 Dist(name="b", version="1.0", requires=["lib"]),
                 Dist(name="lib", version="1.0", requires=["pandas<2"]),
                 Dist(name="numpy", version="1.26.4"), Dist(name="pandas", version="1.5.3")])
    conda = python_record() + [conda_pkg("numpy", "2.1.0"), conda_pkg("pandas-core", "2.2.0", "pandas")]
    with pytest.raises(CondaConflictError) as err:
        solve([("a",), ("b",)], idx, conda=conda)
    assert conflicts_of(err.value) == [("numpy", "<2", "a 1.0"), ("pandas", "<2", "lib 1.0")]
    pandas = next(c for c in err.value.conflicts if c.pypi_name == "pandas")
    assert pandas.conda_name == "pandas-core" and pandas.chain == ["b 1.0", "lib 1.0"]


def test_direct_requirement_and_versions_the_index_lacks(solve, index):
    # the user's own requirement; the index has no numpy at all: any version is assumed possible
    idx = index([Dist(name="other", version="1.0")])
    with pytest.raises(CondaConflictError) as err:
        solve([("numpy", "<1.25")], idx, conda=python_record() + [conda_pkg("numpy", "2.1.0")])
    [c] = err.value.conflicts
    assert c.specifier == "<1.25" and c.required_by is None and c.chain == [] and c.wanted is None


def test_versions_the_index_lacks_do_not_hide_a_fix(solve, index):
    # the index has numpy 1.26.4 only, which <1.25 excludes; conda may well have 1.24
    idx = index([Dist(name="app", version="1.0", requires=["oldlib"]),
                 Dist(name="oldlib", version="1.0", requires=["numpy<2,>=1.20"]),
                 Dist(name="numpy", version="1.26.4")])
    with pytest.raises(CondaConflictError) as err:
        solve([("app",), ("numpy", "<1.25")], idx, conda=python_record() + [conda_pkg("numpy", "2.1.0")])
    assert conflicts_of(err.value) == [("numpy", "<1.25", None), ("numpy", "<2,>=1.20", "oldlib 1.0")]


def test_pypi_backtracks_to_agree_before_asking_conda(solve, index):
    # newlib 2.0 wants numpy>=2, oldlib numpy<2: only newlib 1.0 agrees with oldlib, so what conda
    # is asked for is numpy<2 alone (not a contradiction)
    idx = index([Dist(name="oldlib", version="1.0", requires=["numpy<2"]),
                 Dist(name="newlib", version="2.0", requires=["numpy>=2"]),
                 Dist(name="newlib", version="1.0", requires=["numpy>=1.20"]),
                 Dist(name="numpy", version="1.26.4"), Dist(name="numpy", version="2.1.0")])
    with pytest.raises(CondaConflictError) as err:
        solve([("oldlib",), ("newlib",)], idx, conda=python_record() + [conda_pkg("numpy", "2.1.0")])
    assert conflicts_of(err.value) == [("numpy", "<2", "oldlib 1.0")]


def test_not_condas_doing_stays_a_plain_error(solve, index):
    idx = index([Dist(name="a", version="1.0", requires=["c<2"]), Dist(name="b", version="1.0", requires=["c>=2"]),
                 Dist(name="c", version="1.0"), Dist(name="c", version="2.0")])
    with pytest.raises(UnsolvableError) as err:
        solve([("a",), ("b",)], idx, conda=python_record() + [conda_pkg("numpy", "2.1.0")])
    assert not isinstance(err.value, CondaConflictError)
    assert "c<2" in str(err.value) or "c>=2" in str(err.value)


def test_a_range_no_index_version_meets_is_still_for_conda_to_judge(solve, index):
    # no index version meets numpy<1; conda's channels may have one, so the conflict is reported
    # (with no version PyPI would pick) rather than declared hopeless
    idx = index([Dist(name="old", version="1.0", requires=["numpy<1"]), Dist(name="numpy", version="1.26.4")])
    with pytest.raises(CondaConflictError) as err:
        solve([("old",)], idx, conda=python_record() + [conda_pkg("numpy", "2.1.0")])
    [c] = err.value.conflicts
    assert (c.specifier, c.required_by, c.wanted) == ("<1", "old 1.0", None)
