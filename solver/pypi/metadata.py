"""Core metadata of a distribution: parsing METADATA / PKG-INFO, reading it from a wheel (PEP 658
file, HTTP range requests into the zip, or the whole file), from an sdist (static PKG-INFO), from a
source tree (static ``[project]`` of pyproject.toml) or, as a last resort, from the package's PEP 517
backend (``prepare_metadata_for_build_wheel`` in a subprocess)."""

from __future__ import annotations

import io
import os
import struct
import sys
import zlib
from pathlib import Path

import msgspec

from ..errors import InputError, NetworkError


class CoreMetadata(msgspec.Struct, kw_only=True):
    name: str
    version: str
    requires_dist: list[str] = []
    requires_python: str | None = None
    provides_extra: list[str] = []
    metadata_version: str = "1.0"
    dynamic: list[str] = []


class MetadataError(InputError):
    """Metadata could not be read or prepared; names the package and where from."""


class HashMismatchError(InputError):
    """A downloaded distribution file is not the one the index vouches for."""


# METADATA is a few KB (a long description: a few MB); a zip member that inflates past this is a
# bomb (292 KB of deflate can hold 909 MB), read no further.
MAX_METADATA_BYTES = 32 << 20

# Errors a broken or hostile zip raises while a member is read: bad structure, an unsupported
# compression method (99: AES), the encryption flag, corrupt deflate data, a bad local header.
_ZIP_READ_ERRORS = (NotImplementedError, RuntimeError, zlib.error, EOFError, OSError, ValueError, struct.error)


def verify_hashes(data: bytes, hashes: dict[str, str], what: str, source: str) -> None:
    """Checks ``data`` against every hash the index gives for it (algorithms hashlib knows); a
    mismatch raises ``HashMismatchError``: the file must not be used, nor its hash locked."""
    import hashlib

    for algo, expected in sorted(hashes.items()):
        if algo not in hashlib.algorithms_guaranteed:
            continue
        actual = hashlib.new(algo, data).hexdigest()
        if actual != expected.strip().lower():
            raise HashMismatchError(f"{what} from {source}: its {algo} is {actual}, but the index "
                                    f"gives {expected}; the file was not used")


def parse_metadata(data: bytes | str, origin: str = "") -> CoreMetadata:
    """RFC 822-style headers up to the first blank line (the body is the description)."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    fields: dict[str, list[str]] = {}
    last_key = None
    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t":
            if last_key is not None:
                fields[last_key][-1] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        last_key = key.strip().lower()
        fields.setdefault(last_key, []).append(value.strip())
    if "name" not in fields or "version" not in fields:
        raise MetadataError(f"metadata without Name/Version{' in ' + origin if origin else ''}")
    return CoreMetadata(
        name=fields["name"][0],
        version=fields["version"][0],
        requires_dist=fields.get("requires-dist", []),
        requires_python=(fields.get("requires-python") or [None])[0] or None,
        provides_extra=fields.get("provides-extra", []),
        metadata_version=(fields.get("metadata-version") or ["1.0"])[0],
        dynamic=[d.lower() for d in fields.get("dynamic", [])],
    )


def is_static(meta: CoreMetadata) -> bool:
    """PKG-INFO may be trusted (PEP 643): Metadata-Version >= 2.2 and dependencies not dynamic."""
    try:
        major, minor = (int(p) for p in meta.metadata_version.split(".")[:2])
    except ValueError:
        return False
    if (major, minor) < (2, 2):
        return False
    return not ({"requires-dist", "requires-python"} & set(meta.dynamic))


# -- PEP 658 metadata files ---------------------------------------------------------------------

_HASH_ALGORITHMS = ("sha256", "sha384", "sha512", "blake2b", "sha1", "md5")  # strongest first


def metadata_hash_check(hashes: dict[str, str] | None):
    """The HTTP client's ``check`` for a PEP 658 ``.metadata`` file: raises ``ValueError`` when
    the body does not have the ``data-core-metadata`` hash the index gives (None: no hash given,
    nothing to check). A body that fails it is never cached nor used."""
    algo = next((a for a in _HASH_ALGORITHMS if (hashes or {}).get(a)), None)
    if algo is None:
        return None
    expected = hashes[algo].strip().lower()

    def check(body: bytes) -> None:
        import hashlib

        actual = hashlib.new(algo, body).hexdigest()
        if actual != expected:
            raise ValueError(f"the metadata file's {algo} is {actual}, the index says {expected}")

    return check


def metadata_hash_tag(hashes: dict[str, str] | None) -> str:
    """What the index says of the metadata file's hash, for cache keys ("" when nothing)."""
    algo = next((a for a in _HASH_ALGORITHMS if (hashes or {}).get(a)), None)
    return f"\n{algo}:{hashes[algo].strip().lower()}" if algo else ""


# -- wheels -------------------------------------------------------------------------------------

def metadata_from_wheel_bytes(data: bytes, filename: str) -> CoreMetadata:
    return metadata_from_wheel_file(io.BytesIO(data), filename, filename)


def metadata_from_wheel_file(source, filename: str, label: str) -> CoreMetadata:
    """METADATA of the wheel at ``source`` (a path or a file object); ``label`` names it in errors."""
    import zipfile

    try:
        with zipfile.ZipFile(source) as zf:
            member = _metadata_member(zf.namelist(), filename)
            if zf.getinfo(member).file_size > MAX_METADATA_BYTES:
                raise MetadataError(f"wheel {label}: METADATA is larger than {MAX_METADATA_BYTES >> 20} MiB")
            with zf.open(member) as f:
                content = f.read(MAX_METADATA_BYTES + 1)  # the size in the header may lie
            if len(content) > MAX_METADATA_BYTES:
                raise MetadataError(f"wheel {label}: METADATA inflates past {MAX_METADATA_BYTES >> 20} MiB")
            return parse_metadata(content, filename)
    except (zipfile.BadZipFile, KeyError, *_ZIP_READ_ERRORS) as exc:
        raise MetadataError(f"cannot read METADATA from wheel {label}: {exc}") from None


def _metadata_member(names, filename: str) -> str:
    candidates = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
    if not candidates:
        raise MetadataError(f"wheel {filename} has no .dist-info/METADATA")
    if len(candidates) > 1:
        # Prefer the dist-info whose name matches the file name.
        prefix = filename.split("-")[0].lower()
        candidates.sort(key=lambda n: not n.lower().startswith(prefix))
    return candidates[0]


_EOCD_SIG = b"PK\x05\x06"
_CD_SIG = b"PK\x01\x02"
_TAIL = 64 * 1024


def metadata_from_wheel_range(http, url: str, filename: str, hashes: dict[str, str] | None = None) -> CoreMetadata | None:
    """METADATA of a remote wheel via range requests: the tail (central directory), then the
    METADATA member. None when the central directory cannot be used (the caller then fetches
    the whole file). A server that ignores ranges sends the whole file: it is checked against
    the index's ``hashes`` like any download."""
    tail = http.get_range(url, -_TAIL)
    if tail.status != 206:
        # The server sent the whole file: use it rather than asking again.
        return metadata_from_wheel_bytes(_checked(tail.body, url, filename, hashes), filename)
    data = tail.body
    total = _total_size(tail.headers, len(data))
    eocd = data.rfind(_EOCD_SIG)
    if eocd < 0 or len(data) - eocd < 22:
        return None
    (_sig, _d, _cd, _n1, count, cd_size, cd_offset, _clen) = struct.unpack("<4sHHHHIIH", data[eocd:eocd + 22])
    tail_start = total - len(data)
    if cd_offset == 0xFFFFFFFF or cd_offset < tail_start:
        return None  # zip64 or a directory beyond the tail: take the simple path
    cd = data[cd_offset - tail_start: cd_offset - tail_start + cd_size]
    entries = _central_directory(cd)
    try:
        member = _metadata_member(list(entries), filename)
    except MetadataError:
        raise
    method, csize, _usize, local_offset, flags = entries[member]
    if flags & 1:
        raise MetadataError(f"cannot read METADATA from wheel {filename}: the member is encrypted")
    # Local header (30 bytes + name + extra) then the data; extra length may differ from the CD's.
    want_end = local_offset + 30 + len(member) + 1024 + csize
    if local_offset >= tail_start:
        chunk = data[local_offset - tail_start:]
    else:
        resp = http.get_range(url, local_offset, min(want_end, total - 1))
        chunk = resp.body if resp.status == 206 else resp.body[local_offset:]
    if len(chunk) < 30 or chunk[:4] != b"PK\x03\x04":
        return None  # the central directory points at no local header: read the whole file
    name_len, extra_len = struct.unpack("<HH", chunk[26:30])
    start = 30 + name_len + extra_len
    if len(chunk) < start + csize:
        resp = http.get_range(url, local_offset, local_offset + start + csize - 1)
        chunk = resp.body
    raw = chunk[start:start + csize]
    if method == 0:
        content = raw
    elif method == 8:
        try:
            inflater = zlib.decompressobj(-15)
            content = inflater.decompress(raw, MAX_METADATA_BYTES + 1)
        except zlib.error as exc:
            raise MetadataError(f"cannot read METADATA from wheel {filename}: corrupt deflate data ({exc})") from None
    else:
        return None
    if len(content) > MAX_METADATA_BYTES:
        raise MetadataError(f"wheel {filename}: METADATA inflates past {MAX_METADATA_BYTES >> 20} MiB")
    return parse_metadata(content, filename)


def _total_size(headers: dict[str, str], fallback: int) -> int:
    cr = headers.get("content-range", "")
    if "/" in cr:
        try:
            return int(cr.rsplit("/", 1)[1])
        except ValueError:
            pass
    return fallback


def _central_directory(cd: bytes) -> dict[str, tuple[int, int, int, int, int]]:
    """name -> (method, compressed size, size, local header offset, flags)."""
    out = {}
    pos = 0
    while pos + 46 <= len(cd) and cd[pos:pos + 4] == _CD_SIG:
        (flags, method, csize, usize, nlen, elen, clen, offset) = (
            *struct.unpack("<HH", cd[pos + 8:pos + 12]),
            *struct.unpack("<II", cd[pos + 20:pos + 28]),
            *struct.unpack("<HHH", cd[pos + 28:pos + 34]),
            struct.unpack("<I", cd[pos + 42:pos + 46])[0],
        )
        name = cd[pos + 46:pos + 46 + nlen].decode("utf-8", errors="replace")
        out[name] = (method, csize, usize, offset, flags)
        pos += 46 + nlen + elen + clen
    return out


# -- sdists and source trees --------------------------------------------------------------------

def pkg_info_from_sdist(data: bytes, filename: str) -> CoreMetadata | None:
    """The top-level PKG-INFO of an sdist archive, if present."""
    import tarfile
    import zipfile

    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for n in zf.namelist():
                    if n.count("/") == 1 and n.endswith("/PKG-INFO"):
                        return parse_metadata(zf.read(n), filename)
            return None
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            for member in tf:
                if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    return parse_metadata(tf.extractfile(member).read(), filename)
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise MetadataError(f"cannot read sdist {filename}: {exc}") from None
    return None


def extract_sdist(data: bytes, filename: str, dest: Path) -> Path:
    """Unpacks an sdist into ``dest`` and returns its source tree (the single top directory)."""
    import tarfile
    import zipfile

    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for n in zf.namelist():
                    if n.startswith("/") or ".." in Path(n).parts:
                        raise MetadataError(f"unsafe path {n!r} in sdist {filename}")
                zf.extractall(dest)
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
                tf.extractall(dest, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise MetadataError(f"cannot unpack sdist {filename}: {exc}") from None
    entries = [p for p in dest.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else dest


def _load_toml(path: Path) -> dict:
    import tomli

    try:
        return tomli.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError, RecursionError) as exc:
        raise MetadataError(f"cannot read {path}: {exc}") from None


def _check_pep621_types(pyproject: Path, project: dict) -> None:
    """PEP 621 types of the keys read here: ``dependencies = "x"`` must not become the
    requirements ``x``'s letters."""

    def strings(value) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    checks = {
        "name": (lambda v: isinstance(v, str), "a string"),
        "version": (lambda v: isinstance(v, str), "a string"),
        "requires-python": (lambda v: isinstance(v, str), "a string"),
        "dynamic": (strings, "an array of strings"),
        "dependencies": (strings, "an array of PEP 508 strings"),
        "optional-dependencies": (lambda v: isinstance(v, dict) and all(strings(x) for x in v.values()),
                                  "a table of arrays of PEP 508 strings"),
    }
    for key, (ok, what) in checks.items():
        if key in project and not ok(project[key]):
            raise MetadataError(f"{pyproject}: project.{key} must be {what}")


def static_pyproject_metadata(tree: Path) -> CoreMetadata | None:
    """Metadata from ``[project]`` when name, version and dependencies are all static."""
    pyproject = tree / "pyproject.toml"
    if not pyproject.is_file():
        return None
    project = _load_toml(pyproject).get("project")
    if not isinstance(project, dict):
        return None
    _check_pep621_types(pyproject, project)
    dynamic = {str(d).lower() for d in project.get("dynamic", [])}
    if dynamic & {"version", "dependencies", "optional-dependencies", "requires-python"}:
        return None
    if "name" not in project or "version" not in project:
        return None
    requires = [str(d) for d in project.get("dependencies", [])]
    extras = []
    for extra, deps in (project.get("optional-dependencies") or {}).items():
        extras.append(extra)
        for dep in deps:
            requires.append(_with_extra_marker(str(dep), extra))
    return CoreMetadata(
        name=str(project["name"]),
        version=str(project["version"]),
        requires_dist=requires,
        requires_python=project.get("requires-python"),
        provides_extra=extras,
        metadata_version="2.2",
    )


def _with_extra_marker(dep: str, extra: str) -> str:
    from packaging.requirements import Requirement

    req = Requirement(dep)
    marker = f'extra == "{extra}"'
    if req.marker is not None:
        marker = f"({req.marker}) and {marker}"
    req.marker = None
    return f"{req}; {marker}"


# The hook runner, run by the build Python (the solver's own, or a build venv's) in the source tree.
# Arguments: backend (``module:object``), backend-path entries as JSON, the mode
# (``requires`` | ``metadata``), an output directory and the file the result goes to (JSON: a
# backend may print whatever it likes to stdout).
_HOOK = r"""
import importlib, json, os, sys
backend_name, backend_path, mode, outdir, result_file = sys.argv[1:6]
# PEP 517: the source tree is not importable unless backend-path says so (then it comes first)
here = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", ".", here)]
sys.path[0:0] = [os.path.join(here, p) for p in json.loads(backend_path)]
mod, _, obj = backend_name.partition(":")
backend = importlib.import_module(mod)
for part in filter(None, obj.split(".")):
    backend = getattr(backend, part)
if mode == "requires":
    hook = getattr(backend, "get_requires_for_build_wheel", None)
    result = {"requires": list(hook({})) if hook is not None else []}
else:
    hook = getattr(backend, "prepare_metadata_for_build_wheel", None)
    if hook is not None:
        result = {"dist_info": hook(outdir, {})}
    else:  # optional in PEP 517: build the wheel and read its METADATA
        result = {"wheel": backend.build_wheel(outdir, {})}
with open(result_file, "w", encoding="utf-8") as fh:
    json.dump(result, fh)
"""


class BuildSystem(msgspec.Struct, frozen=True, kw_only=True):
    """``[build-system]`` of a source tree, with PEP 517/518's defaults for what is missing."""

    backend: str = "setuptools.build_meta:__legacy__"
    requires: list[str] = msgspec.field(default_factory=lambda: ["setuptools>=40.8.0"])
    backend_path: list[str] = []


def read_build_system(tree: Path) -> BuildSystem:
    pyproject = tree / "pyproject.toml"
    if not pyproject.is_file():
        return BuildSystem()
    table = _load_toml(pyproject).get("build-system")
    if table is None:
        return BuildSystem()
    where = f"{pyproject} [build-system]"
    if not isinstance(table, dict):
        raise MetadataError(f"{where}: expected a table")
    default = BuildSystem()
    requires = table.get("requires", default.requires)
    backend = table.get("build-backend", default.backend)
    backend_path = table.get("backend-path", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise MetadataError(f"{where}: requires must be a list of strings")
    if not isinstance(backend, str) or not backend.strip():
        raise MetadataError(f"{where}: build-backend must be a non-empty string")
    if not isinstance(backend_path, list) or not all(isinstance(p, str) for p in backend_path):
        raise MetadataError(f"{where}: backend-path must be a list of strings")
    root = tree.resolve()
    for entry in backend_path:
        # PEP 517: entries are relative to the tree and must stay inside it
        if Path(entry).is_absolute() or not (root / entry).resolve().is_relative_to(root):
            raise MetadataError(f"{where}: backend-path entry {entry!r} is outside the source tree")
    return BuildSystem(backend=backend.strip(), requires=requires, backend_path=backend_path)


def prepare_metadata(tree: Path, package: str, *, isolated: bool, pip_args: list[str], timeout: float = 600,
                     pip_env: dict[str, str] | None = None) -> CoreMetadata:
    """Asks the package's PEP 517 backend for its metadata in a subprocess:
    ``prepare_metadata_for_build_wheel``, else (the hook is optional) ``build_wheel`` into a
    temporary directory and the wheel's METADATA. With build isolation the backend runs in a
    temporary venv created without pip; pip is only bootstrapped (from the standard library's
    bundled copy) when there are build requirements to install, from the ``pip_args`` sources
    with ``pip_env`` (default: ours) as its whole environment. Without isolation the backend must already be
    importable by the solver's own Python."""
    import json
    import tempfile

    static = static_pyproject_metadata(tree)
    if static is not None:
        return static
    build = read_build_system(tree)
    backend, backend_path = build.backend, json.dumps(build.backend_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXI_PYPI_")}
    with tempfile.TemporaryDirectory(prefix="solver-meta-") as tmp:
        result_file = str(Path(tmp) / "result.json")

        def hook(python: str, mode: str, outdir: str, what: str) -> dict:
            _run([python, "-c", _HOOK, backend, backend_path, mode, outdir, result_file], package, what,
                 timeout, env, cwd=tree)
            try:
                return json.loads(Path(result_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise MetadataError(f"cannot prepare metadata of {package}: {what} gave no result ({exc})") from None

        python = sys.executable
        if isolated:
            venv = Path(tmp) / "venv"
            _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], package, "creating the build venv",
                 timeout)
            python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
            installer = _PipInstaller(python, package, pip_args, env if pip_env is None else pip_env, timeout)
            installer.install(build.requires)
            # PEP 517: the backend may need more to build a wheel (setuptools asks for ``wheel``)
            installer.install(hook(python, "requires", "", f"asking {backend} for its wheel build requirements")
                              ["requires"])
        out = Path(tmp) / "out"
        out.mkdir()
        result = hook(python, "metadata", str(out), f"running {backend}")
        try:
            if "dist_info" in result:
                return parse_metadata((out / result["dist_info"] / "METADATA").read_bytes(), package)
            return metadata_from_wheel_bytes((out / result["wheel"]).read_bytes(), result["wheel"])
        except (OSError, TypeError) as exc:
            raise MetadataError(f"cannot prepare metadata of {package}: {backend} produced no metadata: {exc}") \
                from None


class _PipInstaller:
    """Installs build requirements into a build venv, bootstrapping pip there on first use only."""

    def __init__(self, python: str, package: str, pip_args: list[str], env: dict[str, str], timeout: float):
        self.python, self.package, self.pip_args, self.env, self.timeout = python, package, pip_args, env, timeout
        self.has_pip = False

    def install(self, requirements: list[str]) -> None:
        if not requirements:
            return
        if not self.has_pip:
            _run([self.python, "-m", "ensurepip", "--default-pip"], self.package, "bootstrapping pip in the build venv",
                 self.timeout, self.env)
            self.has_pip = True
        _run([self.python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *self.pip_args,
              *requirements], self.package, "installing build requirements " + ", ".join(requirements),
             self.timeout, self.env)


def _run(cmd, package, what, timeout, env=None, cwd=None):
    import subprocess

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MetadataError(f"cannot prepare metadata of {package}: {what} failed: {exc}") from None
    if proc.returncode != 0:
        from ..redact import mask_credentials

        lines = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
        detail = "\n  ".join(mask_credentials(ln) for ln in lines)
        raise MetadataError(f"cannot prepare metadata of {package}: {what} failed:\n  {detail}")
    return proc


def fetch_bytes(http, url: str, what: str, hashes: dict[str, str] | None = None) -> bytes:
    """The whole file at ``url``, checked against the index's ``hashes`` (when it gives any)."""
    from .index import file_url_path

    if url.startswith("file:"):
        try:
            data = file_url_path(url).read_bytes()
        except OSError as exc:
            raise NetworkError(f"cannot read {what} at {file_url_path(url)}: {exc.strerror}") from None
    else:
        data = http.get(url, cache=True).body
    return _checked(data, url, what, hashes)


def _checked(data: bytes, url: str, what: str, hashes: dict[str, str] | None) -> bytes:
    """``data``, a whole downloaded file, once it matches the index's hashes (if it gives any)."""
    if hashes:
        from ..redact import strip_credentials

        verify_hashes(data, hashes, what, strip_credentials(url))
    return data
