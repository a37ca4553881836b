"""Bad input as a user hits it on the command line: every case ends in one ``error:`` message that
names the file, key, spec or record at fault (file:line:column for manifests), the documented exit
code, no traceback and no "internal error"; credentials never reach the message, and nothing
half-written is left in the cache or in place of the lock file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import zipfile
from pathlib import Path

import pytest

from solver.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS", "SOLVER_TIMEOUT", "SOLVER_CONCURRENCY",
                "PIXI_IN_SHELL", "PIXI_PROJECT_MANIFEST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def fails(capsys, argv, code=2) -> str:
    """Runs the CLI, asserts the exit code and a clean one-message failure; returns stderr."""
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == code, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.startswith("error: ") or "\nerror: " in err, err
    return err


def cache_files(tmp_path) -> list[str]:
    """Files in the cache dir that are not whole entries (temporary or partial downloads)."""
    cache = tmp_path / "cache"
    if not cache.exists():
        return []
    return [str(p) for p in cache.rglob("*") if p.is_file() and (p.name.endswith((".tmp", ".part")) or p.name.startswith("."))]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deny_read(monkeypatch, path: Path) -> None:
    """Makes ``path`` unreadable: by permissions, and for root (who ignores them) by refusing reads."""
    path.chmod(0)
    if os.geteuid() == 0:
        real_bytes, real_text = Path.read_bytes, Path.read_text

        def refuse(real):
            def read(self, *a, **kw):
                if Path(self) == path:
                    raise PermissionError(13, "Permission denied", str(self))
                return real(self, *a, **kw)

            return read

        monkeypatch.setattr(Path, "read_bytes", refuse(real_bytes))
        monkeypatch.setattr(Path, "read_text", refuse(real_text))


def deny_write(monkeypatch, folder: Path) -> None:
    """Makes ``folder`` unwritable: by permissions, and for root by refusing temporary files there."""
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:
        import solver.atomic

        real = solver.atomic._create_temp

        def create_temp(parent, prefix, suffix):
            if Path(parent).resolve() == folder.resolve():
                raise PermissionError(13, "Permission denied", str(folder))
            return real(parent, prefix, suffix)

        monkeypatch.setattr(solver.atomic, "_create_temp", create_temp)


# -- manifests ------------------------------------------------------------------------------------


def manifest_with(tmp_path, body: str, channel: str | None = None, name: str = "pixi.toml") -> Path:
    """A project folder whose manifest has a workspace on linux-64 with the demo channel, then ``body``."""
    channel = channel or (DEMO / "channels" / "demo").as_posix()
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    head = f'[workspace]\nname = "bad"\nchannels = ["{channel}"]\nplatforms = ["linux-64"]\n'
    (root / name).write_text(head + body, encoding="utf-8")
    return root / name


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ('[dependencies]\nnumpy = ">=>1"\n', ":6:", ["dependencies.numpy", "numpy >=>1"]),
        ('[dependencies]\npython = { version = ">=3", colour = "red" }\n', ":6:", ["dependencies.python.colour", "colour"]),
        ('[dependencies]\npython = 3\n', ":6:", ["dependencies.python", "integer"]),
        ('[pypi-dependencies]\nfoo = "=>1"\n', ":6:", ["pypi-dependencies.foo", "=>1", "PEP 440"]),
        ('[pypi-dependencies]\nfoo = { path = "./foo", git = "https://git.example.invalid/foo" }\n', ":6:",
         ["pypi-dependencies.foo", "git", "path"]),
        ('[pypi-dependencies]\nfoo = { version = ">=1", extras = "a" }\n', ":6:", ["pypi-dependencies.foo.extras"]),
        ('[feature.a.dependencies]\npython = "*"\n[environments]\na = ["a", "a"]\n', ":8:", ["environments.a[1]", "`a`"]),
        ('[environments]\na = ["nope"]\n', ":6:", ["environments.a[0]", "`nope`"]),
        ('[environments]\na = { features = "x" }\n', ":6:", ["environments.a.features"]),
        ('[target.linux-65.dependencies]\npython = "*"\n', ":5:", ["target.linux-65", "linux-64"]),
        ('[system-requirements]\nlibc = { family = "glibc", version = ">=>" }\n', ":6:", ["system-requirements.libc.version"]),
        ('[pypi-options]\nfind-links = "./wheels"\n', ":6:", ["pypi-options.find-links"]),
    ],
    ids=["matchspec", "dependency-unknown-key", "dependency-int", "pep440", "path-and-git", "extras-string",
         "feature-twice", "unknown-feature", "features-string", "unknown-target", "libc-version", "find-links-string"],
)
def test_manifest_value_errors_name_file_line_and_key(tmp_path, capsys, body, where, words):
    manifest = manifest_with(tmp_path, body)
    err = fails(capsys, ["solve", str(manifest.parent), "-q"])
    assert f"{manifest}{where}" in err
    for word in words:
        assert word in err
    assert not (manifest.parent / "pixi.lock").exists()


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('[workspace]\nname = "x"\nchannels = "conda-forge"\nplatforms = ["linux-64"]\n', ":3:", ["workspace.channels", "array"]),
        ('[workspace]\nname = "x"\nchannels = []\nplatforms = ["linux-65"]\n', ":4:", ["workspace.platforms[0]", "linux-65", "linux-64"]),
        ('[workspace]\nname = "x"\nchannels = []\nplatforms = "linux-64"\n', ":4:", ["workspace.platforms"]),
        ('dependencies = ["python"]\n[workspace]\nname = "x"\n', ":1:", ["dependencies", "table"]),
        ('[workspace]\nname = "x"\nchannels = []\nplatforms = []\ndependencies = ["python"]\n', ":5:", ["workspace.dependencies", "expected a table"]),
        ('workspace = "x"\n', ":1:", ["workspace", "table"]),
        ('this is [ not toml\n', ":1:", ["invalid TOML"]),
        ('[workspace]\nname = "x"\nname = "y"\n', ":3:", ["invalid TOML"]),
    ],
    ids=["channels-string", "platform-unknown", "platforms-string", "dependencies-list", "key-in-wrong-table",
         "workspace-string", "not-toml", "duplicate-key"],
)
def test_manifest_structure_errors(tmp_path, capsys, text, where, words):
    (tmp_path / "pixi.toml").write_text(text)
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert f"{tmp_path / 'pixi.toml'}{where}" in err
    for word in words:
        assert word in err


@pytest.mark.parametrize("text", ["", "\n# nothing yet\n", '[dependencies]\npython = "*"\n'], ids=["empty", "comment", "no-workspace"])
def test_manifest_without_workspace_table_is_an_error_not_an_empty_lock(tmp_path, capsys, text):
    (tmp_path / "pixi.toml").write_text(text)
    err = fails(capsys, ["solve", str(tmp_path)])
    assert str(tmp_path / "pixi.toml") in err and "[workspace]" in err
    assert not (tmp_path / "pixi.lock").exists()
    err = fails(capsys, ["inspect", str(tmp_path)])
    assert "[workspace]" in err


def test_manifest_without_platforms_warns_that_nothing_is_solved(tmp_path, capsys):
    (tmp_path / "pixi.toml").write_text('[workspace]\nname = "x"\nchannels = []\nplatforms = []\n')
    assert main(["solve", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "no platforms" in err and str(tmp_path / "pixi.toml") in err


def test_toml_1_1_syntax_reads_and_errors_inside_it_keep_their_position(tmp_path, capsys):
    # tomli reads TOML 1.1 (multi-line inline tables, trailing commas): positions must stay right
    manifest = manifest_with(tmp_path, '[dependencies]\npython = {\n  version = ">=3.11",\n  build = 3,\n}\n')
    err = fails(capsys, ["solve", str(manifest), "-q"])
    assert f"{manifest}:8:" in err and "dependencies.python.build" in err


def test_control_characters_from_toml_escapes_are_shown_escaped(tmp_path, capsys):
    manifest = manifest_with(tmp_path, '[dependencies]\npython = "\\e"\n"py\\x1bthon" = "*"\n')
    err = fails(capsys, ["solve", str(manifest), "-q"])
    assert "\x1b" not in err  # a raw ESC would be invisible (or drive the terminal)
    assert "\\x1b" in err and f"{manifest}:6:" in err


def test_pyproject_without_tool_pixi(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    err = fails(capsys, ["solve", str(tmp_path / "pyproject.toml"), "-q"])
    assert str(tmp_path / "pyproject.toml") in err and "[tool.pixi]" in err
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert str(tmp_path) in err and "pyproject.toml with [tool.pixi]" in err


def test_pyproject_that_is_not_toml_is_reported_as_such_for_a_folder(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n')
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert f"{tmp_path / 'pyproject.toml'}:1:" in err and "invalid TOML" in err


def test_pyproject_with_wrong_pep621_types(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = "requests"\n'
        '[tool.pixi.workspace]\nchannels = []\nplatforms = ["linux-64"]\n'
    )
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert f"{tmp_path / 'pyproject.toml'}:4:" in err and "project.dependencies" in err


def test_pyproject_dependency_group_including_itself(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[dependency-groups]\ntest = [{ include-group = "test" }]\n'
        '[tool.pixi.workspace]\nchannels = []\nplatforms = ["linux-64"]\n'
    )
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert str(tmp_path / "pyproject.toml") in err and "dependency-groups.test" in err and "`test`" in err


def test_manifest_that_is_not_utf8(tmp_path, capsys):
    (tmp_path / "pixi.toml").write_bytes(b'[workspace]\nname = "caf\xe9"\n')
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert str(tmp_path / "pixi.toml") in err and "UTF-8" in err


def test_unreadable_manifest(tmp_path, capsys, monkeypatch):
    manifest = manifest_with(tmp_path, "")
    deny_read(monkeypatch, manifest)
    err = fails(capsys, ["solve", str(manifest), "-q"])
    assert str(manifest) in err and "cannot read" in err and "ermission denied" in err


def test_folder_without_manifest_and_paths_that_do_not_exist(tmp_path, capsys):
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert str(tmp_path) in err and "no pixi.toml" in err
    err = fails(capsys, ["solve", str(tmp_path / "missing.toml"), "-q"])
    assert str(tmp_path / "missing.toml") in err and "does not exist" in err
    err = fails(capsys, ["inspect", str(tmp_path / "missing")])
    assert str(tmp_path / "missing") in err and "does not exist" in err


def test_discovery_from_a_folder_without_manifest(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = fails(capsys, ["solve", "-q"])
    assert "no pixi.toml" in err and str(tmp_path) in err


# -- channels -------------------------------------------------------------------------------------


EMPTY = {"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}}


def channel(tmp_path, noarch=None, linux=None, record=None) -> Path:
    """A local channel; ``record`` overrides fields of one linux-64 record (None deletes a field)."""
    root = tmp_path / "chan"
    for sd in ("noarch", "linux-64"):
        (root / sd).mkdir(parents=True, exist_ok=True)
    (root / "noarch" / "repodata.json").write_text(json.dumps(EMPTY) if noarch is None else noarch)
    if record is not None:
        rec = {"name": "foo", "version": "1.0", "build": "0", "build_number": 0, "depends": [], "subdir": "linux-64"}
        rec.update(record)
        rec = {k: v for k, v in rec.items() if v is not None}
        linux = json.dumps({"info": {"subdir": "linux-64"}, "packages": {"foo-1.0-0.tar.bz2": rec}})
    (root / "linux-64" / "repodata.json").write_text(json.dumps({**EMPTY, "info": {"subdir": "linux-64"}}) if linux is None else linux)
    return root


def solve_with_channel(tmp_path, capsys, chan: str, code=2) -> str:
    manifest = manifest_with(tmp_path, '[dependencies]\nfoo = "*"\n', channel=chan)
    err = fails(capsys, ["solve", str(manifest), "-q"], code=code)
    assert not (manifest.parent / "pixi.lock").exists()
    return err


def test_channel_path_that_does_not_exist(tmp_path, capsys):
    err = solve_with_channel(tmp_path, capsys, (tmp_path / "nowhere").as_posix())
    assert str(tmp_path / "nowhere") in err and "not found" in err


def test_channel_without_noarch(tmp_path, capsys):
    root = channel(tmp_path)
    shutil.rmtree(root / "noarch")
    err = solve_with_channel(tmp_path, capsys, root.as_posix())
    assert "noarch" in err and str(root / "noarch" / "repodata.json") in err


@pytest.mark.parametrize(
    ("noarch", "words"),
    [("this is not json", ["JSON object"]), (json.dumps(EMPTY)[:25], ["end of file"]), ("[]", ["JSON object"])],
    ids=["not-json", "truncated", "array"],
)
def test_repodata_that_is_not_repodata(tmp_path, capsys, noarch, words):
    root = channel(tmp_path, noarch=noarch)
    err = solve_with_channel(tmp_path, capsys, root.as_posix())
    assert str(root / "noarch" / "repodata.json") in err and "malformed repodata" in err
    for word in words:
        assert word in err


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"version": None}, ["version"]),
        ({"depends": "bar >=1"}, ["depends", "array"]),
        ({"build_number": "x"}, ["build_number", "int"]),
        ({"build_number": 1.5}, ["build_number", "int"]),
        ({"constrains": "bar"}, ["constrains"]),
        ({"name": None}, ["name"]),
    ],
    ids=["no-version", "depends-string", "build-number-string", "build-number-float", "constrains-string", "no-name"],
)
def test_repodata_record_with_wrong_fields(tmp_path, capsys, record, words):
    root = channel(tmp_path, record=record)
    err = solve_with_channel(tmp_path, capsys, root.as_posix())
    assert "foo-1.0-0.tar.bz2" in err and str(root / "linux-64" / "repodata.json") in err
    for word in words:
        assert word in err


def test_record_with_unparsable_dependency_explains_it_in_the_unsat_story(tmp_path, capsys):
    root = channel(tmp_path, record={"depends": ["bar >=>1"]})
    err = solve_with_channel(tmp_path, capsys, root.as_posix(), code=1)
    assert "bar >=>1" in err and "foo" in err


def test_corrupt_zst_repodata(tmp_path, capsys):
    root = channel(tmp_path)
    (root / "noarch" / "repodata.json").unlink()
    (root / "noarch" / "repodata.json.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"garbage" * 10)
    err = solve_with_channel(tmp_path, capsys, root.as_posix())
    assert str(root / "noarch" / "repodata.json.zst") in err and "zstd" in err


def test_channel_name_the_alias_does_not_serve(tmp_path, capsys, monkeypatch, serve_dir):
    (tmp_path / "served").mkdir()
    server = serve_dir(tmp_path / "served")
    monkeypatch.setenv("SOLVER_CHANNEL_ALIAS", server.url)
    err = solve_with_channel(tmp_path, capsys, "some-channel")
    assert f"{server.url}/some-channel" in err or "some-channel" in err


@pytest.mark.parametrize(
    ("template", "secret"),
    [("http://user:s3cr3t-pw@127.0.0.1:{port}/chan", "s3cr3t-pw"), ("http://127.0.0.1:{port}/t/tk-s3cr3t/chan", "tk-s3cr3t")],
    ids=["userinfo", "conda-token"],
)
def test_http_channel_on_a_closed_port(tmp_path, capsys, template, secret):
    port = closed_port()
    err = solve_with_channel(tmp_path, capsys, template.format(port=port))
    assert f"127.0.0.1:{port}" in err and "connection refused" in err
    assert secret not in err
    assert cache_files(tmp_path) == []


def _cut_short_handler():
    import http.server

    class CutShort(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"info": {"subdir": "noarch"}, "packages": {')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    return CutShort


def test_download_cut_short_is_an_error_and_leaves_no_cache_entry(tmp_path, capsys, serve_dir):
    server = serve_dir(tmp_path, _cut_short_handler())
    err = solve_with_channel(tmp_path, capsys, f"{server.url}/chan")
    assert f"{server.url}/chan" in err and "closed" in err and "before the end" in err
    cache = tmp_path / "cache"
    bodies = [p for p in cache.rglob("*") if p.is_file() and p.name != "repodata-formats.json"] if cache.exists() else []
    assert bodies == []  # neither the partial body nor an entry that would pass for the whole file


# -- lock files -----------------------------------------------------------------------------------


@pytest.fixture
def demo(tmp_path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    return root


@pytest.mark.parametrize("mode", ["--locked", "--frozen"])
def test_lock_file_that_is_not_yaml(demo, capsys, mode):
    lock = demo / "custom.lock"
    lock.write_text("version: 6\nenvironments: {default: [\n")
    err = fails(capsys, ["solve", str(demo), "-q", mode, "--lock-file", str(lock)])
    assert f"{lock}:" in err and "not a valid YAML document" in err
    assert "<unicode string>" not in err  # PyYAML's own wording; the message names the file


def test_lock_file_that_is_not_yaml_is_replaced_by_a_solve(demo, capsys):
    lock = demo / "pixi.lock"
    lock.write_text("{{{ nope")
    assert main(["solve", str(demo)]) == 0
    err = capsys.readouterr().err
    assert "warning: ignoring the existing lock file" in err and str(lock) in err
    assert lock.read_text().startswith("version: ")


def test_lock_file_of_an_unknown_version(demo, capsys):
    lock = demo / "pixi.lock"
    lock.write_text("version: 99\nenvironments: {}\npackages: []\n")
    err = fails(capsys, ["solve", str(demo), "-q", "--locked"])
    assert str(lock) in err and "version 99" in err


def test_lock_file_with_an_entry_missing_fields(demo, capsys):
    assert main(["solve", str(demo), "-q"]) == 0
    lock = demo / "pixi.lock"
    text = lock.read_text()
    entry = "- pypi: wheels/checkit-0.3.0-py3-none-any.whl\n  name: checkit\n"
    assert entry in text
    lock.write_text(text.replace(entry, "- pypi: wheels/checkit-0.3.0-py3-none-any.whl\n"))
    for mode in ("--locked", "--frozen"):
        err = fails(capsys, ["solve", str(demo), "-q", mode])
        assert str(lock) in err and "checkit-0.3.0-py3-none-any.whl" in err and "`name`" in err


def test_lock_file_in_a_folder_that_is_not_writable(demo, capsys, monkeypatch):
    locks = demo / "locks"
    locks.mkdir()
    lock = locks / "pixi.lock"
    assert main(["solve", str(demo), "-q", "--lock-file", str(lock)]) == 0
    before = lock.read_bytes()
    text = (demo / "pixi.toml").read_text()
    assert '[feature.test.pypi-dependencies]\ncheckit = "*"' in text
    (demo / "pixi.toml").write_text(text.replace('[feature.test.pypi-dependencies]\ncheckit = "*"', ""))  # the lock must change
    deny_write(monkeypatch, locks)
    try:
        err = fails(capsys, ["solve", str(demo), "-q", "--lock-file", str(lock)])
    finally:
        locks.chmod(0o755)
    assert str(lock) in err and "cannot write the lock file" in err
    assert lock.read_bytes() == before
    assert sorted(p.name for p in locks.iterdir()) == ["pixi.lock"]


def test_locked_and_frozen_without_a_lock_file(demo, capsys):
    err = fails(capsys, ["solve", str(demo), "-q", "--locked"], code=1)
    assert str(demo / "pixi.lock") in err and "no lock file" in err
    err = fails(capsys, ["solve", str(demo), "-q", "--frozen"])
    assert str(demo / "pixi.lock") in err and "no lock file" in err


# -- PyPI -----------------------------------------------------------------------------------------


def use_pypi_source(demo: Path, source: str) -> None:
    manifest = demo / "pixi.toml"
    text = manifest.read_text()
    old = 'find-links = [{ path = "./wheels" }]'
    assert old in text
    manifest.write_text(text.replace(old, source))


def rewrite_metadata(wheel: Path, edit) -> None:
    with zipfile.ZipFile(wheel) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, edit(data) if name.endswith(".dist-info/METADATA") else data)


def test_index_url_on_a_closed_port(demo, capsys, tmp_path):
    port = closed_port()
    use_pypi_source(demo, f'index-url = "http://user:s3cr3t-pw@127.0.0.1:{port}/simple"')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert f"http://127.0.0.1:{port}/simple" in err and "connection refused" in err and "tinyreq" in err
    assert "s3cr3t-pw" not in err
    assert not (demo / "pixi.lock").exists()
    assert cache_files(tmp_path) == []


def test_find_links_path_that_does_not_exist(demo, capsys):
    use_pypi_source(demo, 'find-links = [{ path = "./no-wheels" }]')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert str(demo / "no-wheels") in err and "does not exist" in err


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04truncated"], ids=["text", "truncated-zip"])
def test_wheel_that_is_not_a_zip(demo, capsys, content):
    (demo / "wheels" / "tinyreq-1.0.0-py3-none-any.whl").unlink()  # nothing else to fall back on
    wheel = demo / "wheels" / "tinyreq-1.1.0-py3-none-any.whl"
    wheel.write_bytes(content)
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert str(wheel) in err and "zip" in err


@pytest.mark.parametrize(
    ("line", "shown"),
    [(b"Requires-Dist: idnalite >=>1", "idnalite >=>1"), (b"Requires-Dist: idnalite ; python_version >>> '3'", "python_version >>>")],
    ids=["specifier", "marker"],
)
def test_wheel_metadata_with_a_broken_requires_dist(demo, capsys, line, shown):
    (demo / "wheels" / "tinyreq-1.0.0-py3-none-any.whl").unlink()  # nothing else to fall back on
    wheel = demo / "wheels" / "tinyreq-1.1.0-py3-none-any.whl"
    rewrite_metadata(wheel, lambda data: data.replace(b"Requires-Python", line + b"\nRequires-Python"))
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert "tinyreq 1.1.0" in err and "Requires-Dist" in err and shown in err


def test_wheel_metadata_without_name(demo, capsys):
    (demo / "wheels" / "tinyreq-1.0.0-py3-none-any.whl").unlink()  # nothing else to fall back on
    wheel = demo / "wheels" / "tinyreq-1.1.0-py3-none-any.whl"
    rewrite_metadata(wheel, lambda data: b"Metadata-Version: 2.1\n")
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert "tinyreq-1.1.0-py3-none-any.whl" in err and "Name" in err


@pytest.mark.parametrize("edit", [lambda data: b"not a zip at all", None], ids=["not-a-zip", "no-name"])
def test_broken_newest_version_is_passed_over_for_an_older_one(demo, capsys, edit):
    # as uv: a version whose file gives no metadata is unusable, not the end of the solve
    wheel = demo / "wheels" / "tinyreq-1.1.0-py3-none-any.whl"
    if edit is None:
        rewrite_metadata(wheel, lambda data: b"Metadata-Version: 2.1\n")
    else:
        wheel.write_bytes(edit(b""))
    assert main(["solve", str(demo), "-q", "-p", "linux-64"]) == 0, capsys.readouterr().err
    lock = (demo / "pixi.lock").read_text()
    assert "tinyreq-1.0.0-py3-none-any.whl" in lock and "tinyreq-1.1.0" not in lock


# -- command-line usage ---------------------------------------------------------------------------


def test_unknown_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["solve", "--no-such-option"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--no-such-option" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["solve", "inspect"])
def test_unknown_platform_and_environment(demo, capsys, command):
    err = fails(capsys, [command, str(demo), "-p", "linux-65"])
    assert "linux-65" in err and "linux-64" in err and str(demo / "pixi.toml") in err
    err = fails(capsys, [command, str(demo), "-e", "nope"])
    assert "`nope`" in err and "default" in err and str(demo / "pixi.toml") in err


def test_platform_the_manifest_does_not_support(demo, capsys):
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-aarch64"])
    assert "linux-aarch64" in err


def test_update_of_a_package_nothing_locks(demo, capsys):
    assert main(["solve", str(demo), "-q"]) == 0
    before = (demo / "pixi.lock").read_bytes()
    err = fails(capsys, ["solve", str(demo), "-q", "--update", "no-such-package"])
    assert "no-such-package" in err and "--update" in err
    assert (demo / "pixi.lock").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--timeout", "-1"], ["--timeout"]), (["--timeout", "nan"], ["--timeout"]), (["--concurrency", "0"], ["--concurrency"]),
     (["--update", "x", "--locked"], ["--update", "--locked"])],
    ids=["negative-timeout", "nan-timeout", "zero-concurrency", "update-locked"],
)
def test_bad_option_values(demo, capsys, args, words):
    err = fails(capsys, ["solve", str(demo), "-q", *args])
    for word in words:
        assert word in err


def test_bad_environment_settings(demo, capsys, monkeypatch):
    monkeypatch.setenv("SOLVER_TIMEOUT", "soon")
    err = fails(capsys, ["solve", str(demo), "-q"])
    assert "SOLVER_TIMEOUT" in err and "'soon'" in err


def test_replay_of_a_file_that_is_not_a_snapshot(tmp_path, capsys):
    err = fails(capsys, ["replay", str(tmp_path / "missing.snapshot")])
    assert str(tmp_path / "missing.snapshot") in err
    (tmp_path / "bad.snapshot").write_text("{ not json")
    err = fails(capsys, ["replay", str(tmp_path / "bad.snapshot")])
    assert str(tmp_path / "bad.snapshot") in err and "snapshot" in err


# -- found while sweeping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[pypi-options]\nindex-url = "http://user:s3cr3t-pw@127.0.0.1:99999/simple"\n', "pypi-options.index-url"),
        ('[pypi-options]\nextra-index-urls = ["http://[::1/simple"]\n', "pypi-options.extra-index-urls[0]"),
        ('[pypi-options]\nfind-links = [{ url = "http://127.0.0.1:99999/links" }]\n', "pypi-options.find-links[0].url"),
        ('[pypi-dependencies]\nfoo = { git = "http://127.0.0.1:99999/foo" }\n', "pypi-dependencies.foo.git"),
    ],
    ids=["index-port", "extra-index-ipv6", "find-links-port", "git-port"],
)
def test_urls_that_cannot_be_taken_apart_are_manifest_errors(tmp_path, capsys, body, key):
    manifest = manifest_with(tmp_path, body)
    err = fails(capsys, ["solve", str(manifest), "-q"])
    assert f"{manifest}:6:" in err and key in err and "not a valid URL" in err
    assert "s3cr3t-pw" not in err


def test_channel_url_that_cannot_be_taken_apart(tmp_path, capsys, monkeypatch):
    manifest = manifest_with(tmp_path, "", channel="http://user:s3cr3t-pw@127.0.0.1:99999/chan")
    err = fails(capsys, ["solve", str(manifest), "-q"])
    assert f"{manifest}:3:" in err and "workspace.channels[0]" in err and "not a valid URL" in err
    assert "s3cr3t-pw" not in err
    monkeypatch.setenv("SOLVER_CHANNEL_ALIAS", "http://[::1")
    manifest = manifest_with(tmp_path, "", channel="some-channel")
    err = fails(capsys, ["solve", str(manifest), "-q"])
    assert "channel alias" in err and "http://[::1" in err


def test_empty_channel_list_names_the_manifest(tmp_path, capsys):
    # (with nothing to install it is an empty environment, as pixi locks it: see test_archive_dependencies)
    (tmp_path / "pixi.toml").write_text('[workspace]\nname = "x"\nchannels = []\nplatforms = ["linux-64"]\n'
                                        '[dependencies]\npython = "*"\n')
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert f"{tmp_path / 'pixi.toml'}:3:" in err and "workspace.channels" in err and "no channels" in err


@pytest.mark.parametrize(
    ("extra", "where", "key"),
    [
        ('requires-python = 3\n', ":4:", "project.requires-python"),
        ('name = 3\n', ":4:", "project.name"),
        ('dynamic = "version"\n', ":4:", "project.dynamic"),
        ('optional-dependencies = ["a"]\n', ":4:", "project.optional-dependencies"),
    ],
    ids=["requires-python", "name", "dynamic", "optional-dependencies"],
)
def test_pyproject_pep621_types_are_checked(tmp_path, capsys, extra, where, key):
    channel = (DEMO / "channels" / "demo").as_posix()
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nversion = "1"\ndescription = "d"\n{extra}'
        f'[tool.pixi.workspace]\nchannels = ["{channel}"]\nplatforms = ["linux-64"]\n'
    )
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert f"{tmp_path / 'pyproject.toml'}{where}" in err and key in err
    assert not (tmp_path / "pixi.lock").exists()


def test_lock_file_that_is_a_directory(demo, capsys):
    (demo / "locks").mkdir()
    for mode in ([], ["--locked"], ["--frozen"]):
        err = fails(capsys, ["solve", str(demo), "-q", "--lock-file", str(demo / "locks"), *mode])
        assert str(demo / "locks") in err and "is a directory" in err
    assert list((demo / "locks").iterdir()) == []


def test_cache_dir_that_is_a_file(tmp_path, capsys, monkeypatch):
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(not_a_folder))
    err = solve_with_channel(tmp_path, capsys, f"http://127.0.0.1:{closed_port()}/chan")
    assert str(not_a_folder) in err and "cache folder" in err and "SOLVER_CACHE_DIR" in err


def add_pypi_dependency(demo: Path, line: str) -> None:
    manifest = demo / "pixi.toml"
    text = manifest.read_text()
    assert 'tinyreq = ">=1.0"' in text
    manifest.write_text(text.replace('tinyreq = ">=1.0"', f'tinyreq = ">=1.0"\n{line}', 1))


def test_path_dependency_whose_pyproject_has_wrong_types(demo, capsys):
    (demo / "pkg").mkdir()
    (demo / "pkg" / "pyproject.toml").write_text('[project]\nname = "foo"\nversion = "1"\ndependencies = "bar"\n')
    add_pypi_dependency(demo, 'foo = { path = "./pkg" }')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert str(demo / "pkg" / "pyproject.toml") in err and "project.dependencies" in err


def test_path_dependency_on_a_folder_that_is_not_a_project(demo, capsys):
    (demo / "empty").mkdir()
    add_pypi_dependency(demo, 'foo = { path = "./empty" }')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert str(demo / "empty") in err and "not a Python project" in err and "foo" in err


def test_git_dependency_that_cannot_be_cloned(demo, capsys, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    add_pypi_dependency(demo, f'foo = {{ git = "{(tmp_path / "no-repo").as_uri()}" }}')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert "git dependency foo" in err and "no-repo" in err and "fatal:" in err  # git's reason, not its advice
    git_cache = tmp_path / "cache" / "git"
    assert not git_cache.exists() or list(git_cache.iterdir()) == []


def test_conda_source_dependency_is_reported_not_silently_dropped(demo, capsys):
    manifest = demo / "pixi.toml"
    manifest.write_text(manifest.read_text().replace('numlite = ">=1.26"', 'numlite = { path = "./numlite-src" }', 1))
    assert main(["solve", str(demo), "-p", "linux-64"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "`numlite`" in err and "not in the lock" in err


def test_json_output_on_bad_input(demo, capsys):
    rc = main(["solve", str(demo), "-q", "--json", "--lock-file", str(demo / "pixi.toml" / "x")])
    captured = capsys.readouterr()
    assert rc == 2 and "internal error" not in captured.err
    payload = json.loads(captured.out)
    assert payload["status"] == "error" and payload["lock_written"] is False
    assert payload["reasons"] == [f"cannot write the lock file {demo / 'pixi.toml' / 'x'}: {demo / 'pixi.toml'} is not a directory"]
    assert captured.err.startswith("error: cannot write the lock file")


def _index_page_override(page: bytes):
    """Serves the demo folder, except ``tinyreq``'s index page, which is ``page`` as PEP 691 JSON."""
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if not self.path.startswith("/index/simple/tinyreq/"):
                return super().do_GET()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

    return Handler


@pytest.mark.parametrize(
    ("page", "words"),
    [
        ({"files": 3}, ["`files`"]),
        ({"files": [3]}, ["files[0]"]),
        ({"files": [{"filename": 3, "url": "x.whl"}]}, ["files[0]", "filename"]),
        ({"files": [{"filename": "tinyreq-1.1.0-py3-none-any.whl", "url": "x.whl", "hashes": "sha256"}]}, ["files[0]", "hashes"]),
        ({"files": [{"filename": "tinyreq-1.1.0-py3-none-any.whl", "url": "x.whl", "requires-python": [3]}]}, ["files[0]", "requires-python"]),
        ([], ["JSON object"]),
    ],
    ids=["files-int", "file-int", "filename-int", "hashes-string", "requires-python-list", "array"],
)
def test_index_json_page_with_wrong_types(demo, capsys, serve_dir, page, words):
    server = serve_dir(demo, _index_page_override(json.dumps(page).encode()))
    use_pypi_source(demo, f'index-url = "{server.url}/index/simple"')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert f"{server.url}/index/simple/tinyreq/" in err and "invalid JSON project page" in err
    for word in words:
        assert word in err


@pytest.mark.parametrize(
    ("linux", "record", "words"),
    [("<html>please log in</html>", None, ["malformed repodata"]), (None, {"version": None}, ["foo-1.0-0.tar.bz2", "version"])],
    ids=["html-page", "record-without-version"],
)
def test_remote_repodata_errors_name_the_url(tmp_path, capsys, serve_dir, linux, record, words):
    root = channel(tmp_path, linux=linux, record=record)
    server = serve_dir(root)
    err = solve_with_channel(tmp_path, capsys, server.url)
    assert f"{server.url}/linux-64/" in err  # the URL the user can check, the cache file only beside it
    for word in words:
        assert word in err


@pytest.mark.parametrize(("content", "words"), [(None, ["No such file"]), ('{"numlite": 3}', ["`numlite`", "PyPI name"]), ("[1]", ["JSON object"])],
                         ids=["missing", "value-int", "array"])
def test_conda_pypi_map_that_is_not_a_mapping(demo, capsys, tmp_path, content, words):
    mapping = tmp_path / "map.json"
    if content is not None:
        mapping.write_text(content)
    manifest = demo / "pixi.toml"
    manifest.write_text(manifest.read_text().replace("platforms = [", f'conda-pypi-map = {{ "./channels/demo" = "{mapping.as_posix()}" }}\nplatforms = [', 1))
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert str(mapping) in err and "conda-pypi-map" in err
    for word in words:
        assert word in err


def test_manifest_warnings_are_shown_without_credentials(tmp_path, capsys):
    chan = (DEMO / "channels" / "demo").as_posix()
    (tmp_path / "pixi.toml").write_text(
        f'[workspace]\nname = "x"\nchannels = ["{chan}", "http://user:s3cr3t-pw@127.0.0.1:1/c", "http://user:s3cr3t-pw@127.0.0.1:1/c"]\n'
        'platforms = []\n'
    )
    assert main(["solve", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "listed twice" in err and "http://****@127.0.0.1:1/c" in err
    assert "s3cr3t-pw" not in err


def test_conda_token_stays_out_of_verbose_output_and_lock(tmp_path, capsys, serve_dir):
    chan = channel(tmp_path, record={})
    served = tmp_path / "srv" / "t" / "tk-s3cr3t"
    served.mkdir(parents=True)
    shutil.move(str(chan), str(served / "chan"))
    server = serve_dir(tmp_path / "srv")
    manifest = manifest_with(tmp_path, '[dependencies]\nfoo = "*"\n', channel=f"{server.url}/t/tk-s3cr3t/chan")
    assert main(["solve", str(manifest), "-v"]) == 0
    err = capsys.readouterr().err
    assert "fetched" in err and f"{server.url}/t/****/chan/" in err
    assert "tk-s3cr3t" not in err
    assert "tk-s3cr3t" not in (manifest.parent / "pixi.lock").read_text()


@pytest.mark.parametrize("mode", [[], ["--locked"], ["--frozen"]])
def test_lock_file_option_naming_the_manifest_never_overwrites_it(demo, capsys, mode):
    manifest = demo / "pixi.toml"
    before = manifest.read_bytes()
    err = fails(capsys, ["solve", str(demo), "-q", "--lock-file", str(manifest), *mode])
    assert str(manifest) in err and "manifest" in err
    assert manifest.read_bytes() == before


def test_toml_nested_too_deeply(tmp_path, capsys):
    (tmp_path / "pixi.toml").write_text('[workspace]\nname = "x"\nx = ' + "[" * 1000 + "]" * 1000 + "\n")
    err = fails(capsys, ["solve", str(tmp_path), "-q"])
    assert str(tmp_path / "pixi.toml") in err and "invalid TOML" in err and "nested" in err


def test_locked_reasons_are_listed_once(demo, capsys):
    (demo / "pixi.lock").write_text("version: 6\nenvironments: {}\npackages: []\n")
    err = fails(capsys, ["solve", str(demo), "-q", "--locked"], code=1)
    lines = [line.strip(" -") for line in err.splitlines()[1:]]
    assert err.splitlines()[0].startswith("error: the lock file is out of date: ")
    assert len(lines) == len(set(lines)) and len(lines) == 2  # default, test and py311: one line each


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [("PIP_INDEX_URL", "not a url", ["$PIP_INDEX_URL", "not a url"]),
     ("UV_DEFAULT_INDEX", "http://user:s3cr3t-pw@[::1/simple", ["$UV_DEFAULT_INDEX", "Invalid IPv6"])],
    ids=["not-a-url", "ipv6"],
)
def test_index_from_the_environment_that_is_not_a_url(demo, capsys, monkeypatch, variable, value, words):
    use_pypi_source(demo, "")
    monkeypatch.setenv(variable, value)
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert "not a valid URL" in err and "s3cr3t-pw" not in err
    for word in words:
        assert word in err


def test_index_from_pip_configuration_with_a_bad_port(demo, capsys, monkeypatch, tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = http://127.0.0.1:99999/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    use_pypi_source(demo, "")
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert "http://127.0.0.1:99999/simple" in err and "pip configuration" in err and "Port out of range" in err


def test_local_index_folder_that_does_not_exist(demo, capsys, tmp_path):
    missing = tmp_path / "no-index" / "simple"
    use_pypi_source(demo, f'index-url = "{missing.as_uri()}"')
    err = fails(capsys, ["solve", str(demo), "-q", "-p", "linux-64"])
    assert str(missing) in err and "not a folder" in err


def test_working_directory_that_no_longer_exists(tmp_path, capsys, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    for command in ("solve", "inspect"):
        err = fails(capsys, [command])
        assert "current directory no longer exists" in err
