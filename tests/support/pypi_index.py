"""Index generator for tests and benchmarks: builds wheels, sdists, PEP 503 HTML + PEP 691 JSON
simple indexes (with or without PEP 658 metadata files) and find-links directories on the fly, and
HTTP handlers for the loopback server (content negotiation, range requests or not, Basic auth).

Nothing here is used by the solver itself.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import tarfile
import zipfile
from pathlib import Path

import msgspec
from packaging.utils import canonicalize_name


class Dist(msgspec.Struct, kw_only=True):
    """One distribution to generate. ``tags``: wheel tags (one wheel per entry, e.g.
    ``py3-none-any``, ``cp311-cp311-manylinux_2_17_x86_64``, ``cp311-cp311-win_amd64``);
    ``sdist``: also (or only, with ``tags=[]``) an sdist; ``static``: the sdist's PKG-INFO is
    Metadata-Version 2.2 with static dependencies (else 2.1 without any, so only the build
    backend can tell them); ``extras``: extra -> requirements. ``in_tree_backend``: the sdist
    or source tree carries its own stdlib-only PEP 517 backend (``backend.py``, ``requires =
    []``, ``backend-path = ["."]``) instead of naming ``build_backend``: ``"prepare"`` has
    ``prepare_metadata_for_build_wheel`` (its ``build_wheel`` fails, so a frontend that calls it
    is caught), ``"build_wheel"`` only ``build_wheel``, ``"fails"`` a backend whose hooks raise
    (a build that fails, as old sdists do on new Pythons)."""

    name: str
    version: str
    requires: list[str] = []
    requires_python: str | None = None
    extras: dict[str, list[str]] = {}
    tags: list[str] = msgspec.field(default_factory=lambda: ["py3-none-any"])
    sdist: bool = False
    static: bool = True
    yanked: str | None = None  # a reason ("" for none) marks every file yanked
    build_backend: str = "setuptools.build_meta"
    in_tree_backend: str | None = None  # None | "prepare" | "build_wheel" | "fails"
    padding: int = 0  # bytes of incompressible data stored in wheels after the metadata (range tests)
    modules: int = 0  # extra empty modules, so the central directory outgrows a 64 KiB tail (range tests)
    uploaded: str | None = None  # PEP 700 upload-time (JSON pages), e.g. "2024-01-01T00:00:00Z"


def _dist_name(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def metadata_text(d: Dist, metadata_version: str = "2.1", dynamic: list[str] = ()) -> str:
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {d.name}", f"Version: {d.version}"]
    if d.requires_python:
        lines.append(f"Requires-Python: {d.requires_python}")
    for dyn in dynamic:
        lines.append(f"Dynamic: {dyn}")
    for r in d.requires:
        lines.append(f"Requires-Dist: {r}")
    for extra, reqs in d.extras.items():
        lines.append(f"Provides-Extra: {extra}")
        for r in reqs:
            marker = f'extra == "{extra}"'
            if ";" in r:
                req, _, m = r.partition(";")
                lines.append(f"Requires-Dist: {req.strip()} ; ({m.strip()}) and {marker}")
            else:
                lines.append(f"Requires-Dist: {r} ; {marker}")
    return "\n".join(lines) + "\n\nA generated test distribution.\n"


def make_wheel(directory: Path, d: Dist, tag: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    dn = _dist_name(d.name)
    filename = f"{dn}-{d.version}-{tag}.whl"
    info = f"{dn}-{d.version}.dist-info"
    files = {
        f"{dn}/__init__.py": f"__version__ = {d.version!r}\n",
        f"{info}/METADATA": metadata_text(d),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: solver-testing\nRoot-Is-Purelib: true\nTag: {tag}\n",
    }
    record = "".join(f"{p},sha256={_b64(hashlib.sha256(c.encode()).digest())},{len(c.encode())}\n"
                     for p, c in files.items())
    files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    path = directory / filename
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        # dist-info first: with padding after it, METADATA is far from the central directory
        for p in sorted(files, key=lambda p: not p.startswith(info)):
            zi = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, files[p])
        for i in range(d.modules):
            zi = zipfile.ZipInfo(f"{dn}/generated/module_{i:05d}_with_a_long_name_like_real_packages.py",
                                 date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(zi, "")
        if d.padding:
            import random

            zi = zipfile.ZipInfo(f"{dn}/blob.bin", date_time=(2020, 1, 1, 0, 0, 0))
            zf.writestr(zi, random.Random(d.name + d.version).randbytes(d.padding), zipfile.ZIP_STORED)
    return path


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_sdist(directory: Path, d: Dist) -> Path:
    """tar.gz with PKG-INFO (2.2 static, or 2.1 when not ``static``) and a pyproject.toml."""
    directory.mkdir(parents=True, exist_ok=True)
    dn = _dist_name(d.name)
    top = f"{dn}-{d.version}"
    pkg_info = metadata_text(d, "2.2") if d.static else metadata_text(
        msgspec.structs.replace(d, requires=[], extras={}), "2.1")
    pyproject = pyproject_text(d, static=d.static)
    path = directory / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        members = [(f"{top}/PKG-INFO", pkg_info), (f"{top}/pyproject.toml", pyproject),
                   (f"{top}/{dn}/__init__.py", "")]
        if d.in_tree_backend:
            members.append((f"{top}/backend.py", in_tree_backend_text(d)))
        elif not d.static:
            members.append((f"{top}/setup.py", setup_py_text(d)))
        for name, content in members:
            data = content.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1577836800
            tf.addfile(ti, io.BytesIO(data))
    return path


def pyproject_text(d: Dist, *, static: bool = True) -> str:
    deps = ", ".join(json.dumps(r) for r in d.requires)
    if d.in_tree_backend:
        build = ["requires = []", 'build-backend = "backend"', 'backend-path = ["."]']
    else:
        build = ['requires = ["setuptools>=61"]', f'build-backend = "{d.build_backend}"']
    lines = ["[build-system]", *build, "", "[project]", f'name = "{d.name}"']
    if static:
        lines.append(f'version = "{d.version}"')
        lines.append(f"dependencies = [{deps}]")
    else:
        lines.append('dynamic = ["version", "dependencies"]')
    if d.requires_python:
        lines.append(f'requires-python = "{d.requires_python}"')
    if d.extras and static:
        lines.append("[project.optional-dependencies]")
        for extra, reqs in d.extras.items():
            # the key quoted: an extra's name may hold dots (DEV.TOOLS), which bare TOML keys nest
            lines.append(f"{json.dumps(extra)} = [{', '.join(json.dumps(r) for r in reqs)}]")
    return "\n".join(lines) + "\n"


def setup_py_text(d: Dist) -> str:
    """A setup.py computing what pyproject declares dynamic (so only a backend can tell)."""
    return (f"from setuptools import setup\nsetup(name={d.name!r}, version={d.version!r}, "
            f"install_requires={list(d.requires)!r}, packages=[{_dist_name(d.name)!r}])\n")


_BACKEND_TEMPLATE = '''"""A PEP 517 backend written by tests/support/pypi_index.py: standard library only."""
import os
import zipfile

NAME = @NAME@
VERSION = @VERSION@
METADATA = @METADATA@
WHEEL = "Wheel-Version: 1.0\\nGenerator: solver-testing-backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
DIST_INFO = NAME + "-" + VERSION + ".dist-info"


def _build_wheel(wheel_directory):
    filename = NAME + "-" + VERSION + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        zf.writestr(NAME + "/__init__.py", "")
        zf.writestr(DIST_INFO + "/METADATA", METADATA)
        zf.writestr(DIST_INFO + "/WHEEL", WHEEL)
        zf.writestr(DIST_INFO + "/RECORD", "")
    return filename


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("this test backend builds wheels only")
'''

_PREPARE_HOOKS = '''

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, DIST_INFO))
    for name, text in (("METADATA", METADATA), ("WHEEL", WHEEL)):
        with open(os.path.join(metadata_directory, DIST_INFO, name), "w", encoding="utf-8") as fh:
            fh.write(text)
    return DIST_INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("build_wheel called although prepare_metadata_for_build_wheel exists")
'''

_FAILING_HOOKS = '''

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    raise RuntimeError("error: invalid command 'dist_info' (a test backend that cannot build)")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("error: invalid command 'bdist_wheel' (a test backend that cannot build)")
'''

_BUILD_WHEEL_HOOK = '''

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _build_wheel(wheel_directory)
'''


def in_tree_backend_text(d: Dist) -> str:
    """``backend.py`` for ``d.in_tree_backend`` (see :class:`Dist`): the metadata it reports is
    ``d``'s, which a Metadata-Version 2.1 PKG-INFO does not carry."""
    hooks = {"prepare": _PREPARE_HOOKS, "build_wheel": _BUILD_WHEEL_HOOK, "fails": _FAILING_HOOKS}
    if d.in_tree_backend not in hooks:
        raise ValueError(f"unknown in_tree_backend {d.in_tree_backend!r}")
    text = (_BACKEND_TEMPLATE.replace("@NAME@", repr(_dist_name(d.name)))
            .replace("@VERSION@", repr(d.version)).replace("@METADATA@", repr(metadata_text(d, "2.1"))))
    return text + hooks[d.in_tree_backend]


def make_source_tree(directory: Path, d: Dist, *, static: bool = True) -> Path:
    """A project directory (pyproject.toml + package) for path and git dependencies."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(pyproject_text(d, static=static))
    if d.in_tree_backend:
        (directory / "backend.py").write_text(in_tree_backend_text(d))
    elif not static:
        (directory / "setup.py").write_text(setup_py_text(d))
    pkg = directory / _dist_name(d.name)
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    return directory


def build_files(directory: Path, dists: list[Dist]) -> list[tuple[Dist, Path]]:
    out = []
    for d in dists:
        for tag in d.tags:
            out.append((d, make_wheel(directory, d, tag)))
        if d.sdist:
            out.append((d, make_sdist(directory, d)))
    return out


def build_index(root: Path, dists: list[Dist], *, pep658: bool = True, json_pages: bool = True,
                html_pages: bool = True, files_subdir: str = "files") -> Path:
    """A simple index under ``root``: ``root/simple/<name>/index.html`` (PEP 503) and
    ``index.json`` (PEP 691), files under ``root/<files_subdir>/``, ``.metadata`` files (PEP 658)
    next to wheels when ``pep658``. Links are relative, so the index works over HTTP and file://."""
    files_dir = root / files_subdir
    built = build_files(files_dir, dists)
    by_name: dict[str, list[tuple[Dist, Path]]] = {}
    for d, p in built:
        by_name.setdefault(canonicalize_name(d.name), []).append((d, p))
    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    names = sorted(by_name)
    (simple / "index.html").write_text(
        "<!DOCTYPE html><html><body>\n" + "".join(f'<a href="{n}/">{n}</a>\n' for n in names) + "</body></html>\n")
    for name, entries in by_name.items():
        page_dir = simple / name
        page_dir.mkdir(exist_ok=True)
        anchors = []
        jfiles = []
        for d, p in entries:
            sha = hashlib.sha256(p.read_bytes()).hexdigest()
            href = f"../../{files_subdir}/{p.name}"
            attrs = ""
            jentry: dict = {"filename": p.name, "url": href, "hashes": {"sha256": sha}, "size": p.stat().st_size}
            if d.requires_python:
                attrs += f' data-requires-python="{_html_escape(d.requires_python)}"'
                jentry["requires-python"] = d.requires_python
            if d.uploaded:
                jentry["upload-time"] = d.uploaded
            if d.yanked is not None:
                attrs += f' data-yanked="{_html_escape(d.yanked)}"'
                jentry["yanked"] = d.yanked or True
            if pep658 and p.name.endswith(".whl"):
                meta = metadata_text(d).encode()
                (p.parent / (p.name + ".metadata")).write_bytes(meta)
                msha = hashlib.sha256(meta).hexdigest()
                attrs += f' data-core-metadata="sha256={msha}" data-dist-info-metadata="sha256={msha}"'
                jentry["core-metadata"] = {"sha256": msha}
            anchors.append(f'<a href="{href}#sha256={sha}"{attrs}>{p.name}</a>')
            jfiles.append(jentry)
        if html_pages:
            (page_dir / "index.html").write_text(
                "<!DOCTYPE html><html><body>\n" + "<br/>\n".join(anchors) + "\n</body></html>\n")
        if json_pages:
            (page_dir / "index.json").write_text(json.dumps(
                {"meta": {"api-version": "1.1"}, "name": name, "files": jfiles}))
    return simple


def build_find_links(directory: Path, dists: list[Dist]) -> Path:
    build_files(directory, dists)
    return directory


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# -- HTTP handlers ------------------------------------------------------------------------------

class IndexHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory built by :func:`build_index`: PEP 691 JSON when the client asks for it
    (``index.json``), HTML otherwise; honours single ``Range`` requests when ``ranges``."""

    ranges = True
    auth: tuple[str, str] | None = None
    # project pages may be cached this long (public indexes send a similar max-age)
    page_max_age: int | None = 600

    def log_message(self, *args):
        pass

    def _authorized(self) -> bool:
        if self.auth is None:
            return True
        expected = "Basic " + base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="test"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_GET(self):
        if not self._authorized():
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().do_GET()  # redirect to the slash form
            accept = self.headers.get("Accept", "")
            if "application/vnd.pypi.simple.v1+json" in accept and (path / "index.json").is_file():
                return self._send_file(path / "index.json", "application/vnd.pypi.simple.v1+json", page=True)
            if (path / "index.html").is_file():
                return self._send_file(path / "index.html", "text/html", page=True)
            self.send_error(404)
            return
        if not path.is_file():
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        if rng and self.ranges and rng.startswith("bytes="):
            data = path.read_bytes()
            spec = rng[6:]
            start_s, _, end_s = spec.partition("-")
            if start_s == "":
                start, end = max(0, len(data) - int(end_s)), len(data) - 1
            else:
                start = int(start_s)
                end = min(int(end_s), len(data) - 1) if end_s else len(data) - 1
            chunk = data[start:end + 1]
            self.send_response(206)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            self.send_header("Content-Length", str(len(chunk)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.wfile.write(chunk)
            return
        self._send_file(path, "application/octet-stream")

    def do_HEAD(self):
        if not self._authorized():
            return
        super().do_HEAD()

    def _send_file(self, path: Path, ctype: str, page: bool = False):
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        if page and self.page_max_age is not None:
            self.send_header("Cache-Control", f"max-age={self.page_max_age}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", f'"{int(path.stat().st_mtime_ns)}-{len(data)}"')
        self.end_headers()
        self.wfile.write(data)


class NoRangeHandler(IndexHandler):
    ranges = False


def auth_handler(user: str, password: str, base=IndexHandler):
    """An :class:`IndexHandler` that answers 401 unless Basic auth with these credentials."""
    return type("AuthIndexHandler", (base,), {"auth": (user, password)})


def html_only_handler(base=IndexHandler):
    """Ignores the JSON Accept header (a PEP 503-only index)."""

    class HtmlOnly(base):
        def do_GET(self):
            self.headers.replace_header("Accept", "text/html") if "Accept" in self.headers else None
            return super().do_GET()

    return HtmlOnly
