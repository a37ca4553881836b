"""Loaded TOML (plain dicts) -> the typed ``Manifest``, validating every table and key.

Every check raises ``ManifestError`` at the offending key's line:column with a suggestion.
Relative paths (channels, find-links, mapping files) are made absolute against the manifest's
folder; PyPI ``path`` dependencies stay as written (the PyPI stage resolves them against
``project_root``, and the lock records them relative).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

# ``packaging`` (~20 ms of imports: its marker grammar compiles at import) is imported by the
# functions that read PyPI dependencies, so a conda-only manifest never loads it.

from ..errors import InputError
from ..lazyre import lazy
from ..pypi.model import PyPIRequirement
from ..redact import mask_credentials
from .errors import ManifestError, did_you_mean, format_key, printable
from .locate import Locator
from .model import (
    DEFAULT_ENVIRONMENT,
    DEFAULT_FEATURE,
    Activation,
    ChannelRef,
    CondaDependency,
    Environment,
    Feature,
    FindLink,
    Manifest,
    NamedIndex,
    Project,
    PyPIOptions,
    SystemRequirements,
    Target,
    Task,
    TaskDependency,
    environment_features,
    merge_platforms,
)
from ..options import CHANNEL_PRIORITIES, INDEX_STRATEGIES, PRERELEASE_MODES, SOLVE_STRATEGIES
from ..platform import FAMILY_SELECTORS, KNOWN_SELECTORS, KNOWN_SUBDIRS

INDEX_PRIORITIES = ("primary", "supplemental", "explicit")

DEPENDENCY_TABLES = ("dependencies", "host-dependencies", "build-dependencies", "constraints")
TARGET_KEYS = DEPENDENCY_TABLES + ("pypi-dependencies", "activation", "tasks", "dev", "exclude-newer", "pypi-exclude-newer",
                                   "pypi-options")
FEATURE_KEYS = TARGET_KEYS + (
    "channels",
    "platforms",
    "channel-priority",
    "solve-strategy",
    "system-requirements",
    "pypi-options",
    "target",
)
# An environment's own table may hold what a feature holds (pixi's inline environments).
ENVIRONMENT_KEYS = ("features", "solve-group", "no-default-feature") + FEATURE_KEYS
PROJECT_KEYS = (
    "name",
    "version",
    "description",
    "authors",
    "channels",
    "platforms",
    "license",
    "license-file",
    "readme",
    "homepage",
    "repository",
    "documentation",
    "conda-pypi-map",
    "channel-priority",
    "solve-strategy",
    "exclude-newer",
    "preview",
    "requires-pixi",
    "build-variants",
    "build-variants-files",
    "members",
    "pypi-indices",
    "pypi-options",
    "s3-options",
    "target",  # [workspace.target.<platform>.build-variants]
    "dependencies",  # [workspace.dependencies]: the pool members' packages inherit from (pixi-build)
    "audit",
)
ROOT_KEYS = FEATURE_KEYS + (
    "project",
    "workspace",
    "package",
    "feature",
    "environments",
    "pypi-indices",
    "tool",
    "$schema",
)
CONDA_DEP_KEYS = (
    "version",
    "build",
    "build-number",
    "channel",
    "subdir",
    "md5",
    "sha256",
    "file-name",
    "license",
    "url",
    "path",
    "git",
    "branch",
    "tag",
    "rev",
    "subdirectory",
    "extras",
    "flags",
    "when",
    "package",  # an inline package manifest of a source dependency (pixi-build)
)
PYPI_DEP_KEYS = (
    "version",
    "extras",
    "index",
    "git",
    "rev",
    "branch",
    "tag",
    "subdirectory",
    "path",
    "editable",
    "url",
    "env-markers",
    "marker",
)
TASK_KEYS = (
    "cmd",
    "depends-on",
    "cwd",
    "env",
    "inputs",
    "outputs",
    "clean-env",
    "description",
    "args",
    "default-environment",
)
SYSREQ_KEYS = ("linux", "libc", "macos", "cuda", "archspec")
PYPI_OPTION_KEYS = (
    "index-url",
    "extra-index-urls",
    "find-links",
    "no-build-isolation",
    "index-strategy",
    "prerelease-mode",
    "no-build",
    "no-binary",
    "dependency-overrides",
    "skip-wheel-filename-check",
)

_CONDA_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_CONDA_VERSION_CHARS = lazy(r"^[A-Za-z0-9_.*+!<>=~|,()\-^$ @]+$")
_PYPI_NAME = lazy(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SYSREQ_VERSION = lazy(r"^[0-9]+(\.[0-9A-Za-z]+)*$")
_ENV_NAME = lazy(r"^[a-z0-9_-]+$")
_OP_SPACE = re.compile(r"(==|!=|>=|<=|~=|>|<|=)\s+")
_LIST_SPACE = re.compile(r"\s*([,|])\s*")


class Context:
    """Where we are: the file (for messages), its folder, a locator and collected warnings."""

    def __init__(self, file: Path, text: str, prefix: tuple = ()):
        self.file = file
        self.text = text
        self.root = file.parent
        self.locator = Locator(text, prefix)
        self.prefix = prefix
        self.warnings: list[str] = []
        self.index_refs: list[tuple[tuple, str]] = []  # (key path, index name) to check later
        self.platform_entries: dict = {}  # rich workspace platforms by name, once the workspace is read

    def error(self, path, message: str, suggestion: str | None = None, absolute: bool = False, value: bool = False) -> ManifestError:
        """An error at ``path`` (at its value with ``value=True``: a bad value, not a bad key)."""
        pos = self.locator.find(path, absolute=absolute, value=value)
        full = tuple(path) if absolute else self.prefix + tuple(path)
        return ManifestError(
            message,
            file=str(self.file),
            line=pos[0] if pos else None,
            column=pos[1] if pos else None,
            key=format_key(full) or None,
            suggestion=suggestion,
        )

    def warn(self, path, message: str) -> None:
        pos = self.locator.find(path)
        where = f"{self.file}:{pos[0]}:{pos[1]}" if pos else str(self.file)
        # shown by solve and inspect: credentials masked and control characters escaped, as in errors
        self.warnings.append(printable(mask_credentials(f"{where}: {format_key(self.prefix + tuple(path))}: {message}")))


# -- generic checks -------------------------------------------------------------------------------


def _type_name(value) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "an array",
        dict: "a table",
        _dt.date: "a date",
        _dt.datetime: "a date-time",
    }.get(type(value), type(value).__name__)


def expect(ctx: Context, path, value, kinds: tuple, what: str):
    """``value`` must be one of ``kinds`` (bool is never an int here)."""
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        raise ctx.error(path, f"expected {what}, found {_type_name(value)}", f"write {format_key(path[-1:])} as {what}", value=True)
    return value


def string_list(ctx: Context, path, value, what: str = "an array of strings") -> list[str]:
    expect(ctx, path, value, (list,), what)
    for i, item in enumerate(value):
        expect(ctx, tuple(path) + (i,), item, (str,), "a string")
    return list(value)


def check_keys(ctx: Context, path, table: dict, allowed, where: str) -> dict:
    """Unknown keys are errors with a did-you-mean; ``snake_case`` spellings are accepted."""
    out = {}
    for key, value in table.items():
        norm = key if key in allowed else key.replace("_", "-")
        if norm not in allowed:
            guess = did_you_mean(key, allowed)
            hint = f"did you mean `{guess}`?" if guess else f"{where} accepts: {', '.join(dict.fromkeys(allowed))}"
            raise ctx.error(tuple(path) + (key,), f"unknown key `{key}` in {where}", hint)
        out[norm] = value
    return out


def enum(ctx: Context, path, value, choices, what: str) -> str:
    expect(ctx, path, value, (str,), "a string")
    if value not in choices:
        guess = did_you_mean(value, choices)
        hint = f"did you mean `{guess}`?" if guess else f"use one of: {', '.join(choices)}"
        raise ctx.error(path, f"unknown {what} `{value}`", hint, value=True)
    return value


def version_like(ctx: Context, path, value, what: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    expect(ctx, path, value, (str,), "a version string")
    value = value.strip()
    if not _SYSREQ_VERSION.match(value):
        raise ctx.error(path, f"invalid {what} version `{value}`", 'write a version such as "2.28" or "12"', value=True)
    return value


def is_url(text: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) is not None


def check_url(ctx: Context, path, text: str) -> str:
    """``text`` if the URL can be taken apart; a bad port or bracket (``http://h:99999``,
    ``http://[::1/x``) is an error here, at its line, not a crash when it is first fetched."""
    from urllib.parse import urlsplit

    try:
        urlsplit(text).port
    except ValueError as exc:
        raise ctx.error(path, f"`{text}` is not a valid URL: {exc}", "check the host and the port") from None
    return text


def looks_like_path(text: str) -> bool:
    return (
        text.startswith(("/", "./", "../", "~", ".\\", "..\\"))
        or text in (".", "..")
        or re.match(r"^[A-Za-z]:[\\/]", text) is not None
    )


def user_path(ctx: Context, where, text: str) -> Path:
    """``text`` with ``~`` expanded; a path no file can have (NUL, ``~nosuchuser``) is an error at ``where``."""
    from ..conda.channel import expand_user_path

    try:
        return expand_user_path(text)
    except InputError as exc:
        raise ctx.error(where, str(exc), "fix the path", value=True) from None


def path_to_url(ctx: Context, text: str, where=()) -> str:
    path = user_path(ctx, where, text)
    if not path.is_absolute():
        path = ctx.root / path
    return Path(os.path.normpath(path)).as_uri()


# -- project ----------------------------------------------------------------------------------------


def parse_channel(ctx: Context, path, value) -> ChannelRef:
    priority = None
    if isinstance(value, dict):
        value = check_keys(ctx, path, value, ("channel", "priority"), "a channel table")
        if "channel" not in value:
            raise ctx.error(path, "a channel table needs `channel`", 'write { channel = "name", priority = 1 }')
        if "priority" in value:
            priority = expect(ctx, tuple(path) + ("priority",), value["priority"], (int,), "an integer")
        path = tuple(path) + ("channel",)
        value = value["channel"]
    expect(ctx, path, value, (str,), "a channel name, URL or path")
    text = value.strip()
    if not text:
        raise ctx.error(path, "empty channel", "write a channel name, an URL or a path")
    if text.startswith("file://"):
        rest = text[len("file://") :]
        if not rest.startswith("/"):  # file://./local or file://relative: make absolute
            text = path_to_url(ctx, rest, path)
    elif looks_like_path(text):
        text = path_to_url(ctx, text, path)
    elif is_url(text):
        text = check_url(ctx, path, text.rstrip("/"))
    return ChannelRef(text, priority)


def parse_channels(ctx: Context, path, value) -> list[ChannelRef]:
    expect(ctx, path, value, (list,), "an array of channels")
    out: list[ChannelRef] = []
    for i, item in enumerate(value):
        ref = parse_channel(ctx, tuple(path) + (i,), item)
        if any(r.channel == ref.channel for r in out):
            ctx.warn(tuple(path) + (i,), f"channel `{ref.channel}` is listed twice")
            continue
        out.append(ref)
    return out


def parse_platforms(ctx: Context, path, value, known: dict | None = None) -> list[str]:
    """A feature's ``platforms``: names of workspace platforms (``known``: the rich entries by
    name) or conda subdirs."""
    items = string_list(ctx, path, value, "an array of platform names")
    names = list(KNOWN_SUBDIRS) + list(known or {})
    out = []
    for i, item in enumerate(items):
        if item not in names:
            guess = did_you_mean(item, names)
            hint = f"did you mean `{guess}`?" if guess else f"known platforms: {', '.join(names)}"
            raise ctx.error(tuple(path) + (i,), f"unknown platform `{item}`", hint)
        if item not in out:
            out.append(item)
    return out


# Friendly keys of a rich platform entry -> the virtual package each declares.
PLATFORM_VP_KEYS = {"cuda": "__cuda", "archspec": "__archspec", "glibc": "__glibc", "linux": "__linux",
                    "macos": "__osx", "osx": "__osx", "windows": "__win"}


def _vp_version(ctx: Context, path, value, key: str) -> str:
    if key == "archspec":
        return expect(ctx, path, value, (str,), "a microarchitecture name")
    return version_like(ctx, path, value, key)


def parse_workspace_platforms(ctx: Context, path, value) -> tuple[list[str], dict]:
    """``workspace.platforms``: bare subdirs and rich entries (``{ name?, platform?, cuda, glibc,
    ..., __name = "version" }``). Returns the platform names in order and the rich entries by name."""
    from .model import PlatformEntry

    expect(ctx, path, value, (list,), "an array of platform names")
    names: list[str] = []
    entries: dict[str, PlatformEntry] = {}
    definitions: dict[tuple, str] = {}
    for i, item in enumerate(value):
        ip = tuple(path) + (i,)
        if isinstance(item, str):
            if item not in KNOWN_SUBDIRS:
                guess = did_you_mean(item, KNOWN_SUBDIRS)
                hint = f"did you mean `{guess}`?" if guess else f"known platforms: {', '.join(KNOWN_SUBDIRS)}"
                raise ctx.error(ip, f"unknown platform `{item}`", hint)
            if item not in names:
                names.append(item)
            continue
        expect(ctx, ip, item, (dict,), "a platform name or a table { platform = ..., cuda = ... }")
        allowed = ("name", "platform", *PLATFORM_VP_KEYS, "subdir", "virtual-packages")
        vps: dict[str, str] = {}
        item = dict(item)
        if "subdir" in item and "platform" not in item:  # an earlier spelling of the same entry
            item["platform"] = item.pop("subdir")
        for key, v in item.items():
            kp = ip + (key,)
            if key == "virtual-packages":  # an earlier spelling: ["__cuda=12.0", ...]
                for j, text in enumerate(string_list(ctx, kp, v, 'an array like ["__cuda=12.0"]')):
                    vp_name, _, version = text.partition("=")
                    if not vp_name.startswith("__") or not version:
                        raise ctx.error(kp + (j,), f"invalid virtual package `{text}`", 'write "__name=version", e.g. "__cuda=12.0"', value=True)
                    vps[vp_name] = version.split("=", 1)[0]
            elif key.startswith("__") and len(key) > 2:
                vps[key] = _vp_version(ctx, kp, v, key)
            elif key == "cuda" and isinstance(v, dict):
                t = check_keys(ctx, kp, v, ("driver", "arch"), "the cuda table")
                if "arch" in t and "driver" not in t:
                    raise ctx.error(kp, "`arch` needs `driver`: __cuda_arch means nothing without __cuda", 'write cuda = { driver = "12.0", arch = "8.6" }')
                if "driver" in t:
                    vps["__cuda"] = version_like(ctx, kp + ("driver",), t["driver"], "cuda")
                if "arch" in t:
                    vps["__cuda_arch"] = version_like(ctx, kp + ("arch",), t["arch"], "cuda arch")
            elif key in PLATFORM_VP_KEYS:
                vps[PLATFORM_VP_KEYS[key]] = _vp_version(ctx, kp, v, key)
            elif key not in ("name", "platform"):
                guess = did_you_mean(key, allowed)
                raise ctx.error(kp, f"unknown key `{key}` in a platform entry",
                                f"did you mean `{guess}`?" if guess else f"a platform entry accepts: {', '.join(allowed)}, or __name = \"version\"")
        if "__cuda_arch" in vps and "__cuda" not in vps:
            raise ctx.error(ip, "__cuda_arch needs __cuda", "declare the CUDA driver version too")
        name = expect(ctx, ip + ("name",), item["name"], (str,), "a platform name") if "name" in item else None
        subdir = expect(ctx, ip + ("platform",), item["platform"], (str,), "a conda subdir") if "platform" in item else None
        if subdir is None:
            if name is None or name not in KNOWN_SUBDIRS:
                raise ctx.error(ip, "a platform entry needs `platform` (the conda subdir)", 'write { platform = "linux-64", cuda = "12.0" }')
            subdir = name
        if subdir not in KNOWN_SUBDIRS:
            guess = did_you_mean(subdir, KNOWN_SUBDIRS)
            raise ctx.error(ip + ("platform",), f"unknown platform `{subdir}`",
                            f"did you mean `{guess}`?" if guess else f"known platforms: {', '.join(KNOWN_SUBDIRS)}", value=True)
        if name is None:  # pixi's synthesized name: the subdir, then each declared package and version
            name = "-".join([subdir] + [f"{k.lstrip('_')}-{re.sub(r'[^A-Za-z0-9]+', '-', v)}" for k, v in sorted(vps.items())])
        elif not re.fullmatch(r"[A-Za-z0-9_.\-]+", name) or name in ("noarch", "unknown") and vps:
            raise ctx.error(ip + ("name",), f"invalid platform name `{name}`", "use letters, digits, `-`, `_` and `.`", value=True)
        elif name in FAMILY_SELECTORS:  # target selectors of OS families
            raise ctx.error(ip + ("name",), f"platform name `{name}` is reserved for [target.{name}]", f'name it e.g. "{subdir}-custom"', value=True)
        elif name in KNOWN_SUBDIRS and name != subdir:
            raise ctx.error(ip + ("name",), f"platform name `{name}` is the name of another conda subdir", "choose a name that is not a subdir", value=True)
        definition = (subdir, tuple(sorted(vps.items())))
        if name in names:
            raise ctx.error(ip, f"platform `{name}` is declared twice", "give each platform entry its own name")
        if definition in definitions and vps:
            raise ctx.error(ip, f"platform `{name}` declares the same subdir and virtual packages as `{definitions[definition]}`", "remove one of them")
        definitions[definition] = name
        names.append(name)
        if vps or name != subdir:
            entries[name] = PlatformEntry(name=name, subdir=subdir, virtual_packages=vps)
    return names, entries


# humantime's units (what pixi's relative exclude-newer accepts), in seconds.
_DURATION_UNITS = {
    **dict.fromkeys(("nanos", "nsec", "ns"), 1e-9), **dict.fromkeys(("usec", "us", "µs"), 1e-6),
    **dict.fromkeys(("millis", "msec", "ms"), 1e-3),
    **dict.fromkeys(("seconds", "second", "secs", "sec", "s"), 1),
    **dict.fromkeys(("minutes", "minute", "mins", "min", "m"), 60),
    **dict.fromkeys(("hours", "hour", "hrs", "hr", "h"), 3600),
    **dict.fromkeys(("days", "day", "d"), 86400),
    **dict.fromkeys(("weeks", "week", "w"), 7 * 86400),
    **dict.fromkeys(("months", "month", "M"), 2_630_016),  # 30.44 days, as humantime
    **dict.fromkeys(("years", "year", "y"), 31_557_600),  # 365.25 days
}
_DURATION_PART = lazy(r"\s*([0-9]+)\s*([A-Za-zµ]+)")


def parse_duration(text: str) -> float | None:
    """``"7d"``, ``"1h30m"``, ``"2 weeks"`` -> seconds; None if it is not a duration."""
    pos, total, text = 0, 0.0, text.strip()
    if not text:
        return None
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None or m.group(2) not in _DURATION_UNITS:
            return None
        total += int(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return total


def _now_ms() -> int:
    """The clock relative exclude-newer durations count back from (``SOLVER_NOW``, an RFC 3339
    time, pins it: reproducible runs and tests)."""
    pinned = os.environ.get("SOLVER_NOW", "").strip()
    if pinned:
        try:
            t = _dt.datetime.fromisoformat(pinned.replace("Z", "+00:00"))
            return int((t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)).timestamp() * 1000)
        except ValueError:
            pass
    import time

    return int(time.time() * 1000)


def parse_exclude_newer(ctx: Context, path, value, *, allow_false: bool = False) -> tuple[int | None, str | None]:
    """An exclude-newer value -> (cutoff in ms since the epoch, the duration text when relative).

    An RFC 3339 timestamp is that instant; a date means the start of the following day (UTC),
    as pixi has it; a relative duration (``"7d"``, ``"1h30m"``) counts back from now.
    ``false`` (where allowed) means no cutoff: (None, None)."""
    if value is False and allow_false:
        return None, None
    if isinstance(value, str):
        text = value.strip()
        seconds = parse_duration(text)
        if seconds is not None:
            return _now_ms() - int(seconds * 1000), text
        try:
            if len(text) == 10:
                value = _dt.date.fromisoformat(text)
            else:
                value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ctx.error(
                path, f"invalid date or duration `{value}`",
                'write a date (2024-01-31), a date-time (2024-01-31T12:00:00Z) or a duration ("7d", "1h30m")', value=True
            ) from None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return int(value.timestamp() * 1000), None
    if isinstance(value, _dt.date):
        next_day = _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc) + _dt.timedelta(days=1)
        return int(next_day.timestamp() * 1000), None
    raise ctx.error(path, f"expected a date or a duration, found {_type_name(value)}", 'write exclude-newer = 2024-01-31 or "7d"', value=True)


def parse_exclude_newer_table(ctx: Context, path, value, pypi: bool) -> dict[str, int | None]:
    """``[exclude-newer]`` / ``[pypi-exclude-newer]``: package name -> its own cutoff."""
    expect(ctx, path, value, (dict,), "a table of package = cutoff")
    out: dict[str, int | None] = {}
    for name, cutoff in value.items():
        np_ = tuple(path) + (name,)
        if pypi:
            check_pypi_name(ctx, np_, name)
            from packaging.utils import canonicalize_name

            key = str(canonicalize_name(name))
        else:
            if not _CONDA_NAME.match(name):
                raise ctx.error(np_, f"invalid package name `{name}`", "conda package names use letters, digits, `_`, `-` and `.`")
            key = name.lower()
        out[key] = parse_exclude_newer(ctx, np_, cutoff, allow_false=True)[0]
    return out


def parse_project(ctx: Context, path, table: dict, pyproject_meta: dict | None) -> tuple[Project, dict]:
    """The project/workspace table. Returns it and the default-feature keys found inside it."""
    expect(ctx, path, table, (dict,), "a table")
    t = check_keys(ctx, path, table, PROJECT_KEYS, f"[{path[-1]}]")
    kw: dict = {}
    p = tuple(path)
    for key in ("name", "version", "description", "license", "homepage", "repository", "documentation", "requires-pixi"):
        if key in t:
            kw[key.replace("-", "_")] = expect(ctx, p + (key,), t[key], (str,), "a string")
    for key in ("license-file", "readme"):
        if key in t:
            kw[key.replace("-", "_")] = expect(ctx, p + (key,), t[key], (str,), "a relative path")
    if "authors" in t:
        kw["authors"] = string_list(ctx, p + ("authors",), t["authors"])
    if "channels" in t:
        kw["channels"] = parse_channels(ctx, p + ("channels",), t["channels"])
    if "platforms" in t:
        kw["platforms"], kw["platform_entries"] = parse_workspace_platforms(ctx, p + ("platforms",), t["platforms"])
    if "channel-priority" in t:
        kw["channel_priority"] = enum(ctx, p + ("channel-priority",), t["channel-priority"], CHANNEL_PRIORITIES, "channel-priority")
    if "solve-strategy" in t:
        kw["solve_strategy"] = enum(ctx, p + ("solve-strategy",), t["solve-strategy"], SOLVE_STRATEGIES, "solve-strategy")
    if "exclude-newer" in t:
        kw["exclude_newer"], kw["exclude_newer_relative"] = parse_exclude_newer(ctx, p + ("exclude-newer",), t["exclude-newer"])
    if "preview" in t:
        value = t["preview"]
        if isinstance(value, bool):
            kw["preview"] = value
        else:
            kw["preview"] = string_list(ctx, p + ("preview",), value, "an array of preview feature names or true")
    if "conda-pypi-map" in t:
        kw.update(parse_conda_pypi_map(ctx, p + ("conda-pypi-map",), t["conda-pypi-map"]))
    if "build-variants" in t:
        kw["build_variants"] = expect(ctx, p + ("build-variants",), t["build-variants"], (dict,), "a table")
    if "build-variants-files" in t:
        kw["build_variants_files"] = string_list(ctx, p + ("build-variants-files",), t["build-variants-files"])
    if "dependencies" in t:  # the pool [package] tables inherit from with { workspace = true }
        parse_conda_table(ctx, p + ("dependencies",), t["dependencies"])
    if "target" in t:
        expect(ctx, p + ("target",), t["target"], (dict,), "a table")
    if "audit" in t:  # [workspace.audit]: advisories `pixi audit` ignores
        expect(ctx, p + ("audit",), t["audit"], (dict,), "a table")
        audit = check_keys(ctx, p + ("audit",), t["audit"], ("ignore",), "[workspace.audit]")
        if "ignore" in audit:
            string_list(ctx, p + ("audit", "ignore"), audit["ignore"], "an array of advisory ids")
    if "members" in t:
        kw["members"] = string_list(ctx, p + ("members",), t["members"], "an array of relative folder paths or glob patterns")
        kw["member_paths"] = resolve_members(ctx, p + ("members",), kw["members"])
    feature_keys = {k: t[k] for k in ("pypi-options",) if k in t}
    if pyproject_meta:
        for key, value in pyproject_meta.items():
            kw.setdefault(key, value)
    return Project(**kw), feature_keys


def parse_conda_pypi_map(ctx: Context, path, value) -> dict:
    """``conda-pypi-map``: per channel a mapping file (path or URL, overlaid on the default
    mapping), ``false`` (no mapping: no conda package of it counts as a PyPI package), or a table
    ``{ location?, mapping-mode = "overlay" | "replace", mapping = { conda = "pypi" | false } }``."""
    p = tuple(path)
    expect(ctx, p, value, (dict,), "a table of channel = mapping")
    files: dict[str, str] = {}
    disabled: list[str] = []
    inline: dict[str, dict[str, str | None]] = {}
    replace: list[str] = []

    def location(cp, text) -> str:
        expect(ctx, cp, text, (str,), "a URL or a path")
        if is_url(text):
            return text
        loc = user_path(ctx, cp, text)
        return str(loc if loc.is_absolute() else ctx.root / loc)

    for channel, entry in value.items():
        cp = p + (channel,)
        # a channel given as a path is keyed as `channels` names it: its file:// URL
        key = path_to_url(ctx, channel, cp) if looks_like_path(channel) else channel
        if entry is False:
            disabled.append(key)
        elif isinstance(entry, dict):
            t = check_keys(ctx, cp, entry, ("location", "mapping-mode", "mapping"), "a conda-pypi-map entry")
            if "location" in t:
                files[key] = location(cp + ("location",), t["location"])
            mode = enum(ctx, cp + ("mapping-mode",), t["mapping-mode"], ("overlay", "replace"), "mapping-mode") if "mapping-mode" in t else "overlay"
            if mode == "replace":
                replace.append(key)
            if "mapping" in t:
                table = expect(ctx, cp + ("mapping",), t["mapping"], (dict,), "a table of conda name = PyPI name or false")
                names: dict[str, str | None] = {}
                for conda_name, pypi_name in table.items():
                    if pypi_name is not False:
                        expect(ctx, cp + ("mapping", conda_name), pypi_name, (str,), "a PyPI name or false")
                    names[conda_name.lower()] = None if pypi_name is False else pypi_name
                inline[key] = names
        else:
            files[key] = location(cp, entry)
    return {"conda_pypi_map": files, "conda_pypi_map_disabled": disabled, "conda_pypi_map_inline": inline,
            "conda_pypi_map_replace": replace}


_GLOB_CHARS = lazy(r"[*?\[]")
MEMBER_MANIFESTS = ("pixi.toml", "pyproject.toml")


def resolve_members(ctx: Context, path, entries: list[str]) -> list[str]:
    """``[workspace].members``: folders (or glob patterns of folders) relative to the workspace root.

    The seeds show only the key (a member is a project folder holding its own manifest); nothing is
    solved from it here, so this validates that every entry names existing folders and returns them
    as root-relative POSIX paths, in the order written, each once."""
    root = ctx.root.resolve()
    out: list[str] = []
    for i, entry in enumerate(entries):
        here = tuple(path) + (i,)
        text = entry.strip().replace("\\", "/")
        if not text or Path(text).is_absolute() or re.match(r"^[A-Za-z]:/", text) or text.startswith("~"):
            raise ctx.error(here, f"workspace member `{entry}` must be a path relative to the workspace root", 'write it like "packages/core-lib" or "packages/*"', value=True)
        if _GLOB_CHARS.search(text):
            found = sorted(p for p in root.glob(text.rstrip("/")) if p.is_dir() and p.resolve() != root)
            if not found:
                raise ctx.error(here, f"workspace member pattern `{entry}` matches no folder under {root}", "fix the pattern or create the member folders", value=True)
        else:
            folder = root / text
            if not folder.is_dir():
                what = "is not a folder" if folder.exists() else "does not exist"
                siblings = [c.name for c in folder.parent.iterdir() if c.is_dir()] if folder.parent.is_dir() else []
                guess = did_you_mean(folder.name, siblings)
                hint = f"did you mean `{Path(text).parent / guess if Path(text).parent != Path('.') else guess}`?" if guess else "create the member folder or remove it from members"
                raise ctx.error(here, f"workspace member `{entry}` {what} ({folder})", hint, value=True)
            found = [folder]
        for folder in found:
            rel = os.path.relpath(os.path.normpath(folder), root).replace(os.sep, "/")
            if rel == ".":
                raise ctx.error(here, f"workspace member `{entry}` is the workspace root itself", "list the member project folders, not the root", value=True)
            if rel not in out:
                out.append(rel)
                if not any((folder / name).is_file() for name in MEMBER_MANIFESTS):
                    ctx.warn(here, f"workspace member `{rel}` holds no pixi.toml or pyproject.toml")
    return out


# -- conda dependencies ------------------------------------------------------------------------------


def normalize_version(text: str) -> str:
    """``>= 1.2 , < 2`` -> ``>=1.2,<2``: no blanks inside a version spec (a blank starts the build)."""
    text = _OP_SPACE.sub(r"\1", text.strip())
    return _LIST_SPACE.sub(r"\1", text)


def _bracket_value(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9_.\-]+", value) else '"' + value.replace('"', '\\"') + '"'


def validate_matchspec(ctx: Context, path, spec: str) -> str:
    """Check with the conda MatchSpec parser when it is there; a light check otherwise."""
    try:
        from ..conda.matchspec import MatchSpec  # noqa: PLC0415 - optional until written
    except ImportError:
        MatchSpec = None
    if MatchSpec is not None:
        try:
            MatchSpec.parse(spec)
        except Exception as exc:  # InvalidMatchSpec (an InputError) or a ValueError from the parser
            reason = str(exc)
            if reason.startswith("invalid match spec") and "': " in reason:
                reason = reason.split("': ", 1)[1]
            raise ctx.error(path, f"invalid conda spec `{spec}`: {reason}", value=True, suggestion="see the VersionSpec examples: \">=1.2,<2\", \"1.2.*\", \"~=1.2.3\"") from None
        return spec
    name, _, rest = spec.partition(" ")
    if "[" in rest:
        rest = rest.split("[", 1)[0]
    if rest and not _CONDA_VERSION_CHARS.match(rest):
        raise ctx.error(path, f"invalid conda spec `{spec}`", value=True, suggestion="see the VersionSpec examples: \">=1.2,<2\", \"1.2.*\", \"~=1.2.3\"")
    version = rest.split(" ")[0] if rest else ""
    if version and (version.endswith((",", "|")) or version.startswith((",", "|")) or ",," in version or "||" in version):
        raise ctx.error(path, f"invalid conda spec `{spec}`", "remove the dangling `,` or `|`", value=True)
    return spec


def parse_conda_dependency(ctx: Context, path, name: str, value) -> CondaDependency:
    if not _CONDA_NAME.match(name):
        raise ctx.error(path, f"invalid package name `{name}`", "conda package names use letters, digits, `_`, `-` and `.`")
    lname = name.lower()
    if isinstance(value, str):
        text = normalize_version(value)
        if not text:
            raise ctx.error(path, f"empty version for `{name}`", 'write "*" for any version')
        spec = lname if text == "*" else f"{lname} {text}"
        return CondaDependency(name=lname, spec=validate_matchspec(ctx, path, spec))
    if isinstance(value, dict):
        t = check_keys(ctx, path, value, CONDA_DEP_KEYS, f"the dependency table of `{name}`")
        p = tuple(path)
        v3 = {}  # repodata v3 fields: carried beside the spec
        for key in ("extras", "flags"):
            if key in t:
                v3[key] = string_list(ctx, p + (key,), t.pop(key))
        if v3.get("flags"):
            ctx.warn(p + ("flags",), "variant flags are kept but not matched by this solver: any build of the package may be chosen")
        if "when" in t:
            v3["when"] = parse_condition(ctx, p + ("when",), t.pop("when"))
        inline_package = t.pop("package", None)
        if inline_package is not None:
            expect(ctx, p + ("package",), inline_package, (dict,), "an inline package table")
        for key, v in t.items():
            if key == "build-number":
                expect(ctx, p + (key,), v, (int, str), "an integer or a version spec")
            else:
                expect(ctx, p + (key,), v, (str,), "a string")
        if inline_package is not None and not any(k in t for k in ("path", "git", "url")):
            raise ctx.error(p + ("package",), "an inline package needs a source (path, git or url)", "add git = \"...\" or path = \"...\"")
        source_keys = [k for k in ("path", "git") if k in t]
        url = t.get("url")
        if url is not None and not url.endswith((".conda", ".tar.bz2")):
            source_keys.append("url")
        if len(source_keys) > 1:
            raise ctx.error(p + (source_keys[1],), f"`{name}` names more than one source ({', '.join(source_keys)})", "keep one of path, git or url")
        if source_keys:
            kind = source_keys[0]
            for key in ("branch", "tag", "rev"):
                if key in t and kind != "git":
                    raise ctx.error(p + (key,), f"`{key}` only applies to a git source", "add `git = \"...\"` or remove it")
            source = {k: v for k, v in t.items() if k in ("path", "git", "url", "branch", "tag", "rev", "subdirectory")}
            if "path" in source:
                src = user_path(ctx, p + ("path",), source["path"])
                source["path"] = str(src if src.is_absolute() else (ctx.root / src))
            extra = [k for k in t if k not in source]
            spec = lname
            if "version" in t:
                spec = f"{lname} {normalize_version(t['version'])}"
            if extra and extra != ["version"]:
                ctx.warn(p, f"{', '.join(k for k in extra if k != 'version')} ignored for a source dependency")
            if inline_package is not None:
                source["package"] = inline_package
            return CondaDependency(name=lname, spec=spec, source=source, **v3)
        for key in ("branch", "tag", "rev", "subdirectory"):
            if key in t:
                raise ctx.error(p + (key,), f"`{key}` only applies to a git source", "add `git = \"...\"` or remove it")
        version = normalize_version(t.get("version", "")) or None
        build = t.get("build")
        spec = lname
        if version and version != "*":
            spec += f" {version}"
        if build:
            spec += f" {build}" if version and version != "*" else f" * {build}"
        brackets = []
        if "build-number" in t:
            brackets.append(f"build_number={_bracket_value(str(t['build-number']))}")
        for key, field in (("subdir", "subdir"), ("md5", "md5"), ("sha256", "sha256"), ("file-name", "fn"), ("license", "license"), ("url", "url")):
            if key in t:
                brackets.append(f"{field}={_bracket_value(t[key])}")
        if brackets:
            spec += "[" + ",".join(brackets) + "]"
        if "channel" in t:
            channel = parse_channel(ctx, p + ("channel",), t["channel"]).channel
            spec = f"{channel}::{spec}"
        return CondaDependency(name=lname, spec=validate_matchspec(ctx, p + ("version",) if "version" in t else p, spec), **v3)
    raise ctx.error(path, f"expected a version string or a table, found {_type_name(value)}", f'write {name} = ">=1.0" or {name} = {{ version = ">=1.0" }}')


def parse_condition(ctx: Context, path, value):
    """A conditional dependency's ``when``: a MatchSpec string (``"__win"``, ``"python >=3.12"``),
    a MatchSpec table, or ``{ all = [...] }`` / ``{ any = [...] }`` of conditions."""
    p = tuple(path)
    if isinstance(value, str):
        return validate_matchspec(ctx, p, normalize_version(value))
    expect(ctx, p, value, (dict,), "a MatchSpec string or a table")
    if len(value) == 1 and next(iter(value)) in ("all", "any"):
        key = next(iter(value))
        items = expect(ctx, p + (key,), value[key], (list,), "an array of conditions")
        return {key: [parse_condition(ctx, p + (key, i), c) for i, c in enumerate(items)]}
    t = check_keys(ctx, p, value, ("name", "version", "build", "build-number"), "a condition table")
    if "name" not in t:
        raise ctx.error(p, "a condition table needs `name`", 'write when = { name = "python", version = ">=3.12" }')
    dep = parse_conda_dependency(ctx, p, expect(ctx, p + ("name",), t["name"], (str,), "a package name"),
                                 {k: v for k, v in t.items() if k != "name"})
    return dep.spec


def condition_holds(condition, virtual: dict) -> bool | None:
    """Whether a condition is met by the platform's virtual packages (name -> record): True or
    False when it names only virtual packages, None when it depends on what the solve installs."""
    from ..conda.conditions import condition_met, condition_names

    if not all(name.startswith("__") for name in condition_names(condition)):
        return None
    return condition_met(condition, virtual)


def parse_conda_table(ctx: Context, path, value) -> dict[str, CondaDependency]:
    expect(ctx, path, value, (dict,), "a table of package = spec")
    out: dict[str, CondaDependency] = {}
    for name, spec in value.items():
        dep = parse_conda_dependency(ctx, tuple(path) + (name,), name, spec)
        out[dep.name] = dep
    return out


# -- PyPI dependencies --------------------------------------------------------------------------------


def parse_specifier(ctx: Context, path, text: str) -> str:
    text = text.strip()
    if text in ("*", ""):
        return ""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    long_number = re.search(r"[0-9]{1000,}", text)
    if long_number:  # Python converts at most 4300 digits to an int; no release needs 1000
        raise ctx.error(path, f"a number in `{text}` has {len(long_number.group())} digits",
                        "version numbers have at most 999 digits", value=True)
    try:
        return str(SpecifierSet(text)) if text else ""
    except InvalidSpecifier:
        pass
    try:  # be liberal: a bare version means exactly that version
        Version(text)
        return f"=={text}"
    except InvalidVersion:
        pass
    hint = 'write a PEP 440 specifier such as ">=1.0,<2", "~=1.4" or "*"'
    if "+" in text and re.search(r"(>=|<=|>|<|~=)[^,]*\+", text):
        hint = "a local version label (+...) is only allowed with == or !=; drop it or use =="
    raise ctx.error(path, f"invalid PEP 440 specifier `{text}`", hint, value=True)


def parse_marker(ctx: Context, path, text) -> str:
    expect(ctx, path, text, (str,), "a PEP 508 marker string")
    from packaging.markers import InvalidMarker, Marker

    try:
        return str(Marker(text))
    except InvalidMarker as exc:
        raise ctx.error(path, f"invalid environment marker `{text}`: {exc}", "write e.g. sys_platform == 'linux'", value=True) from None


def check_pypi_name(ctx: Context, path, name: str) -> None:
    if not _PYPI_NAME.match(name):
        raise ctx.error(path, f"invalid PyPI package name `{name}`", "names are letters, digits, and . _ - (not at the ends)")


def parse_pypi_dependency(ctx: Context, path, name: str, value) -> PyPIRequirement:
    p = tuple(path)
    check_pypi_name(ctx, p, name)
    if isinstance(value, str):
        return PyPIRequirement(name=name, specifier=parse_specifier(ctx, p, value))
    if not isinstance(value, dict):
        raise ctx.error(p, f"expected a version string or a table, found {_type_name(value)}", f'write {name} = "*" or {name} = {{ version = ">=1.0" }}')
    t = check_keys(ctx, p, value, PYPI_DEP_KEYS, f"the PyPI dependency table of `{name}`")
    kw: dict = {"name": name}
    for key in ("git", "rev", "branch", "tag", "subdirectory", "path", "url", "index", "version"):
        if key in t:
            expect(ctx, p + (key,), t[key], (str,), "a string")
    sources = [k for k in ("git", "path", "url") if k in t]
    if "version" in t:
        if sources:
            raise ctx.error(p + ("version",), f"`{name}` has both a version and a {sources[0]} source", f"remove `version` or `{sources[0]}`")
        kw["specifier"] = parse_specifier(ctx, p + ("version",), t["version"])
    if len(sources) > 1:
        raise ctx.error(p + (sources[1],), f"`{name}` names more than one source ({', '.join(sources)})", "keep one of git, path or url")
    for key in ("rev", "branch", "tag"):
        if key in t and "git" not in t:
            raise ctx.error(p + (key,), f"`{key}` only applies to a git source", "add `git = \"...\"` or remove it")
    refs = [k for k in ("rev", "branch", "tag") if k in t]
    if len(refs) > 1:
        raise ctx.error(p + (refs[1],), f"`{name}` names more than one of rev, branch and tag", f"keep only `{refs[0]}`")
    if "subdirectory" in t and not ("git" in t or "url" in t or "path" in t):
        raise ctx.error(p + ("subdirectory",), "`subdirectory` applies to git, url or path sources", "add `git`, `url` or `path`, or remove it")
    if "editable" in t:
        expect(ctx, p + ("editable",), t["editable"], (bool,), "true or false")
        if "path" not in t and t["editable"]:
            raise ctx.error(p + ("editable",), "`editable` only applies to a path source", "add `path = \"./...\"` or remove it")
        kw["editable"] = t["editable"]
    if "index" in t:
        if sources:
            raise ctx.error(p + ("index",), f"`index` applies to version requirements, not to a {sources[0]} source", "remove `index`")
        index = t["index"].strip()
        if not is_url(index):
            ctx.index_refs.append((p + ("index",), index))
        kw["index"] = index
    if "extras" in t:
        extras = string_list(ctx, p + ("extras",), t["extras"])
        for i, extra in enumerate(extras):
            if not _PYPI_NAME.match(extra):
                raise ctx.error(p + ("extras", i), f"invalid extra name `{extra}`", "extras are names like `dev` or `sql`")
        kw["extras"] = extras
    for key in ("env-markers", "marker"):
        if key in t:
            kw["marker"] = parse_marker(ctx, p + (key,), t[key])
    for key in ("git", "rev", "branch", "tag", "subdirectory", "path", "url"):
        if key in t:
            kw[key] = t[key]
    if "url" in t and not is_url(t["url"]):
        raise ctx.error(p + ("url",), f"`{t['url']}` is not a URL", "write https://... (or use `path` for a local file)")
    for key in ("url", "git"):
        if isinstance(t.get(key), str) and is_url(t[key]):
            check_url(ctx, p + (key,), t[key])
    return PyPIRequirement(**kw)


def parse_pypi_table(ctx: Context, path, value) -> dict[str, PyPIRequirement]:
    expect(ctx, path, value, (dict,), "a table of package = spec")
    out: dict[str, PyPIRequirement] = {}
    for name, spec in value.items():
        out[name] = parse_pypi_dependency(ctx, tuple(path) + (name,), name, spec)
    return out


def pep508_requirement(ctx: Context, path, text) -> PyPIRequirement:
    """A PEP 508 string (``[project.dependencies]`` and friends) -> a requirement."""
    expect(ctx, path, text, (str,), "a PEP 508 requirement string")
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise ctx.error(path, f"invalid requirement `{text}`: {exc}", 'write e.g. "requests>=2.28"', value=True) from None
    kw: dict = {"name": req.name}
    if req.specifier:
        kw["specifier"] = str(req.specifier)
    if req.extras:
        kw["extras"] = sorted(req.extras)
    if req.marker is not None:
        kw["marker"] = str(req.marker)
    if req.url:
        url = req.url
        if url.startswith("git+"):
            base = url[4:]
            fragment = ""
            if "#" in base:
                base, fragment = base.split("#", 1)
            # A rev follows the last @ of the path (not the user@ of the authority).
            scheme, _, rest = base.partition("://")
            host_path, at, rev = rest.rpartition("@")
            if at and "/" in host_path:
                base, kw["rev"] = f"{scheme}://{host_path}", rev
            kw["git"] = base
            for part in fragment.split("&"):
                if part.startswith("subdirectory="):
                    kw["subdirectory"] = part.split("=", 1)[1]
        elif url.startswith("file:"):
            from urllib.parse import unquote, urlparse

            kw["path"] = unquote(urlparse(url).path)
        else:
            kw["url"] = url
    return PyPIRequirement(**kw)


# -- the other feature tables --------------------------------------------------------------------------


def parse_system_requirements(ctx: Context, path, value) -> SystemRequirements:
    expect(ctx, path, value, (dict,), "a table")
    t = check_keys(ctx, path, value, SYSREQ_KEYS, "[system-requirements]")
    p = tuple(path)
    kw: dict = {}
    for key in ("linux", "macos", "cuda"):
        if key in t:
            kw[key] = version_like(ctx, p + (key,), t[key], key)
    if "libc" in t:
        libc = t["libc"]
        if isinstance(libc, dict):
            libc = check_keys(ctx, p + ("libc",), libc, ("family", "version"), "the libc table")
            if "version" not in libc:
                raise ctx.error(p + ("libc",), "libc needs a version", 'write libc = { family = "glibc", version = "2.28" }')
            kw["libc"] = version_like(ctx, p + ("libc", "version"), libc["version"], "libc")
            if "family" in libc:
                kw["libc_family"] = expect(ctx, p + ("libc", "family"), libc["family"], (str,), "a string").lower()
        else:
            kw["libc"] = version_like(ctx, p + ("libc",), libc, "libc")
    if "archspec" in t:
        kw["archspec"] = expect(ctx, p + ("archspec",), t["archspec"], (str,), "a microarchitecture name")
    return SystemRequirements(**kw)


def parse_name_list_or_bool(ctx: Context, path, value) -> list[str] | bool:
    if isinstance(value, bool):
        return value
    return string_list(ctx, path, value, "true, false or an array of package names")


def parse_pypi_options(ctx: Context, path, value) -> PyPIOptions:
    expect(ctx, path, value, (dict,), "a table")
    t = check_keys(ctx, path, value, PYPI_OPTION_KEYS, "[pypi-options]")
    p = tuple(path)
    kw: dict = {}
    if "index-url" in t:
        url = expect(ctx, p + ("index-url",), t["index-url"], (str,), "a URL")
        if not is_url(url):
            raise ctx.error(p + ("index-url",), f"`{url}` is not a URL", "write https://host/simple")
        kw["index_url"] = check_url(ctx, p + ("index-url",), url)
    if "extra-index-urls" in t:
        entries = expect(ctx, p + ("extra-index-urls",), t["extra-index-urls"], (list,), "an array of URLs")
        urls = []
        for i, entry in enumerate(entries):  # a URL, or { url = ..., exclude-newer = ... | false }
            if isinstance(entry, dict):
                entry = check_keys(ctx, p + ("extra-index-urls", i), entry, ("url", "exclude-newer"), "an extra-index-urls entry")
                if "url" not in entry:
                    raise ctx.error(p + ("extra-index-urls", i), "an extra-index-urls table needs `url`", 'write { url = "https://host/simple" }')
                if "exclude-newer" in entry:
                    parse_exclude_newer(ctx, p + ("extra-index-urls", i, "exclude-newer"), entry["exclude-newer"], allow_false=True)
                    ctx.warn(p + ("extra-index-urls", i, "exclude-newer"), "a per-index exclude-newer is not applied by this "
                             "solver: the workspace's (and [pypi-exclude-newer]) cutoffs apply to this index too")
                urls.append(expect(ctx, p + ("extra-index-urls", i, "url"), entry["url"], (str,), "a URL"))
            else:
                urls.append(expect(ctx, p + ("extra-index-urls", i), entry, (str,), "a URL or { url = ... }"))
        for i, url in enumerate(urls):
            if not is_url(url):
                raise ctx.error(p + ("extra-index-urls", i), f"`{url}` is not a URL", "write https://host/simple")
            check_url(ctx, p + ("extra-index-urls", i), url)
        kw["extra_index_urls"] = urls
    if "find-links" in t:
        links = expect(ctx, p + ("find-links",), t["find-links"], (list,), "an array of {path = ...} or {url = ...}")
        out = []
        for i, link in enumerate(links):
            lp = p + ("find-links", i)
            if isinstance(link, str):  # be liberal: a bare string is a URL or a path
                link = {"url": link} if is_url(link) else {"path": link}
            expect(ctx, lp, link, (dict,), "{path = ...} or {url = ...}")
            link = check_keys(ctx, lp, link, ("path", "url"), "a find-links entry")
            if len(link) != 1:
                raise ctx.error(lp, "a find-links entry needs exactly one of `path` and `url`", "write {path = './links'} or {url = 'https://...'}")
            if "path" in link:
                expect(ctx, lp + ("path",), link["path"], (str,), "a path")
                fp = user_path(ctx, lp + ("path",), link["path"])
                out.append(FindLink(path=os.path.normpath(fp if fp.is_absolute() else ctx.root / fp)))
            else:
                expect(ctx, lp + ("url",), link["url"], (str,), "a URL")
                check_url(ctx, lp + ("url",), link["url"])
                out.append(FindLink(url=link["url"]))
        kw["find_links"] = out
    if "no-build-isolation" in t:
        kw["no_build_isolation"] = parse_name_list_or_bool(ctx, p + ("no-build-isolation",), t["no-build-isolation"])
    if "no-build" in t:
        kw["no_build"] = parse_name_list_or_bool(ctx, p + ("no-build",), t["no-build"])
    if "no-binary" in t:
        kw["no_binary"] = parse_name_list_or_bool(ctx, p + ("no-binary",), t["no-binary"])
    if "index-strategy" in t:
        kw["index_strategy"] = enum(ctx, p + ("index-strategy",), t["index-strategy"], INDEX_STRATEGIES, "index-strategy")
    if "prerelease-mode" in t:
        kw["prerelease_mode"] = enum(ctx, p + ("prerelease-mode",), t["prerelease-mode"], PRERELEASE_MODES, "prerelease-mode")
    if "dependency-overrides" in t:
        kw["dependency_overrides"] = list(parse_pypi_table(ctx, p + ("dependency-overrides",), t["dependency-overrides"]).values())
    if "skip-wheel-filename-check" in t:
        expect(ctx, p + ("skip-wheel-filename-check",), t["skip-wheel-filename-check"], (bool,), "true or false")
    return PyPIOptions(**kw)


def parse_activation(ctx: Context, path, value) -> Activation:
    expect(ctx, path, value, (dict,), "a table")
    t = check_keys(ctx, path, value, ("scripts", "env"), "[activation]")
    kw: dict = {}
    if "scripts" in t:
        kw["scripts"] = string_list(ctx, tuple(path) + ("scripts",), t["scripts"], "an array of script paths")
    if "env" in t:
        env = expect(ctx, tuple(path) + ("env",), t["env"], (dict,), "a table of NAME = value")
        for k, v in env.items():
            expect(ctx, tuple(path) + ("env", k), v, (str,), "a string")
        kw["env"] = dict(env)
    return Activation(**kw)


def _task_args(ctx: Context, path, value) -> list[str]:
    """Arguments passed to a task: positional strings, or ``{ name = value }`` named ones (kept
    as ``name=value``)."""
    expect(ctx, path, value, (list,), "an array of arguments")
    out = []
    for i, arg in enumerate(value):
        if isinstance(arg, dict):
            if len(arg) != 1:
                raise ctx.error(tuple(path) + (i,), "a named argument is one `name = value` pair", 'write { path = "/custom/path" }')
            (key, v), = arg.items()
            out.append(f"{key}={expect(ctx, tuple(path) + (i, key), v, (str,), 'a string')}")
        else:
            out.append(expect(ctx, tuple(path) + (i,), arg, (str,), "an argument string or { name = value }"))
    return out


def _task_dependency(ctx: Context, path, item) -> TaskDependency:
    if isinstance(item, str):
        return TaskDependency(item)
    expect(ctx, path, item, (dict,), "a task name or { task = ..., args = [...] }")
    t = check_keys(ctx, path, item, ("task", "args", "environment"), "a task dependency")
    if "task" not in t:
        raise ctx.error(path, "a task dependency needs `task`", 'write { task = "name" }')
    task = expect(ctx, tuple(path) + ("task",), t["task"], (str,), "a task name")
    args = _task_args(ctx, tuple(path) + ("args",), t["args"]) if "args" in t else []
    env = expect(ctx, tuple(path) + ("environment",), t["environment"], (str,), "an environment name") if "environment" in t else None
    return TaskDependency(task, args, env)


def parse_task(ctx: Context, path, name: str, value) -> Task:
    p = tuple(path)
    if isinstance(value, str):
        return Task(name=name, cmd=value)
    if isinstance(value, list):  # an alias: the tasks to run, by name or { task, args, environment }
        deps = [_task_dependency(ctx, p + (i,), d) for i, d in enumerate(value)]
        if not deps:
            raise ctx.error(p, f"task `{name}` is an empty list", 'list the tasks to run: ["lint", "test"]')
        return Task(name=name, depends_on=deps)
    expect(ctx, p, value, (dict,), "a command string or a task table")
    t = check_keys(ctx, p, value, TASK_KEYS, f"task `{name}`")
    kw: dict = {"name": name}
    if "cmd" in t:
        cmd = t["cmd"]
        kw["cmd"] = string_list(ctx, p + ("cmd",), cmd) if isinstance(cmd, list) else expect(ctx, p + ("cmd",), cmd, (str,), "a command string")
    if "depends-on" in t:
        deps = t["depends-on"]
        dp = p + ("depends_on",) if "depends_on" in value else p + ("depends-on",)
        if not isinstance(deps, list):
            deps = [deps]
            kw["depends_on"] = [_task_dependency(ctx, dp, deps[0])]
        else:
            kw["depends_on"] = [_task_dependency(ctx, dp + (i,), d) for i, d in enumerate(deps)]
    if "cmd" not in kw and not kw.get("depends_on"):
        raise ctx.error(p, f"task `{name}` has neither `cmd` nor `depends-on`", 'add cmd = "..." or depends-on = ["other-task"]')
    for key in ("cwd", "description", "default-environment"):
        if key in t:
            kw[key.replace("-", "_")] = expect(ctx, p + (key,), t[key], (str,), "a string")
    for key in ("inputs", "outputs"):
        if key in t:
            kw[key] = string_list(ctx, p + (key,), t[key], "an array of glob patterns")
    if "env" in t:
        env = expect(ctx, p + ("env",), t["env"], (dict,), "a table of NAME = value")
        for k, v in env.items():
            expect(ctx, p + ("env", k), v, (str,), "a string")
        kw["env"] = dict(env)
    if "clean-env" in t:
        kw["clean_env"] = expect(ctx, p + ("clean-env",), t["clean-env"], (bool,), "true or false")
    if "args" in t:
        args = expect(ctx, p + ("args",), t["args"], (list,), "an array of argument names or tables")
        for i, arg in enumerate(args):
            if isinstance(arg, dict):
                check_keys(ctx, p + ("args", i), arg, ("arg", "default", "choices"), "a task argument")
                if "arg" not in arg:
                    raise ctx.error(p + ("args", i), "a task argument needs `arg`", 'write { arg = "name", default = "value" }')
                name_path, arg_name = p + ("args", i, "arg"), arg["arg"]
            else:
                expect(ctx, p + ("args", i), arg, (str,), "an argument name or a table")
                name_path, arg_name = p + ("args", i), arg
            if arg_name == "pixi":  # {{ pixi }} is pixi's own template variable
                raise ctx.error(name_path, "the task argument name `pixi` is reserved", "choose another name", value=True)
        kw["args"] = list(args)
    return Task(**kw)


def parse_tasks(ctx: Context, path, value) -> dict[str, Task]:
    expect(ctx, path, value, (dict,), "a table of task = command")
    return {name: parse_task(ctx, tuple(path) + (name,), name, v) for name, v in value.items()}


def parse_target_tables(ctx: Context, path, t: dict, selector: str | None) -> Target:
    """The dependency/activation/task tables of ``t`` (already key-checked)."""
    p = tuple(path)
    kw: dict = {"selector": selector}
    from_txt: list[PyPIRequirement] = []
    if isinstance(t.get("dependencies"), dict) and "pypi-txt" in t["dependencies"]:
        # `pypi-txt` in [dependencies] is not a conda package: requirements files whose
        # requirements join the PyPI dependencies (pixi's phased migration from pip)
        conda = dict(t["dependencies"])
        from_txt = parse_pypi_txt(ctx, p + ("dependencies", "pypi-txt"), conda.pop("pypi-txt"))
        t = {**t, "dependencies": conda}
    for key in DEPENDENCY_TABLES:
        if key in t:
            kw[key.replace("-", "_")] = parse_conda_table(ctx, p + (key,), t[key])
    if "pypi-dependencies" in t:
        kw["pypi_dependencies"] = parse_pypi_table(ctx, p + ("pypi-dependencies",), t["pypi-dependencies"])
    if from_txt:
        pypi = dict(kw.get("pypi_dependencies", {}))
        named = {n.lower().replace("_", "-").replace(".", "-") for n in pypi}
        for req in from_txt:  # the manifest's own entry for a name wins over a file's
            if req.name.lower().replace("_", "-").replace(".", "-") not in named:
                pypi[req.name] = req
        kw["pypi_dependencies"] = pypi
    if "activation" in t:
        kw["activation"] = parse_activation(ctx, p + ("activation",), t["activation"])
    if "tasks" in t:
        kw["tasks"] = parse_tasks(ctx, p + ("tasks",), t["tasks"])
    if "dev" in t:
        kw["dev"] = parse_dev_table(ctx, p + ("dev",), t["dev"])
    if "pypi-options" in t and selector is not None:  # a feature's own are Feature.pypi_options
        kw["pypi_options"] = parse_pypi_options(ctx, p + ("pypi-options",), t["pypi-options"])
    if "exclude-newer" in t:
        kw["exclude_newer"] = parse_exclude_newer_table(ctx, p + ("exclude-newer",), t["exclude-newer"], pypi=False)
    if "pypi-exclude-newer" in t:
        kw["pypi_exclude_newer"] = parse_exclude_newer_table(ctx, p + ("pypi-exclude-newer",), t["pypi-exclude-newer"], pypi=True)
    return Target(**kw)


def parse_pypi_txt(ctx: Context, path, value) -> list[PyPIRequirement]:
    """``pypi-txt = "requirements.txt"`` (or a list of files, relative to the manifest): the
    requirements they hold, ``-r`` includes followed (relative to the including file). Other pip
    options are errors naming the file and line: they would change how everything resolves."""
    if isinstance(value, str):
        files = [value]
    else:
        expect(ctx, path, value, (list,), "a requirements file path or a list of them")
        files = value
    out: list[PyPIRequirement] = []
    seen: set[Path] = set()

    def read(file: Path, index: int) -> None:
        file = file.resolve()
        if file in seen:
            return
        seen.add(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ctx.error(path + ((index,) if not isinstance(value, str) else ()), f"cannot read the requirements file {file}: {exc}",
                            "give a path relative to the manifest's folder", value=True) from None
        lines = text.replace("\\\n", "").splitlines()
        for number, raw in enumerate(lines, 1):
            line = re.sub(r"(^|\s)#.*$", "", raw).strip()
            if not line:
                continue
            if line.startswith("-"):
                option, _, rest = line.partition(" ") if " " in line else line.partition("=")
                if option in ("-r", "--requirement") and rest.strip():
                    read(file.parent / rest.strip(), index)
                    continue
                raise ctx.error(path, f"{file}:{number}: `{line}` is not supported in a pypi-txt file",
                                "list requirements (and -r includes) only; set indexes in [pypi-options]", value=True)
            from packaging.requirements import InvalidRequirement, Requirement

            try:
                Requirement(line)
            except InvalidRequirement as exc:
                raise ctx.error(path, f"{file}:{number}: invalid requirement `{line}`: {exc}", 'write e.g. "requests>=2.28"', value=True) from None
            out.append(pep508_requirement(ctx, path, line))

    for index, name in enumerate(files):
        expect(ctx, path + ((index,) if not isinstance(value, str) else ()), name, (str,), "a requirements file path")
        read(ctx.root / name, index)
    return out


def parse_dev_table(ctx: Context, path, value) -> dict[str, CondaDependency]:
    """``[dev]``: source packages (``{ path = ... }`` / git / url) whose build, host and run
    dependencies the environment wants, without the package itself."""
    out = parse_conda_table(ctx, path, value)
    for name, dep in out.items():
        if not dep.is_source:
            raise ctx.error(tuple(path) + (name,), f"`{name}` in [dev] needs a source", 'write { path = "src/my-package" } (or git / url)')
    return out


def parse_targets(ctx: Context, path, value) -> dict[str, Target]:
    expect(ctx, path, value, (dict,), "a table of <platform> = { ... }")
    out = {}
    for selector, tables in value.items():
        sp = tuple(path) + (selector,)
        # a selector: an OS family, a subdir, a rich platform's name, or a `*` pattern of names
        if selector not in KNOWN_SELECTORS and selector not in ctx.platform_entries and "*" not in selector:
            choices = list(KNOWN_SELECTORS) + list(ctx.platform_entries)
            guess = did_you_mean(selector, choices)
            hint = f"did you mean `{guess}`?" if guess else "use win, osx, linux, unix or a platform such as linux-64"
            raise ctx.error(sp, f"unknown target platform `{selector}`", hint)
        expect(ctx, sp, tables, (dict,), "a table")
        t = check_keys(ctx, sp, tables, TARGET_KEYS, f"[target.{selector}]")
        out[selector] = parse_target_tables(ctx, sp, t, selector)
    return out


def parse_feature(ctx: Context, path, name: str, table: dict, is_default: bool = False) -> Feature:
    p = tuple(path)
    kw: dict = {"name": name}
    if not is_default:
        expect(ctx, p, table, (dict,), "a table")
        table = check_keys(ctx, p, table, FEATURE_KEYS, f"[feature.{name}]")
    if "channels" in table:
        kw["channels"] = parse_channels(ctx, p + ("channels",), table["channels"])
    if "platforms" in table:
        kw["platforms"] = parse_platforms(ctx, p + ("platforms",), table["platforms"], ctx.platform_entries)
    if "channel-priority" in table:
        kw["channel_priority"] = enum(ctx, p + ("channel-priority",), table["channel-priority"], CHANNEL_PRIORITIES, "channel-priority")
    if "solve-strategy" in table:
        kw["solve_strategy"] = enum(ctx, p + ("solve-strategy",), table["solve-strategy"], SOLVE_STRATEGIES, "solve-strategy")
    if "system-requirements" in table:
        kw["system_requirements"] = parse_system_requirements(ctx, p + ("system-requirements",), table["system-requirements"])
        ctx.warn(p + ("system-requirements",), "[system-requirements] is deprecated: declare the virtual packages on "
                 'workspace.platforms entries instead, e.g. { platform = "linux-64", cuda = "12.0" }')
    if "pypi-options" in table:
        kw["pypi_options"] = parse_pypi_options(ctx, p + ("pypi-options",), table["pypi-options"])
    kw["base"] = parse_target_tables(ctx, p, table, None)
    if "target" in table:
        kw["targets"] = parse_targets(ctx, p + ("target",), table["target"])
    return Feature(**kw)


def parse_pypi_indices(ctx: Context, path, value) -> list[NamedIndex]:
    expect(ctx, path, value, (list,), "an array of tables ([[pypi-indices]])")
    out: list[NamedIndex] = []
    for i, item in enumerate(value):
        ip = tuple(path) + (i,)
        expect(ctx, ip, item, (dict,), "a table with name, url and priority")
        t = check_keys(ctx, ip, item, ("name", "url", "priority"), "a pypi-indices entry")
        for key in ("name", "url"):
            if key not in t:
                raise ctx.error(ip, f"a pypi-indices entry needs `{key}`", 'write name = "...", url = "https://.../simple"')
        name = expect(ctx, ip + ("name",), t["name"], (str,), "a string")
        url = expect(ctx, ip + ("url",), t["url"], (str,), "a URL")
        if not is_url(url):
            raise ctx.error(ip + ("url",), f"`{url}` is not a URL", "write https://host/simple")
        check_url(ctx, ip + ("url",), url)
        priority = enum(ctx, ip + ("priority",), t["priority"], INDEX_PRIORITIES, "index priority") if "priority" in t else "primary"
        if any(x.name == name for x in out):
            raise ctx.error(ip + ("name",), f"index `{name}` is declared twice", "give each index its own name")
        out.append(NamedIndex(name=name, url=url, priority=priority))
    return out


def inline_feature_name(environment: str) -> str:
    """The feature an environment's own tables form (``[environments.dev.dependencies]``)."""
    return f"environments.{environment}"


def parse_environments(ctx: Context, path, value, feature_names) -> dict[str, Environment]:
    """``[environments]``; ``feature_names`` is the features dict: an environment's own
    dependencies, channels, tasks... (pixi's inline environments) are added to it as the
    environment's first feature."""
    expect(ctx, path, value, (dict,), "a table of environment = [features]")
    out: dict[str, Environment] = {}
    for name, spec in value.items():
        ep = tuple(path) + (name,)
        if not _ENV_NAME.match(name):
            raise ctx.error(ep, f"invalid environment name `{name}`", "use lowercase letters, digits and `-`")
        if isinstance(spec, list):
            features = string_list(ctx, ep, spec, "an array of feature names")
            fpath = ep
            env = Environment(name=name, features=features)
        else:
            expect(ctx, ep, spec, (dict,), "an array of features or a table")
            t = check_keys(ctx, ep, spec, ENVIRONMENT_KEYS, f"environment `{name}`")
            features = string_list(ctx, ep + ("features",), t.get("features", []), "an array of feature names")
            inline = {k: v for k, v in t.items() if k in FEATURE_KEYS}
            if inline:
                own = inline_feature_name(name)
                feature_names[own] = parse_feature(ctx, ep, own, inline, is_default=True)
                features = [own] + features
            fpath = ep + ("features",)
            sg = expect(ctx, ep + ("solve-group",), t["solve-group"], (str,), "a string") if "solve-group" in t else None
            ndf = expect(ctx, ep + ("no-default-feature",), t["no-default-feature"], (bool,), "true or false") if "no-default-feature" in t else False
            env = Environment(name=name, features=features, solve_group=sg, no_default_feature=ndf)
        for i, feat in enumerate(features):
            if feat == DEFAULT_FEATURE:
                continue
            if feat not in feature_names:
                guess = did_you_mean(feat, [f for f in feature_names if f != DEFAULT_FEATURE])
                hint = f"did you mean `{guess}`?" if guess else f"define it with [feature.{feat}]"
                raise ctx.error(fpath + (i,), f"environment `{name}` uses feature `{feat}` which is not defined", hint)
            if features.index(feat) != i:
                raise ctx.error(fpath + (i,), f"feature `{feat}` is listed twice", "list each feature once")
        out[name] = env
    return out


# -- pyproject.toml extras ----------------------------------------------------------------------------


def pyproject_metadata(ctx: Context, project: dict) -> dict:
    """PEP 621 ``[project]`` fields the pixi project table would otherwise hold."""
    meta: dict = {}
    if not isinstance(project, dict):
        return meta
    for key in ("name", "version", "description"):
        if isinstance(project.get(key), str):
            meta[key] = project[key]
    authors = []
    for author in project.get("authors", []) or []:
        if isinstance(author, dict):
            name, email = author.get("name"), author.get("email")
            authors.append(f"{name} <{email}>" if name and email else (name or email or ""))
        elif isinstance(author, str):
            authors.append(author)
    if authors:
        meta["authors"] = [a for a in authors if a]
    lic = project.get("license")
    if isinstance(lic, str):
        meta["license"] = lic
    elif isinstance(lic, dict):
        if isinstance(lic.get("text"), str):
            meta["license"] = lic["text"]
        if isinstance(lic.get("file"), str):
            meta["license_file"] = lic["file"]
    readme = project.get("readme")
    if isinstance(readme, str):
        meta["readme"] = readme
    elif isinstance(readme, dict) and isinstance(readme.get("file"), str):
        meta["readme"] = readme["file"]
    urls = project.get("urls") or {}
    if isinstance(urls, dict):
        lower = {str(k).lower(): v for k, v in urls.items() if isinstance(v, str)}
        for field, keys in (("homepage", ("homepage", "home", "home-page")), ("repository", ("repository", "source", "source code")), ("documentation", ("documentation", "docs"))):
            for k in keys:
                if k in lower:
                    meta[field] = lower[k]
                    break
    if isinstance(project.get("requires-python"), str):
        meta["requires_python"] = project["requires-python"]
    return meta


def normalize_group_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def expand_self_references(ctx: Context, project_name: str | None, groups: dict[str, list[PyPIRequirement]]) -> dict[str, list[PyPIRequirement]]:
    """``all = ["me[dev,docs]"]`` in the project's own optional dependencies -> those groups' requirements."""
    if not project_name:
        return groups
    from packaging.utils import canonicalize_name

    me = canonicalize_name(project_name)

    def expand(group: str, seen: set) -> list[PyPIRequirement]:
        out = []
        for req in groups.get(group, []):
            if canonicalize_name(req.name) == me and not (req.path or req.url or req.git):
                for extra in req.extras:
                    key = normalize_group_name(extra)
                    if key not in seen and key in groups:
                        out.extend(expand(key, seen | {key}))
            else:
                out.append(req)
        return out

    return {g: expand(g, {g}) for g in groups}


def load_manifest_data(file: Path, text: str, data: dict, kind: str) -> Manifest:
    """The document (already TOML-decoded) -> ``Manifest``."""
    prefix: tuple = ("tool", "pixi") if kind == "pyproject" else ()
    ctx = Context(file, text, prefix)
    if kind == "pyproject":
        pixi = data.get("tool", {}).get("pixi", {})
        if not isinstance(pixi, dict):
            raise ctx.error((), "expected [tool.pixi] to be a table", "write [tool.pixi.workspace] ...")
        _check_pep621_types(ctx, data)
        meta = pyproject_metadata(ctx, data.get("project", {}))
    else:
        pixi = data
        meta = None
    root = check_keys(ctx, (), pixi, ROOT_KEYS, "the manifest" if kind == "pixi" else "[tool.pixi]")
    if "project" in root and "workspace" in root:
        raise ctx.error(("workspace",), "both [project] and [workspace] are present", "keep one: [workspace] is the newer name of [project]")
    table_name = "workspace" if "workspace" in root else "project"
    if table_name not in root:
        # The reference's minimum is a workspace table with channels and platforms; without one
        # there is nothing to solve, and an empty lock would pass for success.
        where = "[tool.pixi.workspace]" if kind == "pyproject" else "[workspace]"
        raise ManifestError(
            f"no {where} table" + (": the file is empty" if not text.strip() else ""),
            file=str(file),
            suggestion=f'add {where} with channels = [...] and platforms = [...]',
        )
    if table_name in root:
        project, default_extra = parse_project(ctx, (table_name,), root[table_name], meta)
        ctx.platform_entries = project.platform_entries
    else:
        project, default_extra = Project(**(meta or {})), {}
    for key in ("channels", "platforms", "channel-priority", "solve-strategy"):
        if key in root:
            raise ctx.error((key,), f"`{key}` belongs in the [{table_name}] table", f"move it to [{table_name}].{key}")
    default_table = {k: v for k, v in root.items() if k in FEATURE_KEYS}
    default = parse_feature(ctx, (), DEFAULT_FEATURE, default_table, is_default=True)
    if "pypi-options" in default_extra:  # the workspace base: every environment starts from it
        project.pypi_options = parse_pypi_options(ctx, (table_name, "pypi-options"), default_extra["pypi-options"])
    default.channels = list(project.channels)
    default.platforms = list(project.platforms)
    # Only an explicit project value belongs to the default feature: the built-in default must
    # not conflict with a feature that sets its own (see requests.single_setting).
    project_table = root.get(table_name) if isinstance(root.get(table_name), dict) else {}
    default.channel_priority = project.channel_priority if "channel-priority" in project_table else None
    default.solve_strategy = project.solve_strategy if "solve-strategy" in project_table else None

    features: dict[str, Feature] = {DEFAULT_FEATURE: default}
    if "feature" in root:
        expect(ctx, ("feature",), root["feature"], (dict,), "a table of features")
        for name, table in root["feature"].items():
            if name == DEFAULT_FEATURE:
                raise ctx.error(("feature", name), "`default` is the name of the root tables' feature", "rename the feature")
            features[name] = parse_feature(ctx, ("feature", name), name, table)

    indices: list[NamedIndex] = []
    for where in ((table_name, "pypi-indices"), ("pypi-indices",)):
        node = root
        for part in where:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            found = parse_pypi_indices(ctx, where, node)
            for idx in found:
                if any(x.name == idx.name for x in indices):
                    raise ctx.error(where, f"index `{idx.name}` is declared twice", "give each index its own name")
            indices.extend(found)

    if kind == "pyproject":
        _apply_pyproject(ctx, data, project, features)

    known_index_names = [i.name for i in indices]
    for key_path, name in ctx.index_refs:
        if name not in known_index_names:
            guess = did_you_mean(name, known_index_names)
            hint = f"did you mean `{guess}`?" if guess else f'declare it: [[{table_name}.pypi-indices]] name = "{name}", url = "https://.../simple"'
            raise ctx.error(key_path, f"index `{name}` is not declared", hint)

    environments = parse_environments(ctx, ("environments",), root.get("environments", {}), features)
    if DEFAULT_ENVIRONMENT not in environments:
        environments = {DEFAULT_ENVIRONMENT: Environment(name=DEFAULT_ENVIRONMENT), **environments}
    used = {f for env in environments.values() for f in env.features}
    for name in features:
        if name != DEFAULT_FEATURE and name not in used and not name.startswith("_"):
            ctx.warn(("feature", name), f"feature `{name}` is not used by any environment")
    all_tasks = {n for f in features.values() for t in [f.base, *f.targets.values()] for n in t.tasks}
    for feature in features.values():
        _check_task_references(ctx, feature, all_tasks)
    _check_dependency_channels(ctx, project, features)
    if not project.platforms:
        ctx.warn((table_name,), "no platforms: nothing will be solved (add platforms = [\"linux-64\", ...])")
    manifest = Manifest(
        path=str(file),
        root=str(file.parent),
        kind=kind,
        project=project,
        features=features,
        environments=environments,
        pypi_indices=indices,
        package=_own_package(ctx, root),
        member_packages=(reached := _reached_packages(ctx, project, features)),
        dev_packages=_dev_packages(ctx, features, reached, root),
        warnings=ctx.warnings,
    )
    if project.platforms:
        for env in environments.values():
            if not merge_platforms(manifest, environment_features(manifest, env)):
                ctx.warn(("environments", env.name), f"environment `{env.name}` supports no platform: its features' platforms do not overlap")
    return manifest


def _own_package(ctx: Context, root: dict) -> dict | None:
    """The workspace's own ``[package]``, validated (see :mod:`solver.manifest.packages`)."""
    if "package" not in root:
        return None
    from .packages import PackageFile, check_package

    source = PackageFile(ctx.file, ctx.text, ctx.prefix)
    table = check_package(source, root["package"])
    ctx.warnings.extend(source.warnings)
    return table


def _reached_packages(ctx: Context, project: Project, features: dict[str, Feature]) -> dict[str, dict]:
    """The ``[package]`` manifests of the workspace members and of path source dependencies."""
    from .packages import member_packages

    folders: list[str] = list(project.member_paths)
    for feature in features.values():
        for target in [feature.base, *feature.targets.values()]:
            for table in (target.dependencies, target.host_dependencies, target.build_dependencies, target.dev):
                for dep in table.values():
                    path = (dep.source or {}).get("path")
                    if path and path not in folders:
                        folders.append(path)
    return member_packages(ctx.root, folders, ctx.warnings)


def _dev_packages(ctx: Context, features: dict[str, Feature], reached: dict[str, dict], root: dict) -> dict:
    """For each ``[dev]`` entry whose package manifest is known: its declared dependencies,
    parsed as dependencies of the manifest they are written in (errors located there); a
    ``{ workspace = true }`` one takes its spec from ``[workspace.dependencies]``."""
    from .discovery import read_toml
    from .packages import declared_dependencies

    packages = dict(reached)
    own = root.get("package") if isinstance(root.get("package"), dict) else None
    if own is not None:
        packages["."] = own
    table_name = "workspace" if "workspace" in root else "project"
    pool = (root.get(table_name) or {}).get("dependencies") or {} if isinstance(root.get(table_name), dict) else {}
    out: dict[str, list] = {}
    for feature in features.values():
        for target in [feature.base, *feature.targets.values()]:
            for dep in target.dev.values():
                path = (dep.source or {}).get("path")
                if not path:
                    continue
                rel = os.path.relpath(path, ctx.root).replace(os.sep, "/")
                if rel in out or rel not in packages:
                    continue
                folder = ctx.root if rel == "." else ctx.root / rel
                if rel == ".":
                    pctx = ctx
                else:
                    file = next((folder / n for n in ("pixi.toml", "pyproject.toml") if (folder / n).is_file()), None)
                    text = read_toml(file)[0] if file else ""
                    pctx = Context(file or folder, text, ("tool", "pixi") if file and file.name == "pyproject.toml" else ())
                    pctx.root = ctx.root if file is None else folder
                entries = []
                for key_path, name, spec, condition in declared_dependencies(packages[rel]):
                    if spec == {"workspace": True}:
                        spec = pool.get(name, "*")
                    entries.append((parse_conda_dependency(pctx, key_path, name, spec), condition))
                out[rel] = entries
    return out


def _check_task_references(ctx: Context, feature: Feature, names: set[str]) -> None:
    """A task depending on a task no feature defines: a warning (pixi reports it when run)."""
    base = ("feature", feature.name) if feature.name != DEFAULT_FEATURE else ()
    for target in [feature.base, *feature.targets.values()]:
        for task in target.tasks.values():
            for dep in task.depends_on:
                if dep.task not in names:
                    where = base + (("target", target.selector) if target.selector else ()) + ("tasks", task.name)
                    ctx.warn(where, f"task `{task.name}` depends on `{dep.task}`, which no task table defines")


def _check_dependency_channels(ctx: Context, project: Project, features: dict[str, Feature]) -> None:
    """``{ channel = "x" }`` on a dependency needs x among the channels (the reference says to add
    it to the project's): a warning, the solve reports it if no environment has the channel."""
    known = {c.channel for c in project.channels}
    for feature in features.values():
        known |= {c.channel for c in feature.channels or []}
    for feature in features.values():
        base = ("feature", feature.name) if feature.name != DEFAULT_FEATURE else ()
        for target in [feature.base, *feature.targets.values()]:
            where = base + (("target", target.selector) if target.selector else ())
            for table in ("dependencies", "host_dependencies", "build_dependencies"):
                for name, dep in getattr(target, table).items():
                    if "::" in dep.spec and not dep.is_source:
                        channel = dep.spec.split("::", 1)[0]
                        if channel not in known:
                            key = table.replace("_", "-")
                            ctx.warn(where + (key, name, "channel"), f"channel `{channel}` of `{name}` is not in any channels list; add it to the project's channels")


def _apply_pyproject(ctx: Context, data: dict, project: Project, features: dict[str, Feature]) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name

    """pixi's pyproject.toml extras: PEP 621 dependencies, optional dependencies and dependency
    groups as features, ``requires-python`` as the python dependency, the project itself editable."""
    pep621 = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    default = features[DEFAULT_FEATURE]
    base_pypi = dict(default.base.pypi_dependencies)
    deps = pep621.get("dependencies", [])
    if deps:
        if not isinstance(deps, list):
            raise ctx.error(("project", "dependencies"), "expected an array of PEP 508 strings", 'write dependencies = ["requests>=2"]', absolute=True)
        merged = {}
        for i, text in enumerate(deps):
            req = _pep508_abs(ctx, ("project", "dependencies", i), text)
            merged[req.name] = req
        # [tool.pixi.pypi-dependencies] entries win over the PEP 621 ones of the same name.
        tool_names = {canonicalize_name(n) for n in base_pypi}
        for name, req in merged.items():
            if canonicalize_name(name) not in tool_names:
                base_pypi[name] = req
    if project.name and isinstance(data.get("build-system"), dict):
        if canonicalize_name(project.name) not in {canonicalize_name(n) for n in base_pypi}:
            base_pypi[project.name] = PyPIRequirement(name=project.name, path=".", editable=True)
    default.base.pypi_dependencies = base_pypi
    if project.requires_python and "python" not in default.base.dependencies:
        try:
            spec = str(SpecifierSet(project.requires_python))
        except InvalidSpecifier:
            raise ctx.error(("project", "requires-python"), f"invalid requires-python `{project.requires_python}`", 'write e.g. ">=3.10"', absolute=True) from None
        python_spec = f"python {spec}" if spec else "python"
        ctx.prefix, ctx.locator.prefix = (), ()  # the error belongs to PEP 621 [project]
        try:
            validate_matchspec(ctx, ("project", "requires-python"), python_spec)
        finally:
            ctx.prefix, ctx.locator.prefix = ("tool", "pixi"), ("tool", "pixi")
        python = CondaDependency(name="python", spec=python_spec)
        default.base.dependencies = {"python": python, **default.base.dependencies}

    groups: dict[str, list[PyPIRequirement]] = {}
    origin: dict[str, tuple] = {}
    opt = pep621.get("optional-dependencies", {}) or {}
    if isinstance(opt, dict):
        for gname, reqs in opt.items():
            if not isinstance(reqs, list):
                raise ctx.error(("project", "optional-dependencies", gname), "expected an array of PEP 508 strings", 'write dev = ["pytest"]', absolute=True)
            key = normalize_group_name(gname)
            groups[key] = [_pep508_abs(ctx, ("project", "optional-dependencies", gname, i), r) for i, r in enumerate(reqs)]
            origin[key] = ("project", "optional-dependencies", gname)
    dg = data.get("dependency-groups", {}) or {}
    if isinstance(dg, dict):
        raw = {normalize_group_name(k): (k, v) for k, v in dg.items()}

        def resolve(key: str, stack: tuple) -> list[PyPIRequirement]:
            gname, reqs = raw[key]
            if not isinstance(reqs, list):
                raise ctx.error(("dependency-groups", gname), "expected an array", 'write test = ["pytest"]', absolute=True)
            out = []
            for i, item in enumerate(reqs):
                if isinstance(item, dict) and "include-group" in item:
                    inc = normalize_group_name(str(item["include-group"]))
                    if inc not in raw or inc in stack:
                        raise ctx.error(("dependency-groups", gname, i), f"cannot include group `{item['include-group']}`", "name an existing group, without cycles", absolute=True)
                    out.extend(resolve(inc, stack + (inc,)))
                else:
                    out.append(_pep508_abs(ctx, ("dependency-groups", gname, i), item))
            return out

        for key in raw:
            reqs = resolve(key, (key,))
            groups.setdefault(key, [])
            groups[key] = groups[key] + reqs
            origin.setdefault(key, ("dependency-groups", raw[key][0]))
    groups = expand_self_references(ctx, project.name, groups)
    for key, reqs in groups.items():
        if key == DEFAULT_FEATURE:
            raise ctx.error(origin[key], "a group named `default` clashes with the default feature", "rename the group", absolute=True)
        feature = features.get(key)
        if feature is None:
            feature = Feature(name=key)
            features[key] = feature
        pypi = dict(feature.base.pypi_dependencies)
        for req in reqs:
            pypi.setdefault(req.name, req)
        feature.base.pypi_dependencies = pypi


def _check_pep621_types(ctx: Context, data: dict) -> None:
    """The PEP 621 / PEP 735 tables a solve reads must have their types: a wrong one would
    otherwise be skipped without a word (``requires-python = 3``, ``dependency-groups = "x"``)."""
    checks = [
        (("project",), dict, "a table"),
        (("project", "name"), str, "a string"),
        (("project", "version"), str, "a string"),
        (("project", "requires-python"), str, "a string"),
        (("project", "dynamic"), list, "an array of field names"),
        (("project", "optional-dependencies"), dict, "a table of extra = [requirements]"),
        (("build-system",), dict, "a table"),
        (("dependency-groups",), dict, "a table of group = [requirements]"),
    ]
    for path, kind, what in checks:
        node = data
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or path[-1] not in node:
            continue
        value = node[path[-1]]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ctx.error(path, f"expected {what}, found {_type_name(value)}", f"write {path[-1]} as {what}", absolute=True, value=True)


def _pep508_abs(ctx: Context, path, text) -> PyPIRequirement:
    saved = ctx.prefix
    ctx.prefix = ()
    ctx.locator.prefix = ()
    try:
        return pep508_requirement(ctx, path, text)
    finally:
        ctx.prefix = saved
        ctx.locator.prefix = saved
