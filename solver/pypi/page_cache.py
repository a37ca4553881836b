"""Parsed project pages on disk, keyed by the page's bytes.

An index that sends no validators (no ETag, no Last-Modified, no max-age) makes every run download
its project pages again; the bytes are mostly the same as last time, and parsing them (a popular
project's JSON page lists tens of thousands of files) costs more than reading what they parsed to.
An entry is keyed by a digest of the page bytes together with everything the parse depends on
(the page URL, the index, the project name, the page's kind, the wheel tags the target accepts),
so a changed page misses and is parsed again.

An entry holds the files the parse kept, credential-free, behind a digest of the entry itself:
one that is damaged (truncated, altered, of another format) is dropped and the page parsed again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec

from ..atomic import mark_used
from .index import DistFile, parse_filename

_FORMAT = b"solver-pypi-page-1\n"


class _File(msgspec.Struct, array_like=True, forbid_unknown_fields=True, gc=False):
    """What a DistFile holds beyond what its file name says."""

    filename: str
    url: str
    hashes: dict[str, str]
    requires_python: str | None
    yanked: str | None
    metadata: dict[str, str] | None
    size: int | None
    upload_time: int | None


_decoder = msgspec.json.Decoder(list[_File])
_encoder = msgspec.json.Encoder()


class PageCache:
    """``load``/``store`` parsed pages under ``cache_dir/pypi-pages``. ``target_key`` names what
    the parse's wheel filter depends on (the target's accepted tags); thread-safe (atomic writes,
    read-only otherwise)."""

    def __init__(self, cache_dir: str | Path, target_key: str):
        self.root = Path(cache_dir) / "pypi-pages"
        self.target_key = target_key

    def path(self, body: bytes, page_url: str, index: str, name: str, kind: str) -> Path:
        """Where the entry for this page lives (a digest of megabytes: worked out once, handed
        to ``load`` and ``store`` as ``path``)."""
        h = hashlib.sha256(body)
        h.update(f"\n{page_url}\n{index}\n{name}\n{kind}\n{self.target_key}".encode())
        key = h.hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def load(self, body: bytes, page_url: str, index: str, name: str, kind: str, *,
             path: Path | None = None) -> list[DistFile] | None:
        """The files parsed from these bytes before, or None (no entry, or a damaged one: dropped)."""
        path = path or self.path(body, page_url, index, name, kind)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        files = _decode(data, index, name)
        if files is None:
            try:
                path.unlink()
            except OSError:
                pass
        else:
            mark_used(path)
        return files

    def store(self, body: bytes, page_url: str, index: str, name: str, kind: str, files: list[DistFile], *,
              path: Path | None = None) -> None:
        payload = _encoder.encode([
            _File(f.filename, f.url, f.hashes, f.requires_python, f.yanked, f.metadata, f.size, f.upload_time)
            for f in files
        ])
        from ..atomic import sweep_unused, write_atomic

        try:
            write_atomic(path or self.path(body, page_url, index, name, kind),
                         _FORMAT + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        except OSError:
            return  # a cache that cannot be written only costs time
        # a page that changed is stored anew (keyed by its bytes): the versions nobody reads go
        sweep_unused(self.root, "*/*.json")


class StoreLater:
    """A :class:`PageCache` whose stores wait for ``flush``: the fetch that parsed a page first
    starts what the solve needs next (the likely first metadata, then the pages it names), and
    only then encodes and writes the page's entry."""

    def __init__(self, cache: PageCache):
        self.cache = cache
        self._pending: list[tuple] = []

    def path(self, *args) -> Path:
        return self.cache.path(*args)

    def load(self, *args, **kwargs) -> list[DistFile] | None:
        return self.cache.load(*args, **kwargs)

    def store(self, *args, **kwargs) -> None:
        self._pending.append((args, kwargs))  # list.append: safe from the threads of several indexes

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for args, kwargs in pending:
            self.cache.store(*args, **kwargs)


def _decode(data: bytes, index: str, name: str) -> list[DistFile] | None:
    if not data.startswith(_FORMAT):
        return None
    digest, sep, payload = data[len(_FORMAT):].partition(b"\n")
    if not sep or hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        records = _decoder.decode(payload)
    except msgspec.DecodeError:
        return None
    out = []
    for r in records:
        parsed = parse_filename(r.filename)
        if parsed is None or parsed[0] != name:  # never written so: not an entry of ours
            return None
        pkg, version, tags, build = parsed
        out.append(DistFile(filename=r.filename, url=r.url, name=pkg, version=version, index=index,
                            hashes=r.hashes, requires_python=r.requires_python, yanked=r.yanked,
                            metadata=r.metadata, size=r.size, upload_time=r.upload_time, tags=tags,
                            build=build))
    return out
