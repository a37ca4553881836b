"""Resolution semantics: yanked, pre-releases, requires-python, extras, markers and wheel tags per
platform, conda-provided distributions, lock preference, unsatisfiable messages."""

import pytest

from solver.conda.model import PackageRecord
from solver.errors import UnsolvableError
from solver.pypi.model import PyPIPackage, PyPIRequirement
from support.pypi_index import Dist, build_index

from .conftest import python_record, versions


@pytest.fixture
def index(tmp_path):
    def make(dists, **kw):
        build_index(tmp_path / "idx", dists, **kw)
        return [(tmp_path / "idx" / "simple").as_uri()]

    return make


def test_yanked_skipped_unless_pinned(solve, index):
    idx = index([Dist(name="a", version="1.0"), Dist(name="a", version="1.1", yanked="broken")])
    assert versions(solve([("a",)], idx)) == {"a": "1.0"}
    assert versions(solve([("a", "==1.1")], idx)) == {"a": "1.1"}
    with pytest.raises(UnsolvableError, match="yanked"):
        solve([("a", ">1.0")], idx)


@pytest.mark.parametrize("mode,spec,expected", [
    ("if-necessary", "", "1.0"),            # stable preferred
    ("if-necessary", ">1.0", "2.0b1"),      # no stable fits: fall back to the pre-release
    ("if-necessary", ">=2.0a1", "2.0b1"),   # a pre-release named by a specifier counts
    ("allow", "", "2.0b1"),
    ("disallow", "", "1.0"),
    ("explicit", ">=2.0a1", "2.0b1"),
    ("if-necessary-or-explicit", ">=1.0", "1.0"),
])
def test_prerelease_modes(solve, index, mode, spec, expected):
    idx = index([Dist(name="a", version="1.0"), Dist(name="a", version="2.0b1")])
    assert versions(solve([("a", spec)], idx, prerelease_mode=mode)) == {"a": expected}


@pytest.mark.parametrize("mode", ["disallow", "explicit"])
def test_prerelease_not_allowed_is_unsatisfiable(solve, index, mode):
    idx = index([Dist(name="a", version="1.0"), Dist(name="a", version="2.0b1")])
    with pytest.raises(UnsolvableError, match="pre-releases are not allowed"):
        solve([("a", ">1.0")], idx, prerelease_mode=mode)


def test_if_necessary_or_explicit_allows_when_only_prereleases(solve, index):
    idx = index([Dist(name="a", version="2.0b1")])
    assert versions(solve([("a",)], idx, prerelease_mode="if-necessary-or-explicit")) == {"a": "2.0b1"}


def test_requires_python_from_index_and_metadata(solve, index):
    idx = index([Dist(name="a", version="1.0"), Dist(name="a", version="2.0", requires_python=">=3.12")])
    assert versions(solve([("a",)], idx)) == {"a": "1.0"}  # target python is 3.11.7
    assert versions(solve([("a",)], idx, conda=python_record("3.12.1"))) == {"a": "2.0"}
    with pytest.raises(UnsolvableError) as err:
        solve([("a", ">=2")], idx)
    assert "requires Python >=3.12" in str(err.value) and "3.11.7" in str(err.value)


def test_extras_and_extras_of_extras(solve, index):
    idx = index([
        Dist(name="app", version="1.0", requires=["core"], extras={"all": ["app[web]", "tool"], "web": ["server>=2"]}),
        Dist(name="core", version="1.0"), Dist(name="tool", version="0.1"),
        Dist(name="server", version="1.0"), Dist(name="server", version="2.5"), Dist(name="unused", version="1.0"),
    ])
    assert versions(solve([("app",)], idx)) == {"app": "1.0", "core": "1.0"}
    got = versions(solve([PyPIRequirement(name="app", extras=["all"])], idx))
    assert got == {"app": "1.0", "core": "1.0", "tool": "0.1", "server": "2.5"}


def test_markers_and_wheel_tags_per_platform(solve, index):
    idx = index([
        Dist(name="app", version="1.0", requires=["winonly; sys_platform == 'win32'", "native"]),
        Dist(name="winonly", version="1.0"),
        Dist(name="native", version="2.0", tags=["cp311-cp311-win_amd64"]),
        Dist(name="native", version="1.0", tags=["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-win_amd64"]),
    ])
    linux = solve([("app",)], idx)
    assert versions(linux) == {"app": "1.0", "native": "1.0"}
    native = next(p for p in linux.packages if p.name == "native")
    assert "manylinux_2_17_x86_64" in native.path
    win = solve([("app",)], idx, platform="win-64")
    assert versions(win) == {"app": "1.0", "winonly": "1.0", "native": "2.0"}
    with pytest.raises(UnsolvableError) as err:
        solve([("native", ">=2")], idx)
    assert "no wheel for linux-64" in str(err.value)
    # the requirement's own marker
    reqs = [PyPIRequirement(name="winonly", marker="sys_platform == 'win32'")]
    assert versions(solve(reqs + [PyPIRequirement(name="app")], idx)) == {"app": "1.0", "native": "1.0"}


def test_most_specific_wheel_recorded(solve, index):
    idx = index([Dist(name="n", version="1.0", tags=["py3-none-any", "cp311-cp311-manylinux_2_17_x86_64",
                                                      "cp311-abi3-manylinux_2_28_x86_64"])])
    pkg = solve([("n",)], idx, glibc="2.28").packages[0]
    assert pkg.path.endswith("cp311-abi3-manylinux_2_28_x86_64.whl") or pkg.path.endswith(
        "cp311-cp311-manylinux_2_17_x86_64.whl")
    assert not pkg.path.endswith("py3-none-any.whl")
    assert len(pkg.hashes["sha256"]) == 64


def conda_env(*extra):
    return python_record() + list(extra)


def test_conda_provided_satisfies_and_is_not_repeated(solve, index):
    idx = index([Dist(name="app", version="1.0", requires=["numpy>=1.20", "six"]),
                 Dist(name="numpy", version="2.0"), Dist(name="numpy", version="1.26.4"),
                 Dist(name="six", version="1.16.0")])
    numpy = PackageRecord(name="numpy", version="1.26.4", build="py311h_0", purls=["pkg:pypi/numpy@1.26.4"])
    # no purls: depends on python -> its normalised name
    six = PackageRecord(name="six", version="1.16.0", build="pyh_0", depends=["python >=3.6"])
    sol = solve([("app",)], idx, conda=conda_env(numpy, six))
    assert versions(sol) == {"app": "1.0"}
    assert sol.conda_provided == {"numpy": "1.26.4", "six": "1.16.0"}


def test_conda_pypi_map_names_the_distribution(solve, index, tmp_path):
    idx = index([Dist(name="app", version="1.0", requires=["pyyaml"]), Dist(name="pyyaml", version="6.0")])
    mapping = tmp_path / "map.json"
    mapping.write_text('{"yaml-bindings": "PyYAML", "libfoo": null}')
    rec = PackageRecord(name="yaml-bindings", version="6.0.1", build="0", channel="https://conda.example.invalid/main")
    sol = solve([("app",)], idx, conda=conda_env(rec), conda_pypi_map={"https://conda.example.invalid/main": str(mapping)})
    assert versions(sol) == {"app": "1.0"}
    assert sol.conda_provided == {"pyyaml": "6.0.1"}


def test_conda_version_contradiction_names_both(solve, index):
    idx = index([Dist(name="numpy", version="2.0"), Dist(name="app", version="1.0", requires=["numpy>=2"])])
    numpy = PackageRecord(name="numpy", version="1.26.4", build="py311h_0", purls=["pkg:pypi/numpy@1.26.4"])
    with pytest.raises(UnsolvableError) as err:
        solve([("numpy", ">=2")], idx, conda=conda_env(numpy))
    assert "numpy>=2" in str(err.value) and "numpy-1.26.4-py311h_0" in str(err.value)
    with pytest.raises(UnsolvableError) as err:  # transitive: the core's explanation
        solve([("app",)], idx, conda=conda_env(numpy))
    assert "numpy" in str(err.value)


def test_locked_version_preferred_unless_updated(solve, index):
    idx = index([Dist(name="a", version="1.0"), Dist(name="a", version="1.2"), Dist(name="a", version="2.0")])
    locked = [PyPIPackage(name="a", version="1.2")]
    assert versions(solve([("a",)], idx, locked=locked)) == {"a": "1.2"}
    assert versions(solve([("a",)], idx, locked=locked, update=["a"])) == {"a": "2.0"}
    assert versions(solve([("a", ">=2")], idx, locked=locked)) == {"a": "2.0"}


def test_local_versions(solve, index):
    idx = index([Dist(name="t", version="2.0"), Dist(name="t", version="2.0+cpu")])
    assert versions(solve([("t", "==2.0+cpu")], idx)) == {"t": "2.0+cpu"}


def test_unsatisfiable_names_requirements_and_versions(solve, index):
    idx = index([Dist(name="a", version="1.0", requires=["c<2"]), Dist(name="b", version="1.0", requires=["c>=2"]),
                 Dist(name="c", version="1.0"), Dist(name="c", version="2.0")])
    with pytest.raises(UnsolvableError) as err:
        solve([("a",), ("b",)], idx)
    text = str(err.value)
    assert "linux-64" in text
    with pytest.raises(UnsolvableError) as err:
        solve([("c", ">=3")], idx)
    assert "only c 1.0, 2.0 are available and you require c>=3" in str(err.value)
    with pytest.raises(UnsolvableError, match="not found in the package indexes"):
        solve([("missing",)], idx)


def test_exclude_newer_uses_upload_time(solve, tmp_path, serve_index):
    build_index(tmp_path / "u", [Dist(name="a", version="1.0", uploaded="2023-01-01T00:00:00Z"),
                                 Dist(name="a", version="2.0", uploaded="2024-06-01T00:00:00.000000Z")])
    srv = serve_index(tmp_path / "u")
    cutoff = 1704067200000  # 2024-01-01 in ms
    assert versions(solve([("a",)], [srv.url + "/simple"], exclude_newer=cutoff)) == {"a": "1.0"}
    assert versions(solve([("a",)], [srv.url + "/simple"])) == {"a": "2.0"}
    # [pypi-exclude-newer]: a package's own cutoff over the workspace's (None: no cutoff for it)
    assert versions(solve([("a",)], [srv.url + "/simple"], exclude_newer=cutoff, exclude_newer_packages={"a": None})) == {"a": "2.0"}
    assert versions(solve([("a",)], [srv.url + "/simple"], exclude_newer_packages={"a": cutoff})) == {"a": "1.0"}


def test_an_index_with_its_own_cutoff_filters_only_its_files(solve, tmp_path, serve_index):
    """pixi's extra-index-urls = [{ url, exclude-newer }]: that index's files by its own cutoff
    (false: none), the other indexes by the workspace's; a package's own cutoff still wins."""
    from solver.pypi.model import PyPIIndex

    build_index(tmp_path / "pub", [Dist(name="a", version="1.0", uploaded="2023-01-01T00:00:00Z"),
                                   Dist(name="a", version="2.0", uploaded="2024-06-01T00:00:00Z")])
    build_index(tmp_path / "own", [Dist(name="b", version="1.0", uploaded="2023-01-01T00:00:00Z"),
                                   Dist(name="b", version="2.0", uploaded="2024-06-01T00:00:00Z")])
    pub, own = serve_index(tmp_path / "pub"), serve_index(tmp_path / "own")
    cutoff, later = 1704067200000, 1735689600000  # 2024-01-01, 2025-01-01
    strategy = {"index_strategy": "unsafe-best-match"}

    def run(own_index, **kw):
        return versions(solve([("a",), ("b",)], [PyPIIndex(url=pub.url + "/simple"), own_index], exclude_newer=cutoff, **strategy, **kw))

    plain = PyPIIndex(url=own.url + "/simple", priority="extra")
    assert run(plain) == {"a": "1.0", "b": "1.0"}
    off = PyPIIndex(url=own.url + "/simple", priority="extra", own_cutoff=True, exclude_newer=None)
    assert run(off) == {"a": "1.0", "b": "2.0"}
    own_later = PyPIIndex(url=own.url + "/simple", priority="extra", own_cutoff=True, exclude_newer=later)
    assert run(own_later) == {"a": "1.0", "b": "2.0"}
    own_earlier = PyPIIndex(url=own.url + "/simple", priority="extra", own_cutoff=True, exclude_newer=cutoff - 1)
    assert run(off, exclude_newer_packages={"b": cutoff}) == {"a": "1.0", "b": "1.0"}
    assert run(own_earlier) == {"a": "1.0", "b": "1.0"}


def test_extra_of_conda_provided_package_adds_only_the_extra(solve, index):
    idx = index([Dist(name="app", version="1.0", requires=["requests[socks]>=2"]),
                 Dist(name="requests", version="2.31.0", extras={"socks": ["pysocks>=1.5,<1.7"]}),
                 Dist(name="requests", version="2.32.0", extras={"socks": ["pysocks>=1.7"]}),
                 Dist(name="pysocks", version="1.6"), Dist(name="pysocks", version="1.7.1")])
    req = PackageRecord(name="requests", version="2.31.0", build="pyhd8ed1ab_0", purls=["pkg:pypi/requests@2.31.0"])
    sol = solve([("app",)], idx, conda=conda_env(req))
    assert versions(sol) == {"app": "1.0", "pysocks": "1.6"}  # 2.31.0's extra, as conda installed it
    assert sol.conda_provided == {"requests": "2.31.0"}


def test_dependency_overrides_no_binary_no_build(solve, index):
    idx = index([Dist(name="app", version="1.0", requires=["lib<2"], extras={"x": ["lib<1.5"]}),
                 Dist(name="lib", version="1.0"), Dist(name="lib", version="2.0"),
                 Dist(name="src", version="1.0", sdist=True), Dist(name="src", version="0.9", tags=[], sdist=True)])
    assert versions(solve([("app",)], idx))["lib"] == "1.0"
    over = [PyPIRequirement(name="lib", specifier=">=2")]
    assert versions(solve([("app",)], idx, dependency_overrides=over))["lib"] == "2.0"
    # the override replaces the requirement of the extra too, but keeps it tied to that extra
    assert versions(solve([PyPIRequirement(name="app", extras=["x"])], idx, dependency_overrides=over))["lib"] == "2.0"
    # no-binary: only the sdist may be used; no-build for a name: only its wheels
    sol = solve([("src",)], idx, no_binary=["src"])
    assert sol.packages[0].path.endswith("src-1.0.tar.gz")
    assert versions(solve([("src", "<1")], idx)) == {"src": "0.9"}
    with pytest.raises(UnsolvableError, match="no-build"):
        solve([("src", "<1")], idx, no_build_packages=["src"])


def test_transitive_direct_url_needs_declaring(solve, index, tmp_path):
    from solver.errors import InputError
    from support.pypi_index import make_wheel

    wheel = make_wheel(tmp_path / "w", Dist(name="vendored", version="0.1"), "py3-none-any")
    idx = index([Dist(name="app", version="1.0", requires=[f"vendored @ {wheel.as_uri()}"])])
    with pytest.raises(InputError, match="direct URL"):
        solve([("app",)], idx)
    sol = solve([("app",), PyPIRequirement(name="vendored", url=wheel.as_uri())], idx)
    assert versions(sol) == {"app": "1.0", "vendored": "0.1"}


@pytest.fixture
def transitive_pre(index):
    """``lib`` asks for a pre-release of ``a``; the user does not name one."""
    return index([Dist(name="a", version="1.0"), Dist(name="a", version="2.0b1"),
                  Dist(name="lib", version="1.0", requires=["a>=2.0b1"])])


@pytest.mark.parametrize("mode", ["explicit", "if-necessary-or-explicit"])
def test_explicit_modes_count_only_first_party_prereleases(solve, transitive_pre, tmp_path, mode):
    # as uv: a specifier naming a pre-release allows it only in the user's own requirements
    if mode == "explicit":
        with pytest.raises(UnsolvableError):
            solve([("lib",)], transitive_pre, prerelease_mode=mode)
    else:  # ... but if-necessary (uv 0.13.9): no stable version satisfies lib's a>=2.0b1
        assert versions(solve([("lib",)], transitive_pre, prerelease_mode=mode)) == {"lib": "1.0", "a": "2.0b1"}
    assert versions(solve([("lib",), ("a", ">=2.0b1")], transitive_pre, prerelease_mode=mode)) == \
        {"lib": "1.0", "a": "2.0b1"}
    # a dependency override is the user's too
    over = [PyPIRequirement(name="a", specifier=">=2.0b1")]
    assert versions(solve([("lib",)], transitive_pre, prerelease_mode=mode, dependency_overrides=over))["a"] == "2.0b1"
    # and so are the dependencies of the user's own editable project
    from support.pypi_index import make_source_tree

    make_source_tree(tmp_path / "proj" / "mine", Dist(name="mine", version="0.1", requires=["a>=2.0b1"]))
    sol = solve([PyPIRequirement(name="mine", path="mine", editable=True)], transitive_pre, prerelease_mode=mode,
                project_root=str(tmp_path / "proj"))
    assert versions(sol) == {"mine": "0.1", "a": "2.0b1"}


def test_if_necessary_allows_transitive_prereleases(solve, transitive_pre):
    assert versions(solve([("lib",)], transitive_pre, prerelease_mode="if-necessary")) == {"lib": "1.0", "a": "2.0b1"}


def _requests_with_socks(index, *versions_on_index):
    return index([Dist(name="app", version="1.0", requires=["requests[socks]>=2"])]
                 + [Dist(name="requests", version=v, extras={"socks": [f"pysocks{spec}"]}) for v, spec in versions_on_index]
                 + [Dist(name="pysocks", version="1.6"), Dist(name="pysocks", version="1.7.1")])


def test_extra_of_conda_package_whose_version_the_index_lacks(solve, index):
    # conda ships requests 2.31.0; the index has only a post-release of it (and other releases):
    # the extra's dependencies come from the post-release, and the solution says so
    idx = _requests_with_socks(index, ("2.30.0", ">=1.7"), ("2.31.0.post1", "<1.7"), ("2.32.0", ">=1.7"))
    req = PackageRecord(name="requests", version="2.31.0", build="pyhd8ed1ab_0", purls=["pkg:pypi/requests@2.31.0"])
    sol = solve([("app",)], idx, conda=conda_env(req))
    assert versions(sol) == {"app": "1.0", "pysocks": "1.6"}
    assert len(sol.warnings) == 1
    assert "requests[socks]" in sol.warnings[0] and "requests-2.31.0-pyhd8ed1ab_0" in sol.warnings[0]
    assert "2.31.0.post1" in sol.warnings[0]
    # the exact version on the index: no warning
    idx = _requests_with_socks(index, ("2.31.0", "<1.7"), ("2.32.0", ">=1.7"))
    sol = solve([("app",)], idx, conda=conda_env(req))
    assert versions(sol) == {"app": "1.0", "pysocks": "1.6"} and sol.warnings == []


def test_extra_of_conda_package_whose_release_the_index_lacks_is_not_dropped_silently(solve, index):
    idx = _requests_with_socks(index, ("2.32.0", ">=1.7"))
    req = PackageRecord(name="requests", version="2.31.0", build="pyhd8ed1ab_0", purls=["pkg:pypi/requests@2.31.0"])
    sol = solve([("app",)], idx, conda=conda_env(req))
    assert versions(sol) == {"app": "1.0"}  # 2.32.0's extra is not 2.31.0's: not guessed
    assert len(sol.warnings) == 1
    assert "requests[socks]" in sol.warnings[0] and "not included" in sol.warnings[0]
