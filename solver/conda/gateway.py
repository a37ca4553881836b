"""The gateway: every channel of a request, ``platform`` + ``noarch``, behind one ``records(name)``.

Local channels (paths, ``file://``) are read in place. HTTP channels are fetched through
``solver.http.HttpClient`` into the cache dir (``repodata.json.zst`` first, ``repodata.json`` when
the server has no ``.zst``; which one exists is remembered per subdir URL), concurrently. Each
subdir is then opened as a lazy ``SubdirData``; records of a name are decoded the first time the
name is asked for and kept.

Before those, a remote subdir is asked for its CEP-16 shard index (``solver.conda.shards``): where
there is one, only the shards of the names the solve asks for are fetched. A subdir remembered
as having none (it was last read from a full repodata file) is asked again once a day.

pixi's ``repodata-config`` reaches this as ``disabled``: channel URL prefix ("" for every channel)
-> {variant: disabled?}, the longest matching prefix deciding per variant. ``zstd`` off asks only for
``repodata.json``; ``sharded`` off skips the shard index. ``bzip2`` and ``jlap`` change nothing here:
this gateway never asks for ``repodata.json.bz2`` nor for JLAP patches.

A missing ``noarch`` subdir means the channel does not exist (or the URL is wrong): that is an
``InputError``. A missing platform subdir is normal (not every channel builds for every platform):
it counts as empty and is listed in ``Gateway.missing_subdirs``.
"""

from __future__ import annotations

import os
import time
from _thread import allocate_lock  # threading.Lock itself, without importing threading (~0.5 ms)
from pathlib import Path

import msgspec

from solver.conda.channel import Channel, canonical_channel_url
from solver.conda.model import PackageRecord
from solver.conda.repodata import RepodataNotFound, SubdirData, default_cache_dir
from solver.atomic import write_atomic
from solver.errors import InputError, NetworkError
from solver.redact import mask_credentials

_FORMATS_FILE = "repodata-formats.json"
# Subdirs are opened on up to this many threads, when at least two of them are large
# (PARALLEL_OPEN_MIN_BYTES of JSON or more): the scan of a large file runs without the GIL, while
# opening a small one is mostly Python work that threads would only serialise on the GIL.
OPEN_WORKERS = 4
PARALLEL_OPEN_MIN_BYTES = 8 << 20
_ZST_RATIO = 8  # a repodata.json.zst is about this many times smaller than its JSON


def disabled_variants(channel_url: str, disabled: dict[str, dict[str, bool]]) -> frozenset[str]:
    """The repodata variants (``zstd``, ``sharded``, ...) not to ask ``channel_url`` for: each
    variant as the longest prefix of the URL that mentions it says ("" matches every channel)."""
    url = channel_url.rstrip("/")
    decided: dict[str, tuple[int, bool]] = {}
    for prefix, flags in disabled.items():
        p = prefix.rstrip("/")
        if p and not (url == p or url.startswith(p + "/")):
            continue
        for variant, off in flags.items():
            if variant not in decided or decided[variant][0] < len(p):
                decided[variant] = (len(p), off)
    return frozenset(v for v, (_, off) in decided.items() if off)


def _remote_origin(ch: Channel, sd: str) -> str:
    return f"{mask_credentials(canonical_channel_url(ch.subdir_url(sd)))}/"


def _json_size(path: Path | None) -> int:
    """Roughly how many bytes of JSON ``path`` (or the ``.zst`` next to it) holds; 0 if absent."""
    if not isinstance(path, Path):  # absent, or a sharded subdir (opened while fetching)
        return 0
    for candidate, factor in ((path, 1), (path.with_name(path.name + ".zst"), _ZST_RATIO)):
        try:
            with open(candidate, "rb") as f:
                head = f.read(4)
                size = os.fstat(f.fileno()).st_size
        except OSError:
            continue
        return size * (_ZST_RATIO if head == b"\x28\xb5\x2f\xfd" else factor)
    return 0


SHARDS_RECHECK_SECONDS = 24 * 3600


def _stale(checked: str | None) -> bool:
    """Whether a subdir read from a full repodata file was last asked for shards long ago."""
    try:
        age = time.time() - float(checked)
    except (TypeError, ValueError):
        return True
    return not 0 <= age <= SHARDS_RECHECK_SECONDS  # a time in the future: the clock went back


def subdirs_for(platform: str) -> list[str]:
    return ["noarch"] if platform == "noarch" else [platform, "noarch"]


class Gateway:
    """Loads ``platform`` + ``noarch`` of every channel (priority = position in ``channels``)."""

    def __init__(self, channels: list[str | Channel], platform: str, cache_dir=None, channel_alias=None,
                 http=None, disabled: dict[str, dict[str, bool]] | None = None):
        if not platform:
            raise InputError("no platform given for the conda channels")
        self.channels: list[Channel] = [Channel.parse(c, channel_alias) for c in channels]
        self.platform = platform
        self.subdirs = subdirs_for(platform)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self._http = http
        self._disabled = disabled or {}
        self._own_http = False
        self.missing_subdirs: list[tuple[Channel, str, str]] = []  # (channel, subdir, where looked)
        self._data: list[list[SubdirData]] = [[] for _ in self.channels]
        self._cache: dict[str, list[tuple[int, PackageRecord]]] = {}
        self._lock = allocate_lock()
        self._names: list[str] | None = None
        self._lookup = None
        self._fetched_urls: dict[tuple[int, str], str] = {}  # (channel index, subdir) -> URL fetched
        self._shards = None  # solver.conda.shards.ShardFetcher once a channel serves shards
        loaded = False
        try:
            self._load()
            loaded = True
        finally:
            # sharded subdirs keep the client: they fetch shards as names are asked for
            keep = loaded and self._shards is not None and bool(self._shards.subdirs)
            if self._own_http and self._http is not None and not keep:
                self._http.close()
                self._http = None

    # -- loading ------------------------------------------------------------------------------

    def _load(self) -> None:
        remote = [(ci, sd) for ci, ch in enumerate(self.channels) if not ch.is_local for sd in self.subdirs]
        fetched: dict[tuple[int, str], Path | None] = self._fetch_remote(remote) if remote else {}
        jobs: list[tuple[int, Channel, str, Path | None, str]] = []  # (channel index, channel, subdir, path, where)
        for ci, ch in enumerate(self.channels):
            root = ch.local_path if ch.is_local else None
            for sd in self.subdirs:
                if root is not None:
                    path = root / sd / "repodata.json"
                    jobs.append((ci, ch, sd, path, str(path)))
                else:
                    jobs.append((ci, ch, sd, fetched[(ci, sd)], f"{canonical_channel_url(ch.subdir_url(sd))}/repodata.json"))
        results = self._open_subdirs(jobs)
        damaged = [i for i, (job, res) in enumerate(zip(jobs, results)) if self._damaged_download(job, res)]
        if damaged:
            # A cached or freshly fetched repodata that does not read is thrown away and fetched
            # once more; if it still does not read, the error stands and nothing of it stays
            # trusted, so a later run against a healthy server recovers on its own.
            again = self._fetch_remote([(jobs[i][0], jobs[i][2]) for i in damaged], fresh=True)
            for i in damaged:
                ci, ch, sd, _, where = jobs[i]
                jobs[i] = (ci, ch, sd, again[(ci, sd)], where)
            for i, res in zip(damaged, self._open_subdirs([jobs[i] for i in damaged])):
                results[i] = res
                if self._damaged_download(jobs[i], res):
                    self._forget_download(jobs[i][0], jobs[i][2])
        # Taken in (channel, subdir) order whatever order the threads finished in: the same
        # subdirs, records and first error as opening them one by one.
        try:
            for (ci, ch, sd, _, where), res in zip(jobs, results):
                if isinstance(res, RepodataNotFound):
                    if sd == "noarch":
                        raise InputError(
                            f"channel {ch.display!r} has no 'noarch' subdir (looked for {where}): "
                            "is the channel name, URL or path right?") from None
                    self.missing_subdirs.append((ch, sd, where))
                elif isinstance(res, BaseException):
                    raise res
                else:
                    self._data[ci].append(res)
        except BaseException:
            for res in results:
                if hasattr(res, "records"):
                    res.close()
            raise

    def _open_subdirs(self, jobs: list) -> list:
        """``SubdirData.open`` of every job, or the exception it raised, in job order. Large
        loads run on a small thread pool: the scan releases the GIL, so subdirs index at once."""

        def open_one(job):
            _, ch, sd, path, where = job
            if hasattr(path, "records"):
                return path  # a sharded subdir, opened from its shard index while fetching
            try:
                if ch.is_local and not ch.local_path.is_dir():
                    raise InputError(f"channel {ch.display!r} not found: {ch.local_path} is not a folder")
                if path is None:
                    raise RepodataNotFound(where)
                data = SubdirData.open(path, ch, sd, self.cache_dir)
                if not ch.is_local:
                    data.origin = _remote_origin(ch, sd)
                return data
            except InputError as exc:
                if path is not None and not ch.is_local and str(path) in str(exc):
                    # the user knows the URL, not our cache file's name
                    return InputError(str(exc).replace(str(path), f"{_remote_origin(ch, sd)} (cached at {path})"))
                return exc
            except Exception as exc:
                return exc

        workers = min(OPEN_WORKERS, os.cpu_count() or 1, len(jobs))
        if workers > 1:
            large = sum(1 for job in jobs if _json_size(job[3]) >= PARALLEL_OPEN_MIN_BYTES)
            workers = min(workers, large)
        if workers <= 1:
            return [open_one(job) for job in jobs]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers, thread_name_prefix="solver-open") as pool:
            return list(pool.map(open_one, jobs))

    def _client(self):
        if self._http is None:
            from solver.http import HttpClient

            self._http = HttpClient(self.cache_dir)
            self._own_http = True
        return self._http

    @staticmethod
    def _damaged_download(job, res) -> bool:
        """A remote subdir was downloaded (or revalidated) but does not read."""
        _, ch, _, path, _ = job
        return (not ch.is_local and path is not None and isinstance(res, InputError)
                and not isinstance(res, RepodataNotFound))

    def _forget_download(self, ci: int, sd: str) -> None:
        """Drops the HTTP cache entry a subdir was read from."""
        url = self._fetched_urls.get((ci, sd))
        if url is not None:
            self._client().invalidate(url)

    def _fetch_remote(self, jobs: list[tuple[int, str]], fresh: bool = False) -> dict[tuple[int, str], Path | None]:
        """Downloads (or revalidates) every remote subdir concurrently. ``None``: not on the server.
        ``fresh``: forget the cached copies first (they did not read)."""
        from solver.http import NotFoundError

        from solver.conda.shards import SHARD_INDEX_FILE, ShardFetcher, open_sharded

        if fresh:
            for ci, sd in jobs:
                self._forget_download(ci, sd)

        client = self._client()
        formats = self._read_formats()
        if self._shards is None:
            self._shards = ShardFetcher(client, self.cache_dir)

        def fetch(job):
            ci, sd = job
            ch = self.channels[ci]
            base = ch.subdir_url(sd)
            key = canonical_channel_url(base)
            # CEP-16 shards first, unless this subdir was read from a full repodata file less
            # than a day ago (a channel may start publishing shards; one 404 a day finds out)
            checked = f"{key} shards checked"
            off = disabled_variants(key, self._disabled)
            if "sharded" not in off and (formats.get(key) in (None, SHARD_INDEX_FILE) or _stale(formats.get(checked))):
                sharded = open_sharded(self._shards, client, ch, sd)
                formats[checked] = str(int(time.time()))
                if sharded is not None:
                    formats[key] = SHARD_INDEX_FILE
                    return sharded
            order = ["repodata.json.zst", "repodata.json"]
            if formats.get(key) == "repodata.json":
                order.reverse()
            if "zstd" in off:
                order = ["repodata.json"]
            for fname in order:
                try:
                    resp = client.fetch_to_cache(f"{base}/{fname}")
                except NotFoundError:
                    continue
                except NetworkError as exc:
                    # the HTTP layer drops user:password@ but knows nothing of conda's /t/<token>/
                    raise NetworkError(mask_credentials(f"channel {ch.display!r}, subdir {sd!r}: {exc}")) from None
                formats[key] = fname
                self._fetched_urls[job] = f"{base}/{fname}"
                return resp.path  # SubdirData tells zstd from JSON by the content
            formats.pop(key, None)
            return None

        results = client.fetch_many(jobs, fetch)
        out = {}
        for job, res in zip(jobs, results):
            if isinstance(res, BaseException):
                raise res
            out[job] = res
        self._write_formats(formats)
        return out

    def _read_formats(self) -> dict[str, str]:
        try:
            data = msgspec.json.decode((self.cache_dir / _FORMATS_FILE).read_bytes())
            return data if isinstance(data, dict) else {}
        except (OSError, msgspec.DecodeError):
            return {}

    def _write_formats(self, formats: dict[str, str]) -> None:
        try:
            write_atomic(self.cache_dir / _FORMATS_FILE, msgspec.json.encode(formats, order="sorted"))
        except OSError:
            pass  # remembering which format exists only saves a request

    # -- queries ------------------------------------------------------------------------------

    def prefetch(self, specs) -> None:
        """Starts the downloads the records of these names (or match specs) will need, where a
        channel is sharded, so that a solve's first questions do not wait one after another.
        Decoding stays lazy; local and full-file channels need nothing."""
        if self._shards is not None and self._shards.subdirs:
            from solver.conda.shards import dependency_names

            self._shards.prefetching = True
            self._shards.prefetch_names(dependency_names(specs))

    def stop_prefetching(self) -> None:
        """The solve is over: start no more downloads ahead of need (those under way finish)."""
        if self._shards is not None:
            self._shards.prefetching = False

    def records(self, name: str) -> list[tuple[int, PackageRecord]]:
        """``(channel index, record)`` for ``name`` over all channels in priority order (for each
        channel: the platform subdir, then noarch). Decoded once, then served from memory."""
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        out: list[tuple[int, PackageRecord]] = []
        if self._lookup is None:
            self._lookup = [(ci, sd, sd.name_positions) for ci, subdirs in enumerate(self._data) for sd in subdirs]
        for ci, sd, positions in self._lookup:
            if name in positions:  # most subdirs lack most names: skip them without a call
                out.extend([(ci, rec) for rec in sd.records(name)])
        with self._lock:
            return self._cache.setdefault(name, out)

    def names(self) -> list[str]:
        """Every package name of every loaded subdir, sorted."""
        if self._names is None:
            names: set[str] = set()
            for subdirs in self._data:
                for sd in subdirs:
                    names.update(sd.names())
            self._names = sorted(names)
        return list(self._names)

    def subdir_data(self) -> list[list[SubdirData]]:
        """Per channel, the opened subdirs (platform first, then noarch when present)."""
        return [list(s) for s in self._data]

    @property
    def record_count(self) -> int:
        return sum(sd.record_count for subdirs in self._data for sd in subdirs)

    def close(self) -> None:
        """Closes the repodata files (records already decoded stay usable)."""
        self.stop_prefetching()
        for subdirs in self._data:
            for sd in subdirs:
                sd.close()
        if self._own_http and self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Gateway({[c.display for c in self.channels]!r}, {self.platform!r})"

