"""``solver cache dir|clean|prune`` over a cache folder that a real solve of the demo project (its
channel and index served over loopback) filled: what each command removes, what it leaves, its
output, and its one-line errors."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from solver.atomic import SWEEP_STAMP, UNUSED_MAX_AGE, make_temp_dir, temp_path_for
from solver.cli import main
from support.demo import served_demo
from support.isolation import isolate


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    isolate(tmp_path, monkeypatch)


@pytest.fixture
def cache(tmp_path, serve_dir) -> Path:
    """The cache folder after one solve of the demo project (conda channel and PyPI index over
    loopback), plus a git checkout folder as the git dependency code lays them out."""
    root, _server = served_demo(tmp_path, serve_dir)
    assert main(["solve", str(root / "pixi.toml"), "-q"]) == 0
    folder = tmp_path / "cache"
    checkout = folder / "git" / "0123abcd"
    checkout.mkdir(parents=True)
    (checkout / "setup.py").write_text("from setuptools import setup\nsetup(name='x')\n")
    return folder


def tree(folder: Path) -> set[str]:
    """The top-level entries of the cache (stamps and live temporary folders aside)."""
    return {n for n in os.listdir(folder) if not n.startswith(".")} if folder.is_dir() else set()


def size_of(paths) -> tuple[int, int]:
    files = size = 0
    for path in paths:
        for p in [path] if path.is_file() else [q for q in path.rglob("*") if q.is_file() and not q.is_symlink()]:
            files += 1
            size += p.lstat().st_size
    return files, size


def test_dir_prints_the_cache_folder_in_use(tmp_path, capsys, monkeypatch):
    assert main(["cache", "dir"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'cache'}\n"
    monkeypatch.delenv("SOLVER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert main(["cache", "dir", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cache_dir": str(tmp_path / "xdg" / "solver")}


@pytest.mark.parametrize("flags, removed, kept", [
    ([], {"http", "repodata-formats.json", "pypi-pages", "pypi-metadata", "git"}, set()),
    (["--conda"], {"repodata-formats.json"}, {"http", "pypi-pages", "pypi-metadata", "git"}),
    (["--pypi"], {"pypi-pages", "pypi-metadata"}, {"http", "repodata-formats.json", "git"}),
    (["--git"], {"git"}, {"http", "repodata-formats.json", "pypi-pages", "pypi-metadata"}),
    (["--conda", "--git"], {"repodata-formats.json", "git"}, {"http", "pypi-pages", "pypi-metadata"}),
    (["--http"], {"http"}, {"repodata-formats.json", "pypi-pages", "pypi-metadata", "git"}),
])
def test_clean_removes_the_named_parts_and_keeps_the_rest(cache, capsys, flags, removed, kept):
    before = tree(cache)
    assert removed | kept <= before, before  # the solve filled every part this case names
    files, size = size_of([cache / name for name in before if name in removed or not flags])
    capsys.readouterr()
    assert main(["cache", "clean", *flags, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    after = tree(cache)
    assert after & removed == set()
    assert kept <= after
    assert (report["files"], report["bytes"]) == (files, size)
    assert {Path(r["path"]).name for r in report["removed"]} >= removed
    assert not [n for n in os.listdir(cache) if n.endswith(".tmpdir")]  # nothing left aside


def test_clean_prints_count_and_size_then_finds_nothing(cache, capsys):
    capsys.readouterr()
    assert main(["cache", "clean", "--pypi"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("removed ") and " 0 files" not in first and str(cache) in first
    assert main(["cache", "clean", "--pypi"]) == 0
    assert capsys.readouterr().out == f"removed 0 files (0 B) from {cache}\n"


def test_clean_leaves_a_live_runs_temporary_files_and_removes_dead_ones(cache):
    live = make_temp_dir(cache / "git", "clone")  # this process: alive
    top = make_temp_dir(cache, "writer")
    fd, writing = temp_path_for(cache / "repodata-formats.json", ".tmp")
    os.close(fd)
    dead = cache / f".repodata-formats.json.{_dead_pid()}.0123456789ab.tmp"
    dead.write_bytes(b"{}")
    assert main(["cache", "clean", "--conda"]) == 0
    assert top.is_dir() and Path(writing).is_file()
    assert main(["cache", "clean"]) == 0
    assert top.is_dir() and Path(writing).is_file()  # a live writer's: it renames them into place
    assert not live.exists()  # inside the git part, which went whole
    assert not dead.exists()


def _dead_pid() -> int:
    """A process id no process has (one past the highest that answers, among a few tries)."""
    for pid in range(2**22 - 1, 2**22 - 1000, -1):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            continue
    pytest.skip("no free process id found")


def test_a_part_that_cannot_be_moved_is_one_line_exit_2(cache, capsys, monkeypatch):
    real_replace = os.replace

    def refuse(src, dst):
        if Path(src) == cache / "git":
            raise PermissionError(13, "Permission denied", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    capsys.readouterr()
    assert main(["cache", "clean", "--git"]) == 2
    assert capsys.readouterr().err == f"error: cannot remove {cache / 'git'}: permission denied\n"
    assert (cache / "git" / "0123abcd").is_dir()  # nothing half-removed
    assert not [n for n in os.listdir(cache) if n.endswith(".tmpdir")]


def test_a_solve_after_clean_fills_the_cache_again(cache, tmp_path):
    assert main(["cache", "clean"]) == 0
    assert tree(cache) == set()
    (tmp_path / "demo" / "pixi.lock").unlink()  # an up-to-date lock would need no download
    assert main(["solve", str(tmp_path / "demo" / "pixi.toml"), "-q"]) == 0
    assert {"http", "repodata-formats.json", "pypi-pages"} <= tree(cache)


def test_prune_runs_the_sweeps_whatever_their_stamp(cache, capsys):
    old = time.time() - UNUSED_MAX_AGE - 86400
    pages = [p for p in (cache / "pypi-pages").rglob("*.json")]
    metas = [p for p in (cache / "pypi-metadata").rglob("*.json")]
    assert pages and metas
    stale_page, fresh_pages = pages[0], pages[1:]
    os.utime(stale_page, (old, old))
    for p in metas:
        os.utime(p, (old, old))
    os.utime(cache / "git" / "0123abcd", (old, old))
    for folder in ("pypi-pages", "pypi-metadata", "git", "http"):
        (cache / folder / SWEEP_STAMP).touch()  # a sweep ran just now: the daily one would wait a day
    capsys.readouterr()
    assert main(["cache", "prune", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert not stale_page.exists() and all(p.exists() for p in fresh_pages)
    assert not any(p.exists() for p in metas)
    assert not (cache / "git" / "0123abcd").exists()
    assert report["removed"]["pypi-pages"] == 1
    assert report["removed"]["pypi-metadata"] == len(metas)
    assert report["removed"]["git"] == 1
    assert report["entries"] == sum(report["removed"].values())
    assert (cache / "http").is_dir() and (cache / "repodata-formats.json").is_file()  # used today: kept


def test_prune_of_a_missing_cache_creates_nothing(tmp_path, capsys):
    assert main(["cache", "prune"]) == 0
    assert not (tmp_path / "cache").exists()
    assert capsys.readouterr().out == f"pruned 0 unused entries from {tmp_path / 'cache'}\n"


@pytest.mark.parametrize("action", [["dir"], ["clean"], ["clean", "--pypi"], ["prune"]])
def test_a_cache_folder_that_is_a_file_is_one_line_exit_2(tmp_path, capsys, action):
    (tmp_path / "cache").write_text("not a folder")
    assert main(["cache", *action]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cache folder {tmp_path / 'cache'} is not a folder (set SOLVER_CACHE_DIR to a folder)\n"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs permissions that bind")
def test_a_cache_folder_that_cannot_be_written_is_one_line_exit_2(cache, capsys):
    capsys.readouterr()
    os.chmod(cache, 0o500)
    try:
        assert main(["cache", "clean", "--git"]) == 2
    finally:
        os.chmod(cache, 0o700)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: cannot remove {cache / 'git'}: permission denied")
    assert (cache / "git" / "0123abcd").is_dir()  # nothing half-removed


def test_shards_prune_goes_through_the_shard_cache_and_clean_conda_removes_them(cache, capsys):
    from solver.atomic import write_atomic
    from solver.conda.shard_cache import UNREFERENCED_GRACE, shard_folder, shard_path

    folder = shard_folder(cache)
    folder.mkdir()
    old = time.time() - UNREFERENCED_GRACE - 3600
    unnamed = [write_atomic(shard_path(folder, bytes([i]) * 32), b"shard") for i in range(3)]
    os.utime(unnamed[0], (old, old))  # no index names any: only the old one is past the grace period
    os.utime(unnamed[1], (old, old))
    capsys.readouterr()
    assert main(["cache", "prune", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["removed"]["conda-shards"] == 2
    assert [p.exists() for p in unnamed] == [False, False, True]
    assert main(["cache", "clean", "--conda"]) == 0
    assert not folder.exists() and "pypi-pages" in tree(cache)


def test_prune_removes_dead_writers_temporaries_and_keeps_live_ones(cache, capsys):
    fd, live = temp_path_for(cache / "repodata-formats.json", ".tmp")
    os.close(fd)
    dead = cache / f".repodata-formats.json.{_dead_pid()}.0123456789ab.tmp"
    dead.write_bytes(b"{}")
    capsys.readouterr()
    assert main(["cache", "prune", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["removed"]["temporary"] == 1
    assert Path(live).is_file() and not dead.exists()
