"""Batch solving: many conda problems, one result row each, in one process, a local process pool
or a Dask cluster.

    from solver.batch import solve_many, read_requests, installability_problems, run_batch

    problems = installability_problems("/data/conda-forge", "linux-64")    # "install this one", per name
    for result in solve_many(problems, jobs=2, timeout=30):                # input order, streamed
        print(result.id, result.status, [r.name for r in result.records])

    summary = run_batch(read_requests("problems.jsonl"), "results.jsonl", jobs=2)  # resumable file

Problems come from :mod:`solver.batch.sources` (a JSON Lines file of conda requests, a folder of
manifests, a folder of snapshot files, the installability generator) or are built directly
(:class:`Problem`). Layered on the conda stage (and the manifest layer for manifest folders);
nothing below imports it. Dask is an optional extra, imported only by the Dask executor.
"""

from __future__ import annotations

from ..lazyattr import lazy_exports

_EXPORTS = {
    "solve_many": "run",
    "run_batch": "run",
    "encode_row": "run",
    "read_done_ids": "run",
    "BatchProgress": "run",
    "Problem": "model",
    "ProblemResult": "model",
    "ProblemError": "model",
    "BatchSummary": "model",
    "WorkerConfig": "model",
    "read_requests": "sources",
    "manifest_problems": "sources",
    "snapshot_problems": "sources",
    "installability_problems": "sources",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
