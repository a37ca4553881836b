"""Core metadata of a distribution: parsing METADATA / PKG-INFO, reading it from a wheel (PEP 658
file, HTTP range requests into the zip, or the whole file), from an sdist (static PKG-INFO), from a
source tree (static ``[project]`` of pyproject.toml) or, as a last resort, from the package's PEP 517
backend (``prepare_metadata_for_build_wheel`` in a subprocess)."""

from __future__ import annotations

import functools
import io
import os
import struct
import sys
import zlib
from pathlib import Path

import msgspec

from ..errors import InputError, NetworkError


class CoreMetadata(msgspec.Struct, kw_only=True, gc=False):
    name: str
    version: str
    requires_dist: list[str] = []
    requires_python: str | None = None
    provides_extra: list[str] = []
    metadata_version: str = "1.0"
    dynamic: list[str] = []


class MetadataError(InputError):
    """Metadata could not be read or prepared; names the package and where from."""


class HashMismatchError(MetadataError):
    """A downloaded distribution file is not the one the index vouches for (its candidate is
    unusable, as one whose metadata cannot be read)."""


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
            raise HashMismatchError(f"{what} from {source}: hash mismatch: its {algo} is {actual}, but "
                                    f"the index gives {expected}; the file was not used")


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
_BIG_WHEEL = 2 << 20  # wheels from this size on are read from a longer tail
_BIG_TAIL = 256 * 1024


def metadata_from_wheel_range(http, url: str, filename: str, hashes: dict[str, str] | None = None,
                              size: int | None = None) -> CoreMetadata | None:
    """METADATA of a remote wheel via range requests, reading only what is needed: the tail (end
    of central directory, zip64 records, usually the whole directory), the rest of the central
    directory when it starts before the tail (wheels of thousands of files), then the METADATA
    member. None when the central directory cannot be used (the caller then fetches it all). A
    server that ignores ranges sends the whole file: it is checked against the index's ``hashes``
    like any download. ``size`` (the index's word for the file's size) picks the tail: a big
    wheel's directory, RECORD and METADATA (written last) most often lie within its last
    256 KiB, one request where a 64 KiB tail needs three round trips."""
    tail = http.get_range(url, -(_BIG_TAIL if size is not None and size >= _BIG_WHEEL else _TAIL))
    if tail.status != 206:
        # The server sent the whole file: use it rather than asking again.
        return metadata_from_wheel_bytes(_checked(tail.body, url, filename, hashes), filename)
    data = tail.body
    total = _total_size(tail.headers, len(data))
    tail_start = total - len(data)
    eocd = data.rfind(_EOCD_SIG)
    if eocd < 0 or len(data) - eocd < 22:
        raise MetadataError(f"{filename}: not a zip file (no end of central directory)")
    (_sig, _d, _cd, _n1, _count, cd_size, cd_offset, _clen) = struct.unpack("<4sHHHHIIH", data[eocd:eocd + 22])
    if 0xFFFFFFFF in (cd_size, cd_offset):
        cd_size, cd_offset = _zip64_directory(http, url, data, eocd, tail_start, filename)
    if cd_offset >= tail_start:
        cd = data[cd_offset - tail_start: cd_offset - tail_start + cd_size]
    else:  # the directory starts before the tail: ask for the part we lack only
        head = http.get_range(url, cd_offset, tail_start - 1)
        if head.status != 206:
            return metadata_from_wheel_bytes(_checked(head.body, url, filename, hashes), filename)
        cd = (head.body + data)[:cd_size]
    entries = _central_directory(cd, only_suffix=_METADATA_SUFFIX)
    member = _metadata_member(list(entries), filename)
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
            raise MetadataError(f"{filename}: cannot inflate {member}: {exc}") from None
    else:
        return None
    if len(content) > MAX_METADATA_BYTES:
        raise MetadataError(f"wheel {filename}: METADATA inflates past {MAX_METADATA_BYTES >> 20} MiB")
    return parse_metadata(content, filename)


_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD_SIG = b"PK\x06\x06"


def _zip64_directory(http, url: str, data: bytes, eocd: int, tail_start: int, filename: str) -> tuple[int, int]:
    """(size, offset) of the central directory of a zip64 archive, from the zip64 end of central
    directory record the locator before the classic record points at."""
    loc = eocd - 20
    if loc < 0 or data[loc:loc + 4] != _ZIP64_LOCATOR_SIG:
        raise MetadataError(f"{filename}: zip64 archive without a zip64 locator")
    (record_offset,) = struct.unpack("<Q", data[loc + 8:loc + 16])
    if record_offset >= tail_start:
        record = data[record_offset - tail_start: record_offset - tail_start + 56]
    else:
        record = http.get_range(url, record_offset, record_offset + 55).body[:56]
    if record[:4] != _ZIP64_EOCD_SIG or len(record) < 56:
        raise MetadataError(f"{filename}: malformed zip64 end of central directory")
    cd_size, cd_offset = struct.unpack("<QQ", record[40:56])
    return cd_size, cd_offset


def _total_size(headers: dict[str, str], fallback: int) -> int:
    cr = headers.get("content-range", "")
    if "/" in cr:
        try:
            return int(cr.rsplit("/", 1)[1])
        except ValueError:
            pass
    return fallback


_METADATA_SUFFIX = b".dist-info/METADATA"


def _central_directory(cd: bytes, only_suffix: bytes | None = None) -> dict[str, tuple[int, int, int, int, int]]:
    """name -> (method, compressed size, size, local header offset, flags); with ``only_suffix``,
    only the entries whose name ends so (a wheel of thousands of files has one METADATA: the
    others are stepped over, not decoded)."""
    out = {}
    pos = 0
    end = len(cd)
    while pos + 46 <= end and cd.startswith(_CD_SIG, pos):
        if only_suffix is not None:
            nlen, elen, clen = struct.unpack_from("<HHH", cd, pos + 28)
            if not cd.endswith(only_suffix, pos + 46, pos + 46 + nlen):
                pos += 46 + nlen + elen + clen
                continue
        (flags, method, csize, usize, nlen, elen, clen, offset) = (
            *struct.unpack("<HH", cd[pos + 8:pos + 12]),
            *struct.unpack("<II", cd[pos + 20:pos + 28]),
            *struct.unpack("<HHH", cd[pos + 28:pos + 34]),
            struct.unpack("<I", cd[pos + 42:pos + 46])[0],
        )
        name = cd[pos + 46:pos + 46 + nlen].decode("utf-8", errors="replace")
        if 0xFFFFFFFF in (csize, usize, offset):  # zip64: the real values are in an extra field
            csize, usize, offset = _zip64_sizes(cd[pos + 46 + nlen:pos + 46 + nlen + elen], csize, usize, offset)
        out[name] = (method, csize, usize, offset, flags)
        pos += 46 + nlen + elen + clen
    return out


def _zip64_sizes(extra: bytes, csize: int, usize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[pos:pos + 4])
        if tag == 1:  # values present in this order, only for the fields that overflowed
            body, k = extra[pos + 4:pos + 4 + size], 0
            if usize == 0xFFFFFFFF:
                (usize,), k = struct.unpack("<Q", body[k:k + 8]), k + 8
            if csize == 0xFFFFFFFF:
                (csize,), k = struct.unpack("<Q", body[k:k + 8]), k + 8
            if offset == 0xFFFFFFFF:
                (offset,), k = struct.unpack("<Q", body[k:k + 8]), k + 8
            break
        pos += 4 + size
    return csize, usize, offset


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


def build_python(target_version: str | None) -> tuple[str, str, bool]:
    """The interpreter builds run with: (executable, its version, whether it matches the target's
    major.minor). The target environment's own Python is not installed when we solve, so: ours
    when it matches, else a ``pythonX.Y`` on PATH that really is X.Y, else ours."""
    return _build_python(".".join((target_version or "").split(".")[:2]))


@functools.lru_cache(maxsize=None)
def _build_python(want: str) -> tuple[str, str, bool]:
    import platform
    import shutil
    import subprocess

    ours = platform.python_version()
    if not want or ours.startswith(want + ".") or ours == want:
        return sys.executable, ours, True
    exe = shutil.which(f"python{want}")
    if exe:
        try:
            proc = subprocess.run([exe, "-c", "import platform; print(platform.python_version())"],
                                  capture_output=True, text=True, timeout=30)
            version = proc.stdout.strip()
            if proc.returncode == 0 and version.startswith(want + "."):
                return exe, version, True
        except (OSError, subprocess.TimeoutExpired):
            pass  # a shim without that version behind it: use ours
    return sys.executable, ours, False


def prepare_metadata(tree: Path, package: str, *, isolated: bool, pip_args: list[str], timeout: float = 600,
                     pip_env: dict[str, str] | None = None, python_version: str | None = None) -> CoreMetadata:
    """Asks the package's PEP 517 backend for its metadata in a subprocess (``pyproject_hooks``):
    ``prepare_metadata_for_build_wheel``, else (the hook is optional) ``build_wheel`` and the
    wheel's METADATA. The build runs with :func:`build_python` for the target's
    ``python_version`` (a failure names that Python when it is not the target's). With build
    isolation the backend runs in a temporary venv created without pip; pip is only bootstrapped
    (from the standard library's bundled copy) when there are build requirements to install,
    from the ``pip_args`` sources with ``pip_env`` (default: ours) as its whole environment.
    Without isolation the backend must already be importable by the solver's own Python."""
    import tempfile

    static = static_pyproject_metadata(tree)
    if static is not None:
        return static
    build = read_build_system(tree)
    backend = build.backend
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXI_PYPI_")}
    python, version, matches = build_python(python_version) if isolated else (
        sys.executable, sys.version.split()[0], True)
    if not matches:
        want = ".".join(python_version.split(".")[:2])
        package = f"{package} (built with Python {version} at {python}: no Python {want} found on PATH)"
    with tempfile.TemporaryDirectory(prefix="solver-meta-") as tmp:
        if isolated:
            venv = Path(tmp) / "venv"
            _run([python, "-m", "venv", "--without-pip", str(venv)], package, "creating the build venv", timeout)
            python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
            installer = _PipInstaller(python, package, pip_args, env if pip_env is None else pip_env, timeout)
            installer.install(build.requires)
        hooks = _hook_caller(tree, build, python, package, env, timeout)
        what = f"running {backend}"
        try:
            if isolated:
                # PEP 517: the backend may need more to build a wheel (setuptools asks for ``wheel``)
                what = f"asking {backend} for its wheel build requirements"
                installer.install(list(hooks.get_requires_for_build_wheel({})))
                what = f"running {backend}"
            out = Path(tmp) / "out"
            out.mkdir()
            dist_info = hooks.prepare_metadata_for_build_wheel(str(out), {})
            return parse_metadata((out / dist_info / "METADATA").read_bytes(), package)
        except MetadataError:
            raise
        except Exception as exc:  # pyproject_hooks' BackendUnavailable, HookMissing, ...
            detail = getattr(exc, "message", None) or getattr(exc, "traceback", None) or str(exc) or type(exc).__name__
            lines = str(detail).strip().splitlines()[-8:]
            raise MetadataError(f"cannot prepare metadata of {package}: {what} failed:\n  " + "\n  ".join(lines)) \
                from None


def _hook_caller(tree: Path, build: "BuildSystem", python: str, package: str, env: dict[str, str], timeout: float):
    from pyproject_hooks import BuildBackendHookCaller

    def runner(cmd, cwd=None, extra_environ=None):
        _run(cmd, package, f"running {build.backend}", timeout, {**env, **(extra_environ or {})}, cwd=cwd)

    return BuildBackendHookCaller(str(tree), build.backend, backend_path=build.backend_path or None,
                                  runner=runner, python_executable=python)


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
        return _checked(data, url, what, hashes)
    resp = http.get(url, cache=True)
    try:
        return _checked(resp.body, url, what, hashes)
    except HashMismatchError:
        # Never trusted again: a 304 to its ETag would bring it back in every later run (a CDN that
        # once served a damaged copy under the origin's ETag). One the cache gave (or a 304 vouched
        # for) is asked for anew, without validators.
        http.invalidate(url)
        if not resp.from_cache:
            raise
    try:
        return _checked(http.get(url, cache=True).body, url, what, hashes)
    except HashMismatchError:
        http.invalidate(url)
        raise


def _checked(data: bytes, url: str, what: str, hashes: dict[str, str] | None) -> bytes:
    """``data``, a whole downloaded file, once it matches the index's hashes (if it gives any)."""
    if hashes:
        from ..redact import strip_credentials

        verify_hashes(data, hashes, what, strip_credentials(url))
    return data
