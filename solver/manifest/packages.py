"""``[package]`` manifests (pixi-build) a workspace reaches: the workspace's own, the members'
and those of its path source dependencies.

Nothing is built here: a package is read so that a broken one is a located error when the
workspace loads (as in pixi), and so that the lock layer and ``inspect`` know what each source
dependency is (its name, version and build backend). Which keys a package table may hold follows
pixi's manifest reference.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ManifestError, did_you_mean, format_key
from .locate import Locator

PACKAGE_KEYS = (
    "name", "version", "description", "authors", "license", "license-file", "readme", "homepage",
    "repository", "documentation", "build", "build-dependencies", "host-dependencies", "run-dependencies",
    "run-constraints", "target", "dev-dependencies", "extra-dependencies", "run-exports",
)
# [package.run-exports]: what the package adds to whatever builds against it (conda's run_exports)
RUN_EXPORT_KINDS = ("weak", "strong", "noarch", "weak-constrains", "strong-constrains")
BUILD_KEYS = ("backend", "channels", "config", "configuration", "target", "source", "additional-dependencies", "flags", "secrets")
INHERITABLE = ("name", "version", "description", "authors", "license", "license-file", "readme", "homepage",
               "repository", "documentation")
MANIFEST_NAMES = ("pixi.toml", "pyproject.toml")


class PackageFile:
    """A manifest file holding a ``[package]``: errors are located in it."""

    def __init__(self, file: Path, text: str, prefix: tuple):
        self.file, self.prefix = file, prefix
        self.locator = Locator(text, prefix)
        self.warnings: list[str] = []

    def where(self, path) -> str:
        pos = self.locator.find(tuple(path))
        return f"{self.file}:{pos[0]}:{pos[1]}: {format_key(self.prefix + tuple(path))}" if pos else str(self.file)

    def error(self, path, message: str, suggestion: str | None = None) -> ManifestError:
        pos = self.locator.find(tuple(path), value=True)
        return ManifestError(message, file=str(self.file), line=pos[0] if pos else None, column=pos[1] if pos else None,
                             key=format_key(self.prefix + tuple(path)) or None, suggestion=suggestion)


def _check_keys(where: PackageFile, path, table: dict, allowed, what: str) -> None:
    for key in table:
        if key not in allowed and key.replace("_", "-") not in allowed:
            guess = did_you_mean(key, allowed)
            raise where.error(tuple(path) + (key,), f"unknown key `{key}` in {what}",
                              f"did you mean `{guess}`?" if guess else f"{what} accepts: {', '.join(allowed)}")


def _check_dependencies(where: PackageFile, path, table) -> None:
    """``name = spec | { ... }``; a ``"if(<condition>)"`` key holds a table of conditional ones."""
    if not isinstance(table, dict):
        raise where.error(path, "expected a table of package = spec", 'write [package.run-dependencies] with name = "spec"')
    for name, spec in table.items():
        if name.startswith("if(") and name.endswith(")"):
            _check_dependencies(where, tuple(path) + (name,), spec)
        elif not isinstance(spec, (str, dict)):
            raise where.error(tuple(path) + (name,), f"expected a version string or a table for `{name}`", f'write {name} = "*"')


def check_package(where: PackageFile, table) -> dict:
    """Validates a ``[package]`` table (keys, value kinds) and returns it."""
    path = ("package",)
    if not isinstance(table, dict):
        raise where.error(path, "expected [package] to be a table", 'write [package] with name = "..." and [package.build]')
    _check_keys(where, path, table, PACKAGE_KEYS, "[package]")
    for key in INHERITABLE:
        value = table.get(key)
        if value is None or isinstance(value, (str, list)) or value == {"workspace": True}:
            continue
        raise where.error(path + (key,), f"expected a string or {{ workspace = true }} for `{key}`", f'write {key} = "..."')
    build = table.get("build")
    if build is not None:
        if not isinstance(build, dict):
            raise where.error(path + ("build",), "expected a table", 'write [package.build] with backend = { name = "pixi-build-..." }')
        _check_keys(where, path + ("build",), build, BUILD_KEYS, "[package.build]")
        backend = build.get("backend")
        if backend is not None and not (isinstance(backend, dict) and isinstance(backend.get("name"), str) or backend == {"workspace": True}):
            raise where.error(path + ("build", "backend"), "the build backend needs a `name`", 'write backend = { name = "pixi-build-python", version = "*" }')
    for key in ("build-dependencies", "host-dependencies", "run-dependencies", "run-constraints"):
        if key in table:
            _check_dependencies(where, path + (key,), table[key])
    exports = table.get("run-exports")
    if exports is not None:
        if not isinstance(exports, dict):
            raise where.error(path + ("run-exports",), "expected a table of kind = { package = spec }",
                              "write [package.run-exports.weak] with name = \"spec\"")
        _check_keys(where, path + ("run-exports",), exports, RUN_EXPORT_KINDS, "[package.run-exports]")
        for kind, deps in exports.items():
            _check_dependencies(where, path + ("run-exports", kind), deps)
    for key in ("dev-dependencies", "extra-dependencies"):
        groups = table.get(key)
        if groups is not None:
            if not isinstance(groups, dict):
                raise where.error(path + (key,), "expected a table of group = { package = spec }")
            for group, deps in groups.items():
                _check_dependencies(where, path + (key, group), deps)
    targets = table.get("target")
    if targets is not None:
        where.warnings.append(where.where(path + ("target",)) + ': [package.target.<platform>] is deprecated: write '
                              '[package.<section>."if(<platform>)"] conditional tables instead')
        if not isinstance(targets, dict):
            raise where.error(path + ("target",), "expected a table of <platform> = { ... }")
        for selector, tables in targets.items():
            if not isinstance(tables, dict):
                raise where.error(path + ("target", selector), "expected a table")
            for key, deps in tables.items():
                _check_dependencies(where, path + ("target", selector, key), deps)
    return table


def read_package(folder: Path, warnings: list[str] | None = None) -> tuple[Path, dict] | None:
    """The ``[package]`` of the manifest in ``folder`` (pixi.toml first), validated (its
    warnings added to ``warnings``); None when the folder has no manifest with one."""
    from .discovery import read_toml

    for name in MANIFEST_NAMES:
        file = folder / name
        if not file.is_file():
            continue
        text, data = read_toml(file)
        if name == "pyproject.toml":
            pixi = data.get("tool", {}).get("pixi") if isinstance(data.get("tool"), dict) else None
            if not isinstance(pixi, dict) or "package" not in pixi:
                continue
            source = PackageFile(file, text, ("tool", "pixi"))
            table = check_package(source, pixi["package"])
        elif "package" in data:
            source = PackageFile(file, text, ())
            table = check_package(source, data["package"])
        else:
            continue
        if warnings is not None:
            warnings.extend(source.warnings)
        return file, table
    return None


def member_packages(root: Path, folders, warnings: list[str] | None = None) -> dict[str, dict]:
    """``{folder relative to root: [package] table}`` for each folder that holds a package."""
    out: dict[str, dict] = {}
    for folder in folders:
        folder = Path(folder)
        full = folder if folder.is_absolute() else root / folder
        if not full.is_dir():
            continue
        found = read_package(full, warnings)
        if found is None:
            continue
        try:
            rel = full.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = full.resolve().as_posix()
        out[rel or "."] = found[1]
    return out


# -- a package's declared dependencies (what [dev] installs) ------------------------------------------

DEV_TABLES = ("build-dependencies", "host-dependencies", "run-dependencies")


def declared_dependencies(table: dict) -> list[tuple[tuple, str, object, str | None]]:
    """The build, host and run dependencies a ``[package]`` declares, as (key path, name, spec as
    written, ``if(...)`` condition or None): what pixi installs for a ``[dev]`` entry, without
    building the package."""
    out = []
    for key in DEV_TABLES:
        for name, value in (table.get(key) or {}).items():
            if name.startswith("if(") and name.endswith(")") and isinstance(value, dict):
                for inner, spec in value.items():
                    out.append((("package", key, name, inner), inner, spec, name[3:-1]))
            else:
                out.append((("package", key, name), name, value, None))
    return out


def selector_condition_holds(expression: str, selectors: list[str]) -> bool:
    """``if(linux or win)``'s expression for a platform whose target selectors are ``selectors``
    (``unix``, ``linux``, ``linux-64``): names, ``and``, ``or``, ``not`` and parentheses."""
    import re

    tokens = re.findall(r"\(|\)|[A-Za-z0-9_.\-*]+", expression)
    pos = 0

    def atom() -> bool:
        nonlocal pos
        token = tokens[pos] if pos < len(tokens) else ""
        pos += 1
        if token == "not":
            return not atom()
        if token == "(":
            value = either()
            pos += 1  # ")"
            return value
        return token in selectors

    def both() -> bool:
        nonlocal pos
        value = atom()
        while pos < len(tokens) and tokens[pos] == "and":
            pos += 1
            value = atom() and value
        return value

    def either() -> bool:
        nonlocal pos
        value = both()
        while pos < len(tokens) and tokens[pos] == "or":
            pos += 1
            value = both() or value
        return value

    return either()
