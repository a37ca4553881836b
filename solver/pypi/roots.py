"""The user's requirements as the core's root version sets (markers evaluated, direct sources and
index pins registered, conda-installed versions checked), and a direct, uv-style message when a
root requirement has nothing at all that could satisfy it."""

from __future__ import annotations

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import InputError, UnsolvableError
from ..redact import strip_credentials
from .candidates import pkg_key, specifier_names_prerelease
from .config import IndexSource
from .direct import DirectSource
from .model import PyPIRequest
from .provider import PyPIProvider


def root_requirements(provider: PyPIProvider, request: PyPIRequest) -> list[int]:
    sources_by_name = {s.name: s for s in provider.sources if s.name}
    sources_by_url = {s.display.rstrip("/"): s for s in provider.sources}
    out: list[int] = []
    marker_env = {**provider.env_markers, "extra": ""}
    for req in request.requirements:
        pkg = pkg_key(req.name)
        where = f"pypi dependency {req.name!r}"
        if req.marker:
            try:
                if not Marker(req.marker).evaluate(marker_env):
                    continue
            except InvalidMarker as exc:
                raise InputError(f"{where}: invalid marker {req.marker!r}: {exc}") from None
            except (UndefinedComparison, UndefinedEnvironmentName):
                continue
        kinds = [k for k in ("git", "path", "url") if getattr(req, k)]
        if len(kinds) > 1:
            raise InputError(f"{where}: give only one of git, path, url")
        if kinds and pkg not in provider.conda_provided:
            provider.direct[pkg] = DirectSource(kind=kinds[0], requirement=req)
        if req.index:
            src = sources_by_name.get(req.index) or sources_by_url.get(strip_credentials(req.index).rstrip("/"))
            if src is None:
                if "://" not in req.index:
                    known = ", ".join(sorted(sources_by_name)) or "none declared"
                    raise InputError(f"{where}: unknown index {req.index!r} (declared indexes: {known})")
                src = IndexSource(url=req.index, priority="explicit")
            provider.pinned_index[pkg] = src
        spec = "" if kinds else req.specifier.strip()
        if spec == "*":
            spec = ""
        elif spec[:1].isdigit():
            spec = "==" + spec  # a bare version pins it
        if not kinds and pkg in provider.overrides:
            # overrides replace the user's own requirement too (as uv does)
            applicable = [o for o in provider.overrides[pkg]
                          if o.marker is None or o.marker.evaluate(marker_env)]
            spec = ",".join(str(o.specifier) for o in applicable if str(o.specifier))
        nid = provider.intern_name(pkg, None)
        try:
            vs = provider.intern_version_set(nid, spec)
        except InputError:
            raise InputError(f"{where}: invalid version specifier {req.specifier!r}") from None
        provider.policy.note_first_party(pkg, provider.version_sets[vs].spec)
        conda = provider.conda_provided.get(pkg)
        if (conda is not None and pkg not in provider.freed
                and not provider.version_sets[vs].spec.contains(conda[0], prereleases=True)):
            raise UnsolvableError(
                f"{where} ({req.name}{spec}) conflicts with the conda package {conda[1]}, which "
                f"installs {pkg} {conda[0]}: relax the PyPI requirement or change the conda one"
            )
        out.append(vs)
        for extra in sorted(req.extras):
            eid = provider.intern_name(pkg, canonicalize_name(extra))
            out.append(provider.intern_version_set(eid, spec))
    first_party_prereleases_of_editables(provider)
    return out


def first_party_prereleases_of_editables(provider: PyPIProvider) -> None:
    """The dependencies of editable path dependencies (the user's own projects) are first-party
    too: a pre-release they name counts as the user's, as for uv's workspace members."""
    marker_env = {**provider.env_markers, "extra": ""}
    for pkg, src in list(provider.direct.items()):
        if src.kind != "path" or not src.requirement.editable:
            continue
        for sid in provider.candidates(provider.intern_name(pkg, None)):
            meta = provider.solvables[sid].meta
            for text in meta.requires_dist if meta is not None else ():
                try:
                    req = Requirement(text)
                    if req.marker is not None and not req.marker.evaluate(marker_env):
                        continue
                except (InvalidRequirement, UndefinedComparison, UndefinedEnvironmentName):
                    continue  # reported where the dependencies are read
                if specifier_names_prerelease(req.specifier):
                    provider.policy.first_party_pre.add(pkg_key(req.name))


def check_roots(provider: PyPIProvider, roots: list[int]) -> None:
    """A root requirement nothing can satisfy gets a direct, uv-style message naming what exists
    (the core's derivation says the same at more length)."""
    for vs in roots:
        name_id = provider.version_sets[vs].name_id
        if provider.names[name_id].extra is not None:
            continue
        cands = [provider.solvables[s] for s in provider.candidates(name_id)]
        usable = [provider.solvables[s] for s in provider.matching(vs)
                  if provider.solvables[s].excluded is None]
        if usable:
            continue
        req = provider.display_version_set(vs)
        pkg = provider.display_name(name_id)
        platform = provider.target.platform
        if not cands:
            srcs, supp = provider.fetcher.sources_for(provider.names[name_id].pkg)
            where = ", ".join(s.display for s in srcs + supp + [s for s in provider.sources if s.kind == "flat"])
            reason = f"{pkg} was not found in the package indexes ({where or 'none consulted'})"
        else:
            matching = [provider.solvables[s] for s in provider.matching(vs)]
            if matching:
                reasons = sorted({c.excluded for c in matching if c.excluded})
                reason = "; ".join(reasons[:5]) + (f" (and {len(reasons) - 5} more)" if len(reasons) > 5 else "")
            else:
                avail = sorted({c.version for c in cands if c.excluded is None})
                if not avail:
                    reason = "; ".join(sorted({c.excluded for c in cands if c.excluded})[:5])
                else:
                    shown = ", ".join(str(v) for v in avail[-8:])
                    pre = "" if len(avail) <= 8 else "..., "
                    reason = f"only {pkg} {pre}{shown} {'is' if len(avail) == 1 else 'are'} available"
                    reason += first_index_note(provider, provider.names[name_id].pkg)
                    if any(c.version.is_prerelease for c in cands) and provider.request.prerelease_mode in (
                            "disallow", "explicit"):
                        reason += f" (pre-releases are not allowed by prerelease-mode {provider.request.prerelease_mode!r})"
        raise UnsolvableError(
            f"cannot resolve the PyPI dependencies for {platform} (Python {provider.target.python_version}):\n"
            f"  Because {reason} and you require {req}, we can conclude that your requirements are unsatisfiable."
        )


def first_index_note(provider: PyPIProvider, pkg: str) -> str:
    """`` on INDEX (...)`` when ``first-index`` stopped at an index for ``pkg``, else ""."""
    src = provider.fetcher.first_index_stop(pkg)
    if src is None:
        return ""
    return (f" on {src.display} (index-strategy first-index: once an index has {pkg}, the others are "
            f"not consulted for it)")


def first_index_hints(provider: PyPIProvider, message: str) -> str:
    """Notes for the names of an unsatisfiable message whose versions came from the index
    ``first-index`` stopped at."""
    import re

    lines = []
    for name in provider.names:
        if name.extra is None and re.search(rf"(?<![\w.-]){re.escape(name.pkg)}(?![\w-])", message):
            note = first_index_note(provider, name.pkg)
            if note:
                lines.append(f"  note: the versions of {name.pkg} are those{note}")
    return ("\n" + "\n".join(lines)) if lines else ""


def dependents_first(provider: PyPIProvider, roots: list[int]) -> list[int]:
    """The root requirements reordered so that one whose best candidate depends on another root's
    name is decided before it (stable otherwise). The core decides roots in order, so with
    ``dask`` and ``distributed`` (which pins ``dask==V``) distributed's newest fixes dask's
    version, as uv answers, instead of dask's newest forcing distributed back years. Two roots
    whose best candidates depend on each other keep the user's order: uv then keeps the one
    listed first at its newest and moves the other. Reads only the metadata of the best
    candidates the roots allow, which the solve reads first anyway."""
    names = [provider.version_sets[vs].name_id for vs in roots]
    if len(set(names)) < 2:
        return roots
    asked: dict[int, list[int]] = {}
    for vs, nid in zip(roots, names):
        asked.setdefault(nid, []).append(vs)
    wants: dict[int, set[int]] = {}
    for nid, sets in asked.items():
        # the best candidate the roots allow (numpy<2: not numpy 2's metadata, never used)
        allowed = set(provider.matching(sets[0])).intersection(*(provider.matching(vs) for vs in sets[1:]))
        usable = [s for s in provider.candidates(nid) if s in allowed and provider.solvables[s].excluded is None]
        deps = provider.dependencies(usable[0]).requires if usable else ()
        wants[nid] = {provider.version_sets[d].name_id for d in deps}
    order: list[int] = []
    placed: set[int] = set()

    def place(i: int, seen: frozenset) -> None:
        if i in placed or i in seen:
            return
        for j, other in enumerate(names):  # dependents of this root go first (not mutual ones)
            if j != i and names[i] in wants.get(other, ()) and other not in wants.get(names[i], ()):
                place(j, seen | {i})
        placed.add(i)
        order.append(i)

    for i in range(len(roots)):
        place(i, frozenset())
    return [roots[i] for i in order]

