"""``solver cache``: where the caches live (``dir``), remove them (``clean``), or run their daily
sweeps now (``prune``), as ``pixi clean cache`` and ``uv cache clean|prune|dir`` do.

Exit codes: 0 done, 2 a cache folder that cannot be read or removed (one line naming the path).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

from .cache_dir import default_cache_dir
from .errors import InputError

# What each ``clean`` flag removes, relative to the cache folder. The HTTP cache (``http``) holds
# the downloads of both stages (repodata, shard indexes, index pages, wheels): only a clean with no
# flag (or ``--http``) removes it.
PARTS: dict[str, tuple[str, ...]] = {
    "conda": ("repodata-json", "repodata-index", "repodata-shards", "repodata-formats.json"),
    "pypi": ("pypi-pages", "pypi-metadata"),
    "git": ("git",),
    "http": ("http",),
}


class Removed(NamedTuple):
    """One cache entry ``clean`` removed: how many files and bytes it held. (A NamedTuple: the
    parser of this module is built for ``solver --help``, which must not load msgspec.)"""

    path: str
    files: int
    bytes: int


def add_parser(sub, formatter_class) -> None:
    c = sub.add_parser("cache", help="show, clean or prune the download and metadata caches",
                       formatter_class=formatter_class,
                       description="The caches live in SOLVER_CACHE_DIR (default: $XDG_CACHE_HOME/solver or "
                                   "~/.cache/solver).")
    actions = c.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    d = actions.add_parser("dir", help="print the cache folder in use", formatter_class=formatter_class)
    d.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")
    cl = actions.add_parser("clean", help="remove the whole cache, or the parts named", formatter_class=formatter_class)
    for part, entries in PARTS.items():
        cl.add_argument(f"--{part}", action="store_true", help=f"remove only {', '.join(entries)} (combinable)")
    cl.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")
    p = actions.add_parser("prune", help="remove unused entries now (the caches' daily sweeps, whatever their stamp)",
                           formatter_class=formatter_class)
    p.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")


def cache_command(args) -> int:
    root = default_cache_dir()
    if root.exists() and not root.is_dir():
        raise InputError(f"cache folder {root} is not a folder (set SOLVER_CACHE_DIR to a folder)")
    if args.cache_command == "dir":
        _emit(args, {"cache_dir": str(root)}, str(root))
    elif args.cache_command == "clean":
        wanted = [part for part in PARTS if getattr(args, part)]
        removed = clean(root, wanted or None)
        files, size = sum(r.files for r in removed), sum(r.bytes for r in removed)
        _emit(args, {"cache_dir": str(root), "removed": [r._asdict() for r in removed], "files": files, "bytes": size},
              f"removed {files} files ({_human(size)}) from {root}")
    else:
        counts = prune(root)
        total = sum(counts.values())
        detail = ", ".join(f"{part} {n}" for part, n in counts.items() if n)
        _emit(args, {"cache_dir": str(root), "removed": counts, "entries": total},
              f"pruned {total} unused entries from {root}" + (f" ({detail})" if detail else ""))
    return 0


def _emit(args, payload: dict, text: str) -> None:
    import json

    sys.stdout.write((json.dumps(payload, indent=2) if args.json else text) + "\n")


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def clean(root: Path, parts: list[str] | None = None) -> list[Removed]:
    """Removes the named ``parts`` of the cache at ``root`` (all of it when None). Each entry is
    first renamed to a temporary folder of this process (out of sight of concurrent runs at once,
    which then start afresh; a removal cut short is finished by a later run's stale-temp sweep),
    then deleted. Temporary folders of live runs are left to them."""
    from .atomic import TEMP_DIR_SUFFIX, remove_stale_temp_dirs, remove_stale_temp_files

    if not root.is_dir():
        return []
    if parts is None:
        try:
            names = sorted(n for n in os.listdir(root) if not _temporary(n, TEMP_DIR_SUFFIX))
        except OSError as exc:
            raise InputError(f"cannot read cache folder {root}: {_reason(exc)}") from None
    else:
        names = [name for part in parts for name in PARTS[part]]
    removed = [r for r in (_remove_aside(root, root / name) for name in names) if r is not None]
    if parts is None:
        remove_stale_temp_dirs(root)  # removals that earlier runs left half done
        remove_stale_temp_files(root)
    return removed


def _temporary(name: str, dir_suffix: str) -> bool:
    """A temporary folder or file (``.<target>.<pid>.<random><suffix>``) of some run: a live
    writer is about to rename it into place, so a clean leaves it to the stale-temp sweeps."""
    return name.startswith(".") and name.endswith((dir_suffix, ".tmp", ".part"))


def _remove_aside(root: Path, path: Path) -> Removed | None:
    import shutil

    from .atomic import make_temp_dir

    if not os.path.lexists(path):
        return None
    try:
        doomed = make_temp_dir(root, "clean")
    except OSError as exc:
        raise InputError(f"cannot remove {path}: {_reason(exc)}") from None
    try:
        os.replace(path, doomed / "entry")
    except FileNotFoundError:  # a concurrent clean took it first
        shutil.rmtree(doomed, ignore_errors=True)
        return None
    except OSError as exc:
        shutil.rmtree(doomed, ignore_errors=True)
        raise InputError(f"cannot remove {path}: {_reason(exc)}") from None
    files, size = _tally(doomed / "entry")
    failed: list[OSError] = []
    shutil.rmtree(doomed, onerror=lambda _f, _p, info: failed.append(info[1]))
    if failed:
        raise InputError(f"cannot remove {path} (moved aside to {doomed}): {_reason(failed[0])}")
    return Removed(str(path), files, size)


def _tally(path: Path) -> tuple[int, int]:
    """Files and bytes under ``path`` (a file, a link or a folder; links are not followed)."""
    try:
        st = path.lstat()
    except OSError:
        return 0, 0
    if not path.is_dir() or path.is_symlink():
        return 1, st.st_size
    files = size = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.lstat(os.path.join(folder, name)).st_size
                files += 1
            except OSError:
                pass
    return files, size


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def prune(root: Path) -> dict[str, int]:
    """Runs each cache's own sweep now, whatever its daily stamp says; returns how many entries
    each removed. Only folders that exist are swept (a prune creates nothing)."""
    from .atomic import SWEEP_STAMP, remove_stale_temp_dirs, remove_stale_temp_files, sweep_unused
    from .conda.repodata_index import INDEX_DIR, remove_orphan_indexes
    from .conda.shard_cache import shard_folder
    from .http.cache import sweep_stale_temps
    from .pypi.direct import is_legacy_git_temp, remove_unused_git_folders

    def forced(folder: Path) -> bool:
        if not folder.is_dir():
            return False
        try:
            (folder / SWEEP_STAMP).unlink(missing_ok=True)
        except OSError as exc:
            raise InputError(f"cannot prune {folder}: {_reason(exc)}") from None
        return True

    counts = {"http": 0, "conda-index": 0, "conda-shards": 0, "pypi-pages": 0, "pypi-metadata": 0, "git": 0}
    if forced(root / "http"):
        counts["http"] = sweep_stale_temps(root / "http")
    if forced(root / INDEX_DIR):
        counts["conda-index"] = remove_orphan_indexes(root / INDEX_DIR)
    shards = shard_folder(root)
    if shards.is_dir():
        from .conda.shards import shards_named_by_index
        from .conda.shard_cache import prune_shards

        counts["conda-shards"] = prune_shards(shards, shards_named_by_index) or 0
    for part, pattern in (("pypi-pages", "*/*.json"), ("pypi-metadata", "*/*.json")):
        if forced(root / part):
            counts[part] = sweep_unused(root / part, pattern)
    git = root / "git"
    if forced(git):
        before = _count_entries(git)
        removed_temps = remove_stale_temp_dirs(git, is_legacy_git_temp)
        remove_unused_git_folders(git)
        counts["git"] = removed_temps + max(0, before - _count_entries(git))
    counts["temporary"] = remove_stale_temp_dirs(root) + remove_stale_temp_files(root)
    return counts


def _count_entries(folder: Path) -> int:
    try:
        return sum(1 for e in os.scandir(folder) if not e.name.startswith("."))
    except OSError:
        return 0
