"""Lazy ``repodata.json`` loading: index the byte ranges of every record once, decode by name on demand.

Opening a subdir runs a streaming Cython scan (``solver._ext.repodata_scan``) over the raw bytes and
keeps, per record, where its file-name key and its JSON object are in the file, grouped by package
name. The index is stored on disk (compact binary, memory-mapped on load) so later processes skip
the scan. ``records(name)`` then reads back only the byte ranges of that name (``os.pread``) and
decodes them with msgspec into ``PackageRecord``. Nothing of a name the solve never reaches is
decoded, and the JSON itself is never held in memory as a whole (a large file is memory-mapped,
scanned in parallel parts without the GIL, and its pages are dropped as the scan passes them).
"""

from __future__ import annotations

import mmap
import os
import stat
import threading
import zlib
from pathlib import Path
from urllib.parse import urljoin

import msgspec

from solver.conda.channel import Channel
from solver.conda.model import PackageRecord
from solver.atomic import atomic_writer
from solver.errors import InputError, cut_long_values
from solver.lazyre import lazy

INDEX_MAGIC = b"SLVRIDX\x01"
INDEX_FORMAT = 1
INDEX_DIR = "repodata-index"
JSON_DIR = "repodata-json"

# Smaller files are not given an on-disk index: scanning 1 MiB takes well under a millisecond,
# less than creating, writing and later validating an index file costs.
INDEX_MIN_BYTES = 1 << 20

_record_decoder = msgspec.json.Decoder(PackageRecord)
_info_decoder = msgspec.json.Decoder(dict)
_BYTE_RE = lazy(r"\(byte (\d+)\)")


def default_cache_dir() -> Path:
    """``SOLVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/solver``, else ``~/.cache/solver``."""
    env = os.environ.get("SOLVER_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "solver"


class IndexHeader(msgspec.Struct):
    """The JSON header of an index file; arrays follow it at the offsets it gives."""

    format: int
    source: str
    source_size: int
    source_mtime_ns: int
    n_records: int
    n_names: int
    record_count: int
    base_url: str | None
    repodata_version: int | None
    names_len: int
    names_crc: int
    arrays_offset: int


class RepodataIndex:
    """Per-name CSR index of record byte ranges. Records of name ``i`` are rows
    ``name_offsets[i]:name_offsets[i+1]`` of the per-record arrays, in file order."""

    __slots__ = ("names", "name_pos", "name_offsets", "key_start", "key_len", "obj_len", "flags",
                 "record_count", "base_url", "repodata_version", "_mmap")

    def __init__(self, names, name_offsets, key_start, key_len, obj_len, flags, record_count,
                 base_url, repodata_version, mm=None):
        self.names: list[str] = names
        self.name_pos = dict(zip(names, range(len(names))))
        self.name_offsets = name_offsets
        self.key_start = key_start
        self.key_len = key_len
        self.obj_len = obj_len
        self.flags = flags
        self.record_count = record_count
        self.base_url = base_url
        self.repodata_version = repodata_version
        self._mmap = mm

    @property
    def entry_count(self) -> int:
        """Entries in ``packages`` + ``packages.conda`` (before the .conda-over-.tar.bz2 rule)."""
        return len(self.key_start)


# --------------------------------------------------------------------------------------------
# Building the index


def _decode_json_string(raw: bytes) -> str:
    """Contents of a JSON string given without its quotes."""
    if b"\\" not in raw:
        return raw.decode("utf-8")
    return msgspec.json.decode(b'"' + raw + b'"', type=str)


def _decode_names(raw_names: list[bytes], path: Path, channel: Channel, subdir: str) -> list[str]:
    """Package names as str; each must be non-empty, without line breaks or NUL (the index stores
    them newline-separated)."""
    joined = b"\n".join(raw_names)
    try:
        if b"\\" not in joined:  # the usual case: no escapes, decode all at once
            decoded = joined.decode("utf-8").split("\n") if raw_names else []
        else:
            decoded = [_decode_json_string(n) for n in raw_names]
    except (UnicodeDecodeError, msgspec.DecodeError):
        raise InputError(f"repodata {path} ({_where(channel, subdir)}): a package name is not valid "
                         "UTF-8 / JSON") from None
    if not decoded:
        return decoded
    check = "\n".join(decoded)
    if (len(decoded) != len(raw_names) or "\r" in check or "\0" in check
            or check.count("\n") != len(decoded) - 1 or "" in decoded):
        bad = next((n for n in decoded if not n or any(c in n for c in "\n\r\0")),
                   next((n.decode("utf-8", "replace") for n in raw_names if b"\n" in n), "?"))
        raise InputError(f"repodata {path} ({_where(channel, subdir)}): invalid package name {bad!r}")
    return decoded


def _sorted_names(scanner, path: Path, channel: Channel, subdir: str):
    """``(names, remap)``: the sorted name table and, per raw name id, its position there."""
    fast = scanner.sorted_names()
    if fast is not None:
        # No escapes: raw names are distinct and sorted by bytes in C (UTF-8 byte order is code
        # point order, as Python sorts str). Anything odd goes the checked way below.
        blob, remap = fast
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            names = text.split("\n") if remap else []
            if len(names) * 4 == len(remap) and "\r" not in text and "\0" not in text and "" not in names:
                return names, memoryview(remap).cast("i")
    decoded = _decode_names(scanner.raw_names(), path, channel, subdir)
    # Sorted name table; two raw spellings of one name (escapes) merge into one id.
    names = sorted(set(decoded))
    pos = {n: i for i, n in enumerate(names)}
    return names, [pos[n] for n in decoded]


def _line_of(path: Path, offset: int) -> int:
    line = 1
    remaining = offset
    with open(path, "rb") as f:
        while remaining > 0:
            chunk = f.read(min(remaining, 1 << 20))
            if not chunk:
                break
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line


def _where(channel: Channel, subdir: str) -> str:
    return f"channel {channel.display!r}, subdir {subdir!r}"


def build_index(path: Path, channel: Channel, subdir: str, fd: int | None = None) -> RepodataIndex:
    """Scans ``path`` (a decompressed repodata.json; read through ``fd`` when given) and builds
    its index (no numpy needed)."""
    from solver._ext.repodata_scan import ScanError, scan_file

    try:
        scanner = scan_file(fd if fd is not None else str(path))
    except ScanError as exc:
        raise InputError(
            f"malformed repodata in {path} ({_where(channel, subdir)}) at byte {exc.offset} "
            f"(line {_line_of(path, exc.offset)}): {exc}"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read repodata {path} ({_where(channel, subdir)}): {exc.strerror}") from None
    names, remap = _sorted_names(scanner, path, channel, subdir)
    out = scanner.finish(remap)
    if fd is not None:
        info_base_url, version = _read_info(path, fd, scanner, channel, subdir)
    else:
        with open(path, "rb") as f:
            info_base_url, version = _read_info(path, f.fileno(), scanner, channel, subdir)
    return RepodataIndex(
        names=names,
        name_offsets=memoryview(out["name_offsets"]).cast("q"),
        key_start=memoryview(out["key_start"]).cast("q"),
        key_len=memoryview(out["key_len"]).cast("I"),
        obj_len=memoryview(out["obj_len"]).cast("I"),
        flags=memoryview(out["flags"]).cast("B"),
        record_count=out["record_count"],
        base_url=info_base_url,
        repodata_version=version,
    )


_seek_lock = threading.Lock()


def _pread_exact(fd: int, length: int, offset: int) -> bytes:
    """``length`` bytes at ``offset`` (fewer only at end of file)."""
    if not hasattr(os, "pread"):  # Windows: no positional read in os; serialise seek + read
        with _seek_lock:
            os.lseek(fd, offset, os.SEEK_SET)
            return os.read(fd, length)
    data = os.pread(fd, length, offset)
    while len(data) < length:
        more = os.pread(fd, length - len(data), offset + len(data))
        if not more:
            break
        data += more
    return data


def _read_info(path: Path, fd: int, scanner, channel: Channel, subdir: str) -> tuple[str | None, int | None]:
    """``info.base_url`` and ``repodata_version`` from the byte ranges the scan found."""
    base_url = None
    version = None
    if scanner.info_start >= 0:
        raw = _pread_exact(fd, scanner.info_end - scanner.info_start, scanner.info_start)
        try:
            info = _info_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            raise InputError(f"repodata {path} ({_where(channel, subdir)}): malformed \"info\" at byte "
                             f"{scanner.info_start}: {exc}") from None
        if isinstance(info, dict) and isinstance(info.get("base_url"), str):
            base_url = info["base_url"]
    if scanner.version_start >= 0:
        raw = _pread_exact(fd, scanner.version_end - scanner.version_start, scanner.version_start)
        try:
            value = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            value = None
        if isinstance(value, int) and not isinstance(value, bool):
            version = value
    return base_url, version


# --------------------------------------------------------------------------------------------
# The on-disk index


def _index_path(cache_dir: Path, source: Path) -> Path:
    # A short stable name for the source path. The header records the path itself and is checked
    # on load, so two paths sharing a name only cost a rebuild; zlib's checksums keep hashlib
    # (OpenSSL, ~2 ms to load) off the command line's local-channel path.
    raw = str(source).encode()
    key = f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}{len(raw) & 0xFFFF:04x}"
    return cache_dir / INDEX_DIR / f"{key}.idx"


def write_index(index: RepodataIndex, target: Path, source: Path, st: os.stat_result) -> None:
    """Writes ``index`` atomically (temp file + ``os.replace``); failures leave no partial file."""
    names_blob = "\n".join(index.names).encode("utf-8")
    n = len(index.key_start)
    header = IndexHeader(
        format=INDEX_FORMAT,
        source=str(source),
        source_size=st.st_size,
        source_mtime_ns=st.st_mtime_ns,
        n_records=n,
        n_names=len(index.names),
        record_count=index.record_count,
        base_url=index.base_url,
        repodata_version=index.repodata_version,
        names_len=len(names_blob),
        names_crc=zlib.crc32(names_blob) ^ zlib.crc32(memoryview(index.name_offsets).cast("B")),
        arrays_offset=0,
    )
    # The header length depends on arrays_offset; fix it with generous padding.
    probe = msgspec.json.encode(header)
    header.arrays_offset = (len(INDEX_MAGIC) + 4 + len(probe) + 32 + 7) // 8 * 8
    head = msgspec.json.encode(header)
    prefix = INDEX_MAGIC + len(head).to_bytes(4, "little") + head
    prefix += b"\0" * (header.arrays_offset - len(prefix))
    with atomic_writer(target) as f:
        f.write(prefix)
        # 8-byte arrays first, so every array stays aligned.
        for arr in (index.key_start, index.name_offsets, index.key_len, index.obj_len, index.flags):
            f.write(memoryview(arr).cast("B"))
        f.write(names_blob)


def read_index(target: Path, source: Path, st: os.stat_result) -> RepodataIndex | None:
    """The index at ``target`` if it is intact and describes ``source`` as it is now, else None.

    The arrays are typed memoryviews over a read-only mmap: nothing is read until a name is asked
    for, and the warm path needs no numpy import (CLI start-up time)."""
    try:
        with open(target, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < len(INDEX_MAGIC) + 4:
                return None
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        if mm[: len(INDEX_MAGIC)] != INDEX_MAGIC:
            return None
        hlen = int.from_bytes(mm[len(INDEX_MAGIC): len(INDEX_MAGIC) + 4], "little")
        start = len(INDEX_MAGIC) + 4
        header = msgspec.json.decode(mm[start: start + hlen], type=IndexHeader)
        if (header.format != INDEX_FORMAT or header.source != str(source)
                or header.source_size != st.st_size or header.source_mtime_ns != st.st_mtime_ns):
            return None
        n, m = header.n_records, header.n_names
        off = header.arrays_offset
        expected = off + 8 * n + 8 * (m + 1) + 4 * n + 4 * n + n + header.names_len
        if expected != size or off % 8:
            return None
        view = memoryview(mm)

        def take(fmt: str, count: int, width: int):
            nonlocal off
            arr = view[off: off + count * width].cast(fmt)
            off += count * width
            return arr

        key_start = take("q", n, 8)
        name_offsets = take("q", m + 1, 8)
        key_len = take("I", n, 4)
        obj_len = take("I", n, 4)
        flags = take("B", n, 1)
        names_blob = mm[off: off + header.names_len]
        if zlib.crc32(names_blob) ^ zlib.crc32(name_offsets) != header.names_crc:
            return None
        names = names_blob.decode("utf-8").split("\n") if m else []
        if len(names) != m or name_offsets[0] != 0 or name_offsets[m] != n:
            return None
        return RepodataIndex(names, name_offsets, key_start, key_len, obj_len, flags,
                             header.record_count, header.base_url, header.repodata_version, mm)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, ValueError, TypeError):
        return None


# Index files are written by one background thread: this process already has the index in
# memory, so it need not wait for the disk (file creation is slow on some file systems). The
# executor's thread is joined at interpreter exit, so writes finish; each one is atomic anyway.
_writer = None
_pending: dict[Path, object] = {}
_writer_lock = threading.Lock()


def _write_job(index: RepodataIndex, target: Path, source: Path, st: os.stat_result) -> None:
    try:
        write_index(index, target, source, st)
    except OSError:
        pass  # a read-only or full cache only costs the next process a rescan


def _write_in_background(index: RepodataIndex, target: Path, source: Path, st: os.stat_result) -> None:
    global _writer
    from concurrent.futures import ThreadPoolExecutor

    with _writer_lock:
        if _writer is None:
            _writer = ThreadPoolExecutor(1, thread_name_prefix="solver-index-writer")
        fut = _writer.submit(_write_job, index, target, source, st)
        _pending[target] = fut

    def forget(done, target=target):
        with _writer_lock:
            if _pending.get(target) is done:
                del _pending[target]

    fut.add_done_callback(forget)


def _wait_for_write(target: Path) -> None:
    with _writer_lock:
        fut = _pending.get(target)
    if fut is not None:
        fut.result()


def flush_index_writes() -> None:
    """Blocks until every index this process built is on disk."""
    with _writer_lock:
        futures = list(_pending.values())
    for fut in futures:
        fut.result()


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
        raise InputError(f"repodata {source} ({_where(channel, subdir)}) is not valid zstd: {exc}") from None
    for old in folder.glob(f"{path_key}-*.json"):  # earlier versions of the same source
        if old != target:
            try:
                old.unlink()
            except OSError:
                pass
    return target


# --------------------------------------------------------------------------------------------
# SubdirData


def normalize_legacy_fields(data: dict) -> None:
    """Rewrites, in place, the legacy shapes old repodata uses into the ones ``PackageRecord``
    takes: ``noarch: true``, ``depends: null`` / ``constrains: null``, ``track_features`` as a list."""
    noarch = data.get("noarch")
    if isinstance(noarch, bool):
        data["noarch"] = "generic" if noarch else None
    for key in ("depends", "constrains"):
        if key in data and data[key] is None:
            data[key] = []
    tf = data.get("track_features")
    if isinstance(tf, list):
        data["track_features"] = " ".join(str(x) for x in tf)
    elif tf is None and "track_features" in data:
        data["track_features"] = ""


def record_url_base(channel: Channel, subdir: str, base_url: str | None) -> str:
    """Where the records' files are, ending in ``/``, without credentials: ``base_url`` (repodata
    v2 ``info.base_url``, or a shard index's; absolute or relative to the subdir URL), else the
    subdir URL."""
    if base_url:
        from solver.conda.channel import canonical_channel_url

        try:
            return canonical_channel_url(urljoin(channel.subdir_url(subdir) + "/", base_url)).rstrip("/") + "/"
        except ValueError as exc:  # ``http://[::1/``: urlsplit refuses it
            raise InputError(f"channel {channel.display!r}, subdir {subdir!r}: base_url {base_url!r} is not a "
                             f"valid URL ({exc})") from None
    return f"{channel.canonical_url}/{subdir}/"


def place_record(rec: PackageRecord, fn: str, channel_id: str, url_base: str, subdir: str) -> PackageRecord:
    """``rec`` completed with what its place says (file name, channel, URL; the subdir when the
    record does not name one) and its timestamp in milliseconds (some write seconds)."""
    rec.fn = fn
    rec.channel = channel_id
    rec.url = url_base + fn
    if rec.timestamp is not None and rec.timestamp < 100_000_000_000:
        rec.timestamp *= 1000  # written in seconds
    if not rec.subdir:
        rec.subdir = subdir
    return rec


class _StaleIndex(Exception):
    """The index does not describe the file: rebuilt once; ``str()`` says what did not fit."""


# A file name (a record's key) becomes part of a URL and of the lock: no control characters and
# no '/' (it would point into another folder).
_BAD_FILE_NAME = lazy(r"[\x00-\x1f\x7f/]")


def valid_file_name(fn: str) -> bool:
    """A record's key can be a file name in its subdir's folder (see ``_BAD_FILE_NAME``)."""
    return bool(fn) and not _BAD_FILE_NAME.search(fn)


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
            raise InputError(f"{_where(channel, subdir)}: cannot read {candidate}: {exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InputError(f"{_where(channel, subdir)}: {candidate} is not a file")
        return candidate, fd
    raise RepodataNotFound(f"{_where(channel, subdir)}: no repodata at {path} (file does not exist)")


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
            if _pread_exact(fd, 4, 0) == _ZSTD_MAGIC:
                os.close(fd)
                fd = -1
                path = decompress_zst(path, cache, channel, subdir)
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                index, index_path = cls._load_or_build(path, fd, channel, subdir, cache)
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

    @staticmethod
    def _load_or_build(path: Path, fd: int, channel: Channel, subdir: str, cache: Path | None, force=False):
        st = os.fstat(fd)
        index_path = _index_path(cache, path) if cache is not None and st.st_size >= INDEX_MIN_BYTES else None
        if index_path is not None and not force:
            _wait_for_write(index_path)
            index = read_index(index_path, path, st)
            if index is not None:
                return index, index_path
        index = build_index(path, channel, subdir, fd)
        if index_path is not None:
            _write_in_background(index, index_path, path, st)
        return index, index_path

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
            self._index, self._index_path = self._load_or_build(
                self.path, self._fd, self.channel, self.subdir, self._cache_dir, force=True)
            self._url_base = self._record_url_base(self._index.base_url)
            try:
                return self._decode_name(name)
            except _StaleIndex as exc:
                # A fresh index of the file as it is now still disagrees: the record itself is
                # at fault unless the file changed under us.
                if str(exc):
                    raise InputError(f"malformed repodata in {self._label} ({_where(self.channel, self.subdir)}): "
                                     f"{exc}") from None
                raise InputError(f"{_where(self.channel, self.subdir)}: repodata {self.path} changed "
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
        where = f"repodata {self._label} ({_where(self.channel, self.subdir)})"
        try:
            fn = _decode_json_string(key[1:-1])
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
                f"malformed JSON in repodata {self._label} ({_where(self.channel, self.subdir)}), record "
                f"{fn!r}, at byte {at} (line {_line_of(self.path, at)}): {exc}"
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
                f"invalid record {fn!r} in repodata {self._label} ({_where(self.channel, self.subdir)}): {exc}"
            ) from None
        if isinstance(data, dict):
            normalize_legacy_fields(data)
        try:
            return msgspec.convert(data, PackageRecord)
        except msgspec.ValidationError as exc:
            raise InputError(
                f"invalid record {fn!r} in repodata {self._label} ({_where(self.channel, self.subdir)}): {exc}"
            ) from None
