"""Lazy ``repodata.json`` loading: open a subdir, index it once, decode records by name on demand.

``SubdirData.open`` finds the file (``repodata.json``, or ``repodata.json.zst``, decompressed once
into the cache) and gets its per-name index of record byte ranges (``repodata_index``: a scan, or
the on-disk index of an earlier process). ``records(name)`` then reads back only the byte ranges of
that name (``os.pread``) and decodes them with msgspec into ``PackageRecord``, completed with their
place (``repodata_records``). Nothing of a name the solve never reaches is decoded.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import msgspec

from solver.conda.channel import Channel
from solver.conda.model import PackageRecord
from solver.conda.repodata_index import (RepodataIndex, decode_json_string, describe_subdir, line_of,
                                         load_or_build_index, pread_exact)
from solver.conda.repodata_records import normalize_legacy_fields, place_record, record_url_base, valid_file_name
from solver.atomic import atomic_writer
from solver.errors import InputError, cut_long_values
from solver.cache_dir import default_cache_dir
from solver.lazyre import lazy

JSON_DIR = "repodata-json"

_record_decoder = msgspec.json.Decoder(PackageRecord)
_BYTE_RE = lazy(r"\(byte (\d+)\)")


# --------------------------------------------------------------------------------------------
# .zst

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _zstd_stream(zstandard, src, out) -> None:
    """Decompresses every frame of ``src`` into ``out``; a truncated frame is an error."""
    dobj = zstandard.ZstdDecompressor().decompressobj()
    pending = False
    while True:
        chunk = src.read(1 << 20)
        if not chunk:
            break
        while chunk:
            out.write(dobj.decompress(chunk))
            pending = not dobj.eof
            if dobj.eof:
                chunk = dobj.unused_data
                dobj = zstandard.ZstdDecompressor().decompressobj()
                pending = False
            else:
                chunk = b""
    if pending:
        raise zstandard.ZstdError("truncated zstd frame")


def decompress_zst(source: Path, cache_dir: Path, channel: Channel, subdir: str) -> Path:
    """Streams ``source`` (zstd) into a cache file once per version of ``source``; returns its path."""
    import hashlib

    import zstandard

    st = source.stat()
    path_key = hashlib.sha256(str(source).encode()).hexdigest()[:24]
    version_key = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:12]
    folder = cache_dir / JSON_DIR
    target = folder / f"{path_key}-{version_key}.json"
    if target.is_file():
        return target
    try:
        with atomic_writer(target) as out, open(source, "rb") as src:
            _zstd_stream(zstandard, src, out)
    except zstandard.ZstdError as exc:
        raise InputError(f"repodata {source} ({describe_subdir(channel, subdir)}) is not valid zstd: {exc}") from None
    for old in folder.glob(f"{path_key}-*.json"):  # earlier versions of the same source
        if old != target:
            try:
                old.unlink()
            except OSError:
                pass
    return target


# --------------------------------------------------------------------------------------------
# SubdirData


class _StaleIndex(Exception):
    """The index does not describe the file: rebuilt once; ``str()`` says what did not fit."""


class RepodataNotFound(InputError):
    """The subdir has no repodata file (``.json`` nor ``.json.zst``)."""


def _open_repodata(path: Path, channel: Channel, subdir: str) -> tuple[Path, int]:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    candidates = [path]
    if path.name.endswith(".json"):
        candidates.append(path.with_name(path.name + ".zst"))
    for candidate in candidates:
        try:
            fd = os.open(candidate, flags)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise InputError(f"{describe_subdir(channel, subdir)}: cannot read {candidate}: {exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InputError(f"{describe_subdir(channel, subdir)}: {candidate} is not a file")
        return candidate, fd
    raise RepodataNotFound(f"{describe_subdir(channel, subdir)}: no repodata at {path} (file does not exist)")


class SubdirData:
    """One subdir of one channel, decoded lazily by package name."""

    def __init__(self, path: Path, fd: int, channel: Channel, subdir: str, index: RepodataIndex,
                 cache_dir: Path | None, index_path: Path | None):
        self.path = path  # the JSON read (for .zst: the decompressed copy in the cache)
        self.source = path  # the file the channel has
        self.channel = channel
        self.subdir = subdir
        self._fd = fd
        self._index = index
        self._cache_dir = cache_dir
        self._index_path = index_path
        self._channel_id = channel.canonical_url
        self._url_base = self._record_url_base(index.base_url)
        self._row_reader = None
        self._row_reader_index = None

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def open(cls, path, channel: Channel, subdir: str, cache_dir=None) -> SubdirData:
        """Opens ``path`` (``repodata.json``, or ``repodata.json.zst``; a missing ``.json`` next to
        an existing ``.json.zst`` uses the latter; zstd is recognised by content). ``cache_dir``
        (default: ``default_cache_dir()``) holds the index and decompressed ``.zst`` files; the
        channel folder is never written to. A missing file raises ``RepodataNotFound``."""
        path = Path(os.path.abspath(path))
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        path, fd = _open_repodata(path, channel, subdir)
        source = path
        try:
            if pread_exact(fd, 4, 0) == _ZSTD_MAGIC:
                os.close(fd)
                fd = -1
                path = decompress_zst(path, cache, channel, subdir)
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                index, index_path = load_or_build_index(path, fd, channel, subdir, cache)
            except InputError as exc:
                if source == path:
                    raise
                raise InputError(f"{exc} (decompressed from {source})") from None
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        sd = cls(path, fd, channel, subdir, index, cache, index_path)
        sd.source = source
        return sd

    def _record_url_base(self, base_url: str | None) -> str:
        return record_url_base(self.channel, self.subdir, base_url)

    @property
    def _label(self) -> str:
        origin = getattr(self, "origin", None)  # set by the gateway for a remote channel's cached copy
        if origin:
            return f"{origin} (cached at {self.source})"
        return str(self.path) if self.source == self.path else f"{self.path} (decompressed from {self.source})"

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"SubdirData({self.channel.display!r}, {self.subdir!r}, records={self.record_count})"

    # -- queries ------------------------------------------------------------------------------

    @property
    def record_count(self) -> int:
        """Records visible to the solver (``.tar.bz2`` entries shadowed by a ``.conda`` twin excluded)."""
        return self._index.record_count

    @property
    def entry_count(self) -> int:
        """Raw entries of ``packages`` + ``packages.conda``."""
        return self._index.entry_count

    @property
    def base_url(self) -> str:
        """Where records' files are: ``info.base_url`` (repodata v2) or the subdir URL; no credentials."""
        return self._url_base

    def names(self) -> list[str]:
        """Package names with at least one record, sorted."""
        return list(self._index.names)

    def __contains__(self, name: str) -> bool:
        return name in self._index.name_pos

    @property
    def name_positions(self) -> dict[str, int]:
        """Name -> position in ``names()`` (a mapping to test membership without a call)."""
        return self._index.name_pos

    def records(self, name: str) -> list[PackageRecord]:
        """Records of ``name`` in file order (``packages`` then ``packages.conda``); ``[]`` if none."""
        if self._fd < 0:
            raise ValueError(f"{self!r} is closed")
        try:
            return self._decode_name(name)
        except _StaleIndex:
            # The on-disk index did not match the file (corrupt or raced); rebuild once.
            self._index, self._index_path = load_or_build_index(
                self.path, self._fd, self.channel, self.subdir, self._cache_dir, force=True)
            self._url_base = self._record_url_base(self._index.base_url)
            try:
                return self._decode_name(name)
            except _StaleIndex as exc:
                # A fresh index of the file as it is now still disagrees: the record itself is
                # at fault unless the file changed under us.
                if str(exc):
                    raise InputError(f"malformed repodata in {self._label} "
                                     f"({describe_subdir(self.channel, self.subdir)}): {exc}") from None
                raise InputError(f"{describe_subdir(self.channel, self.subdir)}: repodata {self.path} changed "
                                 "while it was being read") from None

    def _reader(self):
        # Built on first use and after a rebuild; the decoder is looked up then (tests swap it).
        if self._row_reader is None or self._row_reader_index is not self._index:
            from solver._ext.repodata_scan import RowReader

            idx = self._index
            # Records the fast path cannot decode (also those nested too deeply for the decoder)
            # go to ``_decode_one``, which names them.
            self._row_reader = RowReader(self._fd, idx.key_start, idx.key_len, idx.obj_len, idx.flags,
                                         _record_decoder.decode, (msgspec.DecodeError, RecursionError),
                                         self._channel_id,
                                         self._url_base, self.subdir)
            self._row_reader_index = idx
        return self._row_reader

    def _decode_name(self, name: str) -> list[PackageRecord]:
        idx = self._index
        i = idx.name_pos.get(name)
        if i is None:
            return []
        lo, hi = idx.name_offsets[i], idx.name_offsets[i + 1]
        if lo >= hi:
            return []

        def slow(view, rel, key_len, obj_len, abs_start):
            return self._decode_one(name, view, rel, key_len, obj_len, abs_start)

        out = self._reader().rows(lo, hi, name, slow)
        if out is None:
            raise _StaleIndex()
        return out

    def _decode_one(self, name: str, view: memoryview, rel: int, key_len: int, obj_len: int,
                    abs_start: int) -> PackageRecord:
        key = bytes(view[rel: rel + key_len]).rstrip(b" \t\r\n:").rstrip(b" \t\r\n")
        obj = view[rel + key_len: rel + key_len + obj_len]
        if len(key) < 2 or key[0] != 34 or key[-1] != 34 or obj[0] != 123 or obj[-1] != 125:
            raise _StaleIndex()
        where = f"repodata {self._label} ({describe_subdir(self.channel, self.subdir)})"
        try:
            fn = decode_json_string(key[1:-1])
        except (UnicodeDecodeError, msgspec.DecodeError):
            raise InputError(f"{where}: the file name {key.decode('utf-8', 'replace')} at byte {abs_start} "
                             "is not valid UTF-8 / JSON") from None
        if not valid_file_name(fn):
            raise InputError(cut_long_values(f"{where}: invalid file name {fn!r} at byte {abs_start} (control "
                             "characters and '/' are not allowed)"))
        obj_offset = abs_start + key_len
        try:
            try:
                rec = _record_decoder.decode(obj)
            except msgspec.ValidationError as exc:
                rec = self._decode_lenient(obj, fn, exc)
        except msgspec.ValidationError:
            raise
        except RecursionError:
            raise InputError(f"{where}: record {fn!r} at byte {obj_offset} is nested too deeply") from None
        except msgspec.DecodeError as exc:
            m = _BYTE_RE.search(str(exc))
            at = obj_offset + int(m.group(1)) if m else obj_offset
            raise InputError(
                f"malformed JSON in repodata {self._label} ({describe_subdir(self.channel, self.subdir)}), record "
                f"{fn!r}, at byte {at} (line {line_of(self.path, at)}): {exc}"
            ) from None
        if rec.name != name:
            raise _StaleIndex(cut_long_values(f"record {fn!r} at byte {obj_offset}: its \"name\" reads as "
                                              f"{rec.name!r} where the scan found {name!r}"))
        return place_record(rec, fn, self._channel_id, self._url_base, self.subdir)

    def _decode_lenient(self, obj: memoryview, fn: str, first_error: Exception) -> PackageRecord:
        """Accepts the legacy shapes old repodata uses (``noarch: true``, ``depends: null``,
        ``track_features`` as a list); anything else is an error naming the record and field."""
        try:
            data = msgspec.json.decode(obj)
        except msgspec.ValidationError as exc:  # e.g. a number out of range (build_number: 1e400)
            raise InputError(
                f"invalid record {fn!r} in repodata {self._label} ({describe_subdir(self.channel, self.subdir)}): {exc}"
            ) from None
        if isinstance(data, dict):
            normalize_legacy_fields(data)
        try:
            return msgspec.convert(data, PackageRecord)
        except msgspec.ValidationError as exc:
            raise InputError(
                f"invalid record {fn!r} in repodata {self._label} ({describe_subdir(self.channel, self.subdir)}): {exc}"
            ) from None
