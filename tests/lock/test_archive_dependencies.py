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


def _conda_with_info(path, info_member: bytes):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"info-{path.name[:-len('.conda')]}.tar.zst", info_member)
    return path.read_bytes()


@pytest.mark.parametrize(("name", "content", "words"), [
    ("broken-1.0-0.tar.bz2", b"not an archive", "cannot read the package archive"),
    ("broken-1.0-0.tar.bz2", None, "no info/index.json"),
    # a .conda whose info member is not zstd, or damaged zstd: no ZstdError traceback
    ("broken-1.0-0.conda", b"not zstd at all", "cannot read the package archive"),
    ("broken-1.0-0.conda", b"\x28\xb5\x2f\xfd damaged frame", "cannot read the package archive"),
])
def test_a_broken_archive_is_named(tmp_path, name, content, words):
    path = tmp_path / name
    if name.endswith(".conda"):
        _conda_with_info(path, content)
    else:
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


def _url_dependency(project, url):
    manifest = project / "pixi.toml"
    manifest.write_text(manifest.read_text().replace('{ path = "../dist/foobar-0.1.0-pyh_0.conda" }', f'{{ url = "{url}" }}'))


@pytest.mark.parametrize(("prefix", "secret"), [
    ("", None),
    ("alice:s3cret-pw@", "s3cret-pw"),  # user:password@ in the URL
    ("", "tk-0123456789"),  # a conda token: /t/<token>/ in the path
])
def test_an_archive_by_url_with_credentials_is_locked_and_held_without_them(project, capsys, serve_dir, prefix, secret):
    """The lock names the archive by its URL without credentials and by its own file name (not the
    cache file it was downloaded to); --locked holds that lock without showing the secret."""
    dist = project.parent / "dist"
    path = "foobar-0.1.0-pyh_0.conda"
    if secret and not prefix:
        write_archive(dist / "t" / secret / path)
        path = f"t/{secret}/{path}"
    server = serve_dir(dist)
    host = server.url.split("://", 1)[1]
    _url_dependency(project, f"http://{prefix}{host}/{path}")
    assert main(["solve", str(project)]) == 0, capsys.readouterr().err
    lock = (project / "pixi.lock").read_text()
    assert f"conda: http://{host}/foobar-0.1.0-pyh_0.conda" in lock
    assert "file_name" not in lock and ".body" not in lock  # the name is the URL's: nothing to add
    code = main(["solve", str(project), "--locked"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert secret is None or not any(secret in text for text in (lock, captured.out, captured.err))


def test_an_archive_by_a_signed_url_shows_no_signature_in_errors(project, capsys, serve_dir):
    """A signed URL (an object store's ``?X-Amz-Signature=...``): the server needs the query, so
    the lock keeps the URL as written, but an error about the archive masks the secret."""
    server = serve_dir(project.parent / "dist")
    url = f"{server.url}/foobar-0.1.0-pyh_0.conda?X-Amz-Signature=sig-SECRET-123"
    _url_dependency(project, url)
    manifest = project / "pixi.toml"
    manifest.write_text(manifest.read_text().replace(f'url = "{url}"', f'url = "{url}", version = ">=9"'))
    assert main(["solve", str(project)]) != 0
    err = capsys.readouterr().err
    assert "the archive holds foobar 0.1.0" in err and "sig-SECRET-123" not in err, err


def test_a_broken_archive_by_url_is_named_by_its_url(project, capsys, serve_dir):
    dist = project.parent / "dist"
    (dist / "broken-1.0-0.conda").write_bytes(b"not an archive")
    server = serve_dir(dist)
    host = server.url.split("://", 1)[1]
    manifest = project / "pixi.toml"
    manifest.write_text(manifest.read_text().replace('foobar = { path = "../dist/foobar-0.1.0-pyh_0.conda" }',
                                                     f'broken = {{ url = "http://bob:pw-secret@{host}/broken-1.0-0.conda" }}'))
    assert main(["solve", str(project)]) != 0
    err = capsys.readouterr().err
    assert f"http://{host}/broken-1.0-0.conda: cannot read the package archive" in err
    assert "pw-secret" not in err and ".body" not in err and "cache" not in err


@pytest.mark.parametrize("suffix", [".conda", ".tar.bz2"])
def test_an_archive_by_url_that_came_unreadable_is_not_kept(project, capsys, suffix):
    """A captive portal's page (or a cut short file) served under the archive's URL with a max-age
    is not kept: the next run, the server healthy again, solves. A .tar.bz2 by URL is read as one
    (the cache file's name does not say which kind it is)."""
    from support.netfault import FaultServer, etagged

    name = f"foobar-0.1.0-pyh_0{suffix}"
    good = write_archive(project.parent / "dist" / name).read_bytes()
    server = FaultServer()
    try:
        cached = {"Cache-Control": "max-age=3600"}
        server.routes[f"/{name}"] = etagged(b"<html>sign in to the wifi</html>", '"portal"', cached)
        url = f"{server.url}/{name}"
        _url_dependency(project, url)
        assert main(["solve", str(project)]) != 0
        err = capsys.readouterr().err
        assert url in err and "cannot read the package archive" in err and not (project / "pixi.lock").exists()
        server.routes[f"/{name}"] = etagged(good, '"origin"', cached)
        assert main(["solve", str(project)]) == 0, capsys.readouterr().err
        assert f"conda: {url}" in (project / "pixi.lock").read_text()
    finally:
        server.close()


@pytest.mark.parametrize(("wrong", "right", "words"), [
    ('version = ">=2"', 'version = ">=0.1,<1"', "`foobar >=2`"),
    ('build = "cuda*"', 'build = "pyh*"', "`foobar * cuda*`"),
    ('version = "0.1.*", build = "py3*"', 'version = "0.1.*", build = "pyh_0"', "`foobar 0.1.* py3*`"),
    ('flags = ["gpu:*"]', 'flags = ["~gpu:*"]', "flags"),
])
def test_what_the_archive_is_not_is_an_error_and_no_lock_holds_it(project, capsys, wrong, right, words):
    """`foo = { path = "foo-0.1.0.conda", version = ">=2" }` (or a build, or flags): the archive is
    not what the manifest asks for. It was locked all the same, and a lock written before the
    version was added stayed "up to date"."""
    manifest = project / "pixi.toml"
    assert main(["solve", str(project)]) == 0
    manifest.write_text(manifest.read_text().replace('pyh_0.conda" }', f'pyh_0.conda", {wrong} }}'))
    capsys.readouterr()
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 1 and any("does not match" in r and words in r for r in doc["reasons"]), doc
    (project / "pixi.lock").unlink()
    assert main(["solve", str(project)]) != 0
    err = capsys.readouterr().err
    assert "foobar-0.1.0-pyh_0.conda: the archive" in err and words in err, err
    assert not (project / "pixi.lock").exists()
    manifest.write_text(manifest.read_text().replace(wrong, right))
    assert main(["solve", str(project)]) == 0, capsys.readouterr().err


def test_an_archive_with_an_invalid_version_is_named(tmp_path):
    archive = write_archive(tmp_path / "foobar-0.1.0-pyh_0.conda", {**INDEX, "version": "1 2"})
    with pytest.raises(InputError, match="info/index.json holds an invalid version '1 2'") as err:
        read_archive_record(archive)
    assert str(archive) in str(err.value)


def test_an_archive_rebuilt_under_the_same_name_is_read_again(project, capsys):
    """dist/foobar-0.1.0-pyh_0.conda rebuilt (a fix, another dependency): the lock's record, its
    depends and sha256, are the old file's, which an install from the lock would reject. --locked
    says so and a solve reads the archive again."""
    archive = project.parent / "dist" / "foobar-0.1.0-pyh_0.conda"
    assert main(["solve", str(project)]) == 0
    write_archive(archive, {**INDEX, "depends": ["libtiny >=1.1"]})
    capsys.readouterr()
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 1 and any("is not the one locked" in r for r in doc["reasons"]), doc
    assert main(["solve", str(project)]) == 0
    assert "libtiny >=1.1" in (project / "pixi.lock").read_text()
    assert _run(["solve", str(project), "--locked", "--json"], capsys)[0] == 0


@pytest.mark.parametrize(("now", "size", "sha256", "held"), [
    (b"a" * 10, 10, True, True),
    (b"b" * 10, 10, True, False),  # same size, other bytes
    (b"a" * 11, 10, True, False),
    (None, 10, True, False),  # gone
    (b"a" * 10, None, False, True),  # an older lock without size nor sha256: the path decides
])
def test_an_archive_is_held_while_its_bytes_are_the_locked_ones(tmp_path, now, size, sha256, held):
    import hashlib

    from solver.conda.model import PackageRecord
    from solver.lock.build import archive_unchanged

    path = tmp_path / "foo-1.0-0.conda"
    if now is not None:
        path.write_bytes(now)
    digest = hashlib.sha256(b"a" * 10).hexdigest() if sha256 else None  # the locked file held "a" * 10
    record = PackageRecord(name="foo", version="1.0", build="0", build_number=0, size=size, sha256=digest)
    assert archive_unchanged(record, str(path)) is held


def test_a_source_package_a_channel_build_shadows_is_still_said_to_need_a_build(project, capsys):
    """`libtiny = { path = "../src/libtiny" }` (a source to build) while the channel has a libtiny
    build that foobar pulls in: the lock gets the channel's, and the warning that the source needs
    a build must stay (the check for archives took any record's URL ending in .conda for one)."""
    (project.parent / "src" / "libtiny").mkdir(parents=True)
    manifest = project / "pixi.toml"
    manifest.write_text(manifest.read_text() + 'libtiny = { path = "../src/libtiny" }\n')
    code, doc = _run(["solve", str(project), "--json"], capsys)
    assert code == 0, doc
    warnings = doc["environments"]["default"]["linux-64"]["warnings"]
    assert [w for w in warnings if "`libtiny`" in w and "needs a build" in w], warnings
    assert not [w for w in warnings if "`foobar`" in w], warnings  # the archive needs none


def test_locked_names_a_source_a_channel_build_shadows_as_not_locked(project, capsys, serve_dir):
    """The same over HTTP: --locked says the source package is not locked (a build is needed),
    not that its source changed to the channel build's URL."""
    server = serve_dir(project.parent / "channel")
    (project.parent / "src" / "libtiny").mkdir(parents=True)
    manifest = project / "pixi.toml"
    manifest.write_text(manifest.read_text().replace('"../channel"', f'"{server.url}"')
                        + 'libtiny = { path = "../src/libtiny" }\n')
    assert main(["solve", str(project)]) == 0
    capsys.readouterr()
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 1 and any("`libtiny` is not locked (a build would be needed)" in r for r in doc["reasons"]), doc


def test_a_new_upload_under_the_same_url_with_its_new_hash_is_locked_anew(project, capsys, serve_dir):
    """The archive at the URL is replaced and the manifest's sha256 updated to the new file's: the
    lock's record (the old file's depends and hash) no longer holds; --locked says so."""
    import hashlib

    dist = project.parent / "dist"
    archive = dist / "foobar-0.1.0-pyh_0.conda"
    server = serve_dir(dist)
    url = f"{server.url}/foobar-0.1.0-pyh_0.conda"
    manifest = project / "pixi.toml"
    old = hashlib.sha256(archive.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text().replace('{ path = "../dist/foobar-0.1.0-pyh_0.conda" }',
                                                     f'{{ url = "{url}", sha256 = "{old}" }}'))
    assert main(["solve", str(project)]) == 0
    write_archive(archive, {**INDEX, "depends": ["libtiny >=1.1"]})
    new = hashlib.sha256(archive.read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text().replace(old, new))
    capsys.readouterr()
    code, doc = _run(["solve", str(project), "--locked", "--json"], capsys)
    assert code == 1 and any("does not have the sha256/md5 the manifest gives it" in r for r in doc["reasons"]), doc
    assert main(["solve", str(project)]) == 0, capsys.readouterr().err
    lock = (project / "pixi.lock").read_text()
    assert new in lock and "libtiny >=1.1" in lock
    assert _run(["solve", str(project), "--locked", "--json"], capsys)[0] == 0
