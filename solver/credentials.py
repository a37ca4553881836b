"""Conda channel credentials as pixi stores them (``pixi auth login``), matched by host.

pixi (through rattler) keeps one entry per host, in the system keyring (service ``rattler``,
account = the host, password = the entry as JSON) or in a JSON credentials file:

    {"*.prefix.dev": {"BearerToken": "..."},
     "private.example.com": {"BasicHTTP": {"username": "...", "password": "..."}},
     "conda.example.com": {"CondaToken": "..."}}

Where the file is: ``HttpSettings.auth_file`` (pixi's ``authentication-override-file``, filled by
the configuration layer), else ``RATTLER_AUTH_FILE``, else ``~/.rattler/credentials.json`` (where
pixi writes when no keyring is available). An override file is the only store consulted, as in
rattler; otherwise the keyring is asked first (only when the ``keyring`` package is installed).

A host matches its exact entry first, then wildcard entries from the most specific suffix
(``*.repo.example.com`` before ``*.example.com``). Secrets live only in memory: a
:class:`Credential` never prints them, and the HTTP client turns them into a header (``Basic``,
``Bearer``) or a ``/t/<token>`` path segment on the request only.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Literal

import msgspec

from .errors import InputError

__all__ = ["Credential", "CredentialStore", "credential_from_entry"]

AUTH_FILE_ENV = "RATTLER_AUTH_FILE"
KEYRING_SERVICE = "rattler"


class Credential(msgspec.Struct, frozen=True):
    """One way to authenticate: ``basic`` (user + password), ``bearer`` (token in the
    ``Authorization`` header) or ``conda-token`` (token as a ``/t/<token>`` path segment)."""

    kind: Literal["basic", "bearer", "conda-token"]
    username: str = ""
    secret: str = ""

    def __repr__(self) -> str:  # never leak the secret through logs or tracebacks
        return f"Credential({self.kind!r}, username={self.username!r}, secret='****')"

    __str__ = __repr__


def credential_from_entry(entry, where: str) -> Credential:
    """An entry of the credentials file (``{"BearerToken": "..."}`` and the like). ``where`` names
    the file and host for the error; the entry's values never appear in it."""
    if isinstance(entry, dict) and len(entry) == 1:
        (kind, value), = entry.items()
        if kind == "BearerToken" and isinstance(value, str):
            return Credential("bearer", secret=_sendable(value, "", kind, where))
        if kind == "CondaToken" and isinstance(value, str):
            return Credential("conda-token", secret=_sendable(value, "/?#", kind, where))
        if (kind == "BasicHTTP" and isinstance(value, dict) and isinstance(value.get("username"), str)
                and isinstance(value.get("password"), str)):
            return Credential("basic", username=value["username"], secret=value["password"])
        if kind in ("BearerToken", "CondaToken", "BasicHTTP"):
            raise InputError(f"{where}: malformed {kind} entry")
        raise InputError(f"{where}: unsupported authentication method {kind!r} "
                         "(expected BearerToken, CondaToken or BasicHTTP)")
    raise InputError(f"{where}: expected an object with one of BearerToken, CondaToken, BasicHTTP")


def _sendable(token: str, also_refused: str, kind: str, where: str) -> str:
    """``token`` when it can go into a header (``Bearer``) or a path segment (``/t/<token>``) as
    it is: a line break pasted with it would make the transport refuse the request with a
    message quoting the token."""
    if not token or any(c.isspace() or not c.isprintable() or c in also_refused for c in token):
        raise InputError(f"{where}: the {kind} is empty or holds a space, a line break or a character "
                         f"that cannot be sent{' (' + ' '.join(also_refused) + ')' if also_refused else ''}")
    return token


def _candidates(host: str) -> list[str]:
    """The keys that may hold ``host``'s entry, most specific first."""
    host = host.lower().rstrip(".")
    out = [host]
    labels = host.split(".")
    out += ["*." + ".".join(labels[i:]) for i in range(1, len(labels))]
    return out


class CredentialStore:
    """``store(host) -> Credential | None``. Reads its file and keyring on first use only (a solve
    from local channels never opens them)."""

    def __init__(self, auth_file: str | os.PathLike | None = None, *, env=None, use_keyring: bool = True):
        env = os.environ if env is None else env
        self._override = auth_file or env.get(AUTH_FILE_ENV) or None
        self._default_file = Path.home() / ".rattler" / "credentials.json"
        self._use_keyring = use_keyring and self._override is None
        self._entries: dict[str, Credential] | None = None
        self._keyring_cache: dict[str, Credential | None] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str) -> Credential | None:
        if not host:
            return None
        for key in _candidates(host):
            found = self._from_keyring(key)
            if found is not None:
                return found
            found = self._file_entries().get(key)
            if found is not None:
                return found
        return None

    def _file_entries(self) -> dict[str, Credential]:
        with self._lock:
            if self._entries is None:
                self._entries = self._read_file()
            return self._entries

    def _read_file(self) -> dict[str, Credential]:
        path = Path(self._override).expanduser() if self._override else self._default_file
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            if self._override:
                raise InputError(f"credentials file {path} (authentication-override-file / "
                                 f"{AUTH_FILE_ENV}) does not exist") from None
            return {}
        except OSError as exc:
            raise InputError(f"cannot read the credentials file {path}: {exc.strerror}") from None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            # the position only: the text around it may be a secret
            raise InputError(f"credentials file {path} is not valid JSON (line {getattr(exc, 'lineno', '?')}, "
                             f"column {getattr(exc, 'colno', '?')})") from None
        if not isinstance(data, dict):
            raise InputError(f"credentials file {path}: expected a JSON object of host -> credentials")
        return {str(host).lower(): credential_from_entry(entry, f"credentials file {path}, host {host!r}")
                for host, entry in data.items()}

    def _from_keyring(self, key: str) -> Credential | None:
        if not self._use_keyring:
            return None
        with self._lock:
            if key in self._keyring_cache:
                return self._keyring_cache[key]
            try:
                import keyring  # optional: only when the user installed it
            except ImportError:
                self._use_keyring = False
                return None
            try:
                text = keyring.get_password(KEYRING_SERVICE, key)
            except Exception:  # noqa: BLE001 (a misconfigured backend must not fail the solve)
                text = None
            found = None
            if text:
                try:
                    found = credential_from_entry(json.loads(text), f"keyring entry {KEYRING_SERVICE}/{key}")
                except (ValueError, InputError):
                    found = None  # not an entry pixi wrote: ignore it rather than fail
            self._keyring_cache[key] = found
            return found
