"""The ``[workspace]``/``[project]`` table: channels, platforms (rich entries too), exclude-newer
in its three forms, conda-pypi-map and members."""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

from ..lazyre import lazy
from ..options import CHANNEL_PRIORITIES, SOLVE_STRATEGIES
from ..platform import FAMILY_SELECTORS, KNOWN_SUBDIRS
from .checks import (
    Context,
    check_keys,
    enum,
    expect,
    is_conda_name,
    is_url,
    looks_like_path,
    parse_channels,
    path_to_url,
    string_list,
    type_name,
    user_path,
    version_like,
)
from .dependencies import check_pypi_name, parse_conda_table
from .errors import did_you_mean
from .keys import PROJECT_KEYS
from .model import Project

# -- project ----------------------------------------------------------------------------------------


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
    if value is True and allow_false:
        raise ctx.error(path, "`exclude-newer = true` is not valid", "use a date, a duration, or false (no cutoff)", value=True)
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
    raise ctx.error(path, f"expected a date or a duration, found {type_name(value)}", 'write exclude-newer = 2024-01-31 or "7d"', value=True)


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
            if not is_conda_name(name):
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


