"""Sharded repodata (CEP-16): a remote subdir read one package name at a time.

A sharded subdir publishes ``SUBDIR/repodata_shards.msgpack.zst``, the *shard index*: zstd-compressed
msgpack ``{"version", "info": {"base_url", "shards_base_url", ...}, "shards": {name: sha256}}``
with each hash as 32 raw bytes. The *shard* of a name, ``SHARDS_BASE/<hex sha256>.msgpack.zst``,
holds that name's records in repodata's shape (``packages``, ``packages.conda``, ``removed``),
``md5`` and ``sha256`` as raw bytes. Both base URLs are relative to the index's URL.

The index is fetched with the HTTP cache's usual revalidation (it changes as the channel does).
A shard is fetched when the solve first asks for its name (the names the lazy loader decodes
anyway), checked against the hash the index gives, and then kept in the cache under that hash for
good: a content-addressed file cannot go stale. Bytes that do not hash to the index's value are an
error and are never stored; a cached shard is checked again when read, so a damaged file is
fetched anew rather than trusted. (CEP-16 names a shard by the hash of its file; a shard whose
*decompressed* content has the hash is accepted too: either way the content is the one the index
names.) As CEP-16's fetch process has it, every downloaded shard starts the downloads of the names
its records depend on, on the HTTP client's pool, so the solve seldom waits on the network; the
rest of the channel is never fetched.

Only the gateway uses this module, for remote channels; a channel without an index (404) is read
from ``repodata.json`` as before.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import msgspec

from solver.atomic import write_atomic
from solver.conda.channel import Channel, canonical_channel_url
from solver.conda.shard_cache import SHARD_CACHE_DIR, prune_due, prune_shards, remember_index, shard_folder, shard_path
from solver.conda.model import PackageRecord
from solver.conda.repodata_records import normalize_legacy_fields, place_record, record_url_base, valid_file_name
from solver.errors import InputError, NetworkError
from solver.lazyre import lazy
from solver.redact import mask_credentials

SHARD_INDEX_FILE = "repodata_shards.msgpack.zst"
__all__ = ["SHARD_CACHE_DIR", "SHARD_INDEX_FILE", "ShardFetcher", "open_sharded", "dependency_name", "dependency_names"]
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class ShardIndexInfo(msgspec.Struct):
    base_url: str = ""
    shards_base_url: str = ""


class ShardIndex(msgspec.Struct):
    """``repodata_shards.msgpack.zst``, decoded (unknown keys ignored, as CEP-16 asks)."""

    info: ShardIndexInfo = msgspec.field(default_factory=ShardIndexInfo)
    shards: dict[str, bytes] = {}
    version: int = 1


class Shard(msgspec.Struct):
    """One name's records: ``packages`` (.tar.bz2) and ``packages.conda`` by file name."""

    packages: dict[str, dict[str, Any]] = {}
    packages_conda: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict, name="packages.conda")
    removed: list[str] = []


_index_decoder = msgspec.msgpack.Decoder(ShardIndex)
_shard_decoder = msgspec.msgpack.Decoder(Shard)


def _zstd_decompress(data: bytes) -> bytes:
    """Every frame of ``data`` (no content size needed in the frame header)."""
    import zstandard

    out = []
    while data:
        dobj = zstandard.ZstdDecompressor().decompressobj()
        out.append(dobj.decompress(data))
        if not dobj.eof:
            raise zstandard.ZstdError("truncated zstd frame")
        data = dobj.unused_data
    return b"".join(out)


def _decompress(data: bytes, what: str) -> bytes:
    import zstandard

    if data[:4] != _ZSTD_MAGIC:
        raise InputError(f"{what} is not zstd-compressed")
    try:
        return _zstd_decompress(data)
    except zstandard.ZstdError as exc:
        raise InputError(f"{what} is not valid zstd: {exc}") from None


# The name a match spec starts with, after an optional ``channel::``.
_SPEC_NAME = lazy(r"\s*(?:[^\s:]*::)?([^\s=<>!~\[;@]*)")


def dependency_name(spec: str) -> str:
    """The package name a dependency spec starts with (``numpy >=1.2`` -> ``numpy``); good
    enough to prefetch shards (a wrong guess only costs a wait later)."""
    return _SPEC_NAME.match(spec).group(1)


def dependency_names(specs) -> set[str]:
    """``dependency_name`` of every spec, each distinct spec looked at once (a shard's records
    repeat the same few dependencies thousands of times)."""
    match = _SPEC_NAME.compiled().match
    return {match(s).group(1) for s in set(specs)} - {""}


class ShardFetcher:
    """The shard downloads of one gateway: the HTTP client, the content-addressed cache folder,
    the in-flight fetches (one per hash), and every sharded subdir (prefetches go to all of
    them: a dependency of a linux-64 record may live in noarch). Thread-safe."""

    def __init__(self, client, cache_dir: Path):
        self._client = client
        self.folder = shard_folder(cache_dir)
        self.subdirs: list[ShardedSubdir] = []
        self._lock = threading.Lock()
        self._inflight: dict[bytes, Any] = {}
        self._prefetched: set[str] = set()
        self.prefetching = True  # off between solves: nothing new starts once a solve is over
        self.downloads = 0  # shards fetched from the network (not the cache)
        self.downloaded_bytes = 0

    def _path(self, digest: bytes) -> Path:
        return shard_path(self.folder, digest)

    def _read_cached(self, digest: bytes) -> bytes | None:
        try:
            data = self._path(digest).read_bytes()
        except OSError:
            return None
        return data if _matches(data, digest) else None  # damaged on disk: fetch it again

    def _download(self, url: str, digest: bytes) -> Shard:
        def check(body: bytes) -> None:  # the client asks once more, then gives up; never caches it
            if not _matches(body, digest):
                raise ValueError(f"the shard does not match the SHA-256 the shard index gives ({digest.hex()}; "
                                 f"got {hashlib.sha256(body).hexdigest()}, {len(body)} bytes): not used, not cached")

        # our cache below is keyed by content: none of the HTTP cache's revalidation is needed
        data = self._client.get(url, cache=False, check=check).body
        try:
            write_atomic(self._path(digest), data)
        except OSError:
            pass  # a read-only or full cache only costs a download next time
        with self._lock:
            self.downloads += 1
            self.downloaded_bytes += len(data)
        shard = decode_shard(data, url)
        # CEP-16's fetch process: the names these records depend on are fetched next, at network
        # speed rather than when the solve gets to them
        # (``depends`` is not validated yet: a malformed one is reported when the records are read)
        self.prefetch_names(dependency_names(d for table in (shard.packages, shard.packages_conda)
                                             for raw in table.values() for d in _listed(raw.get("depends"))
                                             if isinstance(d, str)))
        return shard

    def _start(self, url: str, digest: bytes):
        """The future of ``digest``'s download, started on the client's pool if not yet."""
        with self._lock:
            fut = self._inflight.get(digest)
            if fut is None:
                fut = self._client.submit(self._download, url, digest)
                self._inflight[digest] = fut
            return fut

    def prefetch(self, url: str, digest: bytes) -> None:
        if digest not in self._inflight and not self._path(digest).is_file():
            self._start(url, digest)

    def get(self, url: str, digest: bytes) -> Shard:
        """The shard, verified and decoded: from a download this process made (or is making), else
        from the cache, else fetched now."""
        with self._lock:
            fut = self._inflight.get(digest)
            if fut is not None and fut.done() and fut.exception() is not None:
                del self._inflight[digest]  # a failed prefetch: ask again, and report this error
                fut = None
        if fut is None:
            data = self._read_cached(digest)
            if data is not None:
                return decode_shard(data, url)
            fut = self._start(url, digest)
        return fut.result()

    def prefetch_names(self, names) -> None:
        """Starts the downloads of ``names``' shards in every sharded subdir (each name once)."""
        if not self.prefetching:
            return
        with self._lock:
            new = [n for n in names if n not in self._prefetched]
            self._prefetched.update(new)
        if new:
            for sd in self.subdirs:
                sd.prefetch(new)


def decode_shard(data: bytes, url: str) -> Shard:
    where = f"shard {mask_credentials(canonical_channel_url(url))}"
    try:
        return _shard_decoder.decode(_decompress(data, where))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InputError(f"malformed {where}: {exc}") from None


def _listed(value) -> list | tuple:
    return value if isinstance(value, (list, tuple)) else ()


def _matches(data: bytes, digest: bytes) -> bool:
    if hashlib.sha256(data).digest() == digest:
        return True
    try:
        return hashlib.sha256(_zstd_decompress(data)).digest() == digest
    except Exception:  # noqa: BLE001 (not zstd at all: simply not a match)
        return False


def open_sharded(fetcher: ShardFetcher, client, channel: Channel, subdir: str) -> ShardedSubdir | None:
    """The subdir's shard index, fetched (HTTP-cached) and decoded; ``None`` if the channel
    publishes none (404 / 410), so the caller reads ``repodata.json`` instead."""
    from solver.http import NotFoundError

    base = channel.subdir_url(subdir)
    url = f"{base}/{SHARD_INDEX_FILE}"
    shown = mask_credentials(canonical_channel_url(url))
    parsed: list[ShardIndex] = []

    def check(path) -> None:  # a malformed index is asked for once more, and never kept in the cache
        try:
            parsed.append(_parse_index(Path(path).read_bytes(), shown))
        except (InputError, OSError) as exc:
            raise ValueError(str(exc)) from None

    try:
        resp = client.fetch_to_cache(url, check=check)
    except NotFoundError:
        return None
    except NetworkError as exc:
        raise NetworkError(mask_credentials(f"channel {channel.display!r}, subdir {subdir!r}: {exc}")) from None
    index = parsed[-1] if parsed else _parse_index(Path(resp.path).read_bytes(), shown)
    _keep_shards_bounded(fetcher.folder, Path(resp.path), refreshed=not resp.from_cache)
    sd = ShardedSubdir(channel, subdir, index, fetcher, Path(resp.path))
    sd.origin = f"{mask_credentials(canonical_channel_url(base))}/"
    with fetcher._lock:
        fetcher.subdirs.append(sd)
    return sd


def _keep_shards_bounded(folder: Path, index_path: Path, refreshed: bool) -> None:
    """Remembers the index as naming shards to keep; when it was downloaded anew (the channel
    changed, so some shards may no longer be named), prunes the shard cache if one is due (see
    :mod:`solver.conda.shard_cache`)."""
    remember_index(folder, index_path)
    if refreshed and prune_due(folder):
        prune_shards(folder, shards_named_by_index)


def shards_named_by_index(raw: bytes):
    """The hashes a cached shard index names (``ValueError`` if it does not read)."""
    try:
        return _parse_index(raw, "cached shard index").shards.values()
    except InputError as exc:
        raise ValueError(str(exc)) from None


def _parse_index(raw: bytes, shown: str) -> ShardIndex:
    try:
        index = _index_decoder.decode(_decompress(raw, f"shard index {shown}"))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InputError(f"malformed shard index {shown}: {exc}") from None
    for key in ("base_url", "shards_base_url"):
        try:
            urlsplit(getattr(index.info, key))
        except ValueError as exc:  # ``http://[::1/``: checked here, so the index is not kept in the cache
            raise InputError(f"malformed shard index {shown}: info.{key} {getattr(index.info, key)!r} is not a "
                             f"valid URL ({exc})") from None
    bad = next((n for n, d in index.shards.items() if len(d) != 32), None)
    if bad is not None:
        raise InputError(f"malformed shard index {shown}: the hash of {bad!r} is "
                         f"{len(index.shards[bad])} bytes, not a SHA-256")
    return index


class ShardedSubdir:
    """One subdir of one channel read from its shards: what ``SubdirData`` is for a
    ``repodata.json``, with the same queries the gateway uses."""

    def __init__(self, channel: Channel, subdir: str, index: ShardIndex, fetcher: ShardFetcher, path: Path):
        self.channel = channel
        self.subdir = subdir
        self.path = self.source = path  # the cached shard index
        self.origin: str | None = None
        self._shards = index.shards
        self._fetcher = fetcher
        self._channel_id = channel.canonical_url
        index_dir = channel.subdir_url(subdir) + "/"
        self._url_base = record_url_base(channel, subdir, index.info.base_url)
        shards_base = urljoin(index_dir, index.info.shards_base_url) if index.info.shards_base_url else index_dir
        self._shards_base = shards_base if shards_base.endswith("/") else shards_base + "/"
        self._decoded: dict[str, list[PackageRecord]] = {}
        self._lock = threading.Lock()

    # -- what the gateway asks ---------------------------------------------------------------

    @property
    def name_positions(self) -> dict[str, bytes]:
        """A mapping whose keys are the subdir's package names (membership tests only)."""
        return self._shards

    def names(self) -> list[str]:
        return sorted(self._shards)

    def __contains__(self, name: str) -> bool:
        return name in self._shards

    @property
    def record_count(self) -> int:
        """Records decoded so far (a sharded subdir never reads the names nobody asked for)."""
        return sum(len(r) for r in list(self._decoded.values()))

    @property
    def base_url(self) -> str:
        return self._url_base

    def records(self, name: str) -> list[PackageRecord]:
        """Records of ``name`` (``packages`` then ``packages.conda``, ``.tar.bz2`` entries with a
        ``.conda`` twin left out); ``[]`` if the subdir has no such name."""
        hit = self._decoded.get(name)
        if hit is not None:
            return hit
        digest = self._shards.get(name)
        if digest is None:
            return []
        self._fetcher.prefetch_names([name])  # the same name in the other subdirs, at once
        shard = self._fetcher.get(self._shard_url(digest), digest)
        recs = self._records(name, shard, digest)
        self._fetcher.prefetch_names(dependency_names(d for r in recs for d in r.depends))  # cached ones
        with self._lock:
            return self._decoded.setdefault(name, recs)

    def prefetch(self, names) -> None:
        for name in names:
            digest = self._shards.get(name)
            if digest is not None and name not in self._decoded:
                self._fetcher.prefetch(self._shard_url(digest), digest)

    def close(self) -> None:
        pass  # nothing held open: the shards are read whole

    def __repr__(self) -> str:
        return f"ShardedSubdir({self.channel.display!r}, {self.subdir!r}, names={len(self._shards)})"

    # -- decoding ------------------------------------------------------------------------------

    def _shard_url(self, digest: bytes) -> str:
        return f"{self._shards_base}{digest.hex()}.msgpack.zst"

    def _where(self, digest: bytes) -> str:
        return (f"shard {mask_credentials(canonical_channel_url(self._shard_url(digest)))} "
                f"(channel {self.channel.display!r}, subdir {self.subdir!r})")

    def _records(self, name: str, shard: Shard, digest: bytes) -> list[PackageRecord]:
        where = self._where(digest)
        removed = set(shard.removed)
        conda_stems = {fn[: -len(".conda")] for fn in shard.packages_conda if fn.endswith(".conda")}
        out = []
        for table in (shard.packages, shard.packages_conda):
            for fn, raw in table.items():
                if fn in removed or (table is shard.packages and fn.endswith(".tar.bz2")
                                     and fn[: -len(".tar.bz2")] in conda_stems):
                    continue
                if not valid_file_name(fn):  # it becomes a URL and a lock entry, as in repodata.json
                    raise InputError(f"{where}: invalid file name {fn!r} (control characters and '/' are not allowed)")
                rec = self._record(fn, raw, where)
                if rec.name != name:
                    raise InputError(f"{where}: record {fn!r} is named {rec.name!r}, not {name!r}")
                out.append(rec)
        return out

    def _record(self, fn: str, raw: dict, where: str) -> PackageRecord:
        for key in ("md5", "sha256"):
            value = raw.get(key)
            if isinstance(value, (bytes, bytearray)):
                raw[key] = value.hex()
        try:
            try:
                rec = msgspec.convert(raw, PackageRecord)
            except msgspec.ValidationError:
                normalize_legacy_fields(raw)
                rec = msgspec.convert(raw, PackageRecord)
        except msgspec.ValidationError as exc:
            raise InputError(f"invalid record {fn!r} in {where}: {exc}") from None
        return place_record(rec, fn, self._channel_id, self._url_base, self.subdir)

