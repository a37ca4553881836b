"""A conda package archive named directly by a dependency (``foo = { path = "dist/foo-1.0-0.conda" }``):
its record is read from the archive's ``info/index.json``, and its file hashes from its bytes.

``.conda`` is a zip holding ``info-<stem>.tar.zst``; ``.tar.bz2`` is one bzip2 tarball. Only the
metadata member is read (bounded), never the package's files.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ..errors import InputError
from .model import PackageRecord

ARCHIVE_SUFFIXES = (".conda", ".tar.bz2")
_MAX_INDEX_BYTES = 1 << 20  # an index.json is a few hundred bytes; anything past this is not one


def is_archive_path(location: str) -> bool:
    """Does a dependency's ``path``/``url`` name a package archive (not a source to build)?"""
    return location.split("?", 1)[0].split("#", 1)[0].endswith(ARCHIVE_SUFFIXES)


def _index_from_tar(tar, where: str) -> bytes:
    member = next((m for m in tar if m.name in ("info/index.json", "./info/index.json")), None)
    if member is None or not member.isfile():
        raise InputError(f"{where}: the package archive has no info/index.json")
    if member.size > _MAX_INDEX_BYTES:
        raise InputError(f"{where}: info/index.json is {member.size} bytes, not a package index")
    data = tar.extractfile(member)
    return data.read() if data is not None else b""


def _index_json(path: Path) -> bytes:
    # tarfile, zipfile and their compressors load only when an archive is read: a solve without
    # archive dependencies (the cold-start guard) never pays for them
    import io
    import tarfile
    import zipfile

    where = str(path)
    try:
        if path.name.endswith(".tar.bz2"):
            with tarfile.open(path, mode="r:bz2") as tar:
                return _index_from_tar(tar, where)
        with zipfile.ZipFile(path) as zf:
            info = [n for n in zf.namelist() if n.startswith("info-") and n.endswith(".tar.zst")]
            if not info:
                raise InputError(f"{where}: the .conda archive has no info-*.tar.zst member")
            import zstandard

            with zf.open(info[0]) as raw:
                reader = zstandard.ZstdDecompressor().stream_reader(raw)
                with tarfile.open(fileobj=io.BufferedReader(reader), mode="r|") as tar:
                    return _index_from_tar(tar, where)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: cannot read the package archive: {exc}") from None


def read_archive_record(path: Path) -> PackageRecord:
    """The record of the package archive at ``path`` (name, version, build, depends... from its
    index; sha256, md5 and size from the file). An unreadable archive is an ``InputError``."""
    body = _index_json(path)
    try:
        record = msgspec.json.decode(body, type=PackageRecord)
    except msgspec.DecodeError as exc:
        raise InputError(f"{path}: info/index.json is not a package index: {exc}") from None
    import hashlib

    sha256, md5 = hashlib.sha256(), hashlib.md5()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return msgspec.structs.replace(record, sha256=sha256.hexdigest(), md5=md5.hexdigest(), size=size, fn=path.name)
