"""Index strategies, named index priorities, per-dependency indexes, over loopback servers."""

import pytest

from solver.errors import InputError, UnsolvableError
from solver.pypi.model import PyPIIndex, PyPIRequirement
from support.pypi_index import Dist, build_index

from .conftest import versions


@pytest.fixture
def three(tmp_path, serve_index):
    """A dependency-confusion layout: ``internal`` lives on the private index, an attacker
    published a higher version under the same name on the public-like index."""
    build_index(tmp_path / "private", [
        Dist(name="internal", version="1.0"), Dist(name="internal", version="1.1", requires=["shared-lib"]),
        Dist(name="shared-lib", version="1.0"),
    ])
    build_index(tmp_path / "public", [
        Dist(name="internal", version="99.0"), Dist(name="shared-lib", version="2.0"),
        Dist(name="shared-lib", version="0.5"), Dist(name="only-public", version="3.0"),
    ])
    build_index(tmp_path / "extra", [
        Dist(name="only-extra", version="1.0"), Dist(name="only-public", version="4.0"),
        Dist(name="internal", version="50.0"),
    ])
    servers = {n: serve_index(tmp_path / n) for n in ("private", "public", "extra")}
    return {n: s.url + "/simple" for n, s in servers.items()}


def layout(urls):
    return [PyPIIndex(url=urls["private"], name="private", priority="extra"),
            PyPIIndex(url=urls["public"], name="public", priority="primary")]


def served(sol):
    return {p.name: (p.version, p.index) for p in sol.packages}


def test_first_index_stops_at_first_index_having_the_name(solve, three):
    sol = solve([("internal",), ("only-public",)], layout(three))
    got = served(sol)
    assert got["internal"] == ("1.1", three["private"])
    # shared-lib is on both; the private (first) index wins although the public one is newer
    assert got["shared-lib"] == ("1.0", three["private"])
    assert got["only-public"] == ("3.0", three["public"])
    with pytest.raises(UnsolvableError) as err:
        solve([("internal", ">=2")], layout(three))
    assert "internal" in str(err.value)


def test_unsafe_best_match_takes_best_version_anywhere(solve, three):
    got = served(solve([("internal",)], layout(three), index_strategy="unsafe-best-match"))
    assert got["internal"] == ("99.0", three["public"])


def test_unsafe_first_match_exhausts_first_index_first(solve, three):
    got = served(solve([("internal",)], layout(three), index_strategy="unsafe-first-match"))
    assert got["internal"] == ("1.1", three["private"])
    assert got["shared-lib"] == ("1.0", three["private"])
    got = served(solve([("internal", ">=2")], layout(three), index_strategy="unsafe-first-match"))
    assert got["internal"] == ("99.0", three["public"])
    # a version only on the later index is used when the first index's cannot satisfy a dependent
    got = served(solve([("internal", "==1.1"), ("shared-lib", ">=2")], layout(three),
                       index_strategy="unsafe-first-match"))
    assert got["shared-lib"] == ("2.0", three["public"])


def test_supplemental_only_for_names_no_primary_index_has(solve, three):
    idx = [PyPIIndex(url=three["public"], name="public"),
           PyPIIndex(url=three["extra"], name="extra", priority="supplemental")]
    got = served(solve([("only-public",), ("only-extra",), ("internal",)], idx))
    assert got["only-public"] == ("3.0", three["public"])  # not 4.0 from the supplemental index
    assert got["only-extra"] == ("1.0", three["extra"])
    assert got["internal"] == ("99.0", three["public"])


def test_explicit_index_only_for_requirements_naming_it(solve, three):
    idx = [PyPIIndex(url=three["public"], name="public"),
           PyPIIndex(url=three["extra"], name="extra", priority="explicit")]
    with pytest.raises(UnsolvableError) as err:
        solve([("only-extra",)], idx)
    assert "only-extra" in str(err.value)
    got = served(solve([PyPIRequirement(name="only-extra", index="extra")], idx))
    assert got["only-extra"] == ("1.0", three["extra"])


def test_per_dependency_index_pins_only_that_package(solve, three):
    # internal pinned to the private index: the attacker's 99.0 is never seen, even with best-match
    reqs = [PyPIRequirement(name="internal", index="private"), PyPIRequirement(name="only-public")]
    got = served(solve(reqs, layout(three), index_strategy="unsafe-best-match"))
    assert got["internal"] == ("1.1", three["private"])
    assert got["shared-lib"] == ("2.0", three["public"])  # not pinned: best match across both
    assert got["only-public"] == ("3.0", three["public"])
    # by URL works as well
    got = served(solve([PyPIRequirement(name="internal", index=three["extra"])], layout(three)))
    assert got["internal"] == ("50.0", three["extra"])
    with pytest.raises(InputError, match="unknown index 'nope'"):
        solve([PyPIRequirement(name="internal", index="nope")], layout(three))


def test_json_and_html_pages_and_file_urls(solve, tmp_path, serve_index):
    from support.pypi_index import html_only_handler

    build_index(tmp_path / "h", [Dist(name="pkg", version="1.0", requires=["dep"]), Dist(name="dep", version="2.0")],
                json_pages=False)
    srv = serve_index(tmp_path / "h", html_only_handler())
    assert versions(solve([("pkg",)], [srv.url + "/simple"])) == {"pkg": "1.0", "dep": "2.0"}
    build_index(tmp_path / "j", [Dist(name="pkg", version="1.0", requires=["dep"]), Dist(name="dep", version="2.0")],
                html_pages=False)
    srv = serve_index(tmp_path / "j")
    assert versions(solve([("pkg",)], [srv.url + "/simple"])) == {"pkg": "1.0", "dep": "2.0"}
    sol = solve([("pkg",)], [(tmp_path / "h" / "simple").as_uri()])
    assert versions(sol) == {"pkg": "1.0", "dep": "2.0"}


def test_find_links_directory_and_page(solve, tmp_path, serve_index):
    from support.pypi_index import build_find_links

    links = build_find_links(tmp_path / "links", [Dist(name="local-only", version="0.3"), Dist(name="dep", version="1.0")])
    build_index(tmp_path / "idx", [Dist(name="pkg", version="1.0", requires=["local-only", "dep>=1"]),
                                   Dist(name="dep", version="0.9")])
    srv = serve_index(tmp_path / "idx")
    sol = solve([("pkg",)], [srv.url + "/simple"], find_links=[str(links)])
    assert versions(sol) == {"pkg": "1.0", "local-only": "0.3", "dep": "1.0"}
    # an HTML page of links, served over HTTP
    (links / "index.html").write_text("".join(f'<a href="{p.name}">{p.name}</a>' for p in links.glob("*.whl")))
    lsrv = serve_index(links)
    sol = solve([("local-only",)], [], find_links=[lsrv.url + "/index.html"])
    assert versions(sol) == {"local-only": "0.3"}
    assert sol.packages[0].url.startswith(lsrv.url)


def test_first_index_stop_is_named_in_the_message(solve, three, tmp_path, serve_index):
    with pytest.raises(UnsolvableError) as err:
        solve([("internal", ">=2")], layout(three))
    msg = str(err.value)
    assert f"on {three['private']}" in msg and "first-index" in msg, msg
    # and when a package of the other index asks for a version only that index has
    build_index(tmp_path / "pub2", [Dist(name="app", version="1.0", requires=["internal>=2"]),
                                    Dist(name="internal", version="99.0")])
    pub2 = serve_index(tmp_path / "pub2").url + "/simple"
    with pytest.raises(UnsolvableError) as err:
        solve([("app",)], [PyPIIndex(url=three["private"], name="private", priority="extra"),
                           PyPIIndex(url=pub2, name="public", priority="primary")])
    msg = str(err.value)
    assert f"the versions of internal are those on {three['private']}" in msg and "first-index" in msg, msg


def test_find_links_page_packages_are_locked_with_a_hash(solve, tmp_path, serve_index):
    import hashlib

    from support.pypi_index import build_find_links

    links = build_find_links(tmp_path / "links", [Dist(name="local-only", version="0.3")])
    (links / "index.html").write_text("".join(f'<a href="{p.name}">{p.name}</a>' for p in links.glob("*.whl")))
    lsrv = serve_index(links)
    (pkg,) = solve([("local-only",)], [], find_links=[lsrv.url + "/index.html"]).packages
    wheel = next(links.glob("*.whl"))
    assert pkg.hashes == {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()}  # py-rattler needs one
