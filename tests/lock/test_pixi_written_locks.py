"""Locks as pixi writes them, judged by ``solver solve --locked`` as pixi would: up to date for
an unchanged manifest with nothing configured, out of date (with the reason) where pixi would
re-solve. The manifests and locks here are written for these tests, in pixi's forms."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from solver.cli import main

CF = "https://conda.anaconda.org/conda-forge"
DEFAULT_INDEX = "https://index.example.invalid/simple"  # stands in for pixi's built-in default


@pytest.fixture(autouse=True)
def _nothing_configured(monkeypatch, tmp_path):
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS", "SOLVER_NOW"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))


def project(tmp_path, manifest: str, lock: str):
    (tmp_path / "pixi.toml").write_text(textwrap.dedent(manifest))
    (tmp_path / "pixi.lock").write_text(textwrap.dedent(lock))
    return tmp_path


def locked(root, capsys) -> tuple[bool, list[str]]:
    code = main(["solve", str(root), "--locked", "--json"])
    out = capsys.readouterr().out
    doc = json.loads(out[: out.rindex("}") + 1]) if out.strip() else {"reasons": []}
    assert code in (0, 1), doc
    return code == 0, doc.get("reasons", [])


R_MUTEX = f"""\
- conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2
  sha256: e58f9eeb416b92b550e824bcb1b9fb1958dee69abfe3089dfd1a9173e3a0528a
  timestamp: 1562343890778
"""


def rich_lock(name: str, vps: list[str], subdir: str = "linux-64") -> str:
    listed = "".join(f"  - {v}\n" for v in vps)
    return f"""\
version: 7
platforms:
- name: {name}
  subdir: {subdir}
  virtual-packages:
{listed}environments:
  default:
    channels:
    - url: {CF}/
    packages:
      {name}:
      - conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2
packages:
""" + R_MUTEX


RICH = '[workspace]\nchannels = ["conda-forge"]\nplatforms = [{ name = "gpu", platform = "linux-64", cuda = "12.0", glibc = "2.28" }]\n[dependencies]\n_r-mutex = "*"\n'


@pytest.mark.parametrize(
    ("lock", "ok", "reason"),
    [
        (rich_lock("gpu", ["__glibc=2.28", "__cuda=12.0"]), True, ""),  # virtual packages in any order
        (rich_lock("p1", ["__cuda=12.0", "__glibc=2.28"]), True, ""),  # pixi's short alias: matched by content
        (rich_lock("gpu", ["__cuda=11.0", "__glibc=2.28"]), False, "virtual packages changed"),
        (rich_lock("gpu", ["__cuda=12.0", "__glibc=2.28"], subdir="linux-aarch64"), False, "subdir changed"),
        (rich_lock("p1", ["__cuda=11.8", "__glibc=2.28"]), False, "the platform p1 is locked but no longer in the manifest"),
    ],
    ids=["same", "alias", "vp-changed", "subdir-changed", "alias-other-content"],
)
def test_rich_platforms(tmp_path, capsys, lock, ok, reason):
    got, reasons = locked(project(tmp_path, RICH, lock), capsys)
    assert got is ok, reasons
    assert ok or reason in reasons[0]


PYPI = """\
[workspace]
channels = ["conda-forge"]
platforms = ["linux-64"]
[dependencies]
python = "*"
[pypi-dependencies]
tiny = "*"
{extra}
"""


def pypi_lock(indexes: list[str], options: str = "", version: str = "1.0") -> str:
    listed = "".join(f"    - {i}\n" for i in indexes)
    return f"""\
version: 6
environments:
  default:
    channels:
    - url: {CF}/
    indexes:
{listed}{options}    packages:
      linux-64:
      - conda: {CF}/linux-64/python-3.12.3-h1_0_cpython.conda
      - pypi: https://files.example.invalid/tiny-{version}-py3-none-any.whl
packages:
- conda: {CF}/linux-64/python-3.12.3-h1_0_cpython.conda
  sha256: 1a95494abe572a8819c933f978df89f00bde72ea9432d46a70632599e8029ea4
- pypi: https://files.example.invalid/tiny-{version}-py3-none-any.whl
  name: tiny
  version: '{version}'
  sha256: 0000000000000000000000000000000000000000000000000000000000000000
"""


def test_the_default_index_pixi_recorded_is_accepted_with_nothing_configured(tmp_path, capsys, monkeypatch):
    root = project(tmp_path, PYPI.format(extra=""), pypi_lock([DEFAULT_INDEX]))
    assert locked(root, capsys) == (True, [])
    # a machine that configures its default index: the lock must have been solved with that one
    monkeypatch.setenv("PIP_INDEX_URL", "https://other.example.invalid/simple")
    ok, reasons = locked(root, capsys)
    assert not ok and "PyPI indexes changed" in reasons[0]
    monkeypatch.setenv("PIP_INDEX_URL", DEFAULT_INDEX)
    assert locked(root, capsys)[0]


@pytest.mark.parametrize(
    ("extra", "indexes", "ok"),
    [
        ('[pypi-options]\nextra-index-urls = ["https://extra.example.invalid/simple"]', [DEFAULT_INDEX, "https://extra.example.invalid/simple"], True),
        ('[pypi-options]\nextra-index-urls = ["https://extra.example.invalid/simple"]', [DEFAULT_INDEX], False),
        ('[pypi-options]\nindex-url = "https://mine.example.invalid/simple"', [DEFAULT_INDEX], False),
        ('[pypi-options]\nindex-url = "https://mine.example.invalid/simple"', ["https://mine.example.invalid/simple"], True),
        ("", [DEFAULT_INDEX, "https://stray.example.invalid/simple"], False),
    ],
    ids=["extra-kept", "extra-added", "index-url-set", "index-url-same", "two-unnamed"],
)
def test_indexes_pixi_recorded(tmp_path, capsys, extra, indexes, ok):
    got, reasons = locked(project(tmp_path, PYPI.format(extra=extra), pypi_lock(indexes)), capsys)
    assert got is ok, reasons
    assert ok or "PyPI indexes changed" in reasons[0]


@pytest.mark.parametrize(
    ("extra", "options", "ok"),
    [
        ("", "", True),
        ("", "    options:\n      pypi-prerelease-mode: if-necessary-or-explicit\n", True),  # older pixi spelled it out
        ('[pypi-options]\nprerelease-mode = "allow"', "", False),
        ('[pypi-options]\nprerelease-mode = "allow"', "    options:\n      pypi-prerelease-mode: allow\n", True),
        ("", "    options:\n      pypi-prerelease-mode: if-necessary\n", False),
    ],
)
def test_prerelease_mode_default_is_pixis(tmp_path, capsys, extra, options, ok):
    got, reasons = locked(project(tmp_path, PYPI.format(extra=extra), pypi_lock([DEFAULT_INDEX], options)), capsys)
    assert got is ok, reasons
    assert ok or "prerelease mode changed" in reasons[0]


def test_an_environment_that_asks_for_nothing_has_no_packages(tmp_path, capsys):
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[feature.x.dependencies]\n_r-mutex = "*"\n[environments]\nx = ["x"]\n'
    lock = f"""\
version: 7
platforms:
- name: linux-64
environments:
  default:
    channels:
    - url: {CF}/
    packages: {{}}
  x:
    channels:
    - url: {CF}/
    packages:
      linux-64:
      - conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2
packages:
""" + R_MUTEX
    assert locked(project(tmp_path, manifest, lock), capsys) == (True, [])


EXTRAS_LOCK = f"""\
version: 7
platforms:
- name: linux-64
environments:
  default:
    channels:
    - url: {CF}/
    packages:
      linux-64:
      - conda: {CF}/noarch/dep-foo-1.0.0-0.conda
      - conda: {CF}/noarch/my-package-1.0.0-0.conda
packages:
- conda: {CF}/noarch/dep-foo-1.0.0-0.conda
  sha256: feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface
- conda: {CF}/noarch/my-package-1.0.0-0.conda
  sha256: deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef
  extra_depends:
    foo:
    - dep-foo
"""


@pytest.mark.parametrize(("extras", "ok", "reason"), [('["foo"]', True, ""), ('["baz"]', False, "has no extra baz"),
                                                       ("[]", False, "dep-foo is locked but nothing requires it")])
def test_conda_extras(tmp_path, capsys, extras, ok, reason):
    manifest = f'[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[dependencies]\nmy-package = {{ version = "*", extras = {extras} }}\n'
    got, reasons = locked(project(tmp_path, manifest, EXTRAS_LOCK), capsys)
    assert got is ok, reasons
    assert ok or any(reason in r for r in reasons)


SOURCE_LOCK = f"""\
version: 6
environments:
  default:
    channels:
    - url: {CF}/
    packages:
      linux-64:
      - conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2
      - conda: child-package
packages:
{R_MUTEX}- conda: child-package
  name: child-package
  version: 0.1.0
  build: hbf21a9e_0
  subdir: linux-64
  depends:
  - _r-mutex
  input:
    hash: 25e63e74a216901367b58ef438098792c9516ebd940e2f07d870b38ac24d470e
    globs: []
"""


@pytest.mark.parametrize(("path", "ok"), [("child-package", True), ("./child-package", True), ("elsewhere", False)])
def test_source_packages(tmp_path, capsys, path, ok):
    manifest = f'[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\nchild-package = {{ path = "{path}" }}\n'
    got, reasons = locked(project(tmp_path, manifest, SOURCE_LOCK), capsys)
    assert got is ok, reasons
    assert ok or "the source of `child-package` changed" in reasons[0]


@pytest.mark.parametrize(
    ("setting", "filename", "ok"),
    [
        ("", "tiny-1.0.tar.gz", True),
        ("no-build = true", "tiny-1.0.tar.gz", False),
        ('no-build = ["Tiny"]', "tiny-1.0.tar.gz", False),
        ('no-build = ["other"]', "tiny-1.0.tar.gz", True),
        ("no-build = true", "tiny-1.0-py3-none-any.whl", True),
    ],
)
def test_no_build_and_a_locked_source_distribution(tmp_path, capsys, setting, filename, ok):
    manifest = PYPI.format(extra=f"[pypi-options]\n{setting}")
    lock = pypi_lock([DEFAULT_INDEX]).replace("tiny-1.0-py3-none-any.whl", filename)
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or "no-build forbids building it" in reasons[0]


SELF_LOCK = """\
version: 6
environments:
  default:
    channels:
    - url: https://conda.anaconda.org/conda-forge/
    packages:
      linux-64:
      - conda: pkg
packages:
- conda: pkg
  name: pkg
  version: 0.1.0
  build: ""
  subdir: noarch
  noarch: false
{extra}"""


@pytest.mark.parametrize(
    ("package", "extra", "reason"),
    [
        ('source = { path = "../src" }\n', "  package_build_source:\n    path: ../src/\n", ""),
        ('source = { path = "./src" }\n', "  package_build_source:\n    path: ..\n", "the build source of `pkg` changed"),
        ("", "  package_build_source:\n    path: ..\n", "the build source of `pkg` changed"),
        ("[package.extra-dependencies.test]\nextra-pkg = \">=1\"\n", "", "has no extra test that its package declares"),
    ],
)
def test_a_source_package_whose_package_changed(tmp_path, capsys, package, extra, reason):
    """The [package] a source dependency points at moved its build source, or declares an extra
    group the locked record lacks: pixi re-solves."""
    (tmp_path / "pkg").mkdir()
    build = package if package.startswith("source") else ""
    groups = "" if build else package
    (tmp_path / "pkg" / "pixi.toml").write_text(
        f'[package]\nname = "pkg"\nversion = "0.1.0"\n[package.build]\nbackend = {{ name = "in-memory", version = "*" }}\n{build}{groups}')
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\npkg = { path = "pkg" }\n'
    ok, reasons = locked(project(tmp_path, manifest, SELF_LOCK.format(extra=extra)), capsys)
    assert ok is (not reason), reasons
    assert not reason or reason in reasons[0]


@pytest.mark.parametrize(("version", "ok"), [("0.1.0", True), ("0.2.0", False)])
def test_a_source_package_whose_version_changed(tmp_path, capsys, version, ok):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pixi.toml").write_text(
        f'[package]\nname = "pkg"\nversion = "{version}"\n[package.build]\nbackend = {{ name = "in-memory", version = "*" }}\n')
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\npkg = { path = "pkg" }\n'
    got, reasons = locked(project(tmp_path, manifest, SELF_LOCK.format(extra="")), capsys)
    assert got is ok, reasons
    assert ok or "the version of `pkg` changed (locked 0.1.0, its package declares 0.2.0)" in reasons[0]


@pytest.mark.parametrize(("recorded", "ok"), [("../dep", True), ("../elsewhere", False)])
def test_where_a_source_package_wants_its_source_dependencies_from(tmp_path, capsys, recorded, ok):
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\npkg = { path = "pkg" }\n'
    lock = SELF_LOCK.format(extra=f"  depends:\n  - dep\n  sources:\n    dep:\n      path: {recorded}\n").replace(
        "      - conda: pkg\n", "      - conda: pkg\n      - conda: dep\n") + "- conda: dep\n  name: dep\n  version: 1.0.0\n  build: ''\n  subdir: noarch\n"
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or "wants `dep` built from elsewhere, but it is locked from dep" in reasons[0]


def test_a_git_source_is_not_met_by_a_path_record(tmp_path, capsys):
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\npkg = { git = "https://example.invalid/org/pkg" }\n'
    ok, reasons = locked(project(tmp_path, manifest, SELF_LOCK.format(extra="")), capsys)
    assert not ok and "the source of `pkg` changed" in reasons[0], reasons


def test_a_binary_spec_is_not_met_by_a_source_package(tmp_path, capsys):
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\nchild-package = "*"\n'
    ok, reasons = locked(project(tmp_path, manifest, SOURCE_LOCK), capsys)
    assert not ok and "locked as a source package" in reasons[0], reasons


@pytest.mark.parametrize(
    ("source", "ok"),
    [
        (None, True),  # the tree is not there to read: the lock is judged as it is
        ('[project]\nname = "dyn"\ndynamic = ["version"]\n', True),
        ('[project]\nname = "dyn"\nversion = "2.0"\n', False),  # no longer dynamic: pixi re-solves
    ],
)
def test_a_path_package_with_a_dynamic_version(tmp_path, capsys, source, ok):
    if source is not None:
        (tmp_path / "dyn").mkdir()
        (tmp_path / "dyn" / "pyproject.toml").write_text(source)
    manifest = PYPI.format(extra="").replace('tiny = "*"', 'dyn = { path = "./dyn" }')
    lock = f"""\
version: 7
platforms:
- name: linux-64
environments:
  default:
    channels:
    - url: {CF}/
    indexes:
    - {DEFAULT_INDEX}
    packages:
      linux-64:
      - conda: {CF}/linux-64/python-3.12.3-h1_0_cpython.conda
      - pypi: ./dyn
packages:
- conda: {CF}/linux-64/python-3.12.3-h1_0_cpython.conda
  sha256: 1a95494abe572a8819c933f978df89f00bde72ea9432d46a70632599e8029ea4
- pypi: ./dyn
  name: dyn
  sha256: ec39769fce8466d4438621a1d371aad180c4e8426a5a22632b0fe46b61cedb90
"""
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or "now declares version 2.0" in reasons[0]


@pytest.mark.parametrize(("override", "ok"), [("", False), ('[pypi-options.dependency-overrides]\nattrs = ">=23.2"', True)])
def test_dependency_overrides_apply_to_what_locked_packages_require(tmp_path, capsys, override, ok):
    """A local package pins attrs==23.1 while conda installs attrs 23.2 (by its purl): the
    override loosens every requirement on attrs, so pixi keeps the lock."""
    (tmp_path / "consumer").mkdir()
    manifest = PYPI.format(extra=override).replace('tiny = "*"', 'consumer = { path = "./consumer" }')
    manifest = manifest.replace('python = "*"', 'python = "*"\nattrs = "*"')
    lock = f"""\
version: 6
environments:
  default:
    channels:
    - url: {CF}/
    indexes:
    - {DEFAULT_INDEX}
    packages:
      linux-64:
      - conda: {CF}/linux-64/python-3.12.3-h1_0_cpython.conda
      - conda: {CF}/noarch/attrs-23.2.0-pyh71513ae_0.conda
      - pypi: ./consumer
packages:
- conda: {CF}/linux-64/python-3.12.3-h1_0_cpython.conda
  sha256: 1a95494abe572a8819c933f978df89f00bde72ea9432d46a70632599e8029ea4
- conda: {CF}/noarch/attrs-23.2.0-pyh71513ae_0.conda
  sha256: 77c7d03bdb243a048fff398cedc74327b7dc79169ebe3b4c8448b0331ea55fea
  depends:
  - python
  purls:
  - pkg:pypi/attrs
- pypi: ./consumer
  name: consumer
  version: 0.1.0
  requires_dist:
  - attrs==23.1.0
"""
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or "requires attrs ==23.1.0" in reasons[0]


def test_per_package_index(tmp_path, capsys):
    manifest = PYPI.format(extra="").replace('tiny = "*"', 'tiny = { version = "*", index = "https://custom.example.invalid/simple" }')
    lock = pypi_lock([DEFAULT_INDEX]).replace("  sha256: 0000", "  index: https://custom.example.invalid/simple\n  sha256: 0000")
    assert locked(project(tmp_path, manifest, lock), capsys) == (True, [])
    other = lock.replace("index: https://custom.example.invalid/simple", "index: https://other.example.invalid/simple")
    ok, reasons = locked(project(tmp_path, manifest, other), capsys)
    assert not ok and "should come from https://custom.example.invalid/simple" in reasons[0]


def test_an_index_a_dependency_no_longer_names(tmp_path, capsys):
    """The manifest dropped a per-package index: pixi re-solves a package it recorded from it.
    One pinned to that index elsewhere in the solve group keeps it."""
    lock = pypi_lock([DEFAULT_INDEX]).replace("  sha256: 0000", "  index: https://custom.example.invalid/simple\n  sha256: 0000")
    ok, reasons = locked(project(tmp_path, PYPI.format(extra=""), lock), capsys)
    assert not ok and "is locked from https://custom.example.invalid/simple" in reasons[0], reasons
    pinned = PYPI.format(extra='[feature.pin.pypi-dependencies]\ntiny = { version = "*", index = "https://custom.example.invalid/simple" }\n'
                                '[environments]\ndefault = { solve-group = "g" }\npinned = { features = ["pin"], solve-group = "g" }\n')
    both = lock.replace("environments:\n  default:", "environments:\n  pinned:" + lock.split("  default:")[1].split("packages:\n-")[0] + "  default:")
    ok, reasons = locked(project(tmp_path, pinned, both), capsys)
    assert ok, reasons


@pytest.mark.parametrize(
    ("setting", "option", "ok", "reason"),
    [
        ('exclude-newer = "2019-07-06"', '    options:\n      exclude-newer: "2019-07-07T00:00:00Z"\n', True, ""),
        ('exclude-newer = "2019-07-04"', '    options:\n      exclude-newer: "2019-07-05T00:00:00Z"\n', False, "newer than exclude-newer"),
        ('exclude-newer = "30d"', "", True, ""),  # relative: judged by the locked timestamps
        ("", '    options:\n      exclude-newer: "2023-10-01T00:00:00Z"\n', False, "exclude-newer changed"),
    ],
)
def test_exclude_newer(tmp_path, capsys, monkeypatch, setting, option, ok, reason):
    monkeypatch.setenv("SOLVER_NOW", "2020-01-01T00:00:00Z")
    manifest = f'[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n{setting}\n[dependencies]\n_r-mutex = "*"\n'
    lock = f"version: 6\nenvironments:\n  default:\n    channels:\n    - url: {CF}/\n{option}    packages:\n      linux-64:\n      - conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2\npackages:\n" + R_MUTEX
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or any(reason in r for r in reasons)


def test_a_satisfied_v6_lock_is_never_rewritten(tmp_path, capsys):
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[dependencies]\n_r-mutex = "*"\n'
    text = f"version: 6\nenvironments:\n  default:\n    channels:\n    - url: {CF}/\n    packages:\n      linux-64:\n      - conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2\npackages:\n" + R_MUTEX
    root = project(tmp_path, manifest, text)
    assert main(["solve", str(root), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["status"], doc["lock_written"]) == ("up-to-date", False)
    assert (root / "pixi.lock").read_text() == text


def test_locks_are_written_as_pixi_writes_them(tmp_path, capsys):
    import shutil
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    root = tmp_path / "demo"
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py", "__pycache__"))
    manifest = (root / "pixi.toml").read_text()
    (root / "pixi.toml").write_text(manifest.replace(
        'platforms = ["linux-64", "osx-arm64", "win-64"]',
        'platforms = ["osx-arm64", { name = "gpu", platform = "linux-64", cuda = "12.0" }]'))
    assert main(["solve", str(root), "-q"]) == 0, capsys.readouterr().err
    text = (root / "pixi.lock").read_text()
    assert "- name: gpu\n  subdir: linux-64\n  virtual-packages:\n  - __cuda=12.0\n" in text  # only what it declares
    assert "- name: osx-arm64\n" in text and "__osx" not in text.split("environments:")[0]  # defaults not spelled out
    assert "    - url: ./channels/demo/\n" in text  # a local channel, relative to the project
    assert "pypi-prerelease-mode" not in text  # pixi's default is not spelled out
    assert main(["solve", str(root), "--locked"]) == 0, capsys.readouterr().err


def _demo_channel_project(tmp_path, dependencies: str):
    import shutil
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
    shutil.copytree(demo / "channels", tmp_path / "channels")
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "pixi.toml").write_text('[package]\nname = "child"\nversion = "0.1.0"\n[package.build]\nbackend = { name = "pixi-build-cmake", version = "*" }\n')
    (tmp_path / "pixi.toml").write_text(f'[workspace]\nchannels = ["./channels/demo"]\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\n{dependencies}')
    return tmp_path


def test_a_source_package_pixi_built_is_kept_and_its_dependencies_solved(tmp_path, capsys):
    root = _demo_channel_project(tmp_path, 'child = { path = "child" }\npython = ">=3.11"\n')
    (root / "pixi.lock").write_text(textwrap.dedent("""\
        version: 6
        environments:
          default:
            channels:
            - url: ./channels/demo/
            packages:
              linux-64:
              - conda: child
        packages:
        - conda: child
          name: child
          version: 0.1.0
          build: hbf21a9e_0
          subdir: linux-64
          depends:
          - numlite >=1.26
          input:
            hash: 25e63e74a216901367b58ef438098792c9516ebd940e2f07d870b38ac24d470e
            globs: []
        """))
    assert main(["solve", str(root), "-q"]) == 0, capsys.readouterr().err  # python is not locked: re-solved
    text = (root / "pixi.lock").read_text()
    assert "- conda: child\n  name: child\n  version: 0.1.0\n" in text
    assert "    hash: 25e63e74a216901367b58ef438098792c9516ebd940e2f07d870b38ac24d470e\n" in text
    assert "numlite-" in text and "python-" in text
    assert main(["solve", str(root), "--locked"]) == 0, capsys.readouterr().err


def test_a_source_package_without_a_build_is_named_as_needing_one(tmp_path, capsys):
    root = _demo_channel_project(tmp_path, 'child = { path = "child" }\npython = ">=3.11"\n')
    assert main(["solve", str(root)]) == 0
    err = capsys.readouterr().err
    assert "`child` (path = " in err and "needs a build" in err
    assert "child" not in (root / "pixi.lock").read_text().split("packages:")[-1].split("python")[0]


@pytest.mark.parametrize(("python", "wanted"), [("3.12.*", True), ("3.11.*", False)])
def test_a_conditional_dependency_on_an_installed_package(tmp_path, capsys, python, wanted):
    root = _demo_channel_project(tmp_path, f'python = "{python}"\ntestkit = {{ version = "*", when = "python >=3.12" }}\n')
    assert main(["solve", str(root), "-q"]) == 0, capsys.readouterr().err
    text = (root / "pixi.lock").read_text()
    assert ("/testkit-" in text) is wanted
    assert main(["solve", str(root), "--locked"]) == 0, capsys.readouterr().err
    # a condition the locked python no longer meets (or now meets): the lock no longer fits
    flipped = "python >=3.13" if wanted else "python >=3.11"
    (root / "pixi.toml").write_text((root / "pixi.toml").read_text().replace("python >=3.12", flipped))
    assert main(["solve", str(root), "--locked"]) == 1
    err = capsys.readouterr().err
    assert ("testkit is locked but nothing requires it" if wanted else "the requested `testkit` is not met") in err


def test_conda_extras_bring_their_dependencies_into_the_solve(tmp_path, capsys):
    channel = tmp_path / "chan"
    for subdir, packages in (("linux-64", {}), ("noarch", {
        "my-package-1.0.0-0.conda": {"name": "my-package", "version": "1.0.0", "build": "0", "build_number": 0,
                                     "depends": [], "subdir": "noarch", "extra_depends": {"foo": ["dep-foo"], "bar": ["dep-bar"]}},
        "dep-foo-1.0.0-0.conda": {"name": "dep-foo", "version": "1.0.0", "build": "0", "build_number": 0, "depends": [], "subdir": "noarch"},
        "dep-bar-1.0.0-0.conda": {"name": "dep-bar", "version": "1.0.0", "build": "0", "build_number": 0, "depends": [], "subdir": "noarch"},
    })):
        (channel / subdir).mkdir(parents=True)
        (channel / subdir / "repodata.json").write_text(json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": packages}))
    (tmp_path / "pixi.toml").write_text('[workspace]\nchannels = ["./chan"]\nplatforms = ["linux-64"]\n'
                                        '[dependencies]\nmy-package = { version = "*", extras = ["foo"] }\n')
    assert main(["solve", str(tmp_path), "-q"]) == 0, capsys.readouterr().err
    text = (tmp_path / "pixi.lock").read_text()
    assert "dep-foo-1.0.0-0.conda" in text and "dep-bar" not in text.split("packages:\n- ")[0]
    assert "  extra_depends:\n    bar:\n    - dep-bar\n    foo:\n    - dep-foo\n" in text  # as pixi writes the record
    assert main(["solve", str(tmp_path), "--locked"]) == 0, capsys.readouterr().err


def test_a_platform_the_manifest_dropped_makes_the_lock_out_of_date(tmp_path, capsys):
    manifest = '[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[dependencies]\n_r-mutex = "*"\n'
    entries = f"      - conda: {CF}/noarch/_r-mutex-1.0.1-anacondar_1.tar.bz2\n"
    lock = f"version: 6\nenvironments:\n  default:\n    channels:\n    - url: {CF}/\n    packages:\n      linux-64:\n{entries}      osx-arm64:\n{entries}packages:\n" + R_MUTEX
    ok, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert not ok and reasons[0] == "environment 'default': the platform osx-arm64 is locked but no longer in the manifest"
    assert main(["solve", str(tmp_path), "--locked", "-p", "linux-64"]) == 0  # a selection judges only itself


@pytest.mark.parametrize(("libc", "ok"), [("2.17", True), ("2.28", False)])
def test_legacy_system_requirements_match_pixis_synthetic_platform(tmp_path, capsys, libc, ok):
    manifest = (f'[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[system-requirements]\nlibc = "{libc}"\n'
                '[dependencies]\n_r-mutex = "*"\n')
    lock = rich_lock("p1", ["__glibc=2.17", "__unix=0=0", "__linux=4.18", "__archspec=0=x86_64"])
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or "p1 is locked but no longer in the manifest" in reasons[0]


def test_flat_indexes_of_a_v5_lock_are_its_find_links(tmp_path, capsys):
    manifest = ('[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[dependencies]\npython = "*"\n'
                '[pypi-dependencies]\nrequests = "*"\n[pypi-options]\nfind-links = [{ path = "./links" }]\n')
    lock = f"""\
version: 5
environments:
  default:
    channels:
    - url: {CF}/
    indexes:
    - {DEFAULT_INDEX}
    flat-indexes:
    - path: ./links
    packages:
      linux-64:
      - conda: {CF}/linux-64/python-3.12.0-hab00c5b_0_cpython.conda
      - pypi: ./links/requests-2.31.0-py3-none-any.whl
packages:
- kind: conda
  name: python
  version: 3.12.0
  build: hab00c5b_0_cpython
  subdir: linux-64
  url: {CF}/linux-64/python-3.12.0-hab00c5b_0_cpython.conda
- kind: pypi
  name: requests
  version: 2.31.0
  path: ./links/requests-2.31.0-py3-none-any.whl
"""
    assert locked(project(tmp_path, manifest, lock), capsys) == (True, [])


def test_a_registry_package_without_a_version_does_not_meet_its_requirement(tmp_path, capsys):
    lock = pypi_lock([DEFAULT_INDEX]).replace("  version: '1.0'\n", "")
    ok, reasons = locked(project(tmp_path, PYPI.format(extra=""), lock), capsys)
    assert not ok and "the requested PyPI `tiny *` is not met (locked: tiny with no version recorded)" in reasons[0]


TARGET_INDEX = """\
[workspace]
channels = ["conda-forge"]
platforms = [{ name = "variant-cuda", platform = "win-64" }, { name = "variant-cpu", platform = "win-64" }]
[dependencies]
python = "3.12.*"
[pypi-dependencies]
my-dep = "==1.0.0"
[target.variant-cuda.pypi-options]
index-url = "https://cuda.example.invalid/simple"
[target.variant-cpu.pypi-options]
index-url = "https://cpu.example.invalid/simple"
"""


def target_index_lock(cpu_from: str) -> str:
    def wheel(host, n):
        return f"https://{host}.example.invalid/simple/packages/my_dep-1.0.0-py3-none-any.whl"

    return f"""\
version: 7
platforms:
- name: variant-cuda
  subdir: win-64
- name: variant-cpu
  subdir: win-64
environments:
  default:
    channels:
    - url: {CF}/
    indexes:
    - https://cpu.example.invalid/simple
    - https://cuda.example.invalid/simple
    packages:
      variant-cuda:
      - conda: {CF}/win-64/python-3.12.3-h2628c8c_0_cpython.conda
      - pypi: {wheel("cuda", 0)}
      variant-cpu:
      - conda: {CF}/win-64/python-3.12.3-h2628c8c_0_cpython.conda
      - pypi: {wheel(cpu_from, 1)}
packages:
- conda: {CF}/win-64/python-3.12.3-h2628c8c_0_cpython.conda
  sha256: 1a95494abe572a8819c933f978df89f00bde72ea9432d46a70632599e8029ea4
- pypi: {wheel("cuda", 0)}
  name: my-dep
  version: 1.0.0
  index: https://cuda.example.invalid/simple
""" + ("" if cpu_from == "cuda" else f"""\
- pypi: {wheel(cpu_from, 1)}
  name: my-dep
  version: 1.0.0
  index: https://{cpu_from}.example.invalid/simple
""")


@pytest.mark.parametrize(("cpu_from", "ok"), [("cpu", True), ("cuda", False)])
def test_target_specific_index_urls(tmp_path, capsys, cpu_from, ok):
    got, reasons = locked(project(tmp_path, TARGET_INDEX, target_index_lock(cpu_from)), capsys)
    assert got is ok, reasons
    assert ok or "is locked from https://cuda.example.invalid/simple, which is not an index of the manifest here" in reasons[0]


@pytest.mark.parametrize(("b_version", "ok"), [("1.0.2", True), ("1.0.1", False)])
def test_target_specific_dependency_overrides(tmp_path, capsys, b_version, ok):
    manifest = TARGET_INDEX.split("[target.")[0] + (
        '[target.variant-cuda.pypi-options.dependency-overrides]\nmy-dep = "==1.0.1"\n'
        '[target.variant-cpu.pypi-options.dependency-overrides]\nmy-dep = "==1.0.2"\n')
    wheel = "https://files.example.invalid/my_dep-{}-py3-none-any.whl"
    lock = f"""\
version: 7
platforms:
- name: variant-cuda
  subdir: win-64
- name: variant-cpu
  subdir: win-64
environments:
  default:
    channels:
    - url: {CF}/
    indexes:
    - {DEFAULT_INDEX}
    packages:
      variant-cuda:
      - conda: {CF}/win-64/python-3.12.3-h2628c8c_0_cpython.conda
      - pypi: {wheel.format("1.0.1")}
      variant-cpu:
      - conda: {CF}/win-64/python-3.12.3-h2628c8c_0_cpython.conda
      - pypi: {wheel.format(b_version)}
packages:
- conda: {CF}/win-64/python-3.12.3-h2628c8c_0_cpython.conda
  sha256: 1a95494abe572a8819c933f978df89f00bde72ea9432d46a70632599e8029ea4
""" + "".join(f"- pypi: {wheel.format(v)}\n  name: my-dep\n  version: {v}\n" for v in sorted({"1.0.1", b_version}))
    got, reasons = locked(project(tmp_path, manifest, lock), capsys)
    assert got is ok, reasons
    assert ok or reasons[0] == "environment 'default' on variant-cpu: the requested PyPI `my-dep ==1.0.2` is not met (locked: my-dep 1.0.1)"


# A PyPI dependency that a locked conda package provides (its purl names the PyPI project) needs
# no PyPI section in the lock: pixi, and older locks without an `indexes` key, take it as it is.
TOOL_LOCK = f"""\
version: 6
environments:
  default:
    channels:
    - url: {CF}/
    packages:
      linux-64:
      - conda: {CF}/noarch/lintkit-1.0-pyh_0.conda
packages:
- conda: {CF}/noarch/lintkit-1.0-pyh_0.conda
  sha256: 0f3a1e2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
  purls:
  - pkg:pypi/lintkit
"""


@pytest.mark.parametrize(
    ("pypi", "ok", "reason"),
    [
        ('lintkit = "*"', True, ""),
        ('lintkit = ">=1"', True, ""),
        ('lintkit = ">=2"', False, "is not met by lintkit 1.0"),
        ('other = "*"', False, "no PyPI section"),
    ],
)
def test_a_pypi_dependency_a_locked_conda_package_provides(tmp_path, capsys, pypi, ok, reason):
    manifest = f'[workspace]\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n[dependencies]\nlintkit = "*"\n[pypi-dependencies]\n{pypi}\n'
    root = project(tmp_path, manifest, TOOL_LOCK)
    good, reasons = locked(root, capsys)
    assert good is ok
    assert ok or any(reason in r for r in reasons), reasons
