"""The PyPI stage: indexes, the target environment, and the resolution on top of the conda result.

``solve_pypi(request, conda_records, *, http=None, cache_dir=None) -> PyPISolution``."""

from __future__ import annotations


def solve_pypi(request, conda_records, *, http=None, cache_dir=None, env=None, backend="native"):
    from .resolve import solve_pypi as _solve

    return _solve(request, conda_records, http=http, cache_dir=cache_dir, env=env, backend=backend)
