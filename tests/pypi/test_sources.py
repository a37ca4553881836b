"""sdists (static PKG-INFO, backend needed), local path and git dependencies, direct URLs."""

import subprocess

import pytest

from solver.errors import InputError
from solver.pypi.model import PyPIRequirement
from support.pypi_index import Dist, build_index, make_source_tree

from .conftest import versions


def test_sdist_with_static_pkg_info(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", [Dist(name="src-only", version="1.2", requires=["dep"], tags=[], sdist=True),
                                 Dist(name="dep", version="1.0")])
    srv = serve_index(tmp_path / "i")
    sol = solve([("src-only",)], [srv.url + "/simple"])
    assert versions(sol) == {"src-only": "1.2", "dep": "1.0"}
    pkg = next(p for p in sol.packages if p.name == "src-only")
    assert pkg.url.endswith("src_only-1.2.tar.gz") and pkg.requires_dist == ["dep"]


def test_wheel_preferred_over_sdist(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="both", version="1.0", sdist=True)])
    sol = solve([("both",)], [(tmp_path / "i" / "simple").as_uri()])
    assert sol.packages[0].path.endswith(".whl")


@pytest.fixture
def commands(monkeypatch):
    """Records every command the metadata preparation runs (and still runs it)."""
    from solver.pypi import metadata

    seen: list[list[str]] = []
    real = metadata._run

    def record(cmd, *args, **kwargs):
        seen.append([str(c) for c in cmd])
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(metadata, "_run", record)
    return seen


@pytest.mark.parametrize("hooks", ["prepare", "build_wheel"])
@pytest.mark.parametrize("isolated", [True, False])
def test_dynamic_sdist_metadata_from_in_tree_pep517_backend(solve, tmp_path, commands, hooks, isolated):
    # Metadata-Version 2.1 PKG-INFO without dependencies: only the sdist's own backend (in the
    # tree, standard library only: nothing installed or downloaded) can tell them. "prepare"
    # answers prepare_metadata_for_build_wheel (its build_wheel fails); "build_wheel" has only
    # build_wheel, so the metadata comes from the wheel it builds.
    build_index(tmp_path / "i", [Dist(name="dyn", version="1.0", requires=["dep>=2"], tags=[], sdist=True,
                                      static=False, in_tree_backend=hooks),
                                 Dist(name="dep", version="1.0"), Dist(name="dep", version="2.0")])
    sol = solve([("dyn",)], [(tmp_path / "i" / "simple").as_uri()], no_build_isolation=not isolated)
    assert versions(sol) == {"dyn": "1.0", "dep": "2.0"}
    assert next(p for p in sol.packages if p.name == "dyn").requires_dist == ["dep>=2"]
    # requires = []: an isolated build needs no pip (so no index, no network) at all
    ran = [" ".join(c) for c in commands]
    assert not [c for c in ran if " -m pip" in c or "ensurepip" in c], ran
    venvs = [c for c in ran if " -m venv " in c]
    assert venvs == [] if not isolated else len(venvs) == 1 and "--without-pip" in venvs[0]


def test_path_dependency_with_dynamic_metadata_uses_its_backend(solve, tmp_path, commands):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0"), Dist(name="dep", version="2.0")])
    make_source_tree(tmp_path / "proj" / "lib", Dist(name="lib", version="0.2", requires=["dep<2"],
                                                     in_tree_backend="prepare"), static=False)
    sol = solve([PyPIRequirement(name="lib", path="lib")], [(tmp_path / "i" / "simple").as_uri()],
                project_root=str(tmp_path / "proj"))
    assert versions(sol) == {"lib": "0.2", "dep": "1.0"}


def test_backend_path_must_stay_in_the_tree(tmp_path):
    from solver.pypi.metadata import MetadataError, read_build_system

    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = []\nbuild-backend = "b"\n'
                                             'backend-path = ["../elsewhere"]\n')
    with pytest.raises(MetadataError, match="outside the source tree"):
        read_build_system(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    legacy = read_build_system(tmp_path)  # PEP 517/518 defaults without [build-system]
    assert legacy.backend == "setuptools.build_meta:__legacy__" and legacy.requires == ["setuptools>=40.8.0"]


def test_missing_backend_is_a_clear_error(solve, tmp_path):
    d = Dist(name="dyn", version="1.0", tags=[], sdist=True, static=False, build_backend="no_such_backend_mod")
    build_index(tmp_path / "i", [d])
    with pytest.raises(InputError) as err:
        solve([("dyn",)], [(tmp_path / "i" / "simple").as_uri()], no_build_isolation=True)
    assert "cannot prepare metadata of dyn" in str(err.value) and "no_such_backend_mod" in str(err.value)


def test_local_path_dependency_static_pyproject(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0"), Dist(name="dep", version="2.0")])
    make_source_tree(tmp_path / "proj" / "mylib", Dist(name="mylib", version="0.1.0", requires=["dep<2"]))
    req = PyPIRequirement(name="mylib", path="mylib", editable=True)
    sol = solve([req], [(tmp_path / "i" / "simple").as_uri()], project_root=str(tmp_path / "proj"))
    assert versions(sol) == {"mylib": "0.1.0", "dep": "1.0"}
    mylib = next(p for p in sol.packages if p.name == "mylib")
    assert mylib.path == "mylib" and mylib.editable and mylib.url is None
    with pytest.raises(InputError, match="does not exist"):
        solve([PyPIRequirement(name="x", path="nowhere")], [(tmp_path / "i" / "simple").as_uri()],
              project_root=str(tmp_path / "proj"))


def test_git_dependency_from_local_repo(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    repo = make_source_tree(tmp_path / "repo", Dist(name="gitlib", version="0.3", requires=["dep"]))
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()
    git("init", "-q", "-b", "main")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "one")
    first = git("rev-parse", "HEAD")
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text().replace('"0.3"', '"0.4"'))
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "two")
    url = repo.as_uri()
    sol = solve([PyPIRequirement(name="gitlib", git=url, branch="main")], [(tmp_path / "i" / "simple").as_uri()])
    assert versions(sol) == {"gitlib": "0.4", "dep": "1.0"}
    sol = solve([PyPIRequirement(name="gitlib", git=url, rev=first)], [(tmp_path / "i" / "simple").as_uri()])
    gl = next(p for p in sol.packages if p.name == "gitlib")
    assert gl.version == "0.3" and gl.url.endswith("#" + first) and gl.url.startswith("git+")


def test_direct_url_wheel(solve, tmp_path, serve_index):
    from support.pypi_index import make_wheel

    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    make_wheel(tmp_path / "w", Dist(name="direct", version="5.0", requires=["dep"]), "py3-none-any")
    srv = serve_index(tmp_path / "w")
    req = PyPIRequirement(name="direct", url=f"{srv.url}/direct-5.0-py3-none-any.whl")
    sol = solve([req], [(tmp_path / "i" / "simple").as_uri()])
    assert versions(sol) == {"direct": "5.0", "dep": "1.0"}
    assert len(next(p for p in sol.packages if p.name == "direct").hashes["sha256"]) == 64


def test_git_failure_names_repo_without_credentials(solve, tmp_path):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    req = PyPIRequirement(name="gone", git="http://bob:hunter2@127.0.0.1:9/nothing.git")
    with pytest.raises(InputError) as err:
        solve([req], [(tmp_path / "i" / "simple").as_uri()], env={"GIT_TERMINAL_PROMPT": "0"})
    text = str(err.value)
    assert "gone" in text and "127.0.0.1:9/nothing.git" in text and "hunter2" not in text and "bob" not in text
