"""Fetching for the PyPI stage (uv's ``resolver/provider`` + ``distribution_database``): project
pages of the indexes per the index strategy, find-links listings, and core metadata of
distribution files (PEP 658 files, ranged reads of wheels, sdists and their builds), each on a
private thread pool as a future that the provider waits on when the solve needs it. Metadata is
cached on disk under the file's hash."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import msgspec
from packaging.version import InvalidVersion, Version

from ..atomic import mark_used, sweep_unused
from ..errors import NetworkError
from .candidates import CandidatePolicy, VersionRow, parse_specifier, pkg_key
from .config import IndexSource, pip_subprocess_env
from .index import DistFile, fetch_flat, fetch_project, file_url_path
from .metadata import (
    CoreMetadata,
    MetadataError,
    extract_sdist,
    fetch_bytes,
    is_static,
    metadata_from_wheel_bytes,
    metadata_from_wheel_range,
    metadata_hash_check,
    metadata_hash_tag,
    parse_metadata,
    pkg_info_from_sdist,
    prepare_metadata,
)

Pages = list[tuple[IndexSource, list[DistFile]]]


class Fetcher:
    """Pages and metadata as futures, fetched at most once per name / file URL."""

    def __init__(self, request, sources: list[IndexSource], http, policy: CandidatePolicy, *,
                 cache_dir: str | os.PathLike | None = None, concurrency: int = 8):
        self.request = request
        self.sources = sources
        self.http = http
        self.policy = policy
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.parsed_pages = _page_cache(self.cache_dir, policy)
        self.pinned_index: dict[str, IndexSource] = {}
        self.skip_page = lambda pkg: False  # names whose pages the provider never needs
        self.admits = lambda pkg, version: True  # versions the provider may choose (overrides)
        self._pool = _DaemonPool(concurrency, "solver-pypi")
        self._lock = threading.Lock()
        self._pages: dict[str, Future] = {}
        self._flat: Future | None = None
        self._meta: dict[str, Future] = {}
        self._rows: dict[str, list[VersionRow]] = {}  # name -> its merged versions (read-only)
        self._first_meta: dict[str, Future] = {}  # name -> the metadata read ahead for it
        self._extras: dict[str, set[str]] = {}  # name -> extras asked of it (by the user, by packages)
        for r in request.requirements:
            if r.extras:
                self._extras.setdefault(pkg_key(r.name), set()).update(r.extras)
        self.timings = {"index": 0.0, "metadata": 0.0}
        if any(s.kind == "flat" for s in sources):
            self.flat_files(wait=False)  # first in the pool's queue: page fetches wait on it

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def add_time(self, key: str, dt: float) -> None:
        with self._lock:
            self.timings[key] = self.timings.get(key, 0.0) + dt

    # -- pages ----------------------------------------------------------------------------------

    def page_future(self, pkg: str) -> Future:
        with self._lock:
            fut = self._pages.get(pkg)
            if fut is None:
                fut = self._pool.submit(self._fetch_pages, pkg)
                self._pages[pkg] = fut
        return fut

    def versions(self, pkg: str) -> list[VersionRow]:
        """The versions of ``pkg`` the indexes and find-links list (waits for the pages)."""
        pages = self.page_future(pkg).result()
        rows = self._rows.get(pkg)  # merged by the page fetch, once (a big page: thousands of files)
        return rows if rows is not None else self.policy.merge_versions(pkg, pages, self._flat_for(pkg))

    def _flat_for(self, pkg: str) -> Pages:
        # a name pinned to an index comes only from that index: find-links do not add to it
        return self.flat_files() if pkg not in self.pinned_index else []

    def sources_for(self, pkg: str) -> tuple[list[IndexSource], list[IndexSource]]:
        """(primary-tier sources, supplemental sources) to consult for a name, in order."""
        pinned = self.pinned_index.get(pkg)
        if pinned is not None:
            return [pinned], []
        primary = [s for s in self.sources if s.priority == "primary" and s.kind == "simple"]
        supplemental = [s for s in self.sources if s.priority == "supplemental" and s.kind == "simple"]
        return primary, supplemental

    def first_index_stop(self, pkg: str) -> IndexSource | None:
        """The index ``first-index`` stopped at for ``pkg`` when there were more to consult (the
        versions there are all the solve knows of), else None."""
        if self.request.index_strategy != "first-index":
            return None
        fut = self._pages.get(pkg)
        if fut is None or not fut.done() or fut.exception() is not None:
            return None
        pages = fut.result()
        if len(pages) != 1:
            return None
        src = pages[0][0]
        tier = next((t for t in self.sources_for(pkg) if src in t), [])
        return src if tier and tier[-1] is not src else None

    def _fetch_pages(self, pkg: str) -> Pages:
        """Project pages of ``pkg`` per the index strategy: [(source, files)] in preference order."""
        t0 = time.perf_counter()
        strategy = self.request.index_strategy
        primary, supplemental = self.sources_for(pkg)
        result: Pages = []
        parsed = _store_later(self.parsed_pages)
        for tier in (primary, supplemental):
            if not tier:
                continue
            if strategy == "first-index":
                for src in tier:
                    files = fetch_project(self.http, src, pkg, self.policy.wheel_fits, parsed)
                    if files is not None:  # as uv: the first index that has the name answers for
                        if files:          # it, even with a page without files
                            result.append((src, files))
                        break
            else:
                pages = [fetch_project(self.http, src, pkg, self.policy.wheel_fits, parsed) for src in tier] if len(tier) == 1 else \
                    list(self._pool_map(lambda s: fetch_project(self.http, s, pkg, self.policy.wheel_fits, parsed), tier))
                result.extend((src, files) for src, files in zip(tier, pages) if files)
            if result:
                break  # supplemental indexes only serve names no primary index has
        rows: list[VersionRow] = []
        if result:
            try:
                rows = self._rows[pkg] = self.policy.merge_versions(pkg, result, self._flat_for(pkg))
            except Exception:  # noqa: BLE001 (versions() merges again, and reports what is wrong)
                rows = []
        self._prefetch_first_choice(pkg, rows)
        if parsed is not None:
            parsed.flush()
        self.add_time("index", time.perf_counter() - t0)
        return result

    def _pool_map(self, fn, items):
        # Pages of one name on several indexes: fetched from this worker thread sequentially
        # would serialise; the HTTP client's own pool runs them side by side.
        return self.http.fetch_many(items, fn) if hasattr(self.http, "fetch_many") else map(fn, items)

    def flat_files(self, wait: bool = True) -> Pages:
        flat = [s for s in self.sources if s.kind == "flat"]
        if not flat:
            return []
        with self._lock:
            if self._flat is None:
                self._flat = self._pool.submit(lambda: [(s, fetch_flat(self.http, s)) for s in flat])
        return self._flat.result() if wait else []

    def adopt(self, other: "Fetcher") -> None:
        """Reuse the index pages and metadata ``other`` (a fetcher of the same request) already
        fetched successfully."""
        def done(fut: Future) -> bool:
            return fut.done() and not fut.cancelled() and fut.exception() is None

        with other._lock:  # its fetch threads may still be adding entries
            pages = {k: f for k, f in other._pages.items() if done(f)}
            meta = {k: f for k, f in other._meta.items() if done(f)}
            flat = other._flat if other._flat is not None and done(other._flat) else None
        with self._lock:
            self._pages.update(pages)
            self._meta.update(meta)
            if self._flat is None and flat is not None:
                self._flat = flat

    # -- metadata -------------------------------------------------------------------------------

    def _prefetch_first_choice(self, pkg: str, rows: list[VersionRow]) -> None:
        """Starts fetching the metadata the solve most likely asks for first, and once it is in,
        the pages of the dependencies it names: the likely dependency tree comes in concurrently,
        ahead of the solve's questions (the solve asks one level at a time)."""
        try:
            spec = self._root_specifiers().get(pkg)
            if spec is not None:  # numpy<2 asked for: numpy 2's metadata is not the likely first
                rows = [r for r in rows if spec.contains(r.version, prereleases=True)]
            rows = [r for r in rows if self.admits(pkg, r.version)]
            first = self.policy.first_choice(pkg, rows)
            if first is not None:
                fut = self.meta_future(first)
                with self._lock:
                    self._first_meta[pkg] = fut
                fut.add_done_callback(lambda done: self._prefetch_dependencies(pkg, done))
        except Exception:  # best effort: the solve asks again and reports real errors
            pass

    def _root_specifiers(self) -> dict:
        """name -> the version specifier of its one root requirement (names asked for more than
        once, or overridden, are left out): what a fetch ahead may rely on."""
        specs = getattr(self, "_root_specs", None)
        if specs is None:
            counts: dict[str, int] = {}
            for r in self.request.requirements:
                counts[pkg_key(r.name)] = counts.get(pkg_key(r.name), 0) + 1
            overridden = {pkg_key(o.name) for o in self.request.dependency_overrides}
            specs = {}
            for r in self.request.requirements:
                key = pkg_key(r.name)
                if r.specifier and counts[key] == 1 and key not in overridden:
                    parsed = parse_specifier(r.specifier)
                    if parsed is not None:
                        specs[key] = parsed
            self._root_specs = specs  # the same for every thread: a race only computes it twice
        return specs

    def _prefetch_dependencies(self, pkg: str, fut: Future) -> None:
        """The pages of what ``pkg``'s likely first metadata asks for: its own dependencies and
        those of the extras asked of it so far (``jsonschema[format-nongpl]``'s eight names are
        a level of the tree of their own; without them the solve met them one level late)."""
        if fut.cancelled() or fut.exception() is not None:
            return
        try:
            with self._lock:
                extras = frozenset(self._extras.get(pkg, ()))
            for name, wanted in self.policy.dependency_requests(fut.result(), extras):
                if wanted:
                    self._want_extras(name, wanted)
                if not self.skip_page(name):
                    self.page_future(name)
        except Exception:  # best effort, as above (a pool shut down after the solve, ...)
            pass

    def _want_extras(self, pkg: str, extras: frozenset[str]) -> None:
        """Something asks for ``pkg[extras]``: the fetch ahead follows those extras too, now if
        ``pkg``'s first metadata is already in."""
        with self._lock:
            known = self._extras.setdefault(pkg, set())
            if extras <= known:
                return
            known |= extras
            first = self._first_meta.get(pkg)
        if first is not None and first.done():  # else its callback reads the extras when it runs
            self._prefetch_dependencies(pkg, first)

    def meta_future(self, f: DistFile) -> Future:
        with self._lock:
            fut = self._meta.get(f.url)
            if fut is None:
                fut = self._pool.submit(self._load_metadata, f, urgent=True)
                self._meta[f.url] = fut
        return fut

    def _cache_path(self, f: DistFile) -> Path | None:
        if self.cache_dir is None or not f.hashes:
            return None
        algo = sorted(f.hashes)[0]
        # the PEP 658 hash too: metadata the index now describes differently is read again
        tag = metadata_hash_tag(f.metadata)
        key = hashlib.sha256(f"{f.filename}\n{algo}:{f.hashes[algo]}{tag}".encode()).hexdigest()
        return self.cache_dir / "pypi-metadata" / key[:2] / f"{key}.json"

    def _load_metadata(self, f: DistFile) -> CoreMetadata:
        t0 = time.perf_counter()
        cache = self._cache_path(f)
        if cache is not None and cache.is_file():
            try:
                meta = msgspec.json.decode(cache.read_bytes(), type=CoreMetadata)
                if _describes(meta, f):  # else a damaged entry: read the metadata again
                    mark_used(cache)
                    self.add_time("metadata", time.perf_counter() - t0)
                    return meta
            except (msgspec.DecodeError, OSError):
                pass
        try:
            meta = self._read_metadata(f)
        except NetworkError as exc:
            raise NetworkError(f"cannot read metadata of {f.filename} from {f.index}: {exc}") from None
        if not _describes(meta, f):
            raise MetadataError(
                f"{f.filename} from {f.index}: its metadata says {meta.name} {meta.version}, "
                f"the file name says {f.name} {f.version}"
            )
        if cache is not None:
            _write_atomic(cache, msgspec.json.encode(meta))
            sweep_unused(cache.parent.parent, "*/*.json")  # once a day: metadata of files nobody asks for
        self.add_time("metadata", time.perf_counter() - t0)
        return meta

    def _read_metadata(self, f: DistFile) -> CoreMetadata:
        from ..http import NotFoundError

        if f.metadata is not None and not f.url.startswith("file:"):
            try:
                resp = self.http.get(f.url + ".metadata", check=metadata_hash_check(f.metadata))
                return parse_metadata(resp.body, f.filename)
            except NotFoundError:
                pass  # advertised but missing: read the file itself
        if f.is_wheel:
            if f.url.startswith("file:"):
                path = file_url_path(f.url)
                meta_file = Path(str(path) + ".metadata")
                if f.metadata is not None and meta_file.is_file():
                    return parse_metadata(meta_file.read_bytes(), f.filename)
                from .metadata import metadata_from_wheel_file

                return metadata_from_wheel_file(path, f.filename, str(path))
            meta = metadata_from_wheel_range(self.http, f.url, f.filename, f.hashes, f.size)
            if meta is not None:
                return meta
            return metadata_from_wheel_bytes(fetch_bytes(self.http, f.url, f.filename, f.hashes), f.filename)
        data = fetch_bytes(self.http, f.url, f.filename, f.hashes)
        meta = pkg_info_from_sdist(data, f.filename)
        if meta is not None and is_static(meta):
            return meta
        import tempfile

        with tempfile.TemporaryDirectory(prefix="solver-sdist-") as tmp:
            tree = extract_sdist(data, f.filename, Path(tmp))
            return self.prepare(tree, f.name)

    def meta_ready(self, f: DistFile) -> bool:
        """Is the metadata of ``f`` in hand (read, or found unreadable) without waiting?"""
        with self._lock:
            fut = self._meta.get(f.url)
        return fut is not None and fut.done()

    def prepare(self, tree: Path, pkg: str) -> CoreMetadata:
        """Metadata of a source tree from its build backend (isolated unless no-build-isolation
        names it), with build requirements from the same indexes."""
        nbi = self.request.no_build_isolation
        isolated = not (nbi is True or (isinstance(nbi, list) and pkg in {pkg_key(n) for n in nbi}))
        pip_args = []
        simple = [s for s in self.sources if s.kind == "simple" and s.priority != "explicit"]
        if simple:
            pip_args += ["--index-url", simple[0].url]
            for s in simple[1:]:
                pip_args += ["--extra-index-url", s.url]
        for s in self.sources:
            if s.kind == "flat":
                pip_args += ["--find-links", s.url]
        if not simple:
            pip_args.append("--no-index")
        return prepare_metadata(tree, pkg, isolated=isolated, pip_args=pip_args,
                                pip_env=pip_subprocess_env(os.environ) if isolated else None,
                                python_version=self.policy.target.python_version)


class _DaemonPool:
    """``submit``/``shutdown`` as ThreadPoolExecutor's, on daemon threads. Fetches ahead of the
    solve (the next versions' metadata, the pages of likely dependencies) may still be running when
    the solve is done; ThreadPoolExecutor's workers are joined at interpreter exit, which kept a
    finished process waiting for them (0.15-0.25 s on real indexes). Every cache write is atomic, so
    a fetch cut short by the exit leaves no half entry.

    ``urgent`` work runs before the rest, in order: a metadata read (one small request) tells
    which pages the next level of the dependency tree needs, and waiting behind a fan-out of dozens
    of page fetches (jupyterlab's) would hold that whole level back."""

    def __init__(self, workers: int, name: str):
        from collections import deque

        self._urgent: deque = deque()
        self._normal: deque = deque()
        self._workers = workers
        self._name = name
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._cond = threading.Condition(threading.Lock())
        self._shut = False

    def submit(self, fn, *args, urgent: bool = False) -> Future:
        fut: Future = Future()
        with self._cond:
            if self._shut:
                raise RuntimeError("cannot schedule new futures after shutdown")
            (self._urgent if urgent else self._normal).append((fut, fn, args))
            if len(self._urgent) + len(self._normal) > self._idle and len(self._threads) < self._workers:
                t = threading.Thread(target=self._run, name=f"{self._name}_{len(self._threads)}", daemon=True)
                self._threads.append(t)
                t.start()
            self._cond.notify()
        return fut

    def _run(self) -> None:
        while True:
            with self._cond:
                self._idle += 1  # threads waiting for work
                while not self._urgent and not self._normal and not self._shut:
                    self._cond.wait()
                self._idle -= 1
                if self._urgent:
                    fut, fn, args = self._urgent.popleft()
                elif self._normal:
                    fut, fn, args = self._normal.popleft()
                else:
                    return  # shut down, nothing left to do
            if fut.set_running_or_notify_cancel():
                try:
                    result = fn(*args)
                except BaseException as exc:  # noqa: BLE001 (handed to whoever waits, as the executor does)
                    fut.set_exception(exc)
                else:
                    fut.set_result(result)
                del fut, fn, args

    def shutdown(self, wait: bool = False, cancel_futures: bool = False) -> None:
        with self._cond:
            self._shut = True
            if cancel_futures:
                for queued in (self._urgent, self._normal):
                    while queued:
                        queued.popleft()[0].cancel()
            self._cond.notify_all()  # idle workers leave once what is queued is done
        if wait:
            for t in self._threads:
                t.join()


def _page_cache(cache_dir: Path | None, policy: CandidatePolicy):
    """Pages parsed before, for this target: the parse keeps the wheels whose tags it accepts."""
    if cache_dir is None:
        return None
    from .page_cache import PageCache

    tags = "\n".join(sorted(str(t) for t in policy.tag_priority)).encode()
    return PageCache(cache_dir, hashlib.sha256(tags).hexdigest())


def _store_later(cache):
    if cache is None:
        return None
    from .page_cache import StoreLater

    return StoreLater(cache)


def _describes(meta: CoreMetadata, f: DistFile) -> bool:
    """The metadata is that of the file's name and version."""
    try:
        return Version(meta.version) == f.version and pkg_key(meta.name) == f.name
    except InvalidVersion:
        return False


def _write_atomic(path: Path, data: bytes) -> None:
    from ..atomic import write_atomic

    try:
        write_atomic(path, data)
    except OSError:
        pass  # a cache that cannot be written only costs time
