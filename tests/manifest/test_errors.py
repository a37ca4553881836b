"""Every kind of manifest error names the file, line:column, the key and a fix."""

from __future__ import annotations

import textwrap

import pytest

from solver.cli import main
from solver.errors import InputError
from solver.manifest import ManifestError, build_requests, load_manifest

HEAD = """\
[project]
name = "p"
channels = ["conda-forge"]
platforms = ["linux-64"]
"""


def check(err: ManifestError, tmp_path, line: int, column: int, key: str, *needles: str, suggestion: str = ""):
    text = str(err)
    assert isinstance(err, InputError)
    assert err.file == str(tmp_path / "pixi.toml")
    assert text.startswith(f"{tmp_path / 'pixi.toml'}:{line}:{column}: {key}: "), text
    assert (err.line, err.column, err.key) == (line, column, key)
    for needle in needles:
        assert needle in text, text
    assert suggestion in (err.suggestion or ""), err.suggestion
    assert "\n  help: " in text


def test_unknown_top_level_table(manifest_error, tmp_path):
    err = manifest_error(HEAD + "[dependencis]\nnumpy = '*'\n")
    check(err, tmp_path, 5, 2, "dependencis", "unknown key `dependencis`", suggestion="did you mean `dependencies`?")


def test_unknown_project_key(manifest_error, tmp_path):
    err = manifest_error('[project]\nname = "p"\nchannels = []\nplatform = ["linux-64"]\n')
    check(err, tmp_path, 4, 1, "project.platform", "unknown key", suggestion="did you mean `platforms`?")


def test_unknown_key_in_inline_pypi_table(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[pypi-dependencies]\npandas = { version = ">=1", extra = ["sql"] }\n')
    check(err, tmp_path, 6, 29, "pypi-dependencies.pandas.extra", suggestion="did you mean `extras`?")


def test_unknown_key_in_multiline_inline_table(manifest_error, tmp_path):
    # TOML 1.1: newlines and trailing commas inside inline tables
    text = HEAD + '[tasks]\nbuild = {\n  cmd = "make",\n  dependson = ["x"],\n}\n'
    err = manifest_error(text)
    check(err, tmp_path, 8, 3, "tasks.build.dependson", suggestion="did you mean `depends-on`?")


def test_unknown_key_in_feature_and_target(manifest_error, tmp_path):
    err = manifest_error(HEAD + "[feature.gpu]\nchanels = ['nvidia']\n")
    check(err, tmp_path, 6, 1, "feature.gpu.chanels", suggestion="did you mean `channels`?")
    err = manifest_error(HEAD + "[target.linux-64.dependency]\nx = '*'\n")
    check(err, tmp_path, 5, 18, "target.linux-64.dependency", suggestion="did you mean `dependencies`?")


def test_wrong_type(manifest_error, tmp_path):
    err = manifest_error('[project]\nname = "p"\nchannels = []\nplatforms = "linux-64"\n')
    check(err, tmp_path, 4, 13, "project.platforms", "expected an array of platform names, found a string")
    err = manifest_error(HEAD + "[activation]\nscripts = 'setup.sh'\n")
    check(err, tmp_path, 6, 11, "activation.scripts", "expected an array of script paths")
    err = manifest_error(HEAD + "[dependencies]\nnumpy = 1\n")
    check(err, tmp_path, 6, 1, "dependencies.numpy", "expected a version string or a table, found an integer")


def test_invalid_conda_spec(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[dependencies]\nnumpy = ">=1.0,,<2"\n')
    check(err, tmp_path, 6, 9, "dependencies.numpy", "invalid conda spec `numpy >=1.0,,<2`", suggestion="VersionSpec")


def test_invalid_conda_spec_in_table_points_at_version(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[dependencies]\nnumpy = { version = ">=1.0,", channel = "conda-forge" }\n')
    check(err, tmp_path, 6, 21, "dependencies.numpy.version", "invalid conda spec")


def test_invalid_pypi_specifier(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[pypi-dependencies]\nrequests = ">>2"\n')
    check(err, tmp_path, 6, 12, "pypi-dependencies.requests", "invalid PEP 440 specifier `>>2`", suggestion="PEP 440")


def test_invalid_marker(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[pypi-dependencies]\nrequests = { version = "*", env-markers = "sys_platform = linux" }\n')
    check(err, tmp_path, 6, 43, "pypi-dependencies.requests.env-markers", "invalid environment marker")


def test_conflicting_pypi_sources(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[pypi-dependencies]\nx = { git = "https://git.example.invalid/x", path = "./x" }\n')
    check(err, tmp_path, 6, 46, "pypi-dependencies.x.path", "more than one source", suggestion="keep one")


def test_unknown_platform(manifest_error, tmp_path):
    err = manifest_error('[project]\nname = "p"\nchannels = []\nplatforms = ["linux-64", "osx-arm"]\n')
    check(err, tmp_path, 4, 26, "project.platforms[1]", "unknown platform `osx-arm`", suggestion="did you mean `osx-arm64`?")


def test_unknown_target_selector(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[target.linux64.dependencies]\nx = "*"\n')
    check(err, tmp_path, 5, 9, "target.linux64", "unknown target platform", suggestion="did you mean `linux-64`?")


def test_environment_with_missing_feature(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[feature.test.dependencies]\npytest = "*"\n[environments]\ntest = ["tset"]\n')
    check(err, tmp_path, 8, 9, "environments.test[0]", "feature `tset` which is not defined", suggestion="did you mean `test`?")
    err = manifest_error(HEAD + '[environments]\nlint = { features = ["lint"] }\n')
    check(err, tmp_path, 6, 22, "environments.lint.features[0]", suggestion="[feature.lint]")


def test_two_index_strategies_in_one_environment(manifest_error, tmp_path):
    text = (
        HEAD
        + '[pypi-dependencies]\nx = "*"\n'
        + '[pypi-options]\nindex-strategy = "first-index"\n'
        + '[feature.a.pypi-options]\nindex-strategy = "unsafe-best-match"\n'
        + "[environments]\nboth = ['a']\n"
    )
    err = manifest_error(text)
    check(
        err,
        tmp_path,
        8,
        1,
        "pypi-options.index-strategy",
        "`first-index` of feature `default` conflicts with `unsafe-best-match` of feature `a` in environment `both`",
        suggestion="only one index-strategy",
    )


def test_two_index_strategies_in_one_solve_group(tmp_path):
    text = (
        HEAD
        + '[pypi-dependencies]\nx = "*"\n'
        + '[feature.a.pypi-options]\nindex-strategy = "first-index"\n'
        + '[feature.b.pypi-options]\nindex-strategy = "unsafe-first-match"\n'
        + "[environments]\na = { features = ['a'], solve-group = 'g' }\nb = { features = ['b'], solve-group = 'g' }\n"
    )
    (tmp_path / "pixi.toml").write_text(text)
    m = load_manifest(tmp_path)
    build_requests(m, environments=["default"])  # other environments are fine on their own
    with pytest.raises(ManifestError) as info:
        build_requests(m, environments=["a"])
    assert "solve group `g`" in str(info.value) and "index-strategy" in str(info.value)
    assert info.value.file == str(tmp_path / "pixi.toml")


def test_two_index_urls_in_one_environment(manifest_error, tmp_path):
    text = (
        HEAD
        + '[pypi-dependencies]\nx = "*"\n'
        + '[pypi-options]\nindex-url = "http://127.0.0.1:1/simple"\n'
        + '[feature.a.pypi-options]\nindex-url = "http://127.0.0.1:2/simple"\n'
        + "[environments]\nboth = ['a']\n"
    )
    err = manifest_error(text)
    check(err, tmp_path, 8, 1, "pypi-options.index-url", "conflicts with `http://127.0.0.1:2/simple` of feature `a`", suggestion="only one index-url")


def test_undeclared_index(manifest_error, tmp_path):
    text = (
        HEAD
        + '[pypi-dependencies]\nx = { version = "*", index = "cloudrep" }\n'
        + '[[project.pypi-indices]]\nname = "cloudrepo"\nurl = "http://127.0.0.1:1/simple"\n'
    )
    err = manifest_error(text)
    check(err, tmp_path, 6, 22, "pypi-dependencies.x.index", "index `cloudrep` is not declared", suggestion="did you mean `cloudrepo`?")


def test_bad_index_priority_and_duplicate_index(manifest_error, tmp_path):
    base = HEAD + '[[project.pypi-indices]]\nname = "a"\nurl = "http://127.0.0.1:1/simple"\n'
    err = manifest_error(base + 'priority = "suplemental"\n')
    check(err, tmp_path, 8, 12, "project.pypi-indices[0].priority", suggestion="did you mean `supplemental`?")
    err = manifest_error(base + '[[project.pypi-indices]]\nname = "a"\nurl = "http://127.0.0.1:2/simple"\n')
    check(err, tmp_path, 9, 1, "project.pypi-indices[1].name", "declared twice")


def test_toml_syntax_error_names_file_line_and_column(manifest_error, tmp_path):
    err = manifest_error(HEAD + "[dependencies]\nnumpy = >=1\n")
    assert err.file == str(tmp_path / "pixi.toml")
    assert err.line == 6 and err.column is not None
    assert str(err).startswith(f"{tmp_path / 'pixi.toml'}:6:") and "invalid TOML" in str(err)


def test_feature_named_default_is_refused(manifest_error, tmp_path):
    err = manifest_error(HEAD + "[feature.default.dependencies]\nx = '*'\n")
    check(err, tmp_path, 5, 10, "feature.default", suggestion="rename")


def test_channels_outside_the_project_table(manifest_error, tmp_path):
    err = manifest_error('channels = ["conda-forge"]\n[project]\nname = "p"\nplatforms = []\n')
    check(err, tmp_path, 1, 1, "channels", suggestion="move it to [project].channels")


def test_bad_exclude_newer_and_system_requirement(manifest_error, tmp_path):
    err = manifest_error(HEAD + 'exclude-newer = "yesterday"\n')
    check(err, tmp_path, 5, 17, "project.exclude-newer", "invalid date")
    err = manifest_error(HEAD + '[system-requirements]\nlibc = { family = "glibc" }\n')
    check(err, tmp_path, 6, 1, "system-requirements.libc", "needs a version")
    err = manifest_error(HEAD + '[system-requirements]\ncuda = "twelve"\n')
    check(err, tmp_path, 6, 8, "system-requirements.cuda", "invalid cuda version")


def test_task_without_command(manifest_error, tmp_path):
    err = manifest_error(HEAD + "[tasks]\nnothing = { cwd = 'x' }\n")
    check(err, tmp_path, 6, 13, "tasks.nothing.cwd", "has `cwd` but no `cmd`")


def test_credentials_never_appear_in_messages(tmp_path):
    text = (
        HEAD
        + '[pypi-dependencies]\nx = { git = "https://user:hunter2@git.example.invalid/x.git" }\n'
        + '[feature.a.pypi-dependencies]\nx = { git = "https://user:hunter2@git.example.invalid/y.git" }\n'
        + "[environments]\na = ['a']\n"
    )
    (tmp_path / "pixi.toml").write_text(text)
    with pytest.raises(ManifestError) as info:
        build_requests(load_manifest(tmp_path))
    assert "two different sources" in str(info.value)
    assert "hunter2" not in str(info.value) and "****@git.example.invalid" in str(info.value)


def test_unknown_environment_and_platform_selection(tmp_path):
    (tmp_path / "pixi.toml").write_text(HEAD + "[feature.test.dependencies]\nx = '*'\n[environments]\ntest = ['test']\n")
    m = load_manifest(tmp_path)
    with pytest.raises(ManifestError, match="unknown environment `tets`") as info:
        build_requests(m, environments=["tets"])
    assert info.value.suggestion == "did you mean `test`?"
    with pytest.raises(ManifestError, match="unknown platform `linux_64`"):
        build_requests(m, platforms=["linux_64"])
    with pytest.raises(ManifestError, match="osx-64 is not supported"):
        build_requests(m, platforms=["osx-64"])


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    (tmp_path / "pixi.toml").write_text(textwrap.dedent(HEAD + "[dependencis]\n"))
    code = main(["inspect", str(tmp_path / "pixi.toml")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(f"error: {tmp_path / 'pixi.toml'}:5:2: dependencis: unknown key")
    assert "Traceback" not in captured.err and captured.out == ""


def test_source_field_misuse(manifest_error, tmp_path):
    err = manifest_error(HEAD + '[pypi-dependencies]\nx = { version = "*", rev = "abc" }\n')
    check(err, tmp_path, 6, 22, "pypi-dependencies.x.rev", "only applies to a git source")
    err = manifest_error(HEAD + '[pypi-dependencies]\nx = { version = "*", editable = true }\n')
    check(err, tmp_path, 6, 22, "pypi-dependencies.x.editable", "only applies to a path source")
    err = manifest_error(HEAD + '[pypi-dependencies]\nx = { path = "./x", index = "a" }\n')
    check(err, tmp_path, 6, 21, "pypi-dependencies.x.index", "not to a path source")
    err = manifest_error(HEAD + '[dependencies]\nx = { version = "1", tag = "v1" }\n')
    check(err, tmp_path, 6, 22, "dependencies.x.tag", "only applies to a git source")
    err = manifest_error(HEAD + '[pypi-dependencies]\n"pandas[sql]" = "*"\n')
    check(err, tmp_path, 6, 1, 'pypi-dependencies."pandas[sql]"', "invalid PyPI package name", suggestion="names are")


# Conda package names and version specs are checked without regular expressions on the common
# path; these tables pin what the checks accept, and how a spec's blanks are taken out.
@pytest.mark.parametrize(
    "name, ok",
    [("numpy", True), ("_libgcc_mutex", True), ("ros-humble-rclpy", True), ("python.app", True), ("7zip", True),
     ("A", True), ("-x", False), (".x", False), ("", False), ("num py", False), ("numpy\n", False), ("numpy[x]", False),
     ("nümpy", False), ("num/py", False), ("x=1", False), ("x*", False)],
)
def test_conda_package_names(name, ok):
    from solver.manifest.checks import is_conda_name

    assert is_conda_name(name) is ok


@pytest.mark.parametrize(
    "spec, normal",
    [(">=1.2,<2", ">=1.2,<2"), (" >= 1.2 , < 2 ", ">=1.2,<2"), ("1.2.*", "1.2.*"), ("==1.0 | ==2.0", "==1.0|==2.0"),
     ("3.12.* *_cpython", "3.12.* *_cpython"), (">=1.2\t,<2", ">=1.2,<2"), ("  *  ", "*")],
)
def test_version_specs_lose_their_blanks_around_operators(spec, normal):
    from solver.manifest.dependencies import normalize_version

    assert normalize_version(spec) == normal
