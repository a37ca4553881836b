"""The conda stage's solve: a ``CondaRequest`` over channels -> the records to install.

    solution = solve_conda(request)             # loads the request's channels through a Gateway
    solution = solve_conda(request, gateway)    # any object with .records(name), e.g. a snapshot

Raises ``InputError`` for a bad request (spec, channel, strategy) and ``UnsolvableError`` when no
set of records fits; its ``explanation`` comes from the solver core and is rooted at the user's
specs, its message says which specs conflict and why.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import msgspec

from ..errors import InputError, UnsolvableError
from ..options import Backend, Objective, check_choice
from .model import CondaRequest, PackageRecord, VirtualPackage


class CondaSolution(msgspec.Struct, kw_only=True):
    """What a conda solve chose. ``records`` are sorted by name and hold no virtual packages;
    ``virtual_packages`` are the given ones the solution depends on. Times are wall seconds:
    ``load_seconds`` reading/decoding records, ``solve_seconds`` everything else."""

    records: list[PackageRecord]
    virtual_packages: list[VirtualPackage] = []
    load_seconds: float = 0.0
    solve_seconds: float = 0.0


SNAPSHOT_DIR_ENV = "SOLVER_SNAPSHOT_DIR"


def _snapshot_file(folder: str, request: CondaRequest) -> Path:
    import hashlib

    digest = hashlib.sha256(msgspec.json.encode(request)).hexdigest()[:12]
    return Path(folder) / f"conda-{request.platform}-{digest}.snapshot"


def _check_request(request: CondaRequest, backend: Backend) -> None:
    check_choice(backend, Backend, "solver backend")
    if not request.platform:
        raise InputError("conda request: platform is empty")
    if not request.channels:
        raise InputError(f"conda request for {request.platform}: no channels given")
    for i, spec in enumerate(request.specs):
        if not isinstance(spec, str) or not spec.strip():
            raise InputError(f"conda request for {request.platform}: spec #{i + 1} is empty")


def solve_conda(
    request: CondaRequest,
    gateway: Any = None,
    *,
    backend: Backend = "native",
    cache_dir=None,
    channel_alias: str | None = None,
    snapshot_path=None,
    objective: Objective = "pixi",
) -> CondaSolution:
    """Solve ``request``. ``objective``: ``"pixi"`` (rattler's choices: each name, breadth first,
    gets its best candidate that still fits) or ``"conda"`` (conda's classic solver: a sequence of
    metrics minimised over the whole solution, legacy ``features`` honoured; see ``objective``: its
    minimisations always run on pycosat, from the native solver's answer, whatever ``backend``).
    ``snapshot_path``: also write the request and every record the solve
    reached to that file (whether it succeeds or not), for bug reports and replays. Without it,
    the ``SOLVER_SNAPSHOT_DIR`` environment variable names a folder that receives one snapshot
    per solve (``conda-PLATFORM-HASH.snapshot``), so any CLI run can be captured."""
    from ..core.solve import solve
    from .provider import CondaProvider

    t_start = time.perf_counter()
    backend = backend or "native"
    _check_request(request, backend)
    _check_objective(request, objective)
    load_extra = 0.0
    owned = gateway is None
    if gateway is None:
        from .gateway import Gateway

        t0 = time.perf_counter()
        gateway = Gateway(request.channels, request.platform, cache_dir=cache_dir, channel_alias=channel_alias)
        load_extra = time.perf_counter() - t0
    if snapshot_path is None and os.environ.get(SNAPSHOT_DIR_ENV):
        snapshot_path = _snapshot_file(os.environ[SNAPSHOT_DIR_ENV], request)
    provider = None
    try:
        if hasattr(gateway, "prefetch"):  # a sharded channel fetches the user's names at once
            gateway.prefetch(list(request.specs) + list(request.constraints))
        provider = CondaProvider(request, gateway)
        problem = provider.problem()
        try:
            if objective == "conda":
                chosen = _solve_conda_objective(provider, problem)
            else:
                chosen = solve(provider, problem, backend=backend, minimal=True)
        except UnsolvableError as exc:
            error = exc.retitled(f"cannot solve the conda environment for {request.platform}", stage="conda")
            note = _missing_subdirs_note(gateway)
            if note:
                error = UnsolvableError(error.headline, error.explanation, details=error.details + note, stage="conda")
            raise error from None
    finally:
        if hasattr(gateway, "stop_prefetching"):
            gateway.stop_prefetching()
        if snapshot_path is not None and provider is not None:
            from .snapshot import dump_snapshot

            dump_snapshot(snapshot_path, request, provider.reached())
        if owned and hasattr(gateway, "close"):
            gateway.close()
    total = time.perf_counter() - t_start
    records = []
    virtual = []
    for s in chosen:
        rec = provider.record(s)
        if provider.is_virtual(s):
            virtual.append(VirtualPackage(rec.name, rec.version, rec.build))
        else:
            records.append(rec)
    records.sort(key=lambda r: (r.name, r.version, r.build))
    virtual.sort(key=lambda v: v.name)
    load = provider.load_seconds + load_extra
    return CondaSolution(
        records=records,
        virtual_packages=virtual,
        load_seconds=load,
        solve_seconds=max(total - load, 0.0),
    )


def _check_objective(request: CondaRequest, objective: Objective) -> None:
    check_choice(objective, Objective, "solve objective")
    if objective == "conda" and request.strategy != "highest":
        raise InputError(
            f"the conda objective always prefers the highest versions; it cannot be combined with the "
            f"{request.strategy!r} strategy"
        )


def _solve_conda_objective(provider, problem) -> list[int]:
    """conda's objective; when its encoding has no solution, the native solver explains why (or,
    when it finds one, the legacy ``features`` are what stands in the way)."""
    from ..core.solve import solve
    from .objective import solve_with_conda_objective

    chosen = solve_with_conda_objective(provider, problem)
    if chosen is not None:
        return chosen
    found = solve(provider, problem, minimal=True)  # raises UnsolvableError with the explanation
    # a solution exists, but each needs a record whose legacy features nothing it reaches tracks
    records = [provider.record(s) for s in found]
    tracked = {f for r in records for f in (r.track_features or "").replace(",", " ").split()}
    needing = [f"{r.name} {r.version} ({r.build}) has `features: {r.features}`" for r in records
               if set((r.features or "").replace(",", " ").split()) - tracked]
    raise UnsolvableError(
        "Cannot solve the requirements with conda's objective",
        details="under conda's rules a record with legacy `features` needs a package in the solution "
                "that tracks them (`track_features`), and none can be installed: "
                + ("; ".join(needing) or "every solution needs such a record"),
    )


def replay_snapshot(path, *, backend: Backend = "native") -> CondaSolution:
    """Solve a snapshot's request over its records; the same answer as the solve that wrote it."""
    from .snapshot import load_snapshot

    snap = load_snapshot(path)
    return solve_conda(snap.request, snap.gateway(), backend=backend)


def _missing_subdirs_note(gateway) -> str:
    """Names the platform subdirs the channels do not have (a 404), so that "no package named
    python" is not the only clue that the channel has nothing for this platform."""
    missing = getattr(gateway, "missing_subdirs", None) or []
    return "".join(f"\nnote: channel {ch.display!r} has no {sd!r} subdir (nothing at {where}); "
                   "only its other subdirs were searched" for ch, sd, where in missing)
