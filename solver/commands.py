"""``solver solve``: the manifest's environments into ``pixi.lock``.

Flow: read the manifest and the existing lock; with ``--frozen`` report the lock as it is; with
``--locked`` only check it (exit 1 with the reasons when it no longer satisfies the manifest);
otherwise re-solve the (environment, platform) units the lock no longer satisfies (all selected
ones with ``--update``), keep the rest, and write the lock atomically when it changed.

Exit codes: 0 solved / up to date, 1 unsatisfiable or lock out of date, 2 bad usage or input.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .errors import InternalError, LockOutdatedError, SolverError
from .status import StatusLine

JSON_SCHEMA_VERSION = 1


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


class Progress(StatusLine):
    """Status on stderr: one in-place line on a terminal, plain lines otherwise, nothing with -q.

    Downloads (``fetch`` events: channel subdirs, PyPI index pages, metadata) update a live count
    on the terminal line (redrawn at most every ``REDRAW_SECONDS``, so a burst of small fetches
    costs nothing); with ``-v`` every channel subdir and index page fetched is a line of its own
    (metadata fetches too with ``-vv``)."""

    REDRAW_SECONDS = 0.1

    def __init__(self, stream=None, quiet: bool = False, verbose: int = 0):
        super().__init__(stream, quiet, verbose)
        self._running: dict[int, str] = {}
        self._done = 0
        self._total = 0
        self.fetches = 0  # remote fetches so far (cache revalidations included)
        self.downloaded = 0  # bytes actually transferred
        self._drawn_at = 0.0

    def line(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self._clear()
            print(text, file=self.stream, flush=True)
            self._draw()

    def _draw(self) -> None:
        if self.tty and self._running and not self.quiet:
            names = ", ".join(sorted(self._running.values()))
            text = f"[{self._done}/{self._total}] solving {names}"
            if self.fetches:
                text += f" | {self.fetches} fetched, {_size(self.downloaded)}"
            self._draw_text(text)
            self._drawn_at = time.monotonic()

    def _fetched(self, info: dict) -> None:
        self.fetches += 1
        self.downloaded += info.get("bytes") or 0
        kind = info.get("kind", "page")
        if self.verbose > (1 if kind in ("metadata", "file", "shard") else 0):
            how = "up to date (cache)" if info.get("from_cache") else _size(info.get("bytes") or 0)
            self._clear()
            from .redact import mask_credentials

            print(f"fetched {mask_credentials(info['url'])} ({how}, {info.get('seconds', 0.0):.2f}s)", file=self.stream, flush=True)
            self._draw()
        elif self.tty and self._running and time.monotonic() - self._drawn_at >= self.REDRAW_SECONDS:
            self._clear()
            self._draw()

    def __call__(self, event: str, info: dict) -> None:
        if self.quiet:
            return
        if event == "fetch":
            with self._lock:
                self._fetched(info)
            return
        if event not in ("start", "done"):
            return
        label = f"{info['unit']} on {info['platform']}"
        with self._lock:
            self._total = info["total"]
            if event == "start":
                self._running[info["index"]] = label
                if not self.tty and self.verbose > 0:
                    print(f"solving {label}", file=self.stream, flush=True)
            elif event == "done":
                self._running.pop(info["index"], None)
                self._done += 1
                if not self.tty or self.verbose > 0:
                    self._clear()
                    print(
                        f"solved {label}: {info['conda']} conda, {info['pypi']} PyPI packages in {info['seconds']:.2f}s",
                        file=self.stream, flush=True,
                    )
            self._clear()
            self._draw()

    def finish(self) -> None:
        with self._lock:
            self._clear()


def _config(args, manifest):
    """pixi's configuration for the project (its files, the environment, this command's flags)."""
    from .config import load_config

    return load_config(
        manifest.root,
        tls_no_verify=getattr(args, "tls_no_verify", False) or None,
        timeout=getattr(args, "timeout", None),
        concurrency=getattr(args, "concurrency", None),
    )


def _lock_path(args, manifest) -> Path:
    if getattr(args, "lock_file", None):
        return Path(args.lock_file)
    return Path(manifest.root) / "pixi.lock"


def _package_json(record) -> dict:
    return {
        "name": record.name,
        "version": record.version,
        "build": record.build,
        "subdir": record.subdir,
        "url": record.url,
    }


def _pypi_json(package) -> dict:
    out = {"name": package.name, "version": package.version}
    if package.url:
        out["url"] = package.url
    if package.path:
        out["path"] = package.path
    if package.editable:
        out["editable"] = True
    return out


def _feedback_json(feedback) -> dict:
    return {
        "constraint": feedback.constraint,
        "conda_name": feedback.conda_name,
        "pypi_name": feedback.pypi_name,
        "pypi_specifier": feedback.pypi_specifier,
        "required_by": feedback.required_by,
        "chain": list(feedback.chain),
        "replaced": feedback.replaced,
        "round": feedback.round,
    }


def _environments_json(entries) -> dict:
    out: dict = {}
    for e in entries:
        out.setdefault(e.environment, {})[e.platform] = {
            "solved": e.solved,
            "conda": [_package_json(r) for r in sorted(e.conda, key=lambda r: r.name)],
            "pypi": [_pypi_json(p) for p in sorted(e.pypi, key=lambda p: p.name.lower())],
            "conda_feedback": [_feedback_json(f) for f in e.conda_feedback],
            "warnings": list(e.warnings),
        }
    return out


def _solve_notes(entries) -> list[str]:
    """stderr lines for conda re-solves the PyPI stage asked for and PyPI warnings, once per
    platform and text (the members of a solve group share them), environments named."""
    seen: dict[tuple[str, str, str], list[str]] = {}
    for e in entries:
        for f in e.conda_feedback:
            seen.setdefault(("note", e.platform, f.describe()), []).append(e.environment)
        for w in e.warnings:
            seen.setdefault(("warning", e.platform, w), []).append(e.environment)
    return [f"{kind}: {', '.join(envs)} on {platform}: {text}" for (kind, platform, text), envs in seen.items()]


def _lock_entries(lock, environments, platforms):
    from .api import EnvironmentResult

    entries = []
    for name, env in sorted(lock.environments.items()):
        if environments and name not in environments:
            continue
        for platform in env.platforms():
            if platforms and platform not in platforms:
                continue
            entries.append(
                EnvironmentResult(environment=name, platform=platform, conda=env.conda_records(platform),
                                  pypi=env.pypi_packages(platform), solved=False)
            )
    return entries


def _emit_result(status: str, t0: float, *, lock_file=None, written: bool = False, reasons=(), environments=None) -> None:
    """The ``--json`` result object (schema in the README), the same shape for every outcome."""
    _emit_json({"status": status, "lock_file": None if lock_file is None else str(lock_file),
                "lock_written": written, "seconds": round(time.perf_counter() - t0, 3),
                "reasons": list(reasons), "environments": environments or {}})


def _emit_json(payload: dict) -> None:
    import json

    payload = {"schema": JSON_SCHEMA_VERSION, **payload}
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def _summary(entries, seconds: float) -> str:
    envs = sorted({e.environment for e in entries})
    plats = sorted({e.platform for e in entries})
    conda = len({r.url for e in entries for r in e.conda})
    pypi = len({(p.url or p.path or p.name) for e in entries for p in e.pypi})
    return (
        f"{len(envs)} environment{'s' * (len(envs) != 1)} ({', '.join(envs)}) x {len(plats)} platform"
        f"{'s' * (len(plats) != 1)} ({', '.join(plats)}): {conda} conda and {pypi} PyPI packages in {seconds:.2f}s"
    )


def solve_command(args) -> int:
    from . import api
    from .errors import InputError, UnsolvableError

    t0 = time.perf_counter()
    progress = Progress(quiet=args.quiet, verbose=args.verbose)
    environments = list(dict.fromkeys(args.environment)) or None
    platforms = list(dict.fromkeys(args.platform)) or None
    try:
        if args.update is not None and (args.locked or args.frozen):
            raise InputError("--update cannot be combined with --locked or --frozen")
        manifest = api.load_manifest(args.manifest)
        config = _config(args, manifest)
        for warning in manifest.warnings + config.warnings:  # e.g. "no platforms: nothing will be solved"
            progress.line(f"warning: {warning}")
        lock_path = _lock_path(args, manifest)
        if lock_path.is_dir():
            raise InputError(f"the lock file {lock_path} is a directory: name a file (e.g. {lock_path / 'pixi.lock'})")
        if lock_path.name in ("pixi.toml", "pyproject.toml") or lock_path.resolve() == Path(manifest.path).resolve():
            # an unreadable lock is re-solved and replaced: that must never be a manifest
            raise InputError(f"--lock-file {lock_path} names a manifest, not a lock file (default: pixi.lock beside the manifest)")
        existing = None
        if lock_path.exists():
            from .lock import LockFileError

            try:
                existing = api.read_lock(lock_path)
            except LockFileError as exc:
                if args.locked or args.frozen:
                    raise
                progress.line(f"warning: ignoring the existing lock file: {exc}")

        if args.frozen:
            if existing is None:
                raise InputError(f"--frozen: there is no lock file at {lock_path}")
            entries = _lock_entries(existing, environments, platforms)
            if args.json:
                _emit_result("frozen", t0, lock_file=lock_path, environments=_environments_json(entries))
            else:
                progress.line(f"using {lock_path} as it is: {_summary(entries, time.perf_counter() - t0)}")
            return 0

        if args.locked:
            reasons = api.check_lock(manifest, existing, environments, platforms, channel_alias=config.channel_alias)
            if existing is None:
                reasons = [f"there is no lock file at {lock_path}"]
            if reasons:
                if args.json:
                    _emit_result("outdated", t0, lock_file=lock_path, reasons=reasons)
                raise LockOutdatedError(reasons)
            entries = _lock_entries(existing, environments, platforms)
            if args.json:
                _emit_result("up-to-date", t0, lock_file=lock_path, environments=_environments_json(entries))
            else:
                progress.line(f"{lock_path} is up to date")
            return 0

        from .config import http_settings

        http = http_settings(config)
        result = api.solve(
            manifest,
            environments=environments,
            platforms=platforms,
            lock=existing,
            update=args.update,
            backend=args.backend or "native",
            objective=args.objective or "pixi",
            http=http,
            channel_alias=config.channel_alias,
            max_workers=config.concurrency_solves,
            progress=progress,
        )
        progress.finish()
        from .lock import dumps_lock, write_lock_text

        text = dumps_lock(result.lock)
        # (compared as bytes: the lock being replaced may be anything, e.g. not UTF-8)
        old = lock_path.read_bytes().decode("utf-8", "replace") if lock_path.exists() else None
        written = old != text
        if written and existing is not None and result.solved_units == 0:
            # a lock that still satisfies everything is left as it is, in the version and form its
            # writer (pixi, or an older run) gave it, unless what it holds changed (an environment
            # or platform dropped from the manifest)
            def shape(lock):
                return sorted((name, len(env.platforms())) for name, env in lock.environments.items())

            written = shape(existing) != shape(result.lock)
        if written:
            try:
                write_lock_text(text, lock_path)  # what api.write_lock writes, serialised once
            except OSError as exc:
                # mkdir on a path through a file says "File exists": name the file instead
                blocker = next((p for p in lock_path.parents if p.exists()), None)
                reason = f"{blocker} is not a directory" if blocker is not None and not blocker.is_dir() else (exc.strerror or exc)
                raise InputError(f"cannot write the lock file {lock_path}: {reason}") from None
        status = "solved" if result.solved_units else "up-to-date"
        seconds = time.perf_counter() - t0
        if args.json:
            _emit_result(status, t0, lock_file=lock_path, written=written,
                         environments=_environments_json(result.environments))
        if not args.quiet:
            for line in _solve_notes(result.environments):
                progress.line(line)
            if result.solved_units == 0:
                progress.line(f"{lock_path} is up to date ({_summary(result.environments, seconds)})")
            else:
                verb = "wrote" if written else "unchanged"
                progress.line(f"{verb} {lock_path}: {_summary(result.environments, seconds)}")
        return 0
    except UnsolvableError as exc:
        progress.finish()
        if args.json:
            _emit_result("unsolvable", t0, reasons=[str(exc)])
        raise
    except SolverError as exc:
        progress.finish()
        if args.json and not getattr(exc, "reasons", None):
            _emit_result("error", t0, reasons=[str(exc)])
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a bug, not bad input: still one message (the traceback with -vv)
        progress.finish()
        from .redact import mask_credentials  # an unexpected exception may quote a URL with its secret

        message = f"internal error: {type(exc).__name__}: {mask_credentials(str(exc))} (run with -vv for the traceback)"
        if args.json:
            _emit_result("error", t0, reasons=[message])
        raise InternalError(message) from exc


def _channel_text(record) -> str:
    from .lock.urls import strip_credentials

    return strip_credentials(record.channel).rstrip("/") if record.channel else "-"


def replay_command(args) -> int:
    """``solver replay SNAPSHOT``: re-run a conda solve from its snapshot (written by solves when
    ``SOLVER_SNAPSHOT_DIR`` names a folder) without any channel. Prints the solution, one
    ``name version build channel`` line per package, or the unsat explanation (exit 1)."""
    from .conda.snapshot import load_snapshot
    from .conda.solve import solve_conda
    from .errors import UnsolvableError

    t0 = time.perf_counter()
    backend = args.backend or "native"
    snapshot = load_snapshot(args.snapshot)
    request = snapshot.request
    head = {"snapshot": str(args.snapshot), "platform": request.platform, "backend": backend,
            "specs": list(request.specs), "records": len(snapshot.records)}
    try:
        solution = solve_conda(request, snapshot.gateway(), backend=backend, objective=args.objective or "pixi")
    except UnsolvableError as exc:
        if args.json:
            _emit_json({"status": "unsolvable", **head, "seconds": round(time.perf_counter() - t0, 3),
                        "reasons": [str(exc)], "packages": [], "virtual_packages": []})
        raise
    seconds = time.perf_counter() - t0
    if args.json:
        _emit_json({"status": "solved", **head, "seconds": round(seconds, 3), "reasons": [],
                    "packages": [{**_package_json(r), "channel": _channel_text(r)} for r in solution.records],
                    "virtual_packages": [{"name": v.name, "version": v.version, "build": v.build}
                                         for v in solution.virtual_packages]})
        return 0
    out = sys.stdout
    for r in solution.records:
        out.write(f"{r.name} {r.version} {r.build} {_channel_text(r)}\n")
    out.flush()
    if not args.quiet:
        print(f"replayed {args.snapshot}: {len(solution.records)} packages for {request.platform} "
              f"({len(snapshot.records)} records in the snapshot, {backend} backend) in {seconds:.2f}s",
              file=sys.stderr, flush=True)
    return 0
