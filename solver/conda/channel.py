"""Conda channels: how a channel the user wrote (a name, a URL, a path) becomes a base URL.

A channel *name* (``conda-forge``, ``my-org/label/dev``) is resolved against a channel alias, as
conda and pixi do: the ``SOLVER_CHANNEL_ALIAS`` environment variable, else the alias the caller
passes (pixi's configuration files, see :mod:`solver.config`), else conda's standard alias
``https://conda.anaconda.org``.

``base_url`` keeps any credentials the user gave (they are needed to fetch); everything meant for
people or files (``display``, ``canonical_url``, ``__repr__``) has them removed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import msgspec

from solver.errors import InputError
from solver.lazyre import lazy
from solver.redact import strip_conda_credentials

CHANNEL_ALIAS_ENV = "SOLVER_CHANNEL_ALIAS"
#: conda's (and pixi's) channel alias: what a channel name means when nothing else is configured.
DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"

_WINDOWS_DRIVE = lazy(r"^[A-Za-z]:[\\/]")


class Channel(msgspec.Struct, frozen=True):
    """One channel. ``name`` is what the user wrote for names, else the credential-free URL;
    ``base_url`` is the URL the subdirs live under (``file://`` for local channels), no trailing
    slash, credentials kept."""

    name: str
    base_url: str

    def subdir_url(self, subdir: str) -> str:
        """URL of one subdir (credentials kept: this is what gets fetched)."""
        return f"{self.base_url}/{subdir}"

    @property
    def canonical_url(self) -> str:
        """``base_url`` without user/password, ``/t/<token>`` segment, query or fragment: what
        records and lock files name the channel by."""
        return canonical_channel_url(self.base_url)

    @property
    def display(self) -> str:
        """Credential-free form for messages: the name for named channels, else the URL."""
        return self.name if not self.is_url_name else canonical_channel_url(self.base_url)

    @property
    def is_url_name(self) -> bool:
        return "://" in self.name

    @property
    def is_local(self) -> bool:
        return self.base_url.startswith("file://")

    @property
    def local_path(self) -> Path | None:
        """The folder of a ``file://`` channel, else ``None``."""
        if not self.is_local:
            return None
        return file_url_to_path(self.base_url)

    def __repr__(self) -> str:  # never leak credentials through logs or tracebacks
        return f"Channel({self.display!r})"

    def __str__(self) -> str:
        return self.display

    @classmethod
    def parse(cls, spec: str | Channel, channel_alias: str | None = None) -> Channel:
        """A ``Channel`` from what the user wrote; see the module docstring for the rules."""
        if isinstance(spec, Channel):
            return spec
        return parse_channel(spec, channel_alias)


def expand_user_path(text: str) -> Path:
    """``text`` as a path with a leading ``~`` / ``~user`` expanded. A path that cannot name a
    file (a NUL character, an unknown user) raises ``InputError`` naming it."""
    if "\0" in text:
        raise InputError(f"path {text!r} holds a NUL character")
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "Could not determine home directory": ~nosuchuser
        user = text[1:].split("/", 1)[0].split("\\", 1)[0]
        raise InputError(f"path {text!r}: cannot expand '~{user}' (no such user, or no home directory)") from None


def channel_tail(channel: str) -> str:
    """The last path part of a channel (its name), for matching ``conda-forge::x`` to a URL."""
    return channel.rstrip("/").rsplit("/", 1)[-1]


def canonical_channel_url(url: str) -> str:
    """``url`` without ``user:password@``, a conda ``/t/<token>`` path segment, query or fragment:
    a channel's identity, safe to show and to write."""
    if url.startswith("file:"):
        return url
    if "://" not in url:  # not a URL (a name, a URL missing its //): no user:password@ either
        return strip_conda_credentials(url)
    parts = urlsplit(strip_conda_credentials(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def path_to_file_url(path: Path) -> str:
    posix = path.resolve().as_posix()
    if not posix.startswith("/"):  # Windows: C:/x -> file:///C:/x
        posix = "/" + posix
    return "file://" + quote(posix, safe="/:~")


def file_url_to_path(url: str) -> Path:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if path[2:4] == ":/" and path[0] == "/" and path[1].isascii() and path[1].isalpha():  # /C:/...
        path = path[1:]
    return Path(path)


def looks_like_path(spec: str) -> bool:
    """Local paths: absolute, ``./``, ``../``, ``~``, ``.``, Windows drive or UNC paths.
    Anything else without a scheme is a channel name (``org/label/dev`` included)."""
    return (
        spec.startswith(("/", "./", "../", "~", ".\\", "..\\", "\\\\"))
        or spec in (".", "..")
        or bool(_WINDOWS_DRIVE.match(spec))
    )


def resolve_alias(channel_alias: str | None) -> str:
    """The channel alias in effect: ``SOLVER_CHANNEL_ALIAS``, else the caller's, else conda's."""
    alias = os.environ.get(CHANNEL_ALIAS_ENV, "").strip() or (channel_alias or "").strip()
    return alias.rstrip("/") or DEFAULT_CHANNEL_ALIAS


def _check_url(url: str, what: str) -> None:
    """A URL ``urlsplit`` cannot take apart (``http://[::1/x``, port 99999) is bad input, named
    here (masked: ``canonical_channel_url`` would itself fail on it) rather than deep in the fetch."""
    try:
        urlsplit(url).port
    except ValueError as exc:
        from solver.redact import mask_credentials

        raise InputError(f"{what} {mask_credentials(url)!r} is not a valid URL: {exc}") from None


def parse_channel(spec: str, channel_alias: str | None = None) -> Channel:
    spec = spec.strip()
    if not spec:
        raise InputError("empty channel name")
    lower = spec.lower()
    if lower.startswith(("http://", "https://")):
        url = spec.rstrip("/")
        _check_url(url, "channel URL")
        if not urlsplit(url).hostname:
            raise InputError(f"channel URL {canonical_channel_url(url)!r} has no host")
        return Channel(name=canonical_channel_url(url), base_url=url)
    if lower.startswith("file://"):
        path = file_url_to_path(spec.rstrip("/") or spec)
        return Channel(name=path_to_file_url(path), base_url=path_to_file_url(path))
    if "://" in spec:
        scheme = spec.split("://", 1)[0]
        raise InputError(f"channel {canonical_channel_url(spec)!r}: unsupported URL scheme {scheme!r} "
                         "(use http://, https://, file:// or a local path)")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", spec):  # ``https:/host/x``: a URL missing its //
        from solver.redact import mask_credentials

        raise InputError(f"channel {mask_credentials(spec)!r} is not a valid URL: a URL needs "
                         "scheme://host (is a / missing?)")
    if looks_like_path(spec):
        path = expand_user_path(spec)
        url = path_to_file_url(path)
        return Channel(name=url, base_url=url)
    alias = resolve_alias(channel_alias)
    if not alias.lower().startswith(("http://", "https://", "file://")):
        from solver.redact import mask_credentials

        raise InputError(f"channel alias {mask_credentials(alias)!r} must be an http(s):// or file:// URL")
    _check_url(alias, "channel alias")
    name = spec.strip("/")
    return Channel(name=name, base_url=f"{alias}/{name}")
