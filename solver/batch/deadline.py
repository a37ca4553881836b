"""A time limit around one problem's solve, in whatever thread runs it.

In a process's main thread (the sequential executor, a pool worker) a real-time interval timer
raises :class:`ProblemTimeout` from its signal handler: the SAT search checks for signals every
1024 conflicts and the provider is Python, so the solve stops promptly. In any other thread (a
Dask worker's task threads) signals cannot be used; a timer thread raises the exception
asynchronously in the solving thread instead, delivered the next time that thread runs Python
code (the provider is called for every name the search reaches). The pool also kills a worker
whose problem outlives its limit by a grace period, so a problem stuck in native code never
blocks the batch there.
"""

from __future__ import annotations

import contextlib
import threading


class ProblemTimeout(BaseException):
    """The problem ran out of time. A ``BaseException`` so that no ``except Exception`` on the way
    (in the stages, the provider) swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise ``ProblemTimeout`` in this thread once ``seconds`` have passed (0: no limit)."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread():
        with _signal_limit(seconds):
            yield
    else:
        with _async_limit(seconds):
            yield


@contextlib.contextmanager
def _signal_limit(seconds: float):
    import signal

    if not hasattr(signal, "setitimer"):  # Windows: no interval timers; a timer thread does it
        with _async_limit(seconds):
            yield
        return

    def expired(signum, frame):
        raise ProblemTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _async_limit(seconds: float):
    import ctypes

    target = threading.get_ident()
    state = {"armed": True}
    guard = threading.Lock()

    def expire():
        with guard:
            if state["armed"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(ProblemTimeout))

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with guard:
            state["armed"] = False
        timer.cancel()
        # the exception may have been set just before disarming and not delivered yet: clear it
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
