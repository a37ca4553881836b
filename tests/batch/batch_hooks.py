"""Test-only worker hooks for batch solving, passed as ``worker_setup`` (they run first in each
worker process; imported by name there, which is why this is a plain module on ``sys.path``).

Each one wraps ``solver.batch.worker._solve`` (the solve inside the time limit) so that problems
whose specs name a trigger package misbehave; every other problem is solved as usual.
"""

from __future__ import annotations

import os
import signal
import time

MARKER_ENV = "SOLVER_BATCH_TEST_MARKER"


def _wrap(misbehave) -> None:
    from solver.batch import worker

    original = worker._solve

    def patched(request, gateway, backend):
        if any(spec.split()[0] in ("hang", "crash") for spec in request.specs):
            misbehave(request)
        return original(request, gateway, backend)

    worker._solve = patched


def _hang(request) -> None:
    while True:  # interruptible: the worker's timer stops it
        time.sleep(0.02)


def _hang_deaf(request) -> None:
    # deaf to the worker's own timer (as a solve stuck in native code): only a kill ends it
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        time.sleep(0.02)


def _crash_once(request, marker: str | None = None) -> None:
    marker = marker or os.environ[MARKER_ENV]
    if not os.path.exists(marker):
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)


def _crash_always(request) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def hang() -> None:
    _wrap(_hang)


def hang_deaf() -> None:
    _wrap(_hang_deaf)


def crash_once() -> None:
    _wrap(_crash_once)


def crash_always() -> None:
    _wrap(_crash_always)


class crash_once_at:
    """``crash_once`` with the marker's path given (for workers started before the test set the
    environment variable, as a Dask cluster's); picklable by reference."""

    def __init__(self, marker: str):
        self.marker = marker

    def __call__(self) -> None:
        _wrap(lambda request: _crash_once(request, self.marker))
