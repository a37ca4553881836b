"""The parse context (file, locator, warnings) and the value checks every table uses (types, keys,
URLs, paths, channels): each failure is a ``ManifestError`` at the offending key's line:column."""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

from ..errors import InputError
from ..lazyre import lazy
from ..redact import mask_credentials
from .errors import ManifestError, did_you_mean, format_key, printable
from .locate import Locator
from .model import ChannelRef

_CONDA_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def is_conda_name(name: str) -> bool:
    """Letters, digits, ``_``, ``-`` and ``.``, not starting with ``-`` or ``.`` (a set test: every
    dependency is checked, and a regular expression would be compiled in every run for it)."""
    return bool(name) and name[0] not in ".-" and set(name) <= _CONDA_NAME_CHARS


CONDA_VERSION_CHARS = lazy(r"^[A-Za-z0-9_.*+!<>=~|,()\-^$ @]+$")
PYPI_NAME = lazy(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SYSREQ_VERSION = lazy(r"^[0-9]+(\.[0-9A-Za-z]+)*$")
ENV_NAME = lazy(r"^[a-z0-9_-]+$")
OP_SPACE = lazy(r"(==|!=|>=|<=|~=|>|<|=)\s+")
LIST_SPACE = lazy(r"\s*([,|])\s*")


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


def type_name(value) -> str:
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
        raise ctx.error(path, f"expected {what}, found {type_name(value)}", f"write {format_key(path[-1:])} as {what}", value=True)
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


