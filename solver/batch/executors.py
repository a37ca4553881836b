"""Who solves the problems: this process, a local process pool, or a Dask cluster.

Every executor takes ``(index, Problem)`` pairs and yields ``(index, ProblemResult)`` pairs in
whatever order they finish; :func:`solver.batch.run.solve_many` puts them back in input order.
All three call the same :func:`solver.batch.worker.solve_problem`, so a problem gets the same
row whichever executor ran it.

Problems travel as msgspec bytes (a request is a few hundred bytes; channels by URL or path), the
worker settings once per worker. ``on_event(kind, info)`` hears about lost workers
(``"worker-lost"``: ``worker``, ``detail``, ``id``, ``retry``) and restarts.

Dask is imported only by :func:`run_dask` (an optional extra: ``pip install solver[dask]``).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import Callable, Iterable, Iterator

import msgspec

from .model import Problem, ProblemResult, Timings, WorkerConfig
from .worker import WorkerState, solve_problem, timeout_result, worker_lost_result

Event = Callable[[str, dict], None]
_encode = msgspec.msgpack.encode
_problem_decoder = msgspec.msgpack.Decoder(Problem)
_result_decoder = msgspec.msgpack.Decoder(ProblemResult)
_config_decoder = msgspec.msgpack.Decoder(WorkerConfig)

# A pool worker whose problem outlives the time limit by this much (plus 10% of the limit) is
# killed: the worker's own timer did not get the solve to stop (stuck outside Python code).
KILL_GRACE_SECONDS = 2.0


def _ignore(kind: str, info: dict) -> None:
    pass


# -- sequential -------------------------------------------------------------------------------------


def run_sequential(items: Iterable[tuple[int, Problem]], config: WorkerConfig, *, on_event: Event = _ignore,
                   worker_setup: Callable[[], None] | None = None) -> Iterator[tuple[int, ProblemResult]]:
    """In this process, one after the other (the time limit needs the main thread for a signal
    timer; elsewhere a timer thread interrupts the solve)."""
    if worker_setup is not None:
        worker_setup()
    state = WorkerState(config)
    try:
        for index, problem in items:
            yield index, solve_problem(problem, state)
    finally:
        state.close()


# -- local process pool -----------------------------------------------------------------------------


def _pool_worker_main(conn, config_bytes: bytes, worker_setup) -> None:
    """A pool process: solve each problem the parent sends, send back its result; stop on b""."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if worker_setup is not None:
        worker_setup()
    state = WorkerState(_config_decoder.decode(config_bytes))
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            break
        if not data:
            break
        result = solve_problem(_problem_decoder.decode(data), state)
        conn.send_bytes(_encode(result))
    state.close()


class _PoolWorker:
    """One worker process and the problems sent to it, oldest (the one it is solving) first."""

    __slots__ = ("process", "conn", "number", "jobs", "started")

    def __init__(self, ctx, number: int, config_bytes: bytes, worker_setup):
        parent, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_pool_worker_main, args=(child, config_bytes, worker_setup),
                                   name=f"solver-batch-{number}", daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        self.number = number
        self.jobs: deque[tuple[int, Problem, int]] = deque()  # (index, problem, attempt)
        self.started = 0.0  # when the oldest job started (sent, or its predecessor answered)

    def fill(self, pending: deque, depth: int = 1) -> None:
        """Keep up to ``depth`` problems queued, so the worker never waits for this process (on a
        busy machine the round trip to a sleeping parent costs more than a small solve). Only
        small messages are queued behind a running problem: a large one waits until the worker
        is idle, so neither side can block writing to a full pipe the other is not reading."""
        while pending and len(self.jobs) < depth:
            index, problem, attempt = pending[0]
            data = _encode(problem)
            if self.jobs and len(data) > PREFETCH_MAX_BYTES:
                return
            pending.popleft()
            if not self.jobs:
                self.started = time.monotonic()
            self.jobs.append((index, problem, attempt))
            try:
                self.conn.send_bytes(data)
            except OSError:  # the worker died: the pool's wait sees its sentinel and handles it
                return

    def describe_exit(self) -> str:
        self.process.join(1.0)
        code = self.process.exitcode
        if code is None:
            return "stopped answering"
        if code < 0:
            import signal

            try:
                return f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"was killed by signal {-code}"
        return f"exited with code {code}"

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send_bytes(b"")
            except OSError:
                pass
        self.process.join(5.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5.0)
        self.conn.close()


# Problems queued per worker: enough for about QUEUE_SECONDS of work at the mean time per problem
# seen so far (at least 2, at most MAX_QUEUE): small problems keep a worker busy, long ones are not
# held back behind each other while another worker has nothing to do.
QUEUE_SECONDS = 0.05
MAX_QUEUE = 32
PREFETCH_MAX_BYTES = 16 << 10


class _QueueDepth:
    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def add(self, result: ProblemResult) -> None:
        if result.timings is not None:
            self.seconds += result.timings.load + result.timings.solve
            self.count += 1

    def __call__(self) -> int:
        if not self.count:
            return 2
        mean = max(self.seconds / self.count, 1e-6)
        return max(2, min(MAX_QUEUE, 1 + int(QUEUE_SECONDS / mean)))


def run_pool(items: Iterable[tuple[int, Problem]], config: WorkerConfig, jobs: int, *, on_event: Event = _ignore,
             worker_setup: Callable[[], None] | None = None,
             prepare: Callable[[], None] | None = None) -> Iterator[tuple[int, ProblemResult]]:
    """``jobs`` worker processes. A worker that dies (killed, crashed) is reported and replaced;
    the problem it was solving is retried once (the ones queued behind it go back to the queue
    as they were); one that outlives the time limit by a grace period is killed and its problem
    reported as timed out. ``worker_setup`` (picklable) runs first in every worker process;
    ``prepare`` runs here while the workers start, before any problem is sent."""
    import multiprocessing
    from multiprocessing.connection import wait

    pending = deque((index, problem, 1) for index, problem in items)
    if not pending:
        return
    # spawn: a clean interpreter per worker (forking a process that runs threads is unsafe)
    ctx = multiprocessing.get_context("spawn")
    config_bytes = _encode(config)
    count = max(1, min(jobs, len(pending)))
    numbers = iter(range(1, 1 << 30))
    workers = [_PoolWorker(ctx, next(numbers), config_bytes, worker_setup) for _ in range(count)]
    limit = config.timeout + KILL_GRACE_SECONDS + 0.1 * config.timeout if config.timeout > 0 else None
    depth = _QueueDepth()
    try:
        if prepare is not None:
            prepare()
        for w in workers:
            w.fill(pending, depth())
        while True:
            busy = [w for w in workers if w.jobs]
            if not busy:
                break
            wait_for = None
            if limit is not None:
                wait_for = max(0.0, min(w.started + limit for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for))
            for w in busy:
                index, problem, attempt = w.jobs[0]
                if w.conn in ready:
                    try:
                        data = w.conn.recv_bytes()
                    except (EOFError, OSError):
                        data = None
                    if data is not None:
                        w.jobs.popleft()
                        w.started = time.monotonic()
                        result = _result_decoder.decode(data)
                        depth.add(result)
                        w.fill(pending, depth())
                        yield index, result
                        continue
                elif w.process.sentinel not in ready:
                    elapsed = time.monotonic() - w.started
                    if limit is not None and elapsed >= limit:
                        w.stop(kill=True)
                        on_event("timeout-kill", {"worker": w.number, "id": problem.id, "seconds": elapsed})
                        result = timeout_result(problem, config.timeout)
                        result.timings = Timings(load=0.0, solve=round(elapsed, 6))
                        w.jobs.popleft()
                        pending.extendleft(reversed(w.jobs))
                        _replace(workers, w, ctx, next(numbers), config_bytes, worker_setup, pending)
                        yield index, result
                    continue
                # the worker is gone: its current problem is retried once, the queued ones requeued
                detail = w.describe_exit()
                w.stop(kill=True)
                retry = attempt == 1
                on_event("worker-lost", {"worker": w.number, "detail": detail, "id": problem.id, "retry": retry})
                w.jobs.popleft()
                pending.extendleft(reversed(w.jobs))
                if retry:
                    pending.appendleft((index, problem, 2))
                _replace(workers, w, ctx, next(numbers), config_bytes, worker_setup, pending)
                if not retry:
                    yield index, worker_lost_result(problem, detail)
    finally:
        for w in workers:
            w.stop(kill=bool(w.jobs))


def _replace(workers: list, dead: _PoolWorker, ctx, number: int, config_bytes: bytes, worker_setup, pending) -> None:
    """A fresh worker in ``dead``'s place when there is work left, else an empty slot."""
    position = workers.index(dead)
    if not pending:
        workers[position] = _Idle()
        return
    fresh = _PoolWorker(ctx, number, config_bytes, worker_setup)
    workers[position] = fresh
    fresh.fill(pending)


class _Idle:
    """A slot whose worker is gone and that has nothing more to do."""

    jobs = ()

    def stop(self, kill: bool = False) -> None:
        pass


# -- Dask ---------------------------------------------------------------------------------------------

_dask_states: dict[bytes, WorkerState] = {}
_dask_lock = threading.Lock()


def _dask_task(config_bytes: bytes, problems: list[bytes]) -> list[bytes]:
    """Runs on a Dask worker: a few problems, with the worker's cached channels (one state per
    worker process and settings, shared by its task threads)."""
    state = _dask_states.get(config_bytes)
    if state is None:
        with _dask_lock:
            state = _dask_states.get(config_bytes)
            if state is None:
                state = _dask_states[config_bytes] = WorkerState(_config_decoder.decode(config_bytes))
    return [_encode(solve_problem(_problem_decoder.decode(p), state)) for p in problems]


# Problems per Dask task: the scheduler spends about a millisecond on each task, more than many
# problems take, so consecutive problems travel together (at most DASK_MAX_CHUNK, and few enough
# that every worker gets several tasks).
DASK_MAX_CHUNK = 16
DASK_TASKS_PER_WORKER = 8


def _setup_plugin(worker_setup: Callable[[], None]):
    """A Dask worker plugin running ``worker_setup`` on every worker, restarted ones included."""
    from distributed import WorkerPlugin

    class SetupPlugin(WorkerPlugin):
        def __init__(self, setup):
            self.setup_function = setup

        def setup(self, worker):
            self.setup_function()

    return SetupPlugin(worker_setup)


def run_dask(items: Iterable[tuple[int, Problem]], config: WorkerConfig, scheduler, *, on_event: Event = _ignore,
             worker_setup: Callable[[], None] | None = None) -> Iterator[tuple[int, ProblemResult]]:
    """On a Dask distributed cluster: ``scheduler`` is its address (``tcp://host:8786``) or a
    ``distributed.Client``. Workers need this package installed and the channels reachable (by
    URL, or the same shared paths). A task whose worker died is resubmitted once."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        from ..errors import InputError

        raise InputError("the dask executor needs Dask distributed: pip install 'solver[dask]'") from None
    from distributed.scheduler import KilledWorker

    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError) as exc:
            from ..errors import NetworkError

            raise NetworkError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    else:
        client = scheduler
    plugin = None
    if worker_setup is not None:
        plugin = f"solver-batch-setup-{os.getpid()}-{time.time_ns()}"
        client.register_plugin(_setup_plugin(worker_setup), name=plugin)
    config_bytes = _encode(config)
    token = f"{os.getpid()}-{time.time_ns()}"
    items = list(items)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = max(1, min(DASK_MAX_CHUNK, len(items) // (DASK_TASKS_PER_WORKER * workers)))
    futures: dict = {}

    def submit(chunk: list[tuple[int, Problem]], attempt: int):
        first = chunk[0][0]
        fut = client.submit(_dask_task, config_bytes, [_encode(p) for _, p in chunk], pure=False, retries=0,
                            key=f"solver-batch-{token}-{first}-{attempt}")
        futures[fut] = (chunk, attempt)
        return fut

    try:
        stream = as_completed([submit(items[i:i + size], 1) for i in range(0, len(items), size)])
        for fut in stream:
            chunk, attempt = futures.pop(fut)
            try:
                data = fut.result()
            except KilledWorker as exc:
                # which of the task's problems killed it is unknown: each is retried once, alone
                worker = getattr(getattr(exc, "last_worker", None), "address", None) or "(unknown)"
                for index, problem in chunk:
                    retry = attempt == 1
                    on_event("worker-lost", {"worker": worker, "detail": "died", "id": problem.id, "retry": retry})
                    if retry:
                        stream.add(submit([(index, problem)], 2))
                    else:
                        yield index, worker_lost_result(problem, "a Dask worker died while solving it")
                continue
            for (index, _), row in zip(chunk, data):
                yield index, _result_decoder.decode(row)
    finally:
        for fut in list(futures):
            fut.cancel()
        if plugin is not None:  # the cluster outlives this batch: leave its workers as they were
            try:
                client.unregister_worker_plugin(plugin)
            except Exception:  # noqa: BLE001 (a cluster shutting down has nothing left to undo)
                pass
        if own:
            client.close()
