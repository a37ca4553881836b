"""Where the PyPI stage meets conda's result: hints naming requirements the conda versions
contradict, and, after a failed resolution, what PyPI would need of conda
(:class:`CondaConflictError`, for the caller to re-solve conda with those constraints). The
metadata of extras of conda-installed distributions is :mod:`.conda_extras`' business."""

from __future__ import annotations

from ..core.provider import Problem
from ..core.solve import solve
from ..errors import SolverError, UnsolvableError
from .model import CondaConflict
from .provider import PyPIProvider
from .roots import check_roots, root_requirements


class CondaConflictError(UnsolvableError):
    """The PyPI requirements cannot be met because of versions the conda result installs, and
    they could be met if conda installed other versions. ``conflicts``: every PyPI requirement
    (direct or transitive) found to exclude a conda-installed version, as
    :class:`~solver.pypi.model.CondaConflict` records, in a stable order."""

    def __init__(self, message: str, conflicts: list[CondaConflict], explanation=None):
        super().__init__(message, explanation)
        self.conflicts = list(conflicts)


def conda_hints(provider) -> str:
    """Requirements met on the way that the conda-installed version contradicts."""
    lines = []
    for vs, vset in enumerate(provider.version_sets):
        name = provider.names[vset.name_id]
        conda = provider.conda_provided.get(name.pkg)
        if name.extra is not None or conda is None or vset.spec.contains(conda[0], prereleases=True):
            continue
        by = provider.required_by.get(vs)
        who = f" (required by {provider.display_solvable(by)})" if by is not None else ""
        lines.append(f"  note: {provider.display_version_set(vs)}{who} conflicts with the conda package "
                     f"{conda[1]}, which installs {name.pkg} {conda[0]}")
    return ("\n" + "\n".join(lines)) if lines else ""


def _contradicted_conda_names(provider) -> set[str]:
    """Conda-provided names (not freed yet) some requirement met on the way excludes."""
    out = set()
    for vset in provider.version_sets:
        name = provider.names[vset.name_id]
        conda = provider.conda_provided.get(name.pkg)
        if name.extra is None and conda is not None and name.pkg not in provider.freed \
                and not vset.spec.contains(conda[0], prereleases=True):
            out.add(name.pkg)
    return out


def conda_conflicts(failed, conda_records, backend: str) -> list[CondaConflict]:
    """After a failed resolution: would it succeed if conda installed other versions of the
    conda-provided names some requirement excludes? Resolves again with those names free (their
    conda version still preferred, then the versions the indexes list), freeing more names when
    that meets new contradictions, then (conda may have versions the indexes lack) with any
    version allowed for them; returns every requirement the successful resolution holds that
    excludes a conda version. [] when the failure is not conda's doing (or freeing does not help)."""
    freed = _contradicted_conda_names(failed)
    records = {f"{r.name}-{r.version}-{r.build}": r for r in conda_records}
    any_version = False
    while freed:
        hypo = PyPIProvider(failed.request, failed.target, failed.sources, failed.http,
                            conda_provided=failed.conda_provided, cache_dir=failed.cache_dir, freed=freed,
                            freed_any=any_version)
        hypo.adopt_fetches(failed)
        try:
            roots = root_requirements(hypo, failed.request)
            check_roots(hypo, roots)
            chosen = list(solve(hypo, Problem(requirements=roots), backend=backend))
        except UnsolvableError:
            more = _contradicted_conda_names(hypo)
            if more:
                freed = freed | more
            elif not any_version:
                any_version = True
            else:
                return []
            continue
        except SolverError:
            return []  # e.g. an index that fails now: keep the original error
        finally:
            hypo.close()
        return _conflicts_in(hypo, roots, chosen, records)
    return []


def solvable_label(provider, sid: int) -> str:
    cand = provider.solvables[sid]
    name = provider.display_name(cand.name_id)
    if cand.source in ("path", "git", "url"):
        return f"{name} @ {cand.index}"
    return f"{name} {cand.version}"


def _conflicts_in(provider, roots: list[int], chosen: list[int], records: dict) -> list[CondaConflict]:
    """The requirements in a (hypothetical) solution that exclude a conda-installed version, each
    with the chain of packages leading to it (breadth first from the user's requirements)."""
    by_name = {provider.solvables[s].name_id: s for s in chosen}
    parent: dict[int, int | None] = {}
    order: list[int] = []
    for vs in roots:
        s = by_name.get(provider.version_sets[vs].name_id)
        if s is not None and s not in parent:
            parent[s] = None
            order.append(s)
    i = 0
    while i < len(order):
        s = order[i]
        i += 1
        for vs in provider.dependencies(s).requires:
            t = by_name.get(provider.version_sets[vs].name_id)
            if t is not None and t not in parent:
                parent[t] = s
                order.append(t)

    def chain(sid: int | None) -> list[str]:
        out = []
        while sid is not None:
            out.append(solvable_label(provider, sid))
            sid = parent.get(sid)
        return out[::-1]

    wanted_of = {}
    for name_id, s in by_name.items():
        cand = provider.solvables[s]
        if cand.source in ("conda-alt", "index"):
            wanted_of[name_id] = str(cand.version)
    asked = [(vs, None) for vs in roots] + [(vs, s) for s in order for vs in provider.dependencies(s).requires]
    out: list[CondaConflict] = []
    seen = set()
    for vs, by in asked:
        vset = provider.version_sets[vs]
        name = provider.names[vset.name_id]
        if name.extra is not None or name.pkg not in provider.freed:
            continue
        if by is not None and provider.names[provider.solvables[by].name_id].pkg == name.pkg:
            continue  # an extra's pin on its own base
        version, label = provider.conda_provided[name.pkg]
        if vset.spec.contains(version, prereleases=True):
            continue
        who = solvable_label(provider, by) if by is not None else None
        key = (name.pkg, vset.text, who)
        if key in seen:
            continue
        seen.add(key)
        rec = records.get(label)
        out.append(CondaConflict(
            pypi_name=name.pkg, conda_name=rec.name if rec is not None else label,
            conda_version=rec.version if rec is not None else str(version), conda_record=label,
            installed=str(version), specifier=vset.text, required_by=who, chain=chain(by),
            wanted=wanted_of.get(vset.name_id),
        ))
    return out
