"""Direct sources of the PyPI stage (uv's ``git`` / ``distribution`` source handling): a
requirement with ``path``, ``git`` or ``url`` has one candidate, read from the project tree, the
checkout, or the downloaded archive. Git checkouts are cached per commit."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
from packaging.version import InvalidVersion, Version

from ..atomic import mark_used as _mark_used
from ..errors import InputError
from ..lazyre import lazy
from ..redact import mask_credentials, split_credentials, strip_credentials
from .candidates import Candidate, pkg_key, python_allowed
from .index import parse_filename
from .metadata import (
    CoreMetadata,
    extract_sdist,
    fetch_bytes,
    is_static,
    metadata_from_wheel_bytes,
    parse_metadata,
    pkg_info_from_sdist,
    static_pyproject_metadata,
)
from .model import PyPIRequirement

DirectKind = str  # "path" | "git" | "url"


class DirectSource(msgspec.Struct, kw_only=True):
    kind: DirectKind
    requirement: PyPIRequirement


class DirectSources:
    """Builds the candidate of each direct requirement. ``prepare(tree, name)`` asks a build
    backend for a tree's metadata (see :meth:`solver.pypi.fetch.Fetcher.prepare`)."""

    def __init__(self, request, http, python_version: Version, prepare, cache_dir: Path | None):
        self.request = request
        self.http = http
        self.python_version = python_version
        self.prepare = prepare
        self.cache_dir = cache_dir
        self.by_name: dict[str, DirectSource] = {}

    def candidate(self, name_id: int, pkg: str) -> Candidate:
        src = self.by_name[pkg]
        req = src.requirement
        root = Path(self.request.project_root or ".")
        if src.kind == "path":
            path = Path(req.path).expanduser()
            full = path if path.is_absolute() else root / path
            if not full.exists():
                raise InputError(f"pypi dependency {req.name}: path {full} does not exist")
            if full.is_dir():
                if not any((full / f).is_file() for f in ("pyproject.toml", "setup.py", "setup.cfg", "PKG-INFO")):
                    raise InputError(f"pypi dependency {req.name}: {full} is not a Python project "
                                     "(no pyproject.toml, setup.py or setup.cfg)")
                meta = self.tree_metadata(full, pkg)
            else:
                meta = self.archive_metadata(full.read_bytes(), full.name)
            facts = {"path": req.path, "editable": bool(req.editable) and full.is_dir()}
            if full.is_file():
                facts["sha256"] = hashlib.sha256(full.read_bytes()).hexdigest()
            label = str(req.path)
        elif src.kind == "git":
            tree, commit, clean_url = self._git_checkout(req)
            meta = self.tree_metadata(tree, pkg)
            query = next((f"?{k}={v}" for k, v in (("branch", req.branch), ("tag", req.tag), ("rev", req.rev)) if v), "")
            sub = f"&subdirectory={req.subdirectory}" if req.subdirectory and query else (
                f"?subdirectory={req.subdirectory}" if req.subdirectory else "")
            facts = {"url": f"git+{clean_url}{query}{sub}#{commit}"}
            label = facts["url"]
        else:
            # A direct URL may pin its file with a hash fragment (``#sha256=...``): checked as the index's.
            algo, _, value = urlsplit(req.url).fragment.partition("=")
            data = fetch_bytes(self.http, req.url, req.url, {algo: value} if value else None)
            filename = urlsplit(req.url).path.rsplit("/", 1)[-1]
            meta = self.archive_metadata(data, filename)
            facts = {"url": strip_credentials(req.url), "sha256": hashlib.sha256(data).hexdigest()}
            label = facts["url"]
        if pkg_key(meta.name) != pkg:
            raise InputError(
                f"pypi dependency {req.name!r} points at a distribution named {meta.name!r} ({label})"
            )
        try:
            version = Version(meta.version)
        except InvalidVersion:
            raise InputError(f"{label}: invalid version {meta.version!r}") from None
        excluded = None
        if meta.requires_python and not python_allowed(meta.requires_python, self.python_version):
            excluded = f"{pkg} requires Python {meta.requires_python}, the target has {self.python_version}"
        return Candidate(name_id, version, index=label, source=src.kind, meta=meta, direct=facts,
                         excluded=excluded)

    def tree_metadata(self, tree: Path, pkg: str) -> CoreMetadata:
        meta = static_pyproject_metadata(tree)
        if meta is not None:
            return meta
        pkg_info = tree / "PKG-INFO"
        if pkg_info.is_file():
            meta = parse_metadata(pkg_info.read_bytes(), str(pkg_info))
            if is_static(meta):
                return meta
        return self.prepare(tree, pkg)

    def archive_metadata(self, data: bytes, filename: str) -> CoreMetadata:
        if filename.endswith(".whl"):
            return metadata_from_wheel_bytes(data, filename)
        meta = pkg_info_from_sdist(data, filename)
        if meta is not None and is_static(meta):
            return meta
        parsed = parse_filename(filename)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="solver-sdist-") as tmp:
            tree = extract_sdist(data, filename, Path(tmp))
            return self.prepare(tree, parsed[0] if parsed else filename)

    def _git_checkout(self, req: PyPIRequirement) -> tuple[Path, str, str]:
        """The tree of the requirement's commit: a clone per repository and a checkout per commit,
        kept in the cache (``git/``). Each is made in a temporary folder carrying this process's
        id and renamed into place when complete; a run killed meanwhile leaves its folder behind,
        and the next run that clones or checks out removes it (see :func:`make_temp_dir`)."""
        import shutil
        import subprocess
        import tempfile

        clean_url = strip_credentials(req.git)
        base = (self.cache_dir or Path(tempfile.gettempdir()) / "solver-cache") / "git"
        key = hashlib.sha256(clean_url.encode()).hexdigest()[:24]
        repo = base / key
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        remote = _git_remote(req.git, env)
        ref = req.rev or req.tag or req.branch

        def git(*args, cwd=None):
            try:
                proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InputError(f"git dependency {req.name} ({clean_url}): {exc}") from None
            if proc.returncode != 0:
                # git's first "fatal:" line says what went wrong; the last is often advice
                lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
                first = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "failed")
                msg = mask_credentials(first)
                raise InputError(f"git dependency {req.name} ({clean_url}): git {args[0]} failed: {msg}")
            return proc.stdout.strip()

        _remove_stale_leftovers(base, repo)
        if not (repo / ".git").is_dir():
            tmp = _temp_dir(base, key)
            try:
                git("clone", "--quiet", remote, str(tmp / "repo"))
                try:
                    os.replace(tmp / "repo", repo)
                except OSError:
                    pass  # another process cloned it first
            finally:
                shutil.rmtree(tmp, ignore_errors=True)  # a failed clone leaves nothing in the cache
        else:
            if remote != req.git:  # a clone an older version made holds the credentials in its config
                git("remote", "set-url", "origin", remote, cwd=repo)
            # --force: a tag moved upstream is followed (git refuses to "clobber" a fetched tag, which
            # failed every later fetch); --prune: a branch deleted upstream is not served from here
            git("fetch", "--quiet", "--tags", "--force", "--prune", "origin", cwd=repo)
        if ref:
            target = ref
            if req.branch:
                target = f"origin/{req.branch}"
            try:
                commit = git("rev-parse", "--verify", "--quiet", f"{target}^{{commit}}", cwd=repo)
            except InputError:
                kind = "branch" if req.branch else "tag" if req.tag else "rev"
                raise InputError(f"git dependency {req.name} ({clean_url}): {kind} {ref!r} is not in the "
                                 "repository") from None
        else:
            commit = git("rev-parse", "origin/HEAD^{commit}", cwd=repo) if _has_ref(repo, "origin/HEAD") \
                else git("rev-parse", "HEAD", cwd=repo)
        worktree = base / f"{key}-{commit[:16]}"
        _mark_used(worktree)  # before looking: a daily sweep in another process skips it from now
        if not worktree.is_dir():
            tmp = _temp_dir(base, key)
            try:
                # an index of its own: the clone's is shared by every checkout (two processes, or
                # one killed mid-checkout, would leave ``index.lock`` failing all the next ones)
                env["GIT_INDEX_FILE"] = str(tmp / "index")
                (tmp / "tree").mkdir()
                git("--work-tree", str(tmp / "tree"), "checkout", "--quiet", commit, "--", ".", cwd=repo)
                try:
                    os.replace(tmp / "tree", worktree)
                except OSError:
                    pass  # another process checked it out first
            finally:
                env.pop("GIT_INDEX_FILE", None)
                shutil.rmtree(tmp, ignore_errors=True)
        remove_unused_git_folders(base)  # once a checkout is in place: a failed clone leaves nothing, not even a stamp
        tree = worktree / req.subdirectory if req.subdirectory else worktree
        return tree, commit, clean_url


_LEGACY_TEMP = lazy(r"\.[0-9a-f]{24}\.[A-Za-z0-9_]{8}")


def _git_remote(url: str, env: dict[str, str]) -> str:
    """The URL git is given for ``url``. Credentials in an http(s) URL (``user:token@``, or a token
    alone as the user name) would be written by ``git clone`` into the clone's ``.git/config``, in
    the cache, and shown in the process list: they go to git as an ``Authorization`` header for
    that origin instead, through ``env`` (``GIT_CONFIG_*``, read by git 2.31+, never written), and
    the URL goes without them. Other schemes (``ssh://git@host``) keep their user name, not a
    secret."""
    import base64

    clean, creds = split_credentials(url)
    parts = urlsplit(clean)
    if creds is None or parts.scheme not in ("http", "https"):
        return url
    token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
    count = env.get("GIT_CONFIG_COUNT", "")
    n = int(count) if count.isdigit() else 0
    env[f"GIT_CONFIG_KEY_{n}"] = f"http.{parts.scheme}://{parts.netloc}/.extraHeader"
    env[f"GIT_CONFIG_VALUE_{n}"] = f"Authorization: Basic {token}"
    env["GIT_CONFIG_COUNT"] = str(n + 1)
    return clean


# git's own lock files (``index.lock``, ``refs/.../main.lock``, ``packed-refs.lock``) carry no
# process id: one older than this was left by a git killed mid-fetch (each git call has a 10-minute
# timeout), and would fail every later fetch into the cached clone ("cannot lock ref").
_GIT_LOCK_MAX_AGE = 900.0


def _temp_dir(base: Path, key: str) -> Path:
    """A temporary folder for a clone or a checkout of repository ``key``."""
    from ..atomic import make_temp_dir

    return make_temp_dir(base, key, legacy=is_legacy_git_temp)


def is_legacy_git_temp(name: str) -> bool:
    """A temporary folder of an older version (``tempfile.mkdtemp(prefix=".<key>.")``)."""
    return _LEGACY_TEMP.fullmatch(name) is not None


def _remove_stale_leftovers(base: Path, repo: Path) -> None:
    """What killed runs left in the git cache: temporary clones and checkouts whose process is
    gone (any repository's), and git lock files in this clone older than ``_GIT_LOCK_MAX_AGE``
    (the clones and checkouts nobody uses go in :func:`remove_unused_git_folders`)."""
    import time

    from ..atomic import remove_stale_temp_dirs

    _mark_used(repo)  # this run's clone is in use, however old
    remove_stale_temp_dirs(base, legacy=is_legacy_git_temp)
    git_dir = repo / ".git"
    if not git_dir.is_dir():
        return
    now = time.time()
    for lock in [git_dir / "index.lock", git_dir / "packed-refs.lock", git_dir / "HEAD.lock",
                 git_dir / "config.lock", git_dir / "shallow.lock", *(git_dir / "refs").rglob("*.lock")]:
        try:
            if now - lock.lstat().st_mtime > _GIT_LOCK_MAX_AGE:
                lock.unlink()
        except OSError:
            pass


def remove_unused_git_folders(base: Path) -> None:
    """Clones and checkouts (one per commit) no run used for ``UNUSED_MAX_AGE``, if the daily sweep
    is due. Each is first renamed to a temporary name of this process (out of sight of other runs
    at once; a removal cut short is finished by a later run), then removed."""
    import shutil
    import time

    from ..atomic import UNUSED_MAX_AGE, make_temp_dir, start_daily_sweep

    if not start_daily_sweep(base):
        return
    now = time.time()
    for entry in os.scandir(base):
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime <= UNUSED_MAX_AGE:
                continue
            doomed = make_temp_dir(base, "unused")
        except OSError:
            continue
        try:
            os.replace(entry.path, doomed / "tree")
        except OSError:
            pass  # gone already, or in another process's hands
        shutil.rmtree(doomed, ignore_errors=True)


def _has_ref(repo: Path, ref: str) -> bool:
    import subprocess

    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=repo,
                          capture_output=True).returncode == 0
