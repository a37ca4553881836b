"""Atomic file writes: a reader (or a killed process) sees the old file or the new one, never half.

Every cache entry, index and lock file goes through here: a temporary file beside the target,
then ``os.replace``.

A process killed mid-write (kill -9, a power cut) leaves its temporary file behind. Temporary
names carry the writer's process id (``.pixi.lock.<pid>.<random>.tmp``), and whoever next writes
the same target removes the ones whose process is gone: stale files stay bounded by the number of
targets, and never pile up beside ``pixi.lock``.

Temporary folders (a git clone or checkout being made, renamed into place when complete) are named
the same way (``.<name>.<pid>.<random>.tmpdir``); whoever next makes one in the same folder removes
every stale one there, whatever its name.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


@contextmanager
def atomic_writer(path, *, durable: bool = False, keep_mode: bool = False) -> Iterator[BinaryIO]:
    """Yields a binary file; on a clean exit it replaces ``path``, on an exception it vanishes.

    ``durable`` fsyncs before the rename (lock files: survive a power cut); ``keep_mode`` gives the
    new file the old one's permissions, else 0o644 (``mkstemp`` would leave 0o600, which is right
    for caches but not for a file users commit).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_path_for(path, ".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if keep_mode:
            try:
                mode = path.stat().st_mode & 0o777
            except FileNotFoundError:
                mode = 0o644
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_atomic(path, data: bytes, *, durable: bool = False, keep_mode: bool = False) -> Path:
    """Writes ``data`` to ``path`` atomically; returns the path."""
    with atomic_writer(path, durable=durable, keep_mode=keep_mode) as f:
        f.write(data)
    return Path(path)


def temp_path_for(target: Path, suffix: str) -> tuple[int, str]:
    """A new temporary file beside ``target`` (fd, path), after removing the ones earlier writers
    of ``target`` left when they were killed."""
    prefix = f".{target.name}."
    remove_stale_temps(target.parent, prefix, suffix)
    return _create_temp(target.parent, f"{prefix}{os.getpid()}.", suffix)


_TEMP_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _create_temp(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A new file of mode 0o600 in ``folder``, opened exclusively: ``tempfile.mkstemp``'s contract
    without importing ``tempfile`` (which brings ``shutil``, ``random`` and the bz2 / lzma modules:
    ~4 ms of every command-line run that writes a lock or a cache entry)."""
    for _ in range(100):
        tmp = os.path.join(folder, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(tmp, _TEMP_FLAGS, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def remove_stale_temps(folder: Path, prefix: str, suffix: str) -> int:
    """Removes ``<prefix><pid>.<random><suffix>`` files in ``folder`` whose process no longer
    runs; returns how many. Files of live processes (a concurrent writer) are left alone."""
    removed = 0
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(suffix)]
    except OSError:
        return 0
    for name in names:
        pid_text = name[len(prefix):].split(".", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text), folder / name):
            continue
        try:
            os.unlink(folder / name)
            removed += 1
        except OSError:
            pass
    return removed


TEMP_DIR_SUFFIX = ".tmpdir"
# A temporary folder this old is abandoned even if a process with its pid runs (the pid was reused):
# the work done in one (a git clone, a checkout) is bounded by a 10-minute timeout.
TEMP_DIR_MAX_AGE = 3600.0


def make_temp_dir(folder: Path, name: str, legacy=None) -> Path:
    """A new empty folder ``.<name>.<pid>.<random>.tmpdir`` in ``folder`` (created if needed), after
    removing the temporary folders there whose process is gone (see :func:`remove_stale_temp_dirs`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_dirs(folder, legacy)
    for _ in range(100):
        path = folder / f".{name}.{os.getpid()}.{os.urandom(6).hex()}{TEMP_DIR_SUFFIX}"
        try:
            path.mkdir(mode=0o700)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def remove_stale_temp_dirs(folder: Path, legacy=None) -> int:
    """Removes the temporary folders (``.<name>.<pid>.<random>.tmpdir``) in ``folder`` whose
    process no longer runs, or that are older than ``TEMP_DIR_MAX_AGE``; returns how many. A live
    writer's folder is left alone. ``legacy(name) -> bool`` tells the folders an older version
    named without a pid: they are removed once older than ``TEMP_DIR_MAX_AGE``."""
    import time

    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    now = time.time()
    for name in names:
        path = Path(folder) / name
        if name.startswith(".") and name.endswith(TEMP_DIR_SUFFIX):
            pid_text = name[: -len(TEMP_DIR_SUFFIX)].rsplit(".", 2)[-2] if name.count(".") >= 4 else ""
            if not pid_text.isdigit():
                continue
            try:
                age = now - path.lstat().st_mtime
            except OSError:
                continue
            if age < TEMP_DIR_MAX_AGE and _alive(int(pid_text), path):
                continue
        elif legacy is not None and legacy(name):
            try:
                if now - path.lstat().st_mtime < TEMP_DIR_MAX_AGE:
                    continue
            except OSError:
                continue
        else:
            continue
        if _remove_tree(path):
            removed += 1
    return removed


def _remove_tree(path: Path) -> bool:
    """Removes a folder that may be removed by another process at the same time."""
    import shutil

    if path.is_symlink() or not path.is_dir():
        return False
    shutil.rmtree(path, ignore_errors=True)
    return not path.exists()


def clean_up_due(stamp: Path, every: float, now: float | None = None) -> bool:
    """A periodic clean-up whose last start ``stamp`` records (its mtime) is due: none started in
    the last ``every`` seconds. A stamp in the future (a clock that went back) counts as due."""
    import time

    now = time.time() if now is None else now
    try:
        last = os.stat(stamp).st_mtime
    except OSError:
        return True
    return not (0 <= now - last < every)


def start_clean_up(stamp: Path) -> bool:
    """Records that a clean-up starts now (first, so that concurrent runs need not all do it);
    False when the folder cannot be written (nothing to clean up there either)."""
    try:
        write_atomic(stamp, b"")
        return True
    except OSError:
        return False


# A cache entry no run used for this long is removed by its cache's daily sweep.
UNUSED_MAX_AGE = 30 * 86400.0
SWEEP_EVERY = 86400.0
SWEEP_STAMP = ".last-sweep"


def start_daily_sweep(folder: Path) -> bool:
    """The daily sweep of a cache ``folder`` is due (none started there in the last
    ``SWEEP_EVERY``) and this process starts it; False when not due, or the folder cannot be written."""
    stamp = Path(folder) / SWEEP_STAMP
    return clean_up_due(stamp, SWEEP_EVERY) and start_clean_up(stamp)


def mark_used(path) -> None:
    """A run used this cache entry (its mtime says when): sweeps keep it."""
    try:
        os.utime(path)
    except OSError:
        pass


def remove_unused_files(paths, max_age: float = UNUSED_MAX_AGE) -> int:
    """Removes the files among ``paths`` not used (see :func:`mark_used`) for ``max_age``."""
    import time

    now = time.time()
    removed = 0
    for path in paths:
        try:
            if now - os.stat(path).st_mtime > max_age:
                os.unlink(path)
                removed += 1
        except OSError:
            pass
    return removed


def sweep_unused(root: Path, pattern: str, max_age: float = UNUSED_MAX_AGE) -> int:
    """Once a day (a stamp in ``root``): removes the files under ``root`` matching ``pattern`` that
    no run used for ``max_age``; returns how many. For caches whose entries are written once and
    read many times (parsed pages, metadata by wheel hash), which would otherwise grow for good."""
    root = Path(root)
    if not start_daily_sweep(root):
        return 0
    return remove_unused_files(root.glob(pattern), max_age)


def remove_stale_temp_files(folder: Path, suffixes: tuple[str, ...] = (".tmp", ".part")) -> int:
    """Removes every temporary file in ``folder`` (``.<target>.<pid>.<random><suffix>``, whatever
    its target) whose process no longer runs; returns how many. For folders whose targets are
    seldom written again (content-addressed files), where :func:`temp_path_for` would never get to
    them."""
    removed = 0
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(suffixes)]
    except OSError:
        return 0
    for name in names:
        parts = name.rsplit(".", 3)  # [".<target>", pid, random, suffix]
        if len(parts) != 4 or not parts[1].isdigit() or _alive(int(parts[1]), Path(folder) / name):
            continue
        try:
            os.unlink(Path(folder) / name)
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int, path: Path) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # no cheap liveness probe: an hour-old temporary file is abandoned
        import time

        try:
            return time.time() - path.stat().st_mtime < 3600
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True
