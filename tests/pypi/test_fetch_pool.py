"""The fetch pool: metadata reads (``urgent``) run before queued page fetches, each kind in the
order asked; shutting down cancels what is queued, or lets it finish."""

import threading

import pytest

from solver.pypi.fetch import _DaemonPool


def blocked_pool():
    pool = _DaemonPool(1, "test-pool")
    gate = threading.Event()
    started = threading.Event()
    pool.submit(lambda: (started.set(), gate.wait(10)))
    assert started.wait(10)  # the only worker is busy: what follows queues up
    return pool, gate


def test_urgent_work_runs_first_then_the_rest_in_order():
    pool, gate = blocked_pool()
    ran = []
    futures = [pool.submit(ran.append, "page a"), pool.submit(ran.append, "page b"),
               pool.submit(ran.append, "metadata 1", urgent=True), pool.submit(ran.append, "page c"),
               pool.submit(ran.append, "metadata 2", urgent=True)]
    gate.set()
    for f in futures:
        f.result(10)
    assert ran == ["metadata 1", "metadata 2", "page a", "page b", "page c"]
    pool.shutdown(wait=True)


def test_shutdown_cancels_what_is_queued():
    pool, gate = blocked_pool()
    queued = [pool.submit(lambda: "page"), pool.submit(lambda: "metadata", urgent=True)]
    pool.shutdown(cancel_futures=True)
    gate.set()
    assert all(f.cancelled() for f in queued)
    pool.shutdown(wait=True)


def test_shutdown_without_cancelling_finishes_what_is_queued():
    pool, gate = blocked_pool()
    queued = [pool.submit(lambda: "page"), pool.submit(lambda: "metadata", urgent=True)]
    pool.shutdown()
    gate.set()
    assert [f.result(10) for f in queued] == ["page", "metadata"]
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(lambda: None)
