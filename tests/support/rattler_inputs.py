"""py-rattler's inputs for one of our ``CondaRequest``s over local channels: the oracle tests and
the benchmarks hand rattler exactly what our solve sees (the same subdirs, the same virtual
packages), so a difference in the answer is a difference in the solvers."""

from __future__ import annotations

from pathlib import Path


def rattler_inputs(request) -> tuple[list, list]:
    """``(SparseRepoData per existing platform/noarch subdir, GenericVirtualPackage per virtual
    package)`` for ``request``, whose channels are ``file://`` URLs."""
    from rattler import BuildString, Channel, GenericVirtualPackage, PackageName, SparseRepoData, Version

    sparse = []
    for url in request.channels:
        folder = Path(url.removeprefix("file://"))
        for subdir in (request.platform, "noarch"):
            path = folder / subdir / "repodata.json"
            if path.is_file():
                sparse.append(SparseRepoData(Channel(url), subdir, str(path)))
    virtual = [GenericVirtualPackage(PackageName(v.name), Version(v.version), BuildString(v.build))
               for v in request.virtual_packages]
    return sparse, virtual
