"""The keys current pixi accepts beyond the older reference: rich platforms, exclude-newer forms
and per-package cutoffs, inline environments, [dev], conda extras/flags/when, task forms,
conda-pypi-map forms, workspace-level pixi-build keys; and keys pixi rejects stay located errors."""

from __future__ import annotations

import datetime as dt

import pytest

from solver.manifest import build_requests
from solver.manifest.merge_platform import platform_view
from solver.manifest.requests import conda_pypi_map

WS = """\
[workspace]
name = "p"
channels = ["conda-forge"]
"""


def ms(*args) -> int:
    return int(dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp() * 1000)


# -- rich platforms ------------------------------------------------------------------------------


def test_rich_platform_entries_name_subdir_and_virtual_packages(manifest_at, h):
    m = manifest_at(WS + """\
platforms = [
  "osx-arm64",
  { platform = "linux-64", cuda = "12.0", glibc = "2.31" },
  { name = "jetson", platform = "linux-aarch64", cuda = { driver = "12.8", arch = "8.7" }, archspec = "armv8.2a" },
  { name = "win-64" },
  { platform = "linux-64", __musl = "1.2" },
]
""")
    assert m.project.platforms == ["osx-arm64", "linux-64-cuda-12-0-glibc-2-31", "jetson", "win-64", "linux-64-musl-1-2"]
    units = build_requests(m)
    cuda = h.one(units, "default", "linux-64-cuda-12-0-glibc-2-31")
    assert cuda.conda.platform == "linux-64" and cuda.pypi is None
    vps = h.vpkgs(cuda)
    assert vps["__cuda"] == ("12.0", "0") and vps["__glibc"] == ("2.31", "0") and "__linux" in vps
    jetson = h.one(units, "default", "jetson")
    assert jetson.conda.platform == "linux-aarch64"
    assert h.vpkgs(jetson)["__cuda_arch"] == ("8.7", "0") and h.vpkgs(jetson)["__archspec"] == ("1", "armv8.2a")
    musl = h.vpkgs(h.one(units, "default", "linux-64-musl-1-2"))
    assert "__musl" in musl and "__glibc" not in musl  # a declared libc replaces the default one
    assert h.one(units, "default", "win-64").conda.platform == "win-64"


def test_features_and_targets_bind_to_rich_platforms_by_name(manifest_at, h):
    m = manifest_at(WS + """\
platforms = ["osx-arm64", { name = "gpu", platform = "linux-64", cuda = "12" }, { name = "cpu", platform = "linux-64" }]
[dependencies]
python = "*"
[target.gpu.dependencies]
pytorch-gpu = "*"
[target."c*".dependencies]
pytorch-cpu = "*"
[target.linux-64.dependencies]
libgcc = "*"
[feature.train]
platforms = ["gpu"]
[feature.linuxonly]
platforms = ["linux-64"]
[environments]
train = ["train"]
lin = ["linuxonly"]
""")
    units = build_requests(m)
    assert {u.platform for u in units if "train" in u.environments} == {"gpu"}
    assert {u.platform for u in units if "lin" in u.environments} == {"gpu", "cpu"}  # a subdir: every entry of it
    gpu = h.one(units, "default", "gpu")
    assert gpu.conda.specs == ["python", "libgcc", "pytorch-gpu"]  # the rich entry's name last: it wins
    assert h.one(units, "default", "cpu").conda.specs == ["python", "libgcc", "pytorch-cpu"]
    assert h.one(units, "default", "osx-arm64").conda.specs == ["python"]


@pytest.mark.parametrize(
    ("platforms", "words"),
    [
        ('[{ platform = "linux-65" }]', ["unknown platform `linux-65`", "linux-64"]),
        ('[{ cuda = "12" }]', ["needs `platform`"]),
        ('[{ platform = "linux-64", cudaa = "12" }]', ["unknown key `cudaa`", "did you mean `cuda`"]),
        ('[{ platform = "linux-64", cuda = { arch = "8.6" } }]', ["`arch` needs `driver`"]),
        ('[{ name = "a", platform = "linux-64" }, { name = "a", platform = "osx-64" }]', ["declared twice"]),
    ],
)
def test_bad_platform_entries(manifest_error, platforms, words):
    err = manifest_error(WS + f"platforms = {platforms}\n")
    assert err.line == 4 and err.key.startswith("workspace.platforms")
    for word in words:
        assert word in str(err)


def test_a_feature_naming_an_unknown_platform(manifest_error):
    err = manifest_error(WS + 'platforms = [{ name = "gpu", platform = "linux-64", cuda = "12" }]\n[feature.x]\nplatforms = ["gpuu"]\n')
    assert "unknown platform `gpuu`" in str(err) and "did you mean `gpu`" in str(err) and err.line == 6


def test_a_workspace_without_channels_is_said(manifest_at):
    m = manifest_at('[workspace]\nname = "p"\nplatforms = ["linux-64"]\n')
    assert any(":1:" in w and "no `channels`" in w for w in m.warnings)
    m = manifest_at('[workspace]\nname = "p"\nchannels = []\nplatforms = ["linux-64"]\n')
    assert not any("channels" in w for w in m.warnings)


@pytest.mark.parametrize(("value", "ok"), [("true", True), ('"true"', True), ("1", False)])
def test_system_requirements_unix_as_pixis_schema_has_it(manifest_at, manifest_error, value, ok):
    text = WS + f'platforms = ["linux-64"]\n[system-requirements]\nunix = {value}\n'
    if ok:
        vps = {v.name for v in build_requests(manifest_at(text))[0].conda.virtual_packages}
        assert "__unix" in vps
    else:
        err = manifest_error(text)
        assert err.key == "system-requirements.unix" and err.line == 6 and "true or false" in err.message


def test_system_requirements_still_work_and_warn_as_deprecated(manifest_at, h):
    m = manifest_at(WS + 'platforms = ["linux-64"]\n[system-requirements]\ncuda = "12"\n')
    assert h.vpkgs(h.one(build_requests(m), "default", "linux-64"))["__cuda"] == ("12", "0")
    assert any("deprecated" in w and "workspace.platforms" in w for w in m.warnings)


# -- exclude-newer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "relative"),
    [
        ('"2023-10-01T00:00:00Z"', ms(2023, 10, 1), None),
        ("2023-10-01T12:00:00Z", ms(2023, 10, 1, 12), None),
        ('"2026-03-30"', ms(2026, 3, 31), None),  # a date: the start of the following day
        ('"7d"', ms(2026, 1, 8) - 7 * 86400_000, "7d"),
        ('"1h30m"', ms(2026, 1, 8) - 5400_000, "1h30m"),
        ('"2weeks"', ms(2026, 1, 8) - 14 * 86400_000, "2weeks"),
    ],
)
def test_exclude_newer_forms(manifest_at, monkeypatch, value, expected, relative):
    monkeypatch.setenv("SOLVER_NOW", "2026-01-08T00:00:00Z")
    m = manifest_at(WS + f'platforms = ["linux-64"]\nexclude-newer = {value}\n')
    assert (m.project.exclude_newer, m.project.exclude_newer_relative) == (expected, relative)


def test_per_package_cutoffs_reach_both_stages(manifest_at, h, monkeypatch):
    monkeypatch.setenv("SOLVER_NOW", "2026-01-08T00:00:00Z")
    m = manifest_at(WS + """\
platforms = ["linux-64"]
exclude-newer = "2025-01-01"
[dependencies]
python = "*"
pytorch-cpu = "*"
[exclude-newer]
pytorch-cpu = "0d"
openssl = false
[pypi-dependencies]
torch = "*"
[pypi-exclude-newer]
Torch = "2025-06-01T00:00:00Z"
""")
    unit = h.one(build_requests(m), "default", "linux-64")
    assert unit.conda.exclude_newer == ms(2025, 1, 2)
    assert unit.conda.exclude_newer_packages == {"pytorch-cpu": ms(2026, 1, 8), "openssl": None}
    assert unit.pypi.exclude_newer_packages == {"torch": ms(2025, 6, 1)}


@pytest.mark.parametrize(("value", "words"), [('"yesterday"', ["invalid date or duration"]), ("12", ["expected a date or a duration"])])
def test_bad_exclude_newer(manifest_error, value, words):
    err = manifest_error(WS + f'platforms = ["linux-64"]\nexclude-newer = {value}\n')
    assert err.key == "workspace.exclude-newer" and err.line == 5
    for word in words:
        assert word in str(err)


# -- environments, [dev], conda dependency fields --------------------------------------------------


def test_dependencies_and_channels_on_an_environment(manifest_at, h):
    m = manifest_at(WS + """\
platforms = ["linux-64"]
[feature.python.dependencies]
python = "3.14.*"
[environments.dev]
features = ["python"]
channels = ["bioconda"]
[environments.dev.dependencies]
git = "*"
[environments.test.dependencies]
pytest = "*"
""")
    units = build_requests(m)
    dev = h.one(units, "dev", "linux-64")
    assert sorted(dev.conda.specs) == ["git", "python 3.14.*"]
    assert dev.conda.channels == ["bioconda", "conda-forge"]
    assert h.one(units, "test", "linux-64").conda.specs == ["pytest"]
    assert "git" not in h.one(units, "default", "linux-64").conda.specs


def test_dev_table_is_a_source_package_that_needs_a_build(manifest_at):
    m = manifest_at(WS + 'platforms = ["linux-64"]\n[dev]\nmy-package = { path = "src/my-package" }\n')
    pv = platform_view(m, m.environments["default"], "linux-64")
    assert [d.name for d in pv.conda_sources] == ["my-package"] and pv.conda_specs == []


def test_dev_entries_need_a_source(manifest_error):
    err = manifest_error(WS + 'platforms = ["linux-64"]\n[dev]\nmy-package = "*"\n')
    assert "needs a source" in str(err) and err.key == "dev.my-package"


def test_conda_extras_flags_and_conditions(manifest_at, h):
    m = manifest_at(WS + """\
platforms = ["linux-64", "win-64"]
[dependencies]
bas-package = { version = ">=1", extras = ["test", "arrow"], flags = ["blas:*"] }
pywin32 = { version = "*", when = "__win" }
posix-tools = { version = "*", when = { any = ["__linux", "__osx"] } }
fast = { version = "*", when = { all = ["__linux", { name = "__glibc", version = ">=2.17" }] } }
numpy-extra = { version = "*", when = "python >=3.12" }
""")
    dep = m.default_feature.base.dependencies["bas-package"]
    assert (dep.extras, dep.flags, dep.spec) == (["test", "arrow"], ["blas:*"], "bas-package >=1")
    units = build_requests(m)
    linux = h.one(units, "default", "linux-64").conda.specs
    win = h.one(units, "default", "win-64").conda.specs
    assert "pywin32" in win and "pywin32" not in linux
    assert "posix-tools" in linux and "posix-tools" not in win
    assert "fast" in linux and "fast" not in win
    # a condition on an installed package: decided by the solve, not by the platform
    assert "numpy-extra" not in linux + win
    assert h.one(units, "default", "win-64").conditional_specs == [("numpy-extra", "python >=3.12")]


def test_an_inline_package_on_a_source_dependency(manifest_at):
    m = manifest_at(WS + 'platforms = ["linux-64"]\n[dependencies]\nrust-package = { git = "https://example.invalid/r.git", package.build.backend.name = "pixi-build-rust" }\n')
    dep = m.default_feature.base.dependencies["rust-package"]
    assert dep.is_source and dep.source["package"] == {"build": {"backend": {"name": "pixi-build-rust"}}}


# -- tasks --------------------------------------------------------------------------------------


def test_every_task_form_loads(manifest_at):
    m = manifest_at(WS + """\
platforms = ["linux-64"]
[tasks]
simple = "echo simple"
argv = { cmd = ["python", "-c", "print(1)"] }
check = ["simple", "argv"]
deploy = ["simple", { task = "build", args = ["production"] }, { task = "publish", environment = "release" }]
style = [{ task = "simple" }]
build = { cmd = "make {{ mode }}", args = [{ arg = "mode", default = "debug", choices = ["debug", "release"] }] }
publish = { cmd = "echo publish", depends_on = "build", default-environment = "default" }
install = { cmd = "echo", depends-on = [{ task = "build", args = [{ mode = "release" }] }] }
_hidden = { cmd = "echo", clean-env = true, inputs = ["a"], outputs = ["b"], env = { A = "1" }, cwd = "x", description = "d" }
""")
    tasks = m.default_feature.base.tasks
    assert tasks["check"].cmd is None and [d.task for d in tasks["check"].depends_on] == ["simple", "argv"]
    assert [(d.task, d.args, d.environment) for d in tasks["deploy"].depends_on][1:] == [
        ("build", ["production"], None), ("publish", [], "release")]
    assert tasks["install"].depends_on[0].args == ["mode=release"]
    assert [d.task for d in tasks["publish"].depends_on] == ["build"]
    assert tasks["_hidden"].hidden


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('"lint"', ("lint", [], None)),
        ('{ task = "lint" }', ("lint", [], None)),
        # pixi's docs name the task of a dependency table in `cmd` too, and pixi loads it
        ('{ cmd = "_fetch", args = ["https://example.invalid/x.git"] }', ("_fetch", ["https://example.invalid/x.git"], None)),
        ('{ task = "lint", environment = "ci", args = [{ level = "2" }] }', ("lint", ["level=2"], "ci")),
    ],
)
def test_task_dependency_forms(manifest_at, entry, expected):
    m = manifest_at(WS + f'platforms = ["linux-64"]\n[tasks]\nlint = "ruff"\n_fetch = "git"\nall = {{ depends-on = [{entry}] }}\n')
    (dep,) = m.default_feature.base.tasks["all"].depends_on
    assert (dep.task, dep.args, dep.environment) == expected


def test_a_task_that_runs_nothing_loads_with_a_warning(manifest_at):
    m = manifest_at(WS + 'platforms = ["linux-64"]\n[tasks]\nplaceholder = { description = "later" }\n')
    assert m.default_feature.base.tasks["placeholder"].cmd is None
    assert any("tasks.placeholder" in w and "runs nothing" in w for w in m.warnings)


@pytest.mark.parametrize(
    ("task", "key", "words"),
    [
        ('{ depends-on = [{ args = ["x"] }] }', "tasks.t.depends-on[0]", "needs `task`"),
        ('{ depends-on = [{ task = "a", cmd = "b" }] }', "tasks.t.depends-on[0].cmd", "names its task twice"),
        ('{ cmd = "x", depends-on = { task = "a" } }', "tasks.t.depends-on", "expected a task name or an array"),
        ('{ depends-on = [{ task = "a", when = "x" }] }', "tasks.t.depends-on[0].when", "unknown key `when`"),
        ('{ outputs = ["a"] }', "tasks.t.outputs", "no `cmd`"),
    ],
)
def test_bad_task_dependency_forms_are_located(manifest_error, task, key, words):
    err = manifest_error(WS + f'platforms = ["linux-64"]\n[tasks]\nt = {task}\n')
    assert err.key == key and err.line == 6 and err.column is not None
    assert words in err.message


# -- conda-pypi-map ------------------------------------------------------------------------------


def test_conda_pypi_map_forms(manifest_at, tmp_path):
    m = manifest_at(WS + """\
platforms = ["linux-64"]
[workspace.conda-pypi-map]
conda-forge = "map.json"
robostack = false
bioconda = { location = "bio.json", mapping-mode = "replace", mapping = { jupyter-ros = "jupyter-ros-pypi", notpy = false } }
""")
    mapping = conda_pypi_map(m)
    assert mapping["conda-forge"] == str(tmp_path / "map.json")
    assert mapping["robostack"] is False
    assert mapping["bioconda"] == {"location": str(tmp_path / "bio.json"), "mode": "replace",
                                   "mapping": {"jupyter-ros": "jupyter-ros-pypi", "notpy": None}}


def test_bad_conda_pypi_map_mode(manifest_error):
    err = manifest_error(WS + 'platforms = ["linux-64"]\nconda-pypi-map = { conda-forge = { location = "m.json", mapping-mode = "bogus" } }\n')
    assert "unknown mapping-mode `bogus`" in str(err) and err.line == 5


# -- workspace-level keys and rejected ones --------------------------------------------------------


def test_pixi_build_workspace_keys_load(manifest_at):
    m = manifest_at(WS + """\
platforms = ["linux-64", "win-64"]
preview = ["pixi-build"]
requires-pixi = ">=0.40,<1.0"
build-variants-files = ["./variants.yaml"]
[workspace.build-variants]
python = ["3.11.*", "3.12.*"]
[workspace.target.win-64.build-variants]
python = ["3.11.*"]
[workspace.dependencies]
numpy = "1.*"
shared-lib = { path = "packages/shared-lib" }
[workspace.audit]
ignore = ["CVE-2026-0001"]
[pypi-options]
skip-wheel-filename-check = true
extra-index-urls = ["https://a.example.invalid/simple", { url = "https://b.example.invalid/simple", exclude-newer = false }]
""")
    assert m.project.requires_pixi == ">=0.40,<1.0" and m.project.build_variants == {"python": ["3.11.*", "3.12.*"]}
    assert m.default_feature.pypi_options.extra_index_urls == ["https://a.example.invalid/simple", "https://b.example.invalid/simple"]


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[workspace.audits]\nignore = []\n", "workspace.audits", ["did you mean `audit`"]),
        ('[dependencies]\nx = { version = "1", extra = ["a"] }\n', "dependencies.x.extra", ["did you mean `extras`"]),
        ('[tasks]\nt = { cmd = "x", depend-on = ["y"] }\n', "tasks.t.depend-on", ["did you mean `depends-on`"]),
        ("[environments.dev]\nfeature = []\n", "environments.dev.feature", ["did you mean `features`"]),
        ('[pypi-exclude-newer]\n"bad name!" = "1d"\n', 'pypi-exclude-newer."bad name!"', ["invalid PyPI package name"]),
    ],
)
def test_keys_pixi_rejects_keep_a_located_error(manifest_error, text, key, words):
    err = manifest_error(WS + 'platforms = ["linux-64"]\n' + text)
    assert err.key == key and err.line is not None
    for word in words:
        assert word in str(err)


def test_conda_pypi_map_forms_decide_what_conda_provides(tmp_path):
    from solver.conda.model import PackageRecord
    from solver.pypi.conda_map import conda_distributions

    def rec(name, channel, purls=None):
        return PackageRecord(name=name, version="1.0", build="0", build_number=0, depends=["python >=3"], subdir="noarch",
                             channel=f"https://conda.example.invalid/{channel}", purls=purls)

    (tmp_path / "bio.json").write_text('{"jupyter-ros": "jupyter-ros-from-file", "other": "other-pypi"}')
    records = [rec("boltons", "robostack"), rec("jupyter-ros", "bioconda"), rec("other", "bioconda"),
               rec("notpy", "bioconda"), rec("purled", "bioconda", ["pkg:pypi/purled-pypi@1.0"]), rec("plain", "conda-forge")]
    mapping = {"robostack": False,
               "bioconda": {"location": str(tmp_path / "bio.json"), "mode": "replace",
                            "mapping": {"jupyter-ros": "jupyter-ros-pypi", "notpy": None, "purled": "purled-mapped"}}}
    got = {name: label for name, (_, label) in conda_distributions(records, mapping).items()}
    assert "boltons" not in got  # the channel's mapping is false
    assert got["jupyter-ros-pypi"].startswith("jupyter-ros-")  # inline entries over the file
    assert "other-pypi" in got and "notpy" not in got
    assert "purled-mapped" in got and "purled-pypi" not in got  # replace: the mapping over the purls
    assert "plain" in got  # no mapping for its channel: its own name


def test_workspace_pypi_options_are_the_base_features_override(manifest_at):
    from solver.manifest.merge_environment import resolve_environment

    m = manifest_at(WS + """\
platforms = ["linux-64"]
[workspace.pypi-options]
index-url = "https://base.example.invalid/simple"
extra-index-urls = ["https://base-extra.example.invalid/simple"]
[pypi-options]
extra-index-urls = ["https://default.example.invalid/simple"]
[feature.own.pypi-options]
index-url = "https://own.example.invalid/simple"
[environments]
own = ["own"]
bare = { features = [], no-default-feature = true }
""")
    own = resolve_environment(m, m.environments["own"]).pypi_options
    assert own.index_url == "https://own.example.invalid/simple"
    assert own.extra_index_urls == ["https://base-extra.example.invalid/simple", "https://default.example.invalid/simple"]
    bare = resolve_environment(m, m.environments["bare"]).pypi_options  # the base applies without the default feature
    assert (bare.index_url, bare.extra_index_urls) == ("https://base.example.invalid/simple", ["https://base-extra.example.invalid/simple"])


def test_package_manifests_reached_through_the_workspace_load(tmp_path):
    import json

    from solver.cli import main
    from solver.manifest import load_manifest

    (tmp_path / "packages" / "core").mkdir(parents=True)
    (tmp_path / "packages" / "core" / "pixi.toml").write_text(
        '[package]\nname = "core"\nversion = { workspace = true }\n[package.build]\nbackend = { name = "pixi-build-cmake", version = "*" }\n'
        '[package.run-dependencies."if(linux)"]\nlibgcc = "*"\n')
    (tmp_path / "tool").mkdir()
    (tmp_path / "tool" / "pyproject.toml").write_text('[project]\nname = "tool"\n[tool.pixi.package]\nname = "tool"\nversion = "1.0"\n[tool.pixi.package.build]\nbackend = { name = "pixi-build-python" }\n')
    (tmp_path / "pixi.toml").write_text(WS + 'version = "0.2.0"\nplatforms = ["linux-64"]\npreview = ["pixi-build"]\nmembers = ["packages/*"]\n'
                                        '[dependencies]\ntool = { path = "tool" }\n')
    m = load_manifest(tmp_path)
    assert set(m.member_packages) == {"packages/core", "tool"}
    packages = json.loads(_stdout(main, tmp_path))["packages"]
    assert packages["packages/core"] == {"name": "core", "version": {"workspace": True}, "build_backend": "pixi-build-cmake"}
    assert packages["tool"]["build_backend"] == "pixi-build-python"


def _stdout(main, root) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["inspect", str(root), "--json"]) == 0
    return out.getvalue()


def test_a_broken_member_package_is_a_located_error_in_its_own_file(tmp_path):
    from solver.manifest import ManifestError, load_manifest

    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "pixi.toml").write_text('[package]\nname = "child"\n[package.biuld]\nbackend = { name = "x" }\n')
    (tmp_path / "pixi.toml").write_text(WS + 'platforms = ["linux-64"]\n[dependencies]\nchild = { path = "child" }\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'child' / 'pixi.toml'}:3:") and "did you mean `build`" in str(err.value)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('platforms = [{ name = "bad name", platform = "linux-64" }]\n', "workspace.platforms[0].name", ["invalid platform name"]),
        ("platforms = [{}]\n", "workspace.platforms[0]", ["needs `platform`"]),
        ('platforms = [{ name = "linux", platform = "linux-64", cuda = "12" }]\n', "workspace.platforms[0].name", ["reserved"]),
        ('platforms = ["linux-64"]\n[workspace.audit]\nunknown = true\n', "workspace.audit.unknown", ["unknown key"]),
    ],
)
def test_what_pixis_schema_rejects_is_rejected(manifest_error, text, key, words):
    err = manifest_error(WS + text)
    assert err.key == key and err.line is not None
    for word in words:
        assert word in str(err)


def test_reserved_task_argument_name(manifest_error):
    err = manifest_error(WS + 'platforms = ["linux-64"]\n[tasks.foo]\nargs = ["pixi"]\ncmd = "{{ pixi }}"\n')
    assert "`pixi` is reserved" in str(err) and err.key == "tasks.foo.args[0]"


def test_package_target_tables_warn_as_deprecated(manifest_at):
    m = manifest_at(WS + 'platforms = ["linux-64"]\npreview = ["pixi-build"]\n[package]\nname = "p"\nversion = "0.1.0"\n'
                    '[package.build.backend]\nname = "pixi-build-python"\n[package.target.linux-64.host-dependencies]\nfoo = "*"\n')
    assert any("[package.target.<platform>] is deprecated" in w and ":11:" in w for w in m.warnings)


def test_dev_installs_the_packages_declared_dependencies(tmp_path, h):
    from solver.manifest import load_manifest

    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "pixi.toml").write_text(
        '[package]\nname = "lib"\nversion = "0.1.0"\n[package.build.backend]\nname = "pixi-build-cmake"\n'
        '[package.build-dependencies]\ncmake = ">=3.27"\n[package.host-dependencies]\npython = { workspace = true }\n'
        '[package.run-dependencies]\nbat = "*"\n[package.run-dependencies."if(linux or osx)"]\nlibgcc = "*"\n'
        '[package.run-dependencies."if(not unix)"]\nvc = "*"\n')
    (tmp_path / "pixi.toml").write_text(WS + 'platforms = ["linux-64", "win-64"]\npreview = ["pixi-build"]\n'
                                        '[workspace.dependencies]\npython = ">=3.12"\n[dev]\nlib = { path = "lib" }\n')
    units = build_requests(load_manifest(tmp_path))
    linux, win = h.one(units, "default", "linux-64"), h.one(units, "default", "win-64")
    assert linux.conda.specs == ["cmake >=3.27", "python >=3.12", "bat", "libgcc"] and linux.conda_sources == []
    assert win.conda.specs == ["cmake >=3.27", "python >=3.12", "bat", "vc"]


def test_variant_flags_reach_the_conda_request(manifest_at, h):
    m = manifest_at(WS + """\
platforms = ["linux-64"]
[dependencies]
blas = { version = "*", flags = ["blas:mkl"] }
[feature.fast.dependencies]
blas = { version = ">=1", flags = ["~debug"] }
[environments]
fast = ["fast"]
""")
    assert not m.warnings
    units = build_requests(m)
    assert h.one(units, "default", "linux-64").conda.flags == {"blas": ["blas:mkl"]}
    assert h.one(units, "fast", "linux-64").conda.flags == {"blas": ["blas:mkl", "~debug"]}


@pytest.mark.parametrize("flag", ['"-x"', '"!debug"', '""'])
def test_bad_variant_flags_are_located(manifest_error, flag):
    err = manifest_error(WS + f'platforms = ["linux-64"]\n[dependencies]\nblas = {{ version = "*", flags = ["ok", {flag}] }}\n')
    assert err.key == "dependencies.blas.flags[1]" and err.line == 6 and err.column is not None
    assert "invalid variant flag" in err.message


def test_per_index_exclude_newer_reaches_the_pypi_request(manifest_at, h):
    m = manifest_at(WS + """\
platforms = ["linux-64"]
exclude-newer = "2024-01-01"
[pypi-dependencies]
a = "*"
[pypi-options]
extra-index-urls = [
  "https://plain.example.invalid/simple",
  { url = "https://mine.example.invalid/simple", exclude-newer = false },
  { url = "https://dated.example.invalid/simple", exclude-newer = "2025-01-01" },
]
""")
    assert not m.warnings
    indexes = {i.url.split("//")[1].split(".")[0]: i for i in h.one(build_requests(m), "default", "linux-64").pypi.indexes}
    assert not indexes["plain"].own_cutoff
    assert indexes["mine"].own_cutoff and indexes["mine"].exclude_newer is None
    assert indexes["dated"].own_cutoff and indexes["dated"].exclude_newer == ms(2025, 1, 2)  # a date: through its whole day


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ('{ url = "https://i.example.invalid/simple", exclude-newer = true }', "pypi-options.extra-index-urls[0].exclude-newer", "true"),
        ('{ exclude-newer = false }', "pypi-options.extra-index-urls[0]", "needs `url`"),
        ('{ url = "https://i.example.invalid/simple", exclude-newer = "soon" }', "pypi-options.extra-index-urls[0].exclude-newer", "invalid date"),
    ],
)
def test_bad_per_index_exclude_newer(manifest_error, entry, key, words):
    err = manifest_error(WS + f'platforms = ["linux-64"]\n[pypi-options]\nextra-index-urls = [{entry}]\n')
    assert err.key == key and err.line == 6 and err.column is not None
    assert words in err.message


# -- pypi-txt: requirements files in [dependencies] ---------------------------------------------


def test_pypi_txt_requirements_files_join_the_pypi_dependencies(manifest_at, tmp_path, h):
    (tmp_path / "requirements.txt").write_text("attrs>=23  # pinned\n\n# a comment\n-r sub/more.txt\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.txt").write_text("packaging ; python_version >= '3.8'\n")
    (tmp_path / "dev.txt").write_text("pytest\n")
    m = manifest_at(WS + """\
platforms = ["linux-64"]
[dependencies]
python = ">=3.11"
pypi-txt = ["requirements.txt"]
[pypi-dependencies]
attrs = "==23.2"
[feature.dev.dependencies]
pypi-txt = "dev.txt"
[environments]
dev = ["dev"]
""")
    default = m.features["default"].base
    assert set(default.dependencies) == {"python"}  # pypi-txt is not a conda package
    pypi = default.pypi_dependencies
    assert sorted(pypi) == ["attrs", "packaging"]
    assert pypi["attrs"].specifier == "==23.2"  # the manifest's own entry wins over the file's
    assert pypi["packaging"].marker == 'python_version >= "3.8"'
    assert sorted(m.features["dev"].base.pypi_dependencies) == ["pytest"]


@pytest.mark.parametrize(
    ("files", "content", "message"),
    [
        ('"missing.txt"', None, "cannot read the requirements file"),
        ('"req.txt"', "--index-url https://example.invalid/simple\n", "req.txt:1: `--index-url https://example.invalid/simple` is not supported"),
        ('"req.txt"', "ok\nnot a requirement!\n", "req.txt:2: invalid requirement"),
        ("3", None, "expected a requirements file path or a list of them"),
    ],
)
def test_pypi_txt_errors_name_the_file_and_line(manifest_at, tmp_path, files, content, message):
    from solver.manifest import ManifestError

    if content is not None:
        (tmp_path / "req.txt").write_text(content)
    with pytest.raises(ManifestError) as err:
        manifest_at(WS + f'platforms = ["linux-64"]\n[dependencies]\npypi-txt = {files}\n')
    assert message in str(err.value)
    assert "pixi.toml:6:" in str(err.value)  # located at the key


@pytest.mark.parametrize(
    ("exports", "error"),
    [
        ('[package.run-exports.strong]\nmypkg = { pin-subpackage = true }\n[package.run-exports.weak-constrains]\nlibx = ">=1"\n', None),
        ('[package.run-exports.stong]\nmypkg = "*"\n', "did you mean `strong`?"),
        ('[package.run-exports.weak]\nlibx = 3\n', "expected a version string or a table for `libx`"),
    ],
)
def test_package_run_exports(tmp_path, exports, error):
    from solver.manifest import ManifestError, load_manifest

    (tmp_path / "pixi.toml").write_text(
        WS + 'platforms = ["linux-64"]\npreview = ["pixi-build"]\n[dependencies]\nmypkg = { path = "." }\n'
        '[package]\nname = "mypkg"\nversion = "0.1.0"\n[package.build]\nbackend = { name = "pixi-build-cmake", version = "*" }\n'
        '[package.run-dependencies]\nlibx = { pin-compatible = { upper-bound = "x" } }\n' + exports)
    if error is None:
        assert load_manifest(tmp_path).package["run-exports"]["strong"] == {"mypkg": {"pin-subpackage": True}}
    else:
        with pytest.raises(ManifestError) as err:
            load_manifest(tmp_path)
        assert error in str(err.value) and "pixi.toml:" in str(err.value)
