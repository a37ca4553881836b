"""The PyPI stage: :func:`solve_pypi` runs the core on a :class:`~.provider.PyPIProvider` over
indexes, find-links, direct sources and the conda result.

When a requirement excludes a conda version, the resolution is tried again with that name free
(the versions the indexes list, then any version) to learn what PyPI needs of conda; if that
works, :class:`CondaConflictError` carries every such requirement, for the caller to re-solve
conda (see :mod:`.conda_conflicts`).
"""

from __future__ import annotations

import time

from ..core.provider import Problem
from ..errors import UnsolvableError
from .auth import CredentialProvider
from .conda_conflicts import CondaConflictError, conda_conflicts, conda_hints
from .conda_map import conda_distributions
from .metadata import MetadataError
from .config import effective_sources
from .model import PyPIRequest, PyPISolution
from .provider import PyPIProvider
from .roots import check_roots, dependents_first, first_index_hints, root_requirements
from .tags import target_from_conda

__all__ = ["CondaConflictError", "PyPIProvider", "solve_pypi"]


def solve_pypi(request: PyPIRequest, conda_records, *, http=None, cache_dir=None, env=None,
               backend: str = "native") -> PyPISolution:
    """Resolves ``request`` on top of the conda result (see the module docstring)."""
    t_start = time.perf_counter()
    if not request.requirements:
        return PyPISolution(timings={"total": 0.0})
    target = target_from_conda(request.platform, conda_records, glibc=request.glibc, macos=request.macos)
    sources = effective_sources(request, env)
    own_http = http is None
    if own_http:
        from ..http import HttpClient

        pinned_urls = [(r.index, None) for r in request.requirements if r.index and "://" in r.index]
        auth = CredentialProvider([(s.url, s.name) for s in sources] + pinned_urls, env=env)
        http = HttpClient(cache_dir, auth=auth)
    try:
        conda = conda_distributions(conda_records, request.conda_pypi_map, http)
        provider = PyPIProvider(request, target, sources, http, conda_provided=conda, cache_dir=cache_dir)
        try:
            t_solve = time.perf_counter()
            try:
                roots = root_requirements(provider, request)
                provider.prefetch(sorted({provider.version_sets[v].name_id for v in roots}))
                t_solve = time.perf_counter()
                check_roots(provider, roots)
                roots = dependents_first(provider, roots)
                try:
                    chosen = _run_core(provider, Problem(requirements=roots), backend)
                except UnsolvableError as exc:
                    raise UnsolvableError(
                        f"cannot resolve the PyPI dependencies for {request.platform} "
                        f"(Python {target.python_version}):\n{exc}{conda_hints(provider)}"
                        f"{first_index_hints(provider, str(exc))}",
                        exc.explanation) from None
            except UnsolvableError as exc:
                conflicts = conda_conflicts(provider, conda_records, backend)
                if conflicts:
                    raise CondaConflictError(str(exc), conflicts, exc.explanation) from None
                if any(reason in str(exc) for reason in provider.unusable.values()):
                    # not a conflict between requirements: a distribution at fault (exit 2)
                    raise MetadataError(str(exc)) from None
                raise
            solve_time = time.perf_counter() - t_solve
            packages = [p for p in (provider.package_of(s) for s in chosen) if p is not None]
            packages.sort(key=lambda p: p.name)
            used_conda = {}
            for s in chosen:
                cand = provider.solvables[s]
                name = provider.names[cand.name_id]
                if cand.source == "conda" and name.extra is None:
                    used_conda[name.pkg] = str(cand.version)
            timings = dict(provider.timings)
            timings["solve"] = solve_time
            timings["total"] = time.perf_counter() - t_start
            warnings = list(dict.fromkeys(provider.solvable_warnings[s] for s in chosen
                                          if s in provider.solvable_warnings))
            return PyPISolution(packages=packages, conda_provided=used_conda, timings=timings,
                                warnings=warnings)
        finally:
            provider.close()
    finally:
        if own_http:
            http.close()


def _run_core(provider: PyPIProvider, problem: Problem, backend: str) -> list[int]:
    from ..core.solve import solve

    return list(solve(provider, problem, backend=backend))
