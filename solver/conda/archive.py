"""A conda package archive named directly by a dependency (``foo = { path = "dist/foo-1.0-0.conda" }``):
its record is read from the archive's ``info/index.json``, and its file hashes from its bytes.

``.conda`` is a zip holding ``info-<stem>.tar.zst``; ``.tar.bz2`` is one bzip2 tarball. Only the
metadata member is read (bounded), never the package's files.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from ..errors import InputError
from .model import PackageRecord

ARCHIVE_SUFFIXES = (".conda", ".tar.bz2")
_MAX_INDEX_BYTES = 1 << 20  # an index.json is a few hundred bytes; anything past this is not one


def is_archive_path(location: str) -> bool:
    """Does a dependency's ``path``/``url`` name a package archive (not a source to build)?"""
    return location.split("?", 1)[0].split("#", 1)[0].endswith(ARCHIVE_SUFFIXES)


# (path, inode, size, mtime, names) -> digests: every environment and platform of a solve reads the same
# archive (its record, whether the lock still holds it); one read of it is enough
_DIGESTS: dict[tuple, dict[str, str]] = {}


def file_digests(path, names=("sha256", "md5")) -> dict[str, str]:
    """The hex digests ``names`` (hashlib names) of the file at ``path``, read once per process
    while its size and mtime stay; OSError if it does not read."""
    import hashlib

    st = os.stat(path)
    key = (os.fspath(path), st.st_ino, st.st_size, st.st_mtime_ns, tuple(names))
    known = _DIGESTS.get(key)
    if known is not None:
        return known
    digests = {name: hashlib.new(name) for name in names}
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            for digest in digests.values():
                digest.update(chunk)
    out = _DIGESTS[key] = {name: digest.hexdigest() for name, digest in digests.items()}
    return out


def archive_file_name(url: str) -> str:
    """The file name of the archive at ``url`` (its last path segment)."""
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _index_from_tar(tar, where: str) -> bytes:
    member = next((m for m in tar if m.name in ("info/index.json", "./info/index.json")), None)
    if member is None or not member.isfile():
        raise InputError(f"{where}: the package archive has no info/index.json")
    if member.size > _MAX_INDEX_BYTES:
        raise InputError(f"{where}: info/index.json is {member.size} bytes, not a package index")
    data = tar.extractfile(member)
    return data.read() if data is not None else b""


def archive_index(path: Path, where: str, name: str | None = None) -> bytes:
    """The bytes of the archive's ``info/index.json`` (an ``InputError`` naming ``where`` if it has
    none); ``name``: the archive's file name or URL, which tells .conda from .tar.bz2 (default:
    ``path``'s)."""
    return _index_json(path, where, name or path.name)


def _index_json(path: Path, where: str, name: str) -> bytes:
    # tarfile, zipfile and their compressors load only when an archive is read: a solve without
    # archive dependencies (the cold-start guard) never pays for them
    import io
    import tarfile
    import zipfile

    import zstandard

    try:
        if name.split("?", 1)[0].split("#", 1)[0].endswith(".tar.bz2"):
            with tarfile.open(path, mode="r:bz2") as tar:
                return _index_from_tar(tar, where)
        with zipfile.ZipFile(path) as zf:
            info = [n for n in zf.namelist() if n.startswith("info-") and n.endswith(".tar.zst")]
            if not info:
                raise InputError(f"{where}: the .conda archive has no info-*.tar.zst member")
            with zf.open(info[0]) as raw:
                reader = zstandard.ZstdDecompressor().stream_reader(raw)
                with tarfile.open(fileobj=io.BufferedReader(reader), mode="r|") as tar:
                    return _index_from_tar(tar, where)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError, zstandard.ZstdError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: cannot read the package archive: {exc}") from None


def read_archive_record(path: Path, shown: str | None = None, file_name: str | None = None) -> PackageRecord:
    """The record of the package archive at ``path`` (name, version, build, depends... from its
    index; sha256, md5 and size from the file). An unreadable archive is an ``InputError`` naming
    ``shown`` (the URL it was downloaded from, without credentials; default: ``path``).
    ``file_name``: the archive's own name where ``path`` is a cache file's (default: ``path``'s)."""
    where = shown or str(path)
    body = _index_json(path, where, file_name or path.name)
    try:
        record = msgspec.json.decode(body, type=PackageRecord)
    except msgspec.DecodeError as exc:
        raise InputError(f"{where}: info/index.json is not a package index: {exc}") from None
    from .version import InvalidVersion, version_key

    try:  # written as is into the lock, which pixi would then fail to read
        version_key(record.version)
    except InvalidVersion as exc:
        raise InputError(f"{where}: info/index.json holds an {exc}") from None
    try:
        size = os.path.getsize(path)
        digests = file_digests(path)
    except OSError as exc:
        raise InputError(f"{where}: cannot read the package archive: {exc.strerror or exc}") from None
    return msgspec.structs.replace(record, sha256=digests["sha256"], md5=digests["md5"], size=size,
                                  fn=file_name or path.name)
