"""Solving one problem in a worker, with what the worker keeps between problems.

A worker (the calling process for the sequential executor, a pool process, a Dask worker) keeps a
``WorkerState``: the channels it opened, as ``Gateway`` objects keyed by (channels, platform).
Each channel set is opened once per worker; its subdirs' on-disk indexes (written once to the
cache folder, by the first process that scanned them) are memory-mapped, so the operating system
shares their pages between the workers of a machine; each record is decoded at most once per
worker (the gateway keeps decoded names). At most ``WorkerConfig.max_gateways`` channel sets stay
open (least recently used closed first), which bounds a worker's memory for batches over many
channel sets.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import msgspec

from ..conda.model import CondaRequest
from ..errors import InputError, NetworkError, SolverError, UnsolvableError
from .deadline import ProblemTimeout, time_limit
from .model import ChosenRecord, Explanation, Problem, ProblemError, ProblemResult, Timings, WorkerConfig


class WorkerState:
    """Per-worker cache of opened channel sets. Thread-safe (Dask runs tasks on threads)."""

    def __init__(self, config: WorkerConfig):
        self.config = config
        self._gateways: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._opening: dict[tuple, threading.Lock] = {}

    def gateway(self, request: CondaRequest):
        """The opened gateway of ``request``'s channels and platform (opened now if new)."""
        key = (tuple(request.channels), request.platform)
        with self._lock:
            gw = self._gateways.get(key)
            if gw is not None:
                self._gateways.move_to_end(key)
                return gw
            opening = self._opening.setdefault(key, threading.Lock())
        with opening:  # one thread opens a channel set; the others wait for it
            with self._lock:
                gw = self._gateways.get(key)
            if gw is not None:
                return gw
            from ..conda.gateway import Gateway

            gw = Gateway(list(request.channels), request.platform, cache_dir=self.config.cache_dir,
                         channel_alias=self.config.channel_alias)
            with self._lock:
                self._gateways[key] = gw
                self._opening.pop(key, None)
                while len(self._gateways) > max(1, self.config.max_gateways):
                    # a closed gateway still answers names it decoded; a solve holding it is safe
                    _, old = self._gateways.popitem(last=False)
                    old.close()
            return gw

    def close(self) -> None:
        with self._lock:
            for gw in self._gateways.values():
                gw.close()
            self._gateways.clear()


def solve_problem(problem: Problem, state: WorkerState) -> ProblemResult:
    """The result of one problem. Never raises for a bad or hopeless problem: every failure is a
    result row (``error``), so one problem never stops the batch."""
    config = state.config
    t0 = time.perf_counter()
    load = 0.0
    platform = problem.request.platform if problem.request is not None else ""
    try:
        if problem.error is not None:
            return _finish(ProblemResult(id=problem.id, status="error", platform=platform, error=problem.error),
                           t0, load)
        with time_limit(config.timeout):
            request, gateway, load = _open(problem, state)
            platform = request.platform
            solution = _solve(request, gateway, config)
        load += solution.load_seconds
        records = [ChosenRecord(name=r.name, version=r.version, build=r.build, channel=_channel(r.channel),
                                subdir=r.subdir) for r in solution.records]
        return _finish(ProblemResult(id=problem.id, status="solved", platform=platform, records=records),
                       t0, load)
    except UnsolvableError as exc:
        explanation = Explanation(text=str(exc), structure=_structure(exc.explanation))
        return _finish(ProblemResult(id=problem.id, status="unsolvable", platform=platform, explanation=explanation),
                       t0, load)
    except ProblemTimeout:
        return _finish(timeout_result(problem, config.timeout), t0, load)
    except NetworkError as exc:
        return _finish(_error(problem, platform, "network", str(exc)), t0, load)
    except SolverError as exc:
        return _finish(_error(problem, platform, "input", str(exc)), t0, load)
    except Exception as exc:  # a bug: still one row, the batch goes on
        return _finish(_error(problem, platform, "internal", f"{type(exc).__name__}: {exc}"), t0, load)


def _structure(explanation) -> dict | None:
    """The core's derivation as plain data (None when there is none, or it is not plain data)."""
    if explanation is None:
        return None
    try:
        data = msgspec.to_builtins(explanation)
    except TypeError:
        return None
    return data if isinstance(data, dict) else None


def timeout_result(problem: Problem, seconds: float) -> ProblemResult:
    """The row of a problem that ran out of time (the same whoever noticed: the worker or the pool)."""
    platform = problem.request.platform if problem.request is not None else ""
    return _error(problem, platform, "timeout", f"no answer within the time limit of {seconds:g}s")


def worker_lost_result(problem: Problem, detail: str) -> ProblemResult:
    platform = problem.request.platform if problem.request is not None else ""
    return _error(problem, platform, "worker-lost", f"the worker solving it died twice ({detail})")


def _error(problem: Problem, platform: str, kind: str, message: str) -> ProblemResult:
    return ProblemResult(id=problem.id, status="error", platform=platform, error=ProblemError(type=kind, message=message))


def _finish(result: ProblemResult, t0: float, load: float) -> ProblemResult:
    total = time.perf_counter() - t0
    load = min(load, total)
    result.timings = Timings(load=round(load, 6), solve=round(total - load, 6))
    return result


def _open(problem: Problem, state: WorkerState):
    """(request, gateway, seconds spent opening) of a problem."""
    t = time.perf_counter()
    if problem.snapshot is not None:
        from ..conda.snapshot import load_snapshot

        snap = load_snapshot(problem.snapshot)
        return snap.request, snap.gateway(), time.perf_counter() - t
    if problem.request is None:
        raise InputError(f"problem {problem.id!r} has neither a request nor a snapshot")
    return problem.request, state.gateway(problem.request), time.perf_counter() - t


def _solve(request: CondaRequest, gateway, config: WorkerConfig):
    from ..conda.solve import solve_conda

    return solve_conda(request, gateway, backend=config.backend, objective=config.objective)


def _channel(channel: str) -> str:
    from ..conda.channel import canonical_channel_url

    return canonical_channel_url(channel).rstrip("/") if channel else ""
