"""Atomic writes (locks, cache entries): a reader sees the old file or the new one, never half,
and a failed write leaves nothing behind."""

from __future__ import annotations

import os
import stat

import pytest

from solver.atomic import atomic_writer, write_atomic


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "pixi.lock"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["pixi.lock"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path):
    target = tmp_path / "pixi.lock"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as f:
            f.write(b"half of the new")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["pixi.lock"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_keep_mode_keeps_the_users_permissions_else_a_private_file(tmp_path):
    shared = tmp_path / "pixi.lock"
    shared.write_bytes(b"old")
    os.chmod(shared, 0o664)
    write_atomic(shared, b"new", keep_mode=True)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    fresh = tmp_path / "new.lock"
    write_atomic(fresh, b"x", keep_mode=True)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
    cache_entry = tmp_path / "entry"
    write_atomic(cache_entry, b"x")  # caches stay private to the user, as mkstemp made them
    assert stat.S_IMODE(cache_entry.stat().st_mode) == 0o600
