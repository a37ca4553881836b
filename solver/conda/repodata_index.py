"""The per-name index of a ``repodata.json``: building it with the Cython scanner, and its on-disk cache.

Opening a subdir runs a streaming Cython scan (``solver._ext.repodata_scan``) over the raw bytes and
keeps, per record, where its file-name key and its JSON object are in the file, grouped by package
name (``RepodataIndex``). The index is stored on disk (compact binary, memory-mapped on load) so
later processes skip the scan; index files are written by one background thread and checked
against the source's path, size and mtime on load. The JSON itself is never held in memory as a
whole (a large file is memory-mapped, scanned in parallel parts without the GIL, and its pages are
dropped as the scan passes them). Decoding the records the index points at is
``repodata.SubdirData``'s job; this module only says where they are.
"""

from __future__ import annotations

import mmap
import os
import zlib
from _thread import allocate_lock  # threading.Lock itself, without importing threading (~0.5 ms)
from pathlib import Path

import msgspec

from solver.conda.channel import Channel
from solver.atomic import atomic_writer
from solver.errors import InputError

INDEX_MAGIC = b"SLVRIDX\x01"
INDEX_FORMAT = 1
INDEX_DIR = "repodata-index"

# Smaller files are not given an on-disk index: scanning 1 MiB takes well under a millisecond,
# less than creating, writing and later validating an index file costs.
INDEX_MIN_BYTES = 1 << 20

_info_decoder = msgspec.json.Decoder(dict)


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


def decode_json_string(raw: bytes) -> str:
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
            decoded = [decode_json_string(n) for n in raw_names]
    except (UnicodeDecodeError, msgspec.DecodeError):
        raise InputError(f"repodata {path} ({describe_subdir(channel, subdir)}): a package name is not valid "
                         "UTF-8 / JSON") from None
    if not decoded:
        return decoded
    check = "\n".join(decoded)
    if (len(decoded) != len(raw_names) or "\r" in check or "\0" in check
            or check.count("\n") != len(decoded) - 1 or "" in decoded):
        bad = next((n for n in decoded if not n or any(c in n for c in "\n\r\0")),
                   next((n.decode("utf-8", "replace") for n in raw_names if b"\n" in n), "?"))
        raise InputError(f"repodata {path} ({describe_subdir(channel, subdir)}): invalid package name {bad!r}")
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


def line_of(path: Path, offset: int) -> int:
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


def describe_subdir(channel: Channel, subdir: str) -> str:
    return f"channel {channel.display!r}, subdir {subdir!r}"


def build_index(path: Path, channel: Channel, subdir: str, fd: int | None = None) -> RepodataIndex:
    """Scans ``path`` (a decompressed repodata.json; read through ``fd`` when given) and builds
    its index (no numpy needed)."""
    from solver._ext.repodata_scan import ScanError, scan_file

    try:
        scanner = scan_file(fd if fd is not None else str(path))
    except ScanError as exc:
        raise InputError(
            f"malformed repodata in {path} ({describe_subdir(channel, subdir)}) at byte {exc.offset} "
            f"(line {line_of(path, exc.offset)}): {exc}"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read repodata {path} ({describe_subdir(channel, subdir)}): {exc.strerror}") from None
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


_seek_lock = allocate_lock()


def pread_exact(fd: int, length: int, offset: int) -> bytes:
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
        raw = pread_exact(fd, scanner.info_end - scanner.info_start, scanner.info_start)
        try:
            info = _info_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            raise InputError(f"repodata {path} ({describe_subdir(channel, subdir)}): malformed \"info\" at byte "
                             f"{scanner.info_start}: {exc}") from None
        if isinstance(info, dict) and isinstance(info.get("base_url"), str):
            base_url = info["base_url"]
    if scanner.version_start >= 0:
        raw = pread_exact(fd, scanner.version_end - scanner.version_start, scanner.version_start)
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
_writer_lock = allocate_lock()


def _write_job(index: RepodataIndex, target: Path, source: Path, st: os.stat_result) -> None:
    try:
        write_index(index, target, source, st)
    except OSError:
        pass  # a read-only or full cache only costs the next process a rescan
    remove_orphan_indexes(target.parent)


# One index file per repodata file ever read; a new one is written each time a private channel's
# repodata changes (the HTTP cache names private bodies by content). Once a day, the writer of a
# new index removes those whose repodata file is gone.


def remove_orphan_indexes(folder: Path) -> int:
    """Removes the index files in ``folder`` whose source file no longer exists, if the daily sweep
    is due (see above); returns how many. A process that has one mapped keeps reading it."""
    from solver.atomic import start_daily_sweep

    if not start_daily_sweep(folder):
        return 0
    removed = 0
    for path in folder.glob("*.idx"):
        source = _indexed_source(path)
        if source is None or os.path.exists(source):
            continue
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def _indexed_source(path: Path) -> str | None:
    """The source path an index file's header names, or None when it does not read."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(INDEX_MAGIC) + 4)
            if len(head) < len(INDEX_MAGIC) + 4 or not head.startswith(INDEX_MAGIC):
                return None
            hlen = int.from_bytes(head[len(INDEX_MAGIC):], "little")
            header = msgspec.json.decode(f.read(hlen), type=IndexHeader)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return header.source


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


def load_or_build_index(path: Path, fd: int, channel: Channel, subdir: str, cache: Path | None, force=False):
    """``(index, index_path)`` of ``path`` (read through ``fd``): the cached index when an intact
    one describes the file as it is now (unless ``force``), else a fresh scan, written to the
    cache in the background. Files under ``INDEX_MIN_BYTES`` get no index file (``index_path``
    None)."""
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
