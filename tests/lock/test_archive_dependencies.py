"""A conda dependency on a package archive by path (``foo = { path = "../dist/foo-1.0-0.conda" }``):
installed as it is, no build. Its record comes from the archive's info/index.json, the lock
names it by its path relative to the project (as pixi writes it), and --locked holds it."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile

import pytest
import zstandard

from solver.cli import main
from solver.conda.archive import read_archive_record
from solver.errors import InputError

INDEX = {"name": "foobar", "version": "0.1.0", "build": "pyh_0", "build_number": 0, "depends": ["libtiny >=1"],
         "subdir": "noarch", "noarch": "python"}


def _tar(members: dict[str, bytes], mode: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_archive(path, index=INDEX):
    path.parent.mkdir(parents=True, exist_ok=True)
    members = {"info/index.json": json.dumps(index).encode(), "info/about.json": b"{}"}
    if path.name.endswith(".tar.bz2"):
        path.write_bytes(_tar(members, "w:bz2"))
    else:
        stem = path.name[: -len(".conda")]
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("metadata.json", '{"conda_pkg_format_version": 2}')
            zf.writestr(f"info-{stem}.tar.zst", zstandard.ZstdCompressor().compress(_tar(members, "w")))
            zf.writestr(f"pkg-{stem}.tar.zst", zstandard.ZstdCompressor().compress(_tar({}, "w")))
    return path


@pytest.mark.parametrize("suffix", [".conda", ".tar.bz2"])
def test_the_record_comes_from_the_archive(tmp_path, suffix):
    archive = write_archive(tmp_path / f"foobar-0.1.0-pyh_0{suffix}")
    record = read_archive_record(archive)
    assert (record.name, record.version, record.build, record.depends) == ("foobar", "0.1.0", "pyh_0", ["libtiny >=1"])
    assert record.size == archive.stat().st_size and len(record.sha256) == 64 and record.fn == archive.name


@pytest.mark.parametrize(("content", "words"), [(b"not an archive", "cannot read the package archive"),
                                                 (None, "no info/index.json")])
def test_a_broken_archive_is_named(tmp_path, content, words):
    path = tmp_path / "broken-1.0-0.tar.bz2"
    path.write_bytes(content if content is not None else _tar({"info/other.json": b"{}"}, "w:bz2"))
    with pytest.raises(InputError, match=words) as err:
        read_archive_record(path)
    assert str(path) in str(err.value)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SOLVER_CHANNEL_ALIAS", raising=False)
    channel = tmp_path / "channel"
    for subdir, packages in (("linux-64", {}), ("noarch", {"libtiny-1.2-0.tar.bz2": {
            "name": "libtiny", "version": "1.2", "build": "0", "build_number": 0, "depends": [], "subdir": "noarch"}})):
        (channel / subdir).mkdir(parents=True)
        (channel / subdir / "repodata.json").write_text(json.dumps({"info": {"subdir": subdir}, "packages": packages}))
    write_archive(tmp_path / "dist" / "foobar-0.1.0-pyh_0.conda")
    root = tmp_path / "app"
    root.mkdir()
    (root / "pixi.toml").write_text(
        '[workspace]\nchannels = ["../channel"]\nplatforms = ["linux-64"]\n'
        '[dependencies]\nfoobar = { path = "../dist/foobar-0.1.0-pyh_0.conda" }\n')
    return root


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr().out
    return code, json.loads(out[: out.rindex("}") + 1]) if "}" in out else {}


def test_an_archive_dependency_is_solved_locked_and_held(project, capsys):
    code, doc = _run(["solve", str(project), "--json"], capsys)
    assert code == 0, doc
    env = doc["environments"]["default"]["linux-64"]
    assert {r["name"] for r in env["conda"]} == {"foobar", "libtiny"} and not env["warnings"]
    lock = (project / "pixi.lock").read_text()
    assert "conda: ../dist/foobar-0.1.0-pyh_0.conda" in lock
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 0, doc
    # another archive path: the lock no longer holds what the manifest names
    (project / "pixi.toml").write_text((project / "pixi.toml").read_text().replace("../dist/", "../other/"))
    write_archive(project.parent / "other" / "foobar-0.1.0-pyh_0.conda")
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 1 and any("archive of `foobar` changed" in r for r in doc["reasons"]), doc


def test_a_lock_naming_the_archive_by_absolute_path_holds_it(project, capsys):
    """Older pixi wrote the archive's absolute path into the lock: the same file all the same."""
    assert _run(["solve", str(project), "--json"], capsys)[0] == 0
    lock = project / "pixi.lock"
    absolute = str((project.parent / "dist" / "foobar-0.1.0-pyh_0.conda").resolve())
    lock.write_text(lock.read_text().replace("../dist/foobar-0.1.0-pyh_0.conda", absolute))
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 0, doc


def test_inspect_says_an_archive_needs_no_build(project, capsys):
    code, doc = _run(["inspect", str(project), "--json"], capsys)
    (source,) = doc["environments"][0]["platform_details"][0]["conda_sources"]
    assert source["name"] == "foobar" and source["needs_build"] is False


def test_an_archive_by_url_is_downloaded_checked_and_locked_by_its_url(project, capsys, serve_dir):
    """`url = "https://.../foo.conda"`: fetched (through the HTTP client, from a loopback server
    here), its sha256 checked when the manifest gives one, locked under the URL."""
    import hashlib

    archive = project.parent / "dist" / "foobar-0.1.0-pyh_0.conda"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    server = serve_dir(project.parent / "dist")
    url = f"{server.url}/foobar-0.1.0-pyh_0.conda"
    manifest = project / "pixi.toml"
    manifest.write_text(manifest.read_text().replace('{ path = "../dist/foobar-0.1.0-pyh_0.conda" }',
                                                     f'{{ url = "{url}", sha256 = "{digest}" }}'))
    code, doc = _run(["solve", str(project), "--json"], capsys)
    assert code == 0, doc
    assert f"conda: {url}" in (project / "pixi.lock").read_text()
    assert _run(["solve", str(project), "--locked", "--json"], capsys)[0] == 0
    # a checksum the archive does not have: an error naming the URL, nothing written
    (project / "pixi.lock").unlink()
    manifest.write_text(manifest.read_text().replace(digest, "0" * 64))
    code = main(["solve", str(project)])
    err = capsys.readouterr().err
    assert code != 0 and url in err and "sha256" in err and not (project / "pixi.lock").exists()
