"""A distribution that cannot give metadata (a failed sdist build, a malformed wheel, a hash
mismatch) is an unusable candidate: the search passes over it, and when the solve fails because
of it the message names the version, the file and the reason (uv's "unavailable version")."""

from __future__ import annotations

import json

import pytest
from support.pypi_index import Dist, build_index

from solver.errors import InputError

from .conftest import python_record, versions


def failing_sdist(name: str, version: str, **kw) -> Dist:
    """An sdist whose build backend fails (as old sdists do on new Pythons)."""
    return Dist(name=name, version=version, tags=[], sdist=True, static=False, in_tree_backend="fails", **kw)


def test_failed_build_of_the_newest_version_falls_back_to_an_older_one(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="app", version="1.0", requires=["lib"]),
                                 Dist(name="lib", version="1.0"), failing_sdist("lib", "2.0")])
    sol = solve([("app",)], [(tmp_path / "i" / "simple").as_uri()])
    assert versions(sol) == {"app": "1.0", "lib": "1.0"}


def test_failed_build_the_solve_needs_names_version_file_and_reason(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="lib", version="1.0"), failing_sdist("lib", "2.0")])
    with pytest.raises(InputError) as err:
        solve([("lib", ">=2")], [(tmp_path / "i" / "simple").as_uri()])
    msg = str(err.value)
    assert "lib==2.0" in msg and "lib-2.0.tar.gz" in msg and "invalid command 'dist_info'" in msg
    assert "Traceback" not in msg


def test_malformed_wheel_is_passed_over(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="lib", version="1.0"), Dist(name="lib", version="2.0")], pep658=False)
    (tmp_path / "i" / "files" / "lib-2.0-py3-none-any.whl").write_bytes(b"not a zip at all")
    sol = solve([("lib",)], [(tmp_path / "i" / "simple").as_uri()])
    assert versions(sol) == {"lib": "1.0"}
    with pytest.raises(InputError) as err:
        solve([("lib", "==2.0")], [(tmp_path / "i" / "simple").as_uri()])
    assert "lib==2.0" in str(err.value) and "lib-2.0-py3-none-any.whl" in str(err.value)


def test_hash_mismatch_makes_the_file_unusable(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", [Dist(name="lib", version="1.0", tags=[], sdist=True),
                                 Dist(name="lib", version="2.0", tags=[], sdist=True)])
    page = tmp_path / "i" / "simple" / "lib" / "index.json"
    data = json.loads(page.read_text())
    for f in data["files"]:
        if f["filename"] == "lib-2.0.tar.gz":
            f["hashes"] = {"sha256": "0" * 64}
    page.write_text(json.dumps(data))
    (tmp_path / "i" / "simple" / "lib" / "index.html").unlink()  # only the tampered JSON page
    srv = serve_index(tmp_path / "i")
    sol = solve([("lib",)], [f"{srv.url}/simple"])
    assert versions(sol) == {"lib": "1.0"}
    with pytest.raises(InputError) as err:
        solve([("lib", ">=2")], [f"{srv.url}/simple"])
    assert "lib==2.0" in str(err.value) and "lib-2.0.tar.gz" in str(err.value) and "hash mismatch" in str(err.value)


def test_build_python_is_named_when_the_target_python_is_not_found(solve, tmp_path, monkeypatch):
    from solver.pypi import metadata

    metadata._build_python.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no python3.9 anywhere
    build_index(tmp_path / "i", [failing_sdist("lib", "2.0")])
    try:
        with pytest.raises(InputError) as err:
            solve([("lib",)], [(tmp_path / "i" / "simple").as_uri()], conda=python_record("3.9.18"))
    finally:
        metadata._build_python.cache_clear()
    msg = str(err.value)
    assert "lib-2.0.tar.gz" in msg and "built with Python 3." in msg and "no Python 3.9 found on PATH" in msg


def test_sdist_only_for_the_target_reads_another_wheels_metadata_instead_of_building(solve, tmp_path):
    # as uv: PyYAML 5.4.1 has wheels for older Pythons only and an sdist that no longer builds
    build_index(tmp_path / "i", [Dist(name="yamlish", version="5.4.1", requires=["dep"], tags=["cp39-cp39-win_amd64"],
                                      sdist=True, static=False, in_tree_backend="fails"),
                                 Dist(name="dep", version="1.0")])
    sol = solve([("yamlish",)], [(tmp_path / "i" / "simple").as_uri()])
    assert versions(sol) == {"yamlish": "5.4.1", "dep": "1.0"}
    (pkg,) = [p for p in sol.packages if p.name == "yamlish"]
    assert (pkg.url or pkg.path).endswith("yamlish-5.4.1.tar.gz")  # what this target installs
