"""Credentials for private indexes, per URL, the ways the private-indexes guide lists them:

1. credentials in the index URL (``https://user:pass@host/simple``), which apply to every URL on
   that index's host (files are often served under another path of the same host);
2. ``PIXI_PYPI_USERNAME_<NAME>`` / ``PIXI_PYPI_PASSWORD_<NAME>`` for a named index (NAME is the
   index name upper-cased, every character other than A-Z/0-9 replaced by ``_``);
3. ``.netrc`` (``$NETRC`` or ``~/.netrc``) by host;
4. the ``keyring`` package when installed (looked up by index URL, then by host).

Everything written or shown goes through :mod:`solver.redact`.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from ..redact import split_credentials

if TYPE_CHECKING:
    import netrc

Credentials = tuple[str, str]


def env_var_suffix(index_name: str) -> str:
    """The ``<NAME>`` part of ``PIXI_PYPI_USERNAME_<NAME>`` for an index name."""
    return re.sub(r"[^A-Z0-9]", "_", index_name.upper())


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    return parts.scheme.lower(), host


class CredentialProvider:
    """``provider(url) -> (user, password) | None``: the ``auth=`` callable of the HTTP client.

    ``indexes`` are (url, name) pairs as configured (URLs may carry credentials)."""

    def __init__(
        self,
        indexes: Sequence[tuple[str, str | None]] = (),
        *,
        env: Mapping[str, str] | None = None,
        netrc_path: str | os.PathLike | None = None,
        use_keyring: bool = True,
    ):
        self._env = os.environ if env is None else env
        self._by_origin: dict[tuple[str, str], Credentials] = {}
        self._named: list[tuple[str, tuple[str, str], str]] = []  # (clean url, origin, name)
        for url, name in indexes:
            clean, creds = split_credentials(url)
            if creds is not None:
                self._by_origin.setdefault(_origin(url), creds)
            if name:
                self._named.append((clean, _origin(clean), name))
        if netrc_path is None:
            netrc_path = self._env.get("NETRC") or str(Path.home() / ".netrc")
        self._netrc_path = netrc_path
        self._netrc: netrc.netrc | None | bool = False  # False: not read yet
        self._use_keyring = use_keyring
        self._lock = threading.Lock()
        self._keyring_cache: dict[str, Credentials | None] = {}

    def __call__(self, url: str) -> Credentials | None:
        _, in_url = split_credentials(url)
        if in_url is not None and in_url[1]:
            return in_url
        origin = _origin(url)
        creds = self._by_origin.get(origin)
        if creds is not None and creds[1]:
            return creds
        # a user name without a password (``https://me@host/simple``, or only
        # PIXI_PYPI_USERNAME_<NAME>): the keyring holds the password, as the guide sets it up
        user = (in_url or creds or (None, ""))[0]
        found = self._from_env(url, origin)
        if found is not None and found[1]:
            return found
        user = user or (found[0] if found else None)
        if user is None:
            found = self._from_netrc(origin[1])
            if found is not None:
                return found
        found = self._from_keyring(url, origin, user)
        if found is not None:
            return found
        return (user, "") if user else None

    def _from_env(self, url: str, origin) -> Credentials | None:
        # The index whose URL is the longest prefix of ``url`` wins; otherwise one on the same host.
        best = None
        for clean, idx_origin, name in self._named:
            if idx_origin != origin:
                continue
            score = len(clean) if url.startswith(clean.rstrip("/")) else 0
            if best is None or score > best[0]:
                best = (score, name)
        if best is None:
            return None
        suffix = env_var_suffix(best[1])
        user = self._env.get(f"PIXI_PYPI_USERNAME_{suffix}")
        password = self._env.get(f"PIXI_PYPI_PASSWORD_{suffix}")
        if user is None and password is None:
            return None
        return (user or "", password or "")

    def _from_netrc(self, host: str) -> Credentials | None:
        with self._lock:
            if self._netrc is False:
                import netrc  # on the first credential look-up, not at start-up

                try:
                    self._netrc = netrc.netrc(self._netrc_path) if os.path.isfile(self._netrc_path) else None
                except (netrc.NetrcParseError, OSError):
                    # A broken .netrc must not stop a resolution that may not need it.
                    self._netrc = None
        if not self._netrc:
            return None
        hostname = host.split(":")[0]
        entry = self._netrc.authenticators(host) or self._netrc.authenticators(hostname)
        if entry is None:
            return None
        login, _, password = entry
        return (login or "", password or "")

    def _from_keyring(self, url: str, origin, user: str | None = None) -> Credentials | None:
        """``keyring.get_credential(service, None)`` for the index URL, ``scheme://host`` and the
        host; with a known user name, ``keyring.get_password(service, user)`` (what
        ``keyring set URL USER`` stores, and all that the basic backends can answer)."""
        if not self._use_keyring:
            return None
        with self._lock:
            key = f"{origin[0]}://{origin[1]}" + (f"\n{user}" if user else "")
            if key in self._keyring_cache:
                return self._keyring_cache[key]
            creds = None
            try:
                import keyring  # optional: only when the user installed it
            except ImportError:
                self._use_keyring = False
                return None
            services = [clean for clean, o, _ in self._named if o == origin]
            services += [f"{origin[0]}://{origin[1]}", origin[1]]
            for service in services:
                try:
                    if user:
                        password = keyring.get_password(service, user)
                        cred = None if password is None else (user, password)
                    else:
                        found = keyring.get_credential(service, None)
                        cred = None if found is None else (found.username, found.password)
                except Exception:  # a misconfigured backend must not fail the solve
                    cred = None
                if cred is not None:
                    creds = cred
                    break
            self._keyring_cache[key] = creds
            return creds


AuthCallable = Callable[[str], Credentials | None]
