"""What a run killed in the middle of a git dependency leaves in the cache (``git/``) is cleaned up
by the next run: temporary clones whose process is gone, folders older versions named without a
pid, and git's own lock files a killed fetch left in a cached clone. A live run's folder stays."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from solver.pypi.model import PyPIRequirement
from support.pypi_index import Dist, build_index, make_source_tree

from .conftest import versions

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 and a shell wrapper of git")

# Stands in for git: a clone starts (a partial repository appears) and never ends, so the run can be
# killed in the middle of it.
HANGING_GIT = """#!/bin/sh
for last; do :; done
case "$1" in
  clone) mkdir -p "$last/.git" && echo partial > "$last/.git/HEAD" && exec sleep 300 ;;
esac
exec git "$@"
"""

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from solver.conda.model import PackageRecord
    from solver.pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement
    from solver.pypi.resolve import solve_pypi
    url, index, cache = sys.argv[1:]
    request = PyPIRequest(platform="linux-64", requirements=[PyPIRequirement(name="gitlib", git=url)],
                          indexes=[PyPIIndex(url=index)])
    python = [PackageRecord(name="python", version="3.11.7", build="h_0", channel="https://conda.example.invalid/c")]
    solve_pypi(request, python, cache_dir=Path(cache), env={"PATH": ""})
""")


@pytest.fixture
def repo(tmp_path):
    path = make_source_tree(tmp_path / "repo", Dist(name="gitlib", version="0.3"))
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *a],
                                    cwd=path, check=True, capture_output=True)
    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-qm", "one")
    return path


def start_hanging_run(tmp_path, repo, cache):
    """A solve whose git clone hangs; returns it once its temporary clone folder exists."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "git").write_text(HANGING_GIT)
    (bin_dir / "git").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    index = (tmp_path / "i" / "simple").as_uri()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, repo.as_uri(), index, str(cache)], env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        if temp_dirs(cache, proc.pid):
            return proc
        time.sleep(0.05)
    kill(proc)
    pytest.fail("the hanging run never started its clone")


def temp_dirs(cache, pid=None):
    folder = cache / "git"
    if not folder.is_dir():
        return []
    return [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmpdir")
            and (pid is None or f".{pid}." in p.name)]


def kill(proc) -> None:
    """kill -9 the run and the git it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def test_a_clone_killed_midway_is_cleaned_by_the_next_run_and_a_live_one_is_kept(solve, tmp_path, repo):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    cache = tmp_path / "cache"  # the solve fixture's cache folder
    killed = start_hanging_run(tmp_path, repo, cache)
    kill(killed)
    left = temp_dirs(cache, killed.pid)
    assert left, "the killed run left its temporary clone"
    live = start_hanging_run(tmp_path, repo, cache)
    try:
        sol = solve([PyPIRequirement(name="gitlib", git=repo.as_uri())], [(tmp_path / "i" / "simple").as_uri()])
        assert versions(sol) == {"gitlib": "0.3"}
        remaining = temp_dirs(cache)
        assert not set(left) & set(remaining)  # the dead run's folder is gone
        assert temp_dirs(cache, live.pid)  # the live run's is not
    finally:
        kill(live)
    # and once that one is killed too, the next run leaves nothing behind
    solve([PyPIRequirement(name="gitlib", git=repo.as_uri())], [(tmp_path / "i" / "simple").as_uri()])
    assert temp_dirs(cache) == []


def test_folders_of_older_versions_and_stale_git_locks_are_cleaned(solve, tmp_path, repo):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    index = [(tmp_path / "i" / "simple").as_uri()]
    req = PyPIRequirement(name="gitlib", git=repo.as_uri())
    assert versions(solve([req], index)) == {"gitlib": "0.3"}
    git_cache = tmp_path / "cache" / "git"
    clone = next(p for p in git_cache.iterdir() if (p / ".git").is_dir())
    # an older version's temporary folder (tempfile.mkdtemp), two hours old, and one just made
    old, recent = git_cache / f".{clone.name}.abcd_123", git_cache / f".{clone.name}.zyxw_987"
    for folder in (old, recent):
        (folder / "repo").mkdir(parents=True)
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    # a fetch killed while it held the lock of the branch it was updating, long ago
    lock = clone / ".git" / "refs" / "remotes" / "origin" / "main.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    os.utime(lock, (hours_ago, hours_ago))
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q",
                    "--allow-empty", "-m", "two"], cwd=repo, check=True)
    assert versions(solve([req], index)) == {"gitlib": "0.3"}  # fetched: the lock did not stop it
    assert not old.exists() and recent.exists() and not lock.exists()


def test_credentials_of_a_git_url_are_not_written_into_the_cached_clone(solve, tmp_path, repo):
    # git's "dumb" HTTP protocol from a loopback server that wants Basic auth
    import base64
    import http.server

    from support.loopback import LoopbackServer

    subprocess.run(["git", "update-server-info"], cwd=repo / ".git", check=True)
    expected = "Basic " + base64.b64encode(b"alice:gh-TOKEN-SECRET").decode()

    class AuthGit(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    index = [(tmp_path / "i" / "simple").as_uri()]
    with LoopbackServer(repo, AuthGit) as srv:
        url = srv.url.replace("http://", "http://alice:gh-TOKEN-SECRET@") + "/.git"
        sol = solve([PyPIRequirement(name="gitlib", git=url)], index)
        assert versions(sol) == {"gitlib": "0.3"}
        sol = solve([PyPIRequirement(name="gitlib", git=url)], index)  # a fetch into the cached clone
        assert versions(sol) == {"gitlib": "0.3"}
    assert "TOKEN-SECRET" not in repr(sol)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert b"TOKEN-SECRET" not in path.read_bytes(), f"the secret is written to {path}"


def test_a_tag_moved_on_the_remote_is_followed_not_refused_nor_kept_stale(solve, tmp_path, repo):
    # git refuses to "clobber" a tag it fetched before: without --force the cached clone would fail
    # every later fetch (or keep the old commit) once upstream moves the tag
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    index = [(tmp_path / "i" / "simple").as_uri()]
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *a],
                                    cwd=repo, check=True, capture_output=True)
    git("tag", "v1")
    req = PyPIRequirement(name="gitlib", git=repo.as_uri(), tag="v1")
    assert versions(solve([req], index)) == {"gitlib": "0.3"}
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text().replace('"0.3"', '"0.4"'))
    git("commit", "-qam", "two")
    git("tag", "-f", "v1")
    assert versions(solve([req], index)) == {"gitlib": "0.4"}


def test_a_branch_deleted_on_the_remote_is_not_served_from_the_cached_clone(solve, tmp_path, repo):
    from solver.errors import InputError

    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    index = [(tmp_path / "i" / "simple").as_uri()]
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)
    git("branch", "feature")
    req = PyPIRequirement(name="gitlib", git=repo.as_uri(), branch="feature")
    assert versions(solve([req], index)) == {"gitlib": "0.3"}
    git("branch", "-D", "feature")
    with pytest.raises(InputError, match="feature"):
        solve([req], index)


def test_checkouts_and_clones_no_run_used_for_a_month_are_removed(solve, tmp_path, repo):
    build_index(tmp_path / "i", [Dist(name="dep", version="1.0")])
    index = [(tmp_path / "i" / "simple").as_uri()]
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *a],
                                    cwd=repo, check=True, capture_output=True, text=True).stdout.strip()
    first = git("rev-parse", "HEAD")
    other = make_source_tree(tmp_path / "other", Dist(name="otherlib", version="1.0"))
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "one"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=other, check=True)
    solve([PyPIRequirement(name="otherlib", git=other.as_uri())], index)  # a repository nobody uses later
    solve([PyPIRequirement(name="gitlib", git=repo.as_uri(), rev=first)], index)
    git_cache = tmp_path / "cache" / "git"
    before = {p.name for p in git_cache.iterdir() if not p.name.startswith(".")}
    assert len(before) == 4  # two clones, a checkout of each
    month_ago = time.time() - 40 * 86400
    for path in git_cache.iterdir():
        os.utime(path, (month_ago, month_ago))
    (git_cache / ".last-sweep").touch()
    os.utime(git_cache / ".last-sweep", (month_ago, month_ago))
    # gitlib moves on: a new commit, checked out; its clone is in use, the other repository is not
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text().replace('"0.3"', '"0.4"'))
    git("commit", "-qam", "two")
    assert versions(solve([PyPIRequirement(name="gitlib", git=repo.as_uri())], index)) == {"gitlib": "0.4"}
    after = {p.name for p in git_cache.iterdir() if not p.name.startswith(".")}
    gitlib_key = hashlib.sha256(repo.as_uri().encode()).hexdigest()[:24]  # the clone's folder
    assert after == {gitlib_key, f"{gitlib_key}-{git('rev-parse', 'HEAD')[:16]}"}
    # the old commit is checked out again when asked for
    sol = solve([PyPIRequirement(name="gitlib", git=repo.as_uri(), rev=first)], index)
    assert versions(sol) == {"gitlib": "0.3"}
