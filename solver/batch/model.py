"""Typed records of batch solving: a problem, its result, the worker settings, the summary.

Problems and results cross process and machine boundaries (the process pool, Dask), so both are
small msgspec structs sent as msgspec bytes; a problem carries its whole request (channels by URL
or absolute path), never an open object.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from ..conda.model import CondaRequest
from ..options import Backend, Objective

Status = Literal["solved", "unsolvable", "error"]
# input: the problem itself is bad (a spec, a channel, a record, a line of the input);
# network: a channel could not be reached; timeout: the problem ran out of time;
# worker-lost: the process solving it died twice (it is retried once); internal: a bug.
ErrorType = Literal["input", "network", "timeout", "worker-lost", "internal"]


class ProblemError(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Why a problem has no answer. ``message`` names the input at fault (file:line, key, spec)."""

    type: ErrorType
    message: str


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One solve of a batch. Exactly one of ``request`` (a conda request over channels),
    ``snapshot`` (the absolute path of a ``SOLVER_SNAPSHOT_DIR`` file: replayed over its own
    records) or ``error`` (the input describing it was already found bad: reported as it is)."""

    id: str
    request: CondaRequest | None = None
    snapshot: str | None = None
    error: ProblemError | None = None


class ChosenRecord(msgspec.Struct, kw_only=True):
    name: str
    version: str
    build: str
    channel: str
    subdir: str


class Explanation(msgspec.Struct, kw_only=True):
    """Why nothing fits: the rendered text, and the core's derivation tree
    (``solver.core.explanation.Explanation`` as plain data: ``root`` nodes of kind/text/children/detail)."""

    text: str
    structure: dict | None = None


class Timings(msgspec.Struct, kw_only=True):
    """Wall seconds in the worker: ``load`` opening channels and decoding records, ``solve`` the rest."""

    load: float
    solve: float


class ProblemResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One line of the results. ``records`` when solved (sorted by name), ``explanation`` when
    unsolvable, ``error`` when the problem could not be solved; ``timings`` unless turned off
    (then two runs of one batch give byte-identical files, whichever executor ran them)."""

    id: str
    status: Status
    platform: str = ""
    records: list[ChosenRecord] = []
    explanation: Explanation | None = None
    error: ProblemError | None = None
    timings: Timings | None = None


class WorkerConfig(msgspec.Struct, kw_only=True, frozen=True):
    """What every worker needs besides the problems; sent once per worker (or per Dask task,
    it is a few bytes). ``timeout``: seconds per problem (0: none)."""

    backend: Backend = "native"
    objective: Objective = "pixi"
    cache_dir: str | None = None
    channel_alias: str | None = None
    timeout: float = 0.0
    # channel sets (channels, platform) whose opened gateway a worker keeps; older ones are closed
    max_gateways: int = 8


class BatchSummary(msgspec.Struct, kw_only=True):
    """What a batch run did. ``counts`` by status (and ``timeouts`` among the errors) cover the
    problems solved in this run; ``skipped`` were already in the output (resumed).
    ``workers_lost`` lists one line per worker that died; ``retried`` the ids solved again
    because of it."""

    total: int = 0
    skipped: int = 0
    counts: dict[str, int] = {}
    timeouts: int = 0
    seconds: float = 0.0
    solve_median: float | None = None
    solve_p90: float | None = None
    workers_lost: list[str] = []
    retried: list[str] = []

    def describe(self) -> str:
        done = sum(self.counts.values())
        parts = [f"{self.counts.get(s, 0)} {s}" for s in ("solved", "unsolvable", "error")]
        text = f"{done} problem{'s' * (done != 1)}: {', '.join(parts)}"
        if self.timeouts:
            text += f" ({self.timeouts} timed out)"
        rate = done / self.seconds if self.seconds > 0 else 0.0
        text += f" in {self.seconds:.2f}s ({rate:.1f}/s)"
        if self.solve_median is not None:
            text += f"; solve time median {_ms(self.solve_median)}, p90 {_ms(self.solve_p90 or 0.0)}"
        if self.skipped:
            text += f"; {self.skipped} already in the output (skipped)"
        if self.workers_lost:
            text += f"; {len(self.workers_lost)} worker{'s' * (len(self.workers_lost) != 1)} lost, " \
                    f"{len(self.retried)} problem{'s' * (len(self.retried) != 1)} retried"
        return text


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
