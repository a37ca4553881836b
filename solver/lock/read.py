"""Reading ``pixi.lock`` files of versions 4 to 7 into the typed :class:`LockFile`.

v4/v5 list packages as ``kind: conda|pypi`` entries with every field spelled out; v6 keys them
by location (``- conda: URL`` / ``- pypi: URL``) and leaves out what the URL says; v7 adds a
top-level ``platforms`` list (names, their subdir and virtual packages). Errors name the file and
the entry at fault.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..conda.model import PackageRecord
from ..errors import InputError, cut_long_values, line_col
from ..pypi.model import PyPIPackage
from . import urls
from .model import READABLE_VERSIONS, LockedEnvironment, LockedPlatform, LockFile, SolveOptions


class LockFileError(InputError):
    """The lock file cannot be read: not YAML, an unsupported version, or an entry missing fields."""


_loader_class = None


def _yaml_problem(source, exc) -> str:
    """``file:line:col: not a valid YAML document: problem`` (PyYAML's own text names the file
    ``<unicode string>`` and spreads the positions over several lines)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:
        return f"{source}: not a valid YAML document: {exc}"
    context = getattr(exc, "context", None)
    text = f"{context}: {problem}" if context else problem
    return f"{source}:{mark.line + 1}:{mark.column + 1}: not a valid YAML document: {text}"


def _loader():
    """A libyaml-backed loader resolving plain scalars by the YAML 1.2 core schema, as the lock's
    writer (serde_yaml) does: ``no``/``on`` stay strings, timestamps and sexagesimals are strings."""
    global _loader_class
    if _loader_class is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class LockLoader(base):  # type: ignore[misc, valid-type]
            pass

        LockLoader.yaml_implicit_resolvers = {}
        LockLoader.add_implicit_resolver(
            "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
        )
        # (at most 4000 digits: longer runs stay strings, as in yaml_fast)
        LockLoader.add_implicit_resolver(
            "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]{1,4000}|0o[0-7]{1,4000}|0x[0-9a-fA-F]{1,4000})$"),
            list("-+0123456789")
        )
        LockLoader.add_implicit_resolver(
            "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
        )
        _loader_class = LockLoader
    return _loader_class


# Aliases let a few hundred bytes of YAML stand for billions of nodes; a lock file has about 20
# nodes per package, so this bound is far above any real lock (pixi never writes aliases).
MAX_EXPANDED_NODES = 5_000_000


def _expanded_size(root) -> int:
    """Nodes in the document once every alias is expanded (each node counted once per use),
    computed without expanding anything; stops counting past ``MAX_EXPANDED_NODES``."""
    import yaml

    size: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being counted
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in size:
            continue
        if isinstance(node, yaml.ScalarNode):
            size[id(node)] = 1
            continue
        children = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value))
        if done:
            size[id(node)] = min(MAX_EXPANDED_NODES + 1, 1 + sum(size.get(id(c), 0) for c in children))
            open_.discard(id(node))
        elif id(node) in open_:
            return MAX_EXPANDED_NODES + 1  # an alias inside its own anchor: infinite
        else:
            open_.add(id(node))
            stack.append((node, True))
            for c in children:
                if id(c) in open_:
                    return MAX_EXPANDED_NODES + 1
                if id(c) not in size:
                    stack.append((c, False))
    return size[id(root)]


def _load_yaml(text: str, source: str):
    """The document: the fast reader for the lock subset, else PyYAML with alias expansion capped."""
    from . import yaml_fast

    try:
        return yaml_fast.load(text)
    except yaml_fast.Unsupported:
        pass
    except RecursionError:
        raise LockFileError(f"{source}: not a valid lock file: nested too deeply") from None
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise LockFileError(f"{source}: not a valid lock file: its aliases expand to more than "
                                f"{MAX_EXPANDED_NODES:,} nodes")
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise LockFileError(_yaml_problem(source, exc)) from None
    except RecursionError:
        raise LockFileError(f"{source}: not a valid lock file: nested too deeply") from None
    finally:
        loader.dispose()


def _list(value, where: str, key: str) -> list:
    """A YAML sequence (absent: empty). A string is not read character by character."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise LockFileError(f"{where}: `{key}` must be a list, found {_kind(value)}")
    return value


def _mapping(value, where: str, key: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LockFileError(f"{where}: `{key}` must be a mapping, found {_kind(value)}")
    return value


def _kind(value) -> str:
    return {bool: "a boolean", int: "an integer", str: "a string", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__)


def _s(value, where: str, key: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise LockFileError(f"{where}: missing `{key}`")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise LockFileError(f"{where}: `{key}` must be a string, found {_kind(value)}")
    return str(value)


def _str_list(value, where: str, key: str) -> list[str]:
    return [_s(v, where, key) or "" for v in _list(value, where, key)]


def _int(value, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise LockFileError(cut_long_values(f"{where}: `{key}` must be an integer, found {value!r}"))
    return value


def _noarch(value, where: str) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "generic"
    return _s(value, where, "noarch")


def _conda_record(entry: dict, version: int, where: str) -> PackageRecord:
    if version >= 6:
        location = _s(entry.get("conda"), where, "conda", True)
    else:
        location = _s(entry.get("url"), where, "url", True)
    file_name = urls.file_name_of(location)
    derived = urls.split_archive_name(file_name) or (None, None, None)
    where = f"{where} ({location})"
    name = _s(entry.get("name"), where, "name") or derived[0]
    ver = _s(entry.get("version"), where, "version") or derived[1]
    build = _s(entry.get("build"), where, "build") or derived[2] or ""
    if not name or not ver:
        raise LockFileError(f"{where}: missing `name`/`version` and the url does not name them")
    subdir = _s(entry.get("subdir"), where, "subdir") or urls.derive_subdir(location, include_file=True)
    if not subdir:
        raise LockFileError(f"{where}: missing `subdir` and the url does not name it")
    build_number = _int(entry.get("build_number"), where, "build_number")
    if build_number is None:
        build_number = (urls.derive_build_number(build) or 0) if version >= 6 else 0
    if "noarch" in entry:
        noarch = _noarch(entry.get("noarch"), where)
    elif version >= 6:
        noarch = urls.derive_noarch(urls.derive_subdir(location) or subdir, derived[2] or build)
    else:
        noarch = None
    channel = _s(entry.get("channel"), where, "channel") or urls.derive_channel(location) or ""
    if not channel and location.startswith("file://"):
        channel = location.rsplit("/", 2)[0]
    track = entry.get("track_features")
    if isinstance(track, list):
        track = " ".join(_str_list(track, where, "track_features"))
    purls = entry.get("purls")
    return PackageRecord(
        name=name,
        version=ver,
        build=build,
        build_number=build_number,
        depends=_str_list(entry.get("depends"), where, "depends"),
        constrains=_str_list(entry.get("constrains"), where, "constrains"),
        subdir=subdir,
        noarch=noarch,
        license=_s(entry.get("license"), where, "license"),
        license_family=_s(entry.get("license_family"), where, "license_family"),
        md5=_s(entry.get("md5"), where, "md5"),
        sha256=_s(entry.get("sha256"), where, "sha256"),
        size=_int(entry.get("size"), where, "size"),
        timestamp=_int(entry.get("timestamp"), where, "timestamp"),
        track_features=_s(track, where, "track_features") or "",
        features=_s(entry.get("features"), where, "features"),
        purls=_str_list(purls, where, "purls") if purls is not None else None,
        python_site_packages_path=_s(entry.get("python_site_packages_path"), where, "python_site_packages_path"),
        run_exports=_run_exports(entry.get("run_exports"), where),
        extra_depends=_run_exports(entry.get("extra_depends"), where),
        flags=_str_list(entry.get("flags"), where, "flags") or None,
        source_input=entry.get("input") if isinstance(entry.get("input"), dict) else None,
        package_build_source=entry.get("package_build_source") if isinstance(entry.get("package_build_source"), dict) else None,
        source_dependencies=entry.get("sources") if isinstance(entry.get("sources"), dict) else None,
        fn=_s(entry.get("file_name"), where, "file_name") or file_name,
        channel=channel,
        url=location,
    )


def _run_exports(value, where: str) -> dict[str, list[str]] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise LockFileError(f"{where}: `run_exports` must be a mapping")
    return {str(k): _str_list(v, where, f"run_exports.{k}") for k, v in value.items()}


def _pypi_package(entry: dict, version: int, where: str) -> PyPIPackage:
    if version >= 6:
        location = _s(entry.get("pypi"), where, "pypi", True)
    else:
        location = _s(entry.get("url"), where, "url") or _s(entry.get("path"), where, "path")
        if not location:
            raise LockFileError(f"{where}: missing `url` or `path`")
    where = f"{where} ({location})"
    hashes = {}
    for algo in ("md5", "sha256"):
        if entry.get(algo):
            hashes[algo] = _s(entry[algo], where, algo)
    is_url = "://" in location or location.startswith("git+")
    # pixi leaves out the version of a path or git package whose version is dynamic (it is
    # read from the source when installed): "" here. A registry package without one is read
    # too: it cannot meet a requirement (the check says so), which is not a broken lock.
    version = _s(entry.get("version"), where, "version")
    return PyPIPackage(
        name=_s(entry.get("name"), where, "name", True),
        version=version or "",
        index=_s(entry.get("index"), where, "index"),
        url=location if is_url else None,
        path=None if is_url else location,
        hashes=hashes,
        requires_dist=_str_list(entry.get("requires_dist"), where, "requires_dist"),
        requires_python=_s(entry.get("requires_python"), where, "requires_python"),
        editable=bool(entry.get("editable", False)),
    )


def _options(value, where: str) -> SolveOptions:
    if not value:
        return SolveOptions()
    if not isinstance(value, dict):
        raise LockFileError(f"{where}: `options` must be a mapping")
    return SolveOptions(
        strategy=_s(value.get("strategy"), where, "strategy"),
        channel_priority=_s(value.get("channel-priority"), where, "channel-priority"),
        exclude_newer=_s(value.get("exclude-newer"), where, "exclude-newer"),
        pypi_prerelease_mode=_s(value.get("pypi-prerelease-mode"), where, "pypi-prerelease-mode"),
    )


def _channel(value, where: str) -> str:
    if isinstance(value, dict):
        return _s(value.get("url"), where, "channels[].url", True)
    return _s(value, where, "channels[]", True)


def _find_link(value, where: str) -> str:
    if isinstance(value, dict):
        found = value.get("url") or value.get("path")
        return _s(found, where, "find-links[]", True)
    return _s(value, where, "find-links[]", True)


def parse_lock(text: str, source: str = "pixi.lock") -> LockFile:
    """Parse the text of a lock file (versions 4 to 7). ``source`` names it in error messages."""
    doc = _load_yaml(text, source)
    if not isinstance(doc, dict):
        raise LockFileError(f"{source}: not a lock file (expected a mapping with `version`)")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise LockFileError(f"{source}: missing or invalid `version`")
    if version not in READABLE_VERSIONS:
        raise LockFileError(
            f"{source}: lock file version {version} is not supported (readable: "
            f"{', '.join(map(str, READABLE_VERSIONS))})"
        )

    platforms: list[LockedPlatform] = []
    subdir_of: dict[str, str] = {}
    for i, p in enumerate(_list(doc.get("platforms"), source, "platforms")):
        where = f"{source}: platforms[{i}]"
        if not isinstance(p, dict):
            raise LockFileError(f"{where}: expected a mapping with `name`")
        name = _s(p.get("name"), where, "name", True)
        subdir = _s(p.get("subdir"), where, "subdir")
        subdir_of[name] = subdir or name
        platforms.append(
            LockedPlatform(name=name, subdir=subdir, virtual_packages=_str_list(p.get("virtual-packages"), where, "virtual-packages"))
        )

    # The shared package list, keyed by location.
    conda_by_url: dict[str, list[dict]] = {}
    pypi_by_loc: dict[str, dict] = {}
    for i, entry in enumerate(_list(doc.get("packages"), source, "packages")):
        where = f"{source}: packages[{i}]"
        if not isinstance(entry, dict):
            raise LockFileError(f"{where}: expected a mapping")
        if version >= 6:
            if "conda" in entry:
                conda_by_url.setdefault(_s(entry["conda"], where, "conda", True), []).append(entry)
            elif "pypi" in entry:
                pypi_by_loc[_s(entry["pypi"], where, "pypi", True)] = entry
            elif "conda_source" in entry:
                raise LockFileError(f"{where}: source packages (`conda_source`) are not supported")
            else:
                raise LockFileError(f"{where}: expected a `conda` or `pypi` key")
        else:
            kind = entry.get("kind")
            if kind == "conda":
                conda_by_url.setdefault(str(_s(entry.get("url"), where, "url")), []).append(entry)
            elif kind == "pypi":
                pypi_by_loc[str(_s(entry.get("url") or entry.get("path"), where, "url"))] = entry
            else:
                raise LockFileError(f"{where}: unknown package kind {kind!r}")

    conda_cache: dict[int, PackageRecord] = {}
    pypi_cache: dict[str, PyPIPackage] = {}
    environments: dict[str, LockedEnvironment] = {}
    raw_envs = doc.get("environments") or {}
    if not isinstance(raw_envs, dict):
        raise LockFileError(f"{source}: `environments` must be a mapping")
    for env_name, raw in raw_envs.items():
        env_name = str(env_name)
        where = f"{source}: environments.{env_name}"
        if not isinstance(raw, dict):
            raise LockFileError(f"{where}: expected a mapping")
        env = LockedEnvironment(
            name=env_name,
            channels=[_channel(c, where) for c in _list(raw.get("channels"), where, "channels")],
            indexes=_str_list(raw.get("indexes"), where, "indexes") if "indexes" in raw else None,
            # v4/v5 called them flat-indexes
            find_links=[_find_link(f, where) for f in _list(raw.get("find-links") or raw.get("flat-indexes"), where,
                                                             "find-links")],
            options=_options(raw.get("options"), where),
            conda={},
            pypi={},
        )
        for platform, selectors in _mapping(raw.get("packages"), where, "packages").items():
            platform = str(platform)
            pwhere = f"{where}.packages.{platform}"
            subdir = subdir_of.get(platform, platform)
            conda: list[PackageRecord] = []
            pypi: list[PyPIPackage] = []
            for sel in _list(selectors, pwhere, "packages"):
                if not isinstance(sel, dict):
                    raise LockFileError(f"{pwhere}: expected `conda: URL` or `pypi: URL` entries")
                if "conda" in sel:
                    url = _s(sel["conda"], pwhere, "conda", True)
                    candidates = conda_by_url.get(url)
                    if not candidates:
                        raise LockFileError(f"{pwhere}: {url} is not in the lock's package list")
                    entry = _pick_conda(candidates, subdir, version)
                    key = id(entry)
                    if key not in conda_cache:
                        conda_cache[key] = _conda_record(entry, version, f"{source}: packages")
                    conda.append(conda_cache[key])
                elif "pypi" in sel:
                    loc = _s(sel["pypi"], pwhere, "pypi", True)
                    entry = pypi_by_loc.get(loc)
                    if entry is None:
                        raise LockFileError(f"{pwhere}: {loc} is not in the lock's package list")
                    if loc not in pypi_cache:
                        pypi_cache[loc] = _pypi_package(entry, version, f"{source}: packages")
                    pypi.append(pypi_cache[loc])
                    extras = _str_list(sel.get("extras"), f"{pwhere} ({loc})", "extras")
                    if extras:
                        env.pypi_extras.setdefault(platform, {})[loc] = sorted(set(extras))
                elif "conda_source" in sel:
                    raise LockFileError(f"{pwhere}: source packages (`conda_source`) are not supported")
                else:
                    raise LockFileError(f"{pwhere}: expected `conda: URL` or `pypi: URL` entries")
            if conda:
                env.conda[platform] = conda
            if pypi:
                env.pypi[platform] = pypi
            if not conda and not pypi:
                env.conda[platform] = []
        environments[env_name] = env
    return LockFile(version=version, platforms=platforms, environments=environments)


def _pick_conda(candidates: list[dict], subdir: str, version: int) -> dict:
    if len(candidates) == 1:
        return candidates[0]
    for entry in candidates:
        entry_subdir = entry.get("subdir") or urls.derive_subdir(str(entry.get("conda") or entry.get("url")))
        if entry_subdir in (subdir, "noarch"):
            return entry
    return candidates[0]


def read_lock(path) -> LockFile:
    """Read a lock file from ``path`` (versions 4 to 7)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockFileError(f"{path}: lock file not found") from None
    except UnicodeDecodeError as exc:
        line, col = line_col(path.read_bytes(), exc.start)
        raise LockFileError(f"{path}:{line}:{col}: the lock file is not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise LockFileError(f"{path}: cannot read the lock file: {exc}") from None
    return parse_lock(text, str(path))
