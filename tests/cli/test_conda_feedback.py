"""A conda-then-PyPI conflict the two stages fix together: conda picks numpy 2.1, a PyPI wheel
needs ``numpy<2``; the PyPI stage reports the conflict, conda is solved again with ``numpy <2``
as a constraint, and PyPI on top. End to end through ``solver solve`` on a small conda channel
and PyPI index written by the test and served over loopback HTTP."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from solver.cli import main
from solver.lock import read_lock
from support.isolation import isolate
from support.pypi_index import Dist, build_index

PLATFORM = "linux-64"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    isolate(tmp_path, monkeypatch)


def _record(name, version, build, subdir, depends=(), purl=None):
    fn = f"{name}-{version}-{build}.conda"
    rec = {"name": name, "version": version, "build": build, "build_number": 0, "depends": list(depends),
           "subdir": subdir, "sha256": hashlib.sha256(fn.encode()).hexdigest(),
           "md5": hashlib.md5(fn.encode()).hexdigest(), "size": 1000, "timestamp": 1_704_067_200_000}
    if purl:
        rec["purls"] = [purl]
    return fn, rec


def write_channel(root: Path, numpy_versions=("1.26.4", "2.1.0"), extra=()) -> None:
    """python 3.12 and numpy builds for linux-64 (numpy carries a PyPI purl), an empty noarch."""
    packages = dict([_record("python", "3.12.4", "h0_0_cpython", PLATFORM)])
    for v in numpy_versions:
        fn, rec = _record("numpy", v, "py312h0_0", PLATFORM, ["python >=3.12,<3.13.0a0"], f"pkg:pypi/numpy@{v}")
        packages[fn] = rec
    for args in extra:
        fn, rec = _record(*args)
        packages[fn] = rec
    for subdir, pkgs in ((PLATFORM, packages), ("noarch", {})):
        (root / subdir).mkdir(parents=True, exist_ok=True)
        (root / subdir / "repodata.json").write_text(json.dumps(
            {"info": {"subdir": subdir}, "packages": {}, "packages.conda": pkgs, "repodata_version": 1}))


def make_project(tmp_path, serve_dir, *, conda_deps: str, pypi_deps: str, dists, numpy_versions=("1.26.4", "2.1.0")) -> Path:
    root = tmp_path / "proj"
    write_channel(root / "channel", numpy_versions)
    build_index(root / "index", dists)
    server = serve_dir(root)
    (root / "pixi.toml").write_text(
        "[workspace]\nname = \"fb\"\n"
        f"channels = [\"{server.url}/channel\"]\nplatforms = [\"{PLATFORM}\"]\n"
        f"[dependencies]\npython = \"3.12.*\"\n{conda_deps}\n"
        f"[pypi-dependencies]\n{pypi_deps}\n"
        f"[pypi-options]\nindex-url = \"{server.url}/index/simple\"\n"
    )
    return root


OLDLIB = [Dist(name="app", version="1.0", requires=["oldlib>=1"]),
          Dist(name="oldlib", version="1.0", requires=["numpy<2,>=1.20"]),
          Dist(name="numpy", version="1.26.4"), Dist(name="numpy", version="2.1.0")]


def run(*args: str) -> int:
    return main(["solve", *args])


def locked(root: Path, kind: str) -> dict[str, str]:
    env = read_lock(root / "pixi.lock").environments["default"]
    return {r.name: r.version for r in getattr(env, kind)[PLATFORM]}


def test_conda_is_resolved_with_what_pypi_needs(tmp_path, serve_dir, capsys):
    root = make_project(tmp_path, serve_dir, conda_deps='numpy = "*"', pypi_deps='app = "*"', dists=OLDLIB)
    assert run(str(root)) == 0
    err = capsys.readouterr().err
    assert locked(root, "conda")["numpy"] == "1.26.4"  # not 2.1.0, which conda prefers on its own
    assert locked(root, "pypi") == {"app": "1.0", "oldlib": "1.0"}  # numpy comes from conda
    note = next(line for line in err.splitlines() if "conda re-solved" in line)
    assert "numpy <2,>=1.20" in note and "oldlib 1.0" in note and "app 1.0 -> oldlib 1.0" in note
    assert "numpy 2.1.0" in note and note.startswith("note: default on linux-64:")
    # the next run takes the lock as it is: the added constraint is not in the manifest, but the
    # locked records still meet the manifest's specs
    before = (root / "pixi.lock").read_bytes()
    assert run(str(root), "--locked") == 0, capsys.readouterr().err
    assert run(str(root), "-q") == 0
    assert (root / "pixi.lock").read_bytes() == before
    # and a solve from scratch gives the same lock again
    assert run(str(root), "-q", "--update") == 0
    assert (root / "pixi.lock").read_bytes() == before


def test_feedback_in_json_and_quiet(tmp_path, serve_dir, capsys):
    root = make_project(tmp_path, serve_dir, conda_deps='numpy = "*"', pypi_deps='app = "*"', dists=OLDLIB)
    assert run(str(root), "--json", "-q") == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # -q: no notes
    entry = json.loads(captured.out)["environments"]["default"][PLATFORM]
    assert entry["warnings"] == []
    [fb] = entry["conda_feedback"]
    assert fb["conda_name"] == fb["pypi_name"] == "numpy"
    assert fb["pypi_specifier"] == "<2,>=1.20" and fb["required_by"] == "oldlib 1.0"
    assert fb["chain"] == ["app 1.0", "oldlib 1.0"] and fb["replaced"] == "numpy 2.1.0" and fb["round"] == 1
    from solver.conda.matchspec import MatchSpec

    spec = MatchSpec.parse(fb["constraint"])
    assert spec.name == "numpy"
    assert spec.version.matches("1.26.4") and not spec.version.matches("2.1.0")
    assert not spec.version.matches("2.0.0rc1")  # PEP 440 <2 excludes 2's pre-releases too
    # a run that reuses the lock has nothing to report
    assert run(str(root), "--json", "-q") == 0
    again = json.loads(capsys.readouterr().out)["environments"]["default"][PLATFORM]
    assert again["solved"] is False and again["conda_feedback"] == []


def test_library_result_records_the_feedback(tmp_path, serve_dir):
    import solver

    root = make_project(tmp_path, serve_dir, conda_deps='numpy = "*"', pypi_deps='app = "*"', dists=OLDLIB)
    result = solver.solve(solver.load_manifest(root))
    env = result.get("default", PLATFORM)
    assert [r.version for r in env.conda if r.name == "numpy"] == ["1.26.4"]
    assert [f.constraint.split()[0] for f in env.conda_feedback] == ["numpy"]
    assert env.conda_feedback[0].required_by == "oldlib 1.0"
    assert solver.check_lock(solver.load_manifest(root), result.lock) == []


def test_direct_pypi_requirement_on_a_conda_package(tmp_path, serve_dir, capsys):
    # the user's own pypi-dependency, on a name the index does not even list: conda decides
    root = make_project(tmp_path, serve_dir, conda_deps='numpy = "*"', pypi_deps='numpy = "<2"',
                        dists=[Dist(name="unrelated", version="1.0")])
    assert run(str(root)) == 0
    assert locked(root, "conda")["numpy"] == "1.26.4"
    assert "required by the manifest's pypi-dependencies" in capsys.readouterr().err


def test_conda_cannot_give_what_pypi_needs(tmp_path, serve_dir, capsys):
    root = make_project(tmp_path, serve_dir, conda_deps='numpy = ">=2"', pypi_deps='app = "*"', dists=OLDLIB)
    assert run(str(root)) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    # the PyPI side: the requirement and who asks for it
    assert "numpy<2,>=1.20 required by PyPI package oldlib 1.0 (app 1.0 -> oldlib 1.0)" in err
    # the conda side: the user's spec that rules it out
    assert "numpy >=2" in err
    assert not (root / "pixi.lock").exists()
    assert run(str(root), "--json", "-q") == 1
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "unsolvable" and "oldlib 1.0" in out["reasons"][0] and "numpy >=2" in out["reasons"][0]


def test_no_conda_version_meets_the_pypi_range(tmp_path, serve_dir, capsys):
    # oldlib needs numpy<1, which neither the index nor the channel has
    dists = [Dist(name="oldlib", version="1.0", requires=["numpy<1"]), Dist(name="numpy", version="1.26.4")]
    root = make_project(tmp_path, serve_dir, conda_deps='numpy = "*"', pypi_deps='oldlib = "*"', dists=dists)
    assert run(str(root)) == 1
    err = capsys.readouterr().err
    assert "numpy<1 required by PyPI package oldlib 1.0" in err and "conda chose numpy 2.1.0" in err
    assert "numpy <1dev0" in err and "Traceback" not in err


def test_pypi_warnings_reach_the_cli_and_json(tmp_path, serve_dir, capsys):
    # conda installs requests 2.31.0; the index has no 2.31 release: the extra's dependencies are
    # unknown, which the PyPI stage reports as a warning on a solution that still stands
    root = tmp_path / "proj"
    write_channel(root / "channel", extra=[("requests", "2.31.0", "pyh0_0", PLATFORM, ["python >=3.8"],
                                            "pkg:pypi/requests@2.31.0")])
    build_index(root / "index", [Dist(name="requests", version="2.0.0", extras={"socks": ["pysocks"]}),
                                 Dist(name="pysocks", version="1.7")])
    server = serve_dir(root)
    (root / "pixi.toml").write_text(
        "[workspace]\nname = \"w\"\n"
        f"channels = [\"{server.url}/channel\"]\nplatforms = [\"{PLATFORM}\"]\n"
        "[dependencies]\npython = \"3.12.*\"\nrequests = \"*\"\n"
        "[pypi-dependencies]\nrequests = { version = \"*\", extras = [\"socks\"] }\n"
        f"[pypi-options]\nindex-url = \"{server.url}/index/simple\"\n"
    )
    assert run(str(root)) == 0
    warning = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1 and "requests[socks]" in warning[0] and "default on linux-64" in warning[0]
    assert (root / "pixi.lock").unlink() is None
    assert run(str(root), "--json") == 0
    entry = json.loads(capsys.readouterr().out)["environments"]["default"][PLATFORM]
    assert len(entry["warnings"]) == 1 and "requests[socks]" in entry["warnings"][0]
    assert entry["conda_feedback"] == []


@pytest.mark.parametrize("pep440,conda,inside,outside", [
    ("<2", "<2dev0", ["1.26.4", "1.99"], ["2.0", "2.0.0rc1", "2.0.0.dev0", "2.1"]),
    ("<2,>=1.20", "<2dev0,>=1.20", ["1.20", "1.26.4"], ["1.19", "2.0"]),
    ("<2.0rc1", "<2.0rc1", ["2.0b1", "1.9"], ["2.0rc1", "2.0"]),  # a pre-release bound keeps them
    ("==1.2.*", "1.2.*", ["1.2", "1.2.7"], ["1.3", "1.20"]),
    ("!=1.2.*", "!=1.2.*", ["1.3"], ["1.2.7"]),
    ("~=1.4.5", "~=1.4.5", ["1.4.5", "1.4.9"], ["1.5.0", "1.4.4"]),
    ("===1.0", "==1.0", ["1.0"], ["1.0.1"]),
    ("==1.0+cpu", "==1.0+cpu", ["1.0+cpu"], ["1.0", "1.0+gpu"]),
    ("!=1.5,<=3", "!=1.5,<=3", ["1.4", "3"], ["1.5", "3.1"]),
    (">=1!2.0", ">=1!2.0", ["1!2.1"], ["3.0"]),
    ("", "", [], []),
])
def test_pep440_to_conda(pep440, conda, inside, outside):
    from packaging.specifiers import SpecifierSet

    from solver.conda.version import VersionSpec
    from solver.feedback import pep440_to_conda

    assert pep440_to_conda(pep440) == conda
    spec = VersionSpec.parse(conda or "*")
    pep = SpecifierSet(pep440)
    for v in inside:
        assert spec.matches(v) and pep.contains(v, prereleases=True), v
    for v in outside:
        assert not spec.matches(v) and not pep.contains(v, prereleases=True), v


def test_pep440_to_conda_rejects_what_has_no_conda_form():
    from solver.feedback import UntranslatableSpecifier, pep440_to_conda

    with pytest.raises(UntranslatableSpecifier):
        pep440_to_conda("===not a version")
    with pytest.raises(UntranslatableSpecifier):
        pep440_to_conda(">=")


def test_constraints_accumulate_over_rounds(tmp_path, serve_dir, capsys):
    # conda's x 2.0 needs numpy>=2, x 1.0 numpy<2. PyPI wants numpy<2 (round 1: conda moves to
    # numpy 1.26.4, and so to x 1.0) and x>=1.5, which only shows once x has moved (round 2):
    # conda cannot have both, and the error names both PyPI requirements and conda's reason
    root = tmp_path / "proj"
    write_channel(root / "channel", extra=[
        ("x", "2.0", "py312h0_0", PLATFORM, ["python >=3.12,<3.13.0a0", "numpy >=2"], "pkg:pypi/x@2.0"),
        ("x", "1.0", "py312h0_0", PLATFORM, ["python >=3.12,<3.13.0a0", "numpy <2"], "pkg:pypi/x@1.0"),
    ])
    build_index(root / "index", [Dist(name="unrelated", version="1.0")])
    server = serve_dir(root)
    (root / "pixi.toml").write_text(
        "[workspace]\nname = \"r\"\n"
        f"channels = [\"{server.url}/channel\"]\nplatforms = [\"{PLATFORM}\"]\n"
        "[dependencies]\npython = \"3.12.*\"\nnumpy = \"*\"\nx = \"*\"\n"
        "[pypi-dependencies]\nnumpy = \"<2\"\nx = \">=1.5\"\n"
        f"[pypi-options]\nindex-url = \"{server.url}/index/simple\"\n"
    )
    assert run(str(root)) == 1
    err = capsys.readouterr().err
    assert "numpy<2 required by the manifest's pypi-dependencies, but conda chose numpy 2.1.0" in err
    assert "x>=1.5 required by the manifest's pypi-dependencies, but conda chose x 1.0" in err
    assert "`numpy <2dev0`, `x >=1.5`" in err and "Traceback" not in err
    assert "depends on numpy >=2" in err  # conda's side of it: x 2.0 needs numpy 2
