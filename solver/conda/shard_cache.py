"""The shard cache folder (``<cache>/repodata-shards``) and what bounds it.

Shards are content-addressed (``<hex sha256>.msgpack.zst``) and never go stale, but a channel's
shard index names new shards as packages are added and rebuilt, so the old ones would pile up for
good. What keeps them bounded:

* every shard index a run reads (a body in the HTTP cache) is remembered as a *root*: a small file
  under ``indexes/`` holding the path of that body; a root no run has used for
  ``UNUSED_INDEX_AGE`` (a channel nobody asks for any more) is dropped;
* at most once per ``PRUNE_EVERY`` (a stamp file), a run that downloaded a new shard index removes
  the shards that no remembered index names and that were written more than
  ``UNREFERENCED_GRACE`` ago, and the temporary files of killed writers.

Why this is safe with other processes at work: a shard is read whole and checked against its
hash each time (a shard removed under a reader is fetched again, never misread); a shard another
process has just written for an index newer than the ones we read is younger than the grace period;
a writer's temporary file is left alone while its process runs; every removal tolerates the file
being gone already (two processes pruning at once). If a remembered index cannot be read (damaged,
or being replaced on a system without atomic renames), nothing is removed this time.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Callable, Iterable

from solver.atomic import (SWEEP_EVERY, UNUSED_MAX_AGE, clean_up_due, remove_stale_temp_files, start_clean_up,
                           write_atomic)

SHARD_CACHE_DIR = "repodata-shards"
ROOTS_DIR = "indexes"
PRUNE_STAMP = ".last-prune"
PRUNE_EVERY = SWEEP_EVERY
UNREFERENCED_GRACE = 86400.0
UNUSED_INDEX_AGE = UNUSED_MAX_AGE
_SHARD_SUFFIX = ".msgpack.zst"


def shard_folder(cache_dir: Path) -> Path:
    return Path(cache_dir) / SHARD_CACHE_DIR


def shard_path(folder: Path, digest: bytes) -> Path:
    return folder / f"{digest.hex()}{_SHARD_SUFFIX}"


def remember_index(folder: Path, index_path: Path) -> None:
    """Records ``index_path`` (a cached shard index) as a root of the shards it names; marks it
    used now."""
    text = str(Path(index_path).resolve())
    root = folder / ROOTS_DIR / hashlib.sha256(text.encode()).hexdigest()[:40]
    try:
        if root.read_text(encoding="utf-8") == text:
            os.utime(root)
            return
    except OSError:
        pass
    try:
        write_atomic(root, text.encode())
    except OSError:
        pass  # a read-only cache: nothing will be pruned either


def prune_due(folder: Path) -> bool:
    """No prune has started in the last ``PRUNE_EVERY`` seconds."""
    return clean_up_due(folder / PRUNE_STAMP, PRUNE_EVERY)


def prune_shards(folder: Path, digests_of: Callable[[bytes], Iterable[bytes]], *,
                 now: float | None = None) -> int | None:
    """Removes the shards no remembered index names and older than ``UNREFERENCED_GRACE``, the
    roots of indexes gone or unused, and stale temporary files. ``digests_of(index bytes)`` gives
    the hashes an index names (raising ``ValueError`` when it does not read). Returns how many
    shards were removed, or None when an index could not be read (nothing removed)."""
    now = time.time() if now is None else now
    if not start_clean_up(folder / PRUNE_STAMP):
        return None
    referenced = _referenced(folder / ROOTS_DIR, digests_of, now)
    if referenced is None:
        return None
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not name.endswith(_SHARD_SUFFIX) or name[: -len(_SHARD_SUFFIX)] in referenced:
            continue
        path = folder / name
        try:
            if now - path.stat().st_mtime < UNREFERENCED_GRACE:
                continue
            path.unlink()
            removed += 1
        except OSError:
            pass  # gone already (another process pruning), or in use where that forbids removal
    remove_stale_temp_files(folder)
    return removed


def _referenced(roots: Path, digests_of, now: float) -> set[str] | None:
    """The hex hashes every remembered index names; None if one of them does not read."""
    referenced: set[str] = set()
    try:
        names = os.listdir(roots)
    except FileNotFoundError:
        return referenced
    except OSError:
        return None
    for name in names:
        root = roots / name
        if name.startswith("."):
            continue  # a root being written
        try:
            if now - root.stat().st_mtime > UNUSED_INDEX_AGE:
                root.unlink()  # a channel nobody asked for in a month: its shards may go
                continue
            index_path = Path(root.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        try:
            raw = index_path.read_bytes()
        except FileNotFoundError:
            _unlink(root)  # the index left the HTTP cache (invalidated): it names nothing any more
            continue
        except OSError:
            return None
        try:
            referenced.update(d.hex() for d in digests_of(raw))
        except ValueError:
            return None
    return referenced


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
