"""Atomic file writes: a reader (or a killed process) sees the old file or the new one, never half.

Every cache entry, index and lock file goes through here: a temporary file beside the target,
then ``os.replace``.
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
    import tempfile  # on the first write: read-only paths (lock check, inspect) never pay for it

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
