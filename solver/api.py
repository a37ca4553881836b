"""The library API: load a manifest, solve it into a lock, read/write/check locks.

    import solver

    manifest = solver.load_manifest("fixtures/demo")
    lock = solver.read_lock("pixi.lock") if Path("pixi.lock").exists() else None
    result = solver.solve(manifest, lock=lock)          # -> SolveResult
    for env in result.environments:                     # one per (environment, platform)
        print(env.environment, env.platform, [r.name for r in env.conda], [p.name for p in env.pypi])
    solver.write_lock(result.lock, "pixi.lock")
    reasons = solver.check_lock(manifest, result.lock)  # [] when the lock satisfies the manifest

Errors are typed (:mod:`solver.errors`): ``InputError`` (bad manifest, spec, lock), ``NetworkError``,
``UnsolvableError`` (``str()`` explains the conflict), ``LockOutdatedError`` (``reasons``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import msgspec

from .cache_dir import default_cache_dir
from .conda.model import PackageRecord
from .errors import InputError, SolverError, UnsolvableError
from .feedback import CondaFeedback
from .lock.model import LockFile
from .options import Backend, Objective, check_choice
from .pypi.model import PyPIPackage

if TYPE_CHECKING:
    from .manifest.model import Manifest

__all__ = [
    "CondaFeedback",
    "EnvironmentResult",
    "HttpSettings",
    "SolveResult",
    "build_requests",
    "check_lock",
    "load_manifest",
    "read_lock",
    "solve",
    "write_lock",
]


class EnvironmentResult(msgspec.Struct, kw_only=True):
    """What one environment resolves to on one platform. ``solved``: re-solved by this call
    (False: taken as it was from the given lock, which still satisfied the manifest).
    ``conda_feedback``: constraints the conda solve got from the PyPI stage (conda had chosen a
    version a PyPI requirement excludes, and was solved again with it excluded), in the order
    they were added; ``warnings``: what the PyPI stage wants the user to know about a solution
    that still stands. Both are shared by the members of a solve group and empty when
    ``solved`` is False (the lock does not record them)."""

    environment: str
    platform: str
    conda: list[PackageRecord]
    pypi: list[PyPIPackage] = []
    solved: bool = True
    conda_feedback: list[CondaFeedback] = []
    warnings: list[str] = []


class SolveResult(msgspec.Struct, kw_only=True):
    """The outcome of :func:`solve`: the new lock, and per (environment, platform) what it holds
    for the selection that was asked. ``solved_units``/``reused_units`` count solve units (an
    environment or a solve group on one platform) re-solved or kept from the lock. What the
    solve has to say about an environment (constraints conda was re-solved with for PyPI,
    PyPI warnings) is on its :class:`EnvironmentResult`."""

    lock: LockFile
    environments: list[EnvironmentResult]
    solved_units: int = 0
    reused_units: int = 0
    seconds: float = 0.0

    def get(self, environment: str, platform: str) -> EnvironmentResult | None:
        for e in self.environments:
            if e.environment == environment and e.platform == platform:
                return e
        return None


class HttpSettings(msgspec.Struct, kw_only=True):
    """Network settings for the stages, filled by the configuration layer (pixi's configuration
    files and ``PIXI_*`` variables). The HTTP client itself fills what these leave empty from the
    standard environment variables (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``,
    ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, ``REQUESTS_CA_BUNDLE``, ``RATTLER_AUTH_FILE``).
    ``timeout`` is a deadline per request; ``verify=False`` is for development against
    self-signed servers only."""

    timeout: float = 30.0
    concurrency: int = 8
    verify: bool = True
    #: Proxy URL per scheme (``"http"``, ``"https"``, ``"all"``): pixi's ``proxy-config`` or the
    #: ``HTTP(S)_PROXY``/``ALL_PROXY`` environment variables.
    proxies: dict[str, str] = {}
    #: Hosts (or ``.domain`` suffixes) that bypass the proxies: ``non-proxy-hosts`` / ``NO_PROXY``.
    no_proxy: tuple[str, ...] = ()
    #: A CA bundle file or folder (``tls-root-certs``, ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``);
    #: None uses the system store.
    ca_bundle: str | None = None
    #: rattler's credentials file (``authentication-override-file``, ``RATTLER_AUTH_FILE``):
    #: bearer tokens, conda tokens and basic auth matched by host.
    auth_file: str | None = None
    #: Channel URL prefix -> mirror URL prefixes tried in order (pixi's ``mirrors``); the lock keeps
    #: the original URL.
    mirrors: dict[str, tuple[str, ...]] = {}
    #: Hosts whose TLS certificate is not verified (``allow-insecure-host``, ``PIP_TRUSTED_HOST``).
    insecure_hosts: tuple[str, ...] = ()
    #: Whether PyPI credentials may come from the ``keyring`` package (``keyring-provider``:
    #: ``disabled`` turns it off).
    use_keyring: bool = True
    #: pixi's ``repodata-config``: channel URL prefix ("" for every channel) -> repodata variant
    #: (``zstd``, ``sharded``, ``bzip2``, ``jlap``) -> disabled? (see :mod:`solver.conda.gateway`)
    repodata_disabled: dict[str, dict[str, bool]] = {}


# -- re-exports (lazy so ``import solver`` stays cheap) ----------------------------------------------


def load_manifest(path: str | os.PathLike | None = None, cwd: str | os.PathLike | None = None) -> Manifest:
    """Find and read a manifest (``pixi.toml`` or ``pyproject.toml`` with ``[tool.pixi]``)."""
    from .manifest import load_manifest as _load

    return _load(path, cwd)


def build_requests(manifest, environments=None, platforms=None):
    """One solve unit per (environment or solve group, platform) of the selection."""
    from .manifest import build_requests as _build

    return _build(_as_manifest(manifest), environments, platforms)


def read_lock(path) -> LockFile:
    """Read ``pixi.lock`` (versions 4 to 7)."""
    from .lock import read_lock as _read

    return _read(path)


def write_lock(lock: LockFile, path, version: int | None = None) -> Path:
    """Write ``lock`` atomically (version 7 unless ``version`` says 6); credentials are stripped."""
    from .lock import write_lock as _write

    return _write(lock, path, version)


def check_lock(manifest, lock: LockFile | None, environments=None, platforms=None, *, channel_alias: str | None = None) -> list[str]:
    """Why ``lock`` does not satisfy the manifest (an empty list: it does). Offline."""
    from .lock.satisfy import check_lock as _check

    manifest = _as_manifest(manifest)
    units = build_requests(manifest, environments, platforms)
    alias = channel_alias if channel_alias is not None else os.environ.get("SOLVER_CHANNEL_ALIAS")
    every = list(manifest.environments) if not environments else None
    return _check(units, lock, all_environments=every, channel_alias=alias, all_platforms=not environments and not platforms)


# -- solving ------------------------------------------------------------------------------------------


def _as_manifest(manifest):
    if isinstance(manifest, (str, os.PathLike)) or manifest is None:
        return load_manifest(manifest)
    return manifest


def _unit_error(unit, exc: UnsolvableError) -> UnsolvableError:
    """Names the environment (or solve group) in the conda stage's headline instead of adding a
    second one; other failures get the unit put in front of their own headline."""
    if exc.stage == "conda":
        return exc.retitled(f"cannot solve the conda environment of {_unit_label(unit)} on {unit.platform}")
    return UnsolvableError(f"cannot solve {_unit_label(unit)} on {unit.platform}: {exc.headline}",
                           exc.explanation, details=exc.details, stage=exc.stage)


def _unit_label(unit) -> str:
    return unit.environment if unit.solve_group is None else f"solve-group {unit.solve_group}"


def _locked_for(unit, lock: LockFile | None) -> tuple[list[PackageRecord], list[PyPIPackage]]:
    """The records a lock holds for a unit's environments on its platform (a group's members share
    one solution, so their union is that solution)."""
    if lock is None:
        return [], []
    conda: dict[str, PackageRecord] = {}
    pypi: dict[str, PyPIPackage] = {}
    for name in unit.environments:
        env = lock.environment(name)
        if env is None:
            continue
        for r in env.conda_records(unit.platform):
            conda.setdefault(r.url, r)
        for p in env.pypi_packages(unit.platform):
            pypi.setdefault(p.url or p.path or p.name, p)
    return list(conda.values()), list(pypi.values())


def solve(
    manifest: Manifest | str | os.PathLike | None,
    environments: Iterable[str] | None = None,
    platforms: Iterable[str] | None = None,
    lock: LockFile | None = None,
    update: Iterable[str] | None = None,
    backend: Backend = "native",
    *,
    cache_dir=None,
    channel_alias: str | None = None,
    http: HttpSettings | None = None,
    max_workers: int | None = None,
    reuse: bool = True,
    progress: Callable[[str, dict], None] | None = None,
    objective: Objective = "pixi",
) -> SolveResult:
    """Solve the manifest's environments (all, or ``environments``) on its platforms (all, or
    ``platforms``) into a lock.

    ``lock``: an existing lock. Units it still satisfies are kept as they are (unless ``reuse`` is
    False); the others are re-solved preferring its records. Environments and platforms outside the
    selection keep what ``lock`` holds for them. ``update``: names to re-solve freely (the rest stay
    locked where still valid); an empty list re-solves everything from scratch. ``progress(event,
    info)`` is called from worker threads with ``"start"``/``"done"`` events per solve unit and a
    ``"fetch"`` event per download (see :func:`_fetch_reporter`); ignore events you do not know.
    ``objective``: which conda solution to prefer, ``"pixi"`` (rattler's choices) or ``"conda"``
    (conda's classic solver; see :mod:`solver.conda.objective`).
    """
    from .lock.build import assemble_lock, member_shares

    t0 = time.perf_counter()
    check_choice(objective, Objective, "solve objective")
    manifest = _as_manifest(manifest)
    environments = list(environments) if environments else None
    platforms = list(platforms) if platforms else None
    units = build_requests(manifest, environments, platforms)
    # the whole manifest's units (for what the lock keeps); the same list when nothing is selected
    all_units = units if environments is None and platforms is None else build_requests(manifest)
    if lock is not None:  # (a first solve has no lock to check: it never loads the checker)
        from .lock.satisfy import align_platform_names, check_unit

        lock = align_platform_names(lock, all_units)
    wanted: dict[str, set[str]] = {}
    for u in all_units:
        for name in u.environments:
            wanted.setdefault(name, set()).add(u.platform)
    alias = channel_alias if channel_alias is not None else os.environ.get("SOLVER_CHANNEL_ALIAS") or None
    update_names = None if update is None else sorted({str(n) for n in update})
    if update_names and lock is not None:
        known = set()
        for u in units:
            c, p = _locked_for(u, lock)
            known.update(r.name for r in c)
            known.update(x.name.lower() for x in p)
        from .lock.urls import normalize_pypi_name

        unknown = [n for n in update_names if n not in known and normalize_pypi_name(n) not in {normalize_pypi_name(k) for k in known}]
        if unknown:
            raise InputError(f"--update: {', '.join(unknown)} is not locked in the selected environments")

    todo = []
    reused = []
    for unit in units:
        if reuse and update is None and lock is not None and not check_unit(unit, lock, channel_alias=alias):
            reused.append(unit)
        else:
            todo.append(unit)

    for unit in todo:
        # the conda stage would only say "no channels", not where; an environment that asks for
        # nothing from a channel (no dependencies, or only package archives by path or URL) needs none
        if not unit.conda.channels and (unit.conda.specs or getattr(unit, "conditional_specs", None)):
            from .manifest.merge_environment import manifest_error

            what = f"environment `{unit.environment}`" if unit.environment else f"solve group `{unit.solve_group}`"
            for table in ("workspace", "project"):  # whichever the manifest uses (pixi's older name)
                error = manifest_error(manifest, (table, "channels"), f"{what} on {unit.platform} has no channels to solve from",
                                       'list channels in the workspace table, e.g. channels = ["./channel"] or a channel URL')
                if error.line is not None:
                    break
            raise error
    http = http or HttpSettings()
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    outcomes = _solve_units(todo, lock, update_names, backend, cache, alias, http, max_workers, progress,
                            objective=objective)
    results = [o.result for o in outcomes]

    new_lock = assemble_lock(results, lock, wanted=wanted, channel_alias=alias)
    env_results: list[EnvironmentResult] = []
    from .redact import mask_credentials

    for outcome in outcomes:
        result = outcome.result
        # Source packages (path/git/url conda dependencies) need a build layer this engine does
        # not have: say so rather than leave them out of the lock without a word.
        from .conda.archive import is_archive_path

        # A package archive is always in the result (read from it, or an error); any record's URL
        # ends in .conda, so a channel build of a source package's name would pass for it
        kept = {r.name for r in result.conda if "://" not in r.url}
        kept |= {d.name for d in result.unit.conda_sources
                 if is_archive_path(str((d.source or {}).get("path") or (d.source or {}).get("url") or ""))}
        skipped = [mask_credentials(f"`{d.name}` ({', '.join(f'{k} = {v}' for k, v in (d.source or {}).items() if k != 'package')}) is a "
                   "source package: it needs a build (its build backend runs it in pixi), which this solver does not do, "
                   "so it is not in the lock; `pixi lock` builds it, after which this solver keeps it")
                   for d in result.unit.conda_sources if d.name not in kept]
        for member, conda, pypi in member_shares(result):
            env_results.append(EnvironmentResult(
                environment=member.environment, platform=result.unit.platform, conda=conda, pypi=pypi,
                conda_feedback=list(outcome.feedback), warnings=skipped + list(outcome.warnings)))
    for unit in reused:
        for name in unit.environments:
            env = new_lock.environment(name)
            env_results.append(
                EnvironmentResult(
                    environment=name, platform=unit.platform, conda=env.conda_records(unit.platform),
                    pypi=env.pypi_packages(unit.platform), solved=False,
                )
            )
    env_results.sort(key=lambda e: (e.environment, e.platform))
    return SolveResult(
        lock=new_lock, environments=env_results, solved_units=len(todo), reused_units=len(reused),
        seconds=time.perf_counter() - t0,
    )


class _Outcome(msgspec.Struct, kw_only=True):
    """One solved unit and what the solve has to say about it."""

    result: Any  # lock.build.UnitResult
    feedback: list[CondaFeedback] = []
    warnings: list[str] = []


def _solve_units(units, lock, update_names, backend, cache, alias, http_settings, max_workers, progress,
                 objective="pixi") -> list[_Outcome]:
    """Solve each unit (in a thread pool); the outcomes come back in unit order, so the result
    does not depend on which finished first."""
    if not units:
        return []
    # Local channels (file://) need no HTTP client: a command-line solve of a local project then
    # never imports the transport.
    remote = any(not c.startswith("file:") for u in units for c in u.conda.channels)
    conda_http = _http_client(cache, http_settings, progress=progress) if remote else None
    # set (appended to) by the first unit that fails, so the pool's others do not start: a list,
    # not a threading.Event, so that a single-unit solve never imports threading
    cancelled: list[bool] = []

    def one(index: int, unit) -> _Outcome:
        if cancelled:
            raise _Cancelled()
        info = {"index": index, "total": len(units), "unit": _unit_label(unit), "platform": unit.platform}
        if progress:
            progress("start", info)
        t = time.perf_counter()
        try:
            outcome = _solve_one(unit, lock, update_names, backend, cache, alias, http_settings, conda_http, progress,
                                 objective=objective)
        except UnsolvableError as exc:
            cancelled.append(True)
            raise _unit_error(unit, exc) from None
        except SolverError:
            cancelled.append(True)
            raise
        if progress:
            result = outcome.result
            progress("done", {**info, "seconds": time.perf_counter() - t, "conda": len(result.conda), "pypi": len(result.pypi)})
        return outcome

    workers = max_workers or min(len(units), max(2, os.cpu_count() or 2), 8)
    try:
        if workers <= 1 or len(units) == 1:
            return [one(i, u) for i, u in enumerate(units)]
        from concurrent.futures import ThreadPoolExecutor  # only a solve needs it (start-up time)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="solve") as pool:
            futures = [pool.submit(one, i, u) for i, u in enumerate(units)]
            results = []
            error = None
            for f in futures:
                try:
                    results.append(f.result())
                except _Cancelled:
                    continue
                except BaseException as exc:  # keep the first failure in unit order
                    cancelled.append(True)
                    if error is None:
                        error = exc
            if error is not None:
                raise error
            return results
    finally:
        if conda_http is not None:
            conda_http.close()


class _Cancelled(Exception):
    pass


# -- download reporting ----------------------------------------------------------------------------


def _fetch_kind(url: str, method: str) -> str:
    """What a fetch is, for progress: ``repodata`` (a channel subdir or its shard index),
    ``shard`` (one package name's repodata shard), ``page`` (a PyPI index or find-links page, a
    mapping), ``metadata`` (a wheel's METADATA, also by range), ``file``."""
    if method == "fetch_to_cache":
        return "repodata"
    if method == "get_range" or url.endswith(".metadata"):
        return "metadata"
    path = url.split("?", 1)[0].split("#", 1)[0]
    if path.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2", ".conda")):
        return "file"
    if path.endswith(".msgpack.zst"):
        return "shard"  # CEP-16: one small file per package name
    return "page"


def _fetch_reporter(progress: Callable[[str, dict], None]):
    """The client's ``on_fetch``: each finished remote fetch becomes ``progress("fetch", {"url",
    "kind", "from_cache", "bytes", "seconds"})`` (the URL without credentials; ``bytes`` None when
    it came from the cache). Cost per request: one call and a dict."""

    def on_fetch(event) -> None:
        progress("fetch", {"url": event.url, "kind": _fetch_kind(event.url, event.method),
                           "from_cache": event.from_cache, "bytes": event.bytes, "seconds": event.seconds})

    return on_fetch


def _http_client(cache, settings: HttpSettings, *, auth=None, progress=None):
    """The HTTP client a stage gets, with the network settings, reporting its downloads to
    ``progress`` when there is one."""
    from .http import HttpClient

    return HttpClient(
        cache, timeout=settings.timeout, concurrency=settings.concurrency, verify=settings.verify, auth=auth,
        proxies=dict(settings.proxies), no_proxy=settings.no_proxy, ca_bundle=settings.ca_bundle,
        auth_file=settings.auth_file, mirrors=dict(settings.mirrors), insecure_hosts=settings.insecure_hosts,
        on_fetch=_fetch_reporter(progress) if progress is not None else None,
    )


def _archive_check(source: dict):
    """The HTTP client's ``check`` of an archive downloaded by URL: it reads as a package archive
    (not a captive portal's page nor a cut short file) and has the manifest's sha256 / md5. A body
    that fails it is never kept in the cache (a damaged copy a CDN served under the origin's ETag, or
    with a max-age, would otherwise come back in every later run), and a cached one is fetched again."""
    wanted = {key: str(source[key]).lower() for key in ("sha256", "md5") if key in source}

    def check(path) -> None:
        from .conda.archive import archive_index, file_digests

        for key, digest in file_digests(path, tuple(wanted)).items():
            if digest != wanted[key]:
                raise ValueError(f"the archive's {key} is {digest}, the manifest expects {wanted[key]}")
        try:
            archive_index(Path(path), "-", str(source["url"]))
        except InputError as exc:  # the client names the URL
            raise ValueError(str(exc).removeprefix("-: ")) from None

    return check


def _archive_records(unit, held: list[PackageRecord], download: Callable[..., Path]) -> list[PackageRecord]:
    """Records of the unit's dependencies on package archives (``path = "x.conda"``, or a ``url``
    downloaded with ``download``) that ``held`` (the lock's) lacks, located as pixi's lock names
    them: a path relative to the project, or the URL (without credentials)."""
    from .conda.archive import archive_file_name, is_archive_path, read_archive_record
    from .conda.flags import flags_match
    from .conda.matchspec import MatchSpec
    from .lock.build import archive_location
    from .redact import mask_credentials, strip_conda_credentials

    out = []
    for dep in unit.conda_sources:
        source = dep.source or {}
        where = source.get("path") or source.get("url")
        if not where or not is_archive_path(str(where)) or any(r.name == dep.name for r in held):
            continue
        # as the lock writes it: no user:password@ nor conda /t/<token>; messages also mask a
        # signed URL's query secret (the server needs it, the lock keeps it as written)
        locked_url = strip_conda_credentials(str(where))
        shown = mask_credentials(locked_url)
        if "path" in source:
            record = read_archive_record(Path(where))
        else:  # a cache file: errors name the URL, the record the archive's own file name
            file = download(str(where), _archive_check(source))
            record = read_archive_record(file, shown=shown, file_name=archive_file_name(locked_url))
        if record.name != dep.name:
            raise InputError(f"{shown}: the archive holds `{record.name}`, not `{dep.name}` as the manifest names it")
        if dep.spec != dep.name and not MatchSpec.parse(dep.spec).matches(record):
            raise InputError(f"{shown}: the archive holds {record.name} {record.version} {record.build}, "
                             f"which the manifest's `{dep.spec}` does not match")
        if dep.flags and not flags_match(dep.flags, record.flags):
            raise InputError(f"{shown}: the archive's flags {sorted(record.flags or [])} do not match the "
                             f"manifest's {dep.flags}")
        for key in ("sha256", "md5"):
            if key in source and getattr(record, key) != source[key]:
                raise InputError(f"{shown}: the archive's {key} is {getattr(record, key)}, the manifest expects {source[key]}")
        location = archive_location(str(where), getattr(unit, "project_root", None)) if "path" in source else locked_url
        out.append(msgspec.structs.replace(record, url=location, channel=""))
    return out


def _solve_one(unit, lock, update_names, backend, cache, alias, http_settings, conda_http, progress=None,
               objective="pixi") -> _Outcome:
    """Conda, then PyPI on top. When PyPI fails only because of versions conda chose, conda is
    solved again with the PyPI specifiers as constraints (see :mod:`solver.feedback`)."""
    from .conda.gateway import Gateway
    from .conda.solve import solve_conda
    from .feedback import MAX_ROUNDS, conda_refused, feedback_for, still_conflicting
    from .lock.build import UnitResult

    from .lock.build import locked_sources

    locked_conda, locked_pypi = _locked_for(unit, lock)
    full_update = update_names is not None and not update_names
    # A source package the lock already holds (built by pixi from the same source) keeps its
    # record: its dependencies are solved for with the rest. One it does not hold needs a build,
    # except a package archive named by path: its record is read from the archive.
    sources = locked_sources(unit, locked_conda)

    def download(url: str, check=None) -> Path:
        client = conda_http if conda_http is not None else _http_client(cache, http_settings, progress=progress)
        return client.fetch_to_cache(url, check=check).path

    sources += _archive_records(unit, sources, download)
    conda_req = msgspec.structs.replace(
        unit.conda,
        specs=list(unit.conda.specs) + [d for r in sources for d in r.depends],
        locked=[] if full_update else [r for r in locked_conda if r not in sources],
        update=update_names if update_names else None,
    )
    gateway = Gateway(conda_req.channels, conda_req.platform, cache_dir=cache, channel_alias=alias, http=conda_http,
                      disabled=http_settings.repodata_disabled)
    from .conda.conditions import solve_with_conditions

    if not conda_req.channels and conda_req.specs:  # what archives by path or URL depend on
        raise InputError(f"{_unit_label(unit)} on {unit.platform}: {', '.join(conda_req.specs)} (needed by "
                         f"{', '.join(r.name for r in sources)}) must come from a channel, and there are no channels")
    records, conda_req = solve_with_conditions(
        conda_req, getattr(unit, "conditional_specs", []),
        lambda req: [] if not req.channels and not req.specs else solve_conda(  # no specs, no channels: empty
            req, gateway, backend=backend, cache_dir=cache, channel_alias=alias, objective=objective).records,
        getattr(unit, "conda_extras", None))
    conda = list(records) + sources
    if unit.pypi is None or not unit.pypi.requirements:
        return _Outcome(result=UnitResult(unit=unit, conda=list(conda), pypi=[]))

    from .pypi.auth import CredentialProvider
    from .pypi.resolve import CondaConflictError, solve_pypi

    pypi_req = msgspec.structs.replace(
        unit.pypi,
        locked=[] if full_update else locked_pypi,
        update=update_names if update_names else None,
    )
    auth = CredentialProvider([(i.url, i.name) for i in pypi_req.indexes], use_keyring=http_settings.use_keyring)
    client = _http_client(cache, http_settings, auth=auth, progress=progress)
    added: list[CondaFeedback] = []
    try:
        for round_no in range(1, MAX_ROUNDS + 2):
            try:
                solution = solve_pypi(pypi_req, conda, http=client, cache_dir=cache, backend=backend)
                break
            except CondaConflictError as exc:
                known = {f.constraint for f in added}
                new = [f for f in feedback_for(exc.conflicts, round_no) if f.constraint not in known]
                if not new:
                    raise (still_conflicting(added, exc) if added else exc) from None
                if round_no > MAX_ROUNDS:
                    raise still_conflicting(added, exc) from None
            added += new
            retry = msgspec.structs.replace(conda_req, constraints=list(conda_req.constraints) + [f.constraint for f in added])
            try:
                conda = list(solve_conda(retry, gateway, backend=backend, cache_dir=cache, channel_alias=alias,
                                         objective=objective).records) + sources
            except UnsolvableError as exc:
                raise conda_refused(added, exc) from None
    finally:
        client.close()
    pypi = [_relative_path(p, pypi_req.project_root) for p in solution.packages]
    return _Outcome(result=UnitResult(unit=unit, conda=list(conda), pypi=pypi), feedback=added,
                    warnings=list(solution.warnings))


def _relative_path(package: PyPIPackage, project_root: str | None) -> PyPIPackage:
    from .lock.build import relative_to_project

    if not package.path:
        return package
    rel = relative_to_project(package.path, project_root)
    return package if rel == package.path else msgspec.structs.replace(package, path=rel)
