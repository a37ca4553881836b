"""Running a batch: results in input order, a resumable JSON Lines output, progress and a summary.

    from solver.batch import solve_many, read_requests
    for result in solve_many(read_requests("problems.jsonl"), jobs=2):
        print(result.id, result.status)

    summary = run_batch(problems, "results.jsonl", jobs=2)   # skips ids the file already has
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal

import msgspec

from ..errors import InputError
from ..options import Backend, Objective, check_choice
from ..status import StatusLine
from .model import BatchSummary, Problem, ProblemResult, WorkerConfig

ExecutorName = Literal["sequential", "pool", "dask"]
DEFAULT_TIMEOUT = 60.0

_row_encoder = msgspec.json.Encoder()


class _RowId(msgspec.Struct):
    id: str


def solve_many(
    problems: Iterable[Problem],
    *,
    executor: ExecutorName | None = None,
    jobs: int = 1,
    scheduler=None,
    timeout: float = DEFAULT_TIMEOUT,
    backend: Backend = "native",
    objective: Objective = "pixi",
    cache_dir=None,
    channel_alias: str | None = None,
    skip: Iterable[str] = (),
    on_event: Callable[[str, dict], None] | None = None,
    worker_setup: Callable[[], None] | None = None,
) -> Iterator[ProblemResult]:
    """Solve every problem; yield one result per problem, in input order, as soon as it and all
    before it are done. ``executor``: ``"sequential"`` (this process), ``"pool"`` (``jobs`` local
    processes; the default when ``jobs`` > 1) or ``"dask"`` (``scheduler``: an address or a
    ``distributed.Client``). ``timeout``: seconds per problem (0: none). ``backend``, ``objective``:
    as for ``solver solve``. ``skip``: ids not to
    solve (a resumed run). ``on_event(kind, info)``: ``"worker-lost"`` and ``"timeout-kill"``
    reports. Results do not depend on the executor (timings aside). Bad options raise
    ``InputError`` here, before anything is solved."""
    executor = check_choice(executor or ("pool" if jobs > 1 else "sequential"), ExecutorName, "batch executor")
    backend = check_choice(backend, Backend, "solver backend")
    objective = check_choice(objective, Objective, "objective")
    if jobs < 1:
        raise InputError("jobs must be at least 1")
    if timeout is None or timeout != timeout or timeout < 0:
        raise InputError("the time limit per problem must be 0 (none) or a positive number of seconds")
    if executor == "dask":
        import importlib.util

        if not scheduler:
            raise InputError("the dask executor needs a scheduler address (--scheduler tcp://HOST:PORT)")
        if importlib.util.find_spec("distributed") is None:
            raise InputError("the dask executor needs Dask distributed: pip install 'solver[dask]'")
    skip = set(skip)
    todo = [p for p in problems if p.id not in skip]
    config = WorkerConfig(backend=backend, objective=objective, cache_dir=str(cache_dir) if cache_dir is not None else None,
                          channel_alias=channel_alias, timeout=float(timeout))
    events = on_event or (lambda kind, info: None)
    items = list(enumerate(todo))
    if executor == "pool":
        from .executors import run_pool

        stream = run_pool(items, config, jobs, on_event=events, worker_setup=worker_setup,
                          prepare=lambda: _open_channels_once(todo, config))
    elif executor == "dask":
        from .executors import run_dask

        stream = run_dask(items, config, scheduler, on_event=events, worker_setup=worker_setup)
    else:
        from .executors import run_sequential

        stream = run_sequential(items, config, on_event=events, worker_setup=worker_setup)
    return _in_input_order(stream, len(todo), executor)


def _in_input_order(stream: Iterator[tuple[int, ProblemResult]], count: int, executor: str) -> Iterator[ProblemResult]:
    """The executor's ``(index, result)`` pairs as results in index order."""
    # back into input order: hold results until every earlier one is there
    waiting: dict[int, ProblemResult] = {}
    following = 0
    try:
        for index, result in stream:
            waiting[index] = result
            while following in waiting:
                yield waiting.pop(following)
                following += 1
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    if following != count:  # an executor lost a problem: a bug, but never a silent gap
        raise RuntimeError(f"batch executor {executor} returned {following} of {count} results")


def _open_channels_once(problems: list[Problem], config: WorkerConfig) -> None:
    """Opens each channel set of the batch once here, while the pool starts: downloads, zstd
    decompression and the on-disk repodata indexes are done (and written) once, and every worker
    memory-maps the same index files instead of scanning the repodata itself. A channel that
    fails to open is left to the workers, which report it on each problem that uses it."""
    from ..conda.gateway import Gateway
    from ..conda.repodata import flush_index_writes
    from ..errors import SolverError

    seen = set()
    for p in problems:
        if p.request is None:
            continue
        key = (tuple(p.request.channels), p.request.platform)
        if key in seen:
            continue
        seen.add(key)
        try:
            Gateway(list(key[0]), key[1], cache_dir=config.cache_dir, channel_alias=config.channel_alias).close()
        except SolverError:
            pass
    flush_index_writes()


# -- results files ------------------------------------------------------------------------------------


def encode_row(result: ProblemResult, timings: bool = True) -> bytes:
    """One line of the results file (without the newline). Keys in a fixed order; without
    ``timings`` two runs of a batch give byte-identical files."""
    if not timings and result.timings is not None:
        result = msgspec.structs.replace(result, timings=None)
    return _row_encoder.encode(result)


def read_done_ids(path) -> set[str]:
    """Ids already in a results file. A last line cut off by an interrupted run is dropped from the
    file (it is solved again); any other line that is not a result row is an error."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return set()
    except OSError as exc:
        raise InputError(f"cannot read the results file {path}: {exc.strerror or exc}") from None
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        with open(path, "r+b") as f:
            f.truncate(keep)
        data = data[:keep]
    done = set()
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            done.add(msgspec.json.decode(line, type=_RowId).id)
        except msgspec.DecodeError:
            raise InputError(f"{path}:{lineno}: not a result row of a batch run; name another output "
                             "file, or pass --no-resume to overwrite it") from None
    return done


def run_batch(
    problems: Iterable[Problem],
    output=None,
    *,
    resume: bool = True,
    timings: bool = True,
    progress: Callable[[str, dict], None] | None = None,
    **options,
) -> BatchSummary:
    """Solve ``problems`` into a JSON Lines file ``output`` (a path; ``None``: stdout), one row per
    problem in input order, flushed as it comes. With ``resume``, ids the file already holds are
    skipped and new rows appended; else the file is replaced. ``progress(event, info)`` gets
    ``"start"`` (``total``, ``skipped``), ``"result"`` (``done``, ``total``, ``counts``,
    ``seconds``) and the executors' events. ``options`` go to :func:`solve_many`."""
    problems = list(problems)
    done_ids = read_done_ids(output) if (output is not None and resume) else set()
    skipped = sum(1 for p in problems if p.id in done_ids)
    total = len(problems) - skipped
    report = progress or (lambda event, info: None)
    summary = BatchSummary(total=total, skipped=skipped, counts={"solved": 0, "unsolvable": 0, "error": 0})

    lost: set = set()

    def on_event(kind: str, info: dict) -> None:
        if kind == "worker-lost":
            # one line per worker (a dead Dask worker fails every task it held, one event each)
            if info["worker"] not in lost:
                lost.add(info["worker"])
                summary.workers_lost.append(f"worker {info['worker']} {info['detail']} while solving {info['id']}")
            if info.get("retry"):
                summary.retried.append(info["id"])
        report(kind, info)

    solve_times: list[float] = []
    t0 = time.perf_counter()
    results = solve_many(problems, skip=done_ids, on_event=on_event, **options)  # checks the options
    report("start", {"total": total, "skipped": skipped})
    if output is None:
        out = sys.stdout.buffer
        close = False
    else:
        try:
            out = open(output, "ab" if resume else "wb")
        except OSError as exc:
            raise InputError(f"cannot write the results file {output}: {exc.strerror or exc}") from None
        close = True
    try:
        for result in results:
            out.write(encode_row(result, timings) + b"\n")
            out.flush()
            summary.counts[result.status] += 1
            if result.error is not None and result.error.type == "timeout":
                summary.timeouts += 1
            elif result.status != "error" and result.timings is not None:
                solve_times.append(result.timings.solve)
            report("result", {"done": sum(summary.counts.values()), "total": total, "counts": dict(summary.counts),
                              "seconds": time.perf_counter() - t0, "id": result.id, "status": result.status})
    finally:
        if close:
            out.close()
    summary.seconds = time.perf_counter() - t0
    if solve_times:
        summary.solve_median = statistics.median(solve_times)
        summary.solve_p90 = _percentile(solve_times, 0.9)
    report("finish", {"summary": summary})
    return summary


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q * (len(ordered) - 1)))))
    return ordered[rank]


# -- progress on stderr -------------------------------------------------------------------------------


class BatchProgress(StatusLine):
    """``[done/total] rate/s ETA m:ss | solved N unsolvable N error N`` on stderr: redrawn in
    place on a terminal (at most every ``REDRAW_SECONDS``), a plain line every
    ``LINE_SECONDS`` otherwise; lost workers and kills on lines of their own; the summary last."""

    REDRAW_SECONDS = 0.1
    LINE_SECONDS = 10.0

    def __init__(self, stream=None, quiet: bool = False, verbose: int = 0):
        super().__init__(stream, quiet, verbose)
        self._last = 0.0
        self._info: dict | None = None

    def __call__(self, event: str, info: dict) -> None:
        if self.quiet:
            return
        with self._lock:
            if event == "start":
                self._last = time.monotonic()  # the first plain line after LINE_SECONDS, with a real rate
                if info["skipped"]:
                    self._print(f"resuming: {info['skipped']} problems already in the output, {info['total']} to solve")
            elif event == "result":
                self._info = info
                now = time.monotonic()
                if self.verbose:
                    self._print(f"{info['id']}: {info['status']}")
                if self.tty and now - self._last >= self.REDRAW_SECONDS:
                    self._draw(now)
                elif not self.tty and now - self._last >= self.LINE_SECONDS:
                    self._last = now
                    self._print(status_line(info))
            elif event == "worker-lost":
                what = "retrying it once" if info.get("retry") else "giving up on it"
                self._print(f"warning: worker {info['worker']} {info['detail']} while solving {info['id']}; {what}")
            elif event == "timeout-kill":
                self._print(f"warning: worker {info['worker']} killed: {info['id']} ran past its time limit")
            elif event == "finish":
                self._clear()
                self._print(info["summary"].describe())

    def _draw(self, now: float) -> None:
        self._draw_text(status_line(self._info))
        self._last = now


def status_line(info: dict) -> str:
    """``[120/1000] 85.3/s ETA 0:10 | solved 100 unsolvable 15 error 5``"""
    done, total, seconds = info["done"], info["total"], info["seconds"]
    rate = done / seconds if seconds > 0 else 0.0
    eta = (total - done) / rate if rate > 0 else 0.0
    counts = info["counts"]
    return (f"[{done}/{total}] {rate:.1f}/s ETA {int(eta) // 60}:{int(eta) % 60:02d} | "
            f"solved {counts.get('solved', 0)} unsolvable {counts.get('unsolvable', 0)} error {counts.get('error', 0)}")
