"""Where requests go and whom they trust: proxies (settings first, then ``HTTP(S)_PROXY`` /
``ALL_PROXY`` / ``NO_PROXY``) and CA certificates (the CA bundle setting, then ``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE``, ``SSL_CERT_DIR``)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import msgspec

from ..errors import InputError
from ..redact import mask_credentials, split_credentials
from .deadline import lazy


def _env_get(env, *names: str) -> str | None:
    for name in names:
        value = env.get(name)
        if value:
            return value.strip()
    return None


def proxy_table(proxies: dict[str, str] | None, env) -> dict[str, str]:
    """Per scheme (``http``, ``https``): the proxy URL. Explicit settings win, the standard
    environment variables fill what they leave out (lower case first, as curl reads them)."""
    table = {k.lower(): v for k, v in (proxies or {}).items() if v}
    every = table.get("all") or _env_get(env, "all_proxy", "ALL_PROXY")
    for scheme in ("http", "https"):
        if scheme not in table:
            found = _env_get(env, f"{scheme}_proxy", f"{scheme.upper()}_PROXY") or every
            if found:
                table[scheme] = found
    table.pop("all", None)
    return table


def no_proxy_list(no_proxy: Iterable[str] | None, env) -> tuple[str, ...]:
    entries = list(no_proxy or ())
    text = _env_get(env, "no_proxy", "NO_PROXY")
    if text:
        entries += text.split(",")
    return tuple(e.strip().lower() for e in entries if e and e.strip())


def bypasses_proxy(host: str, port: int, no_proxy: tuple[str, ...]) -> bool:
    host = host.lower().strip("[]")
    for entry in no_proxy:
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.strip("[]")
        if "/" in name:  # a CIDR block
            ipaddress = lazy("ipaddress")
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        suffix = name.lstrip("*").lstrip(".")
        if host == suffix or host.endswith("." + suffix):
            return True
    return False


#: What an invalid port means, without urlsplit's words: they quote the text after the host's ``:``,
#: which is the password when the password holds an unencoded ``/``.
BAD_PORT = "its port is not a number from 0 to 65535 (a user name or password holding '/' must write it as %2F)"


class Proxy(msgspec.Struct, frozen=True):
    host: str
    port: int
    auth: str | None  # a ``Proxy-Authorization`` value

    def __repr__(self) -> str:  # Basic auth is the user:password in base64: never in a log or traceback
        return f"Proxy({self.host!r}, {self.port}, auth={'****' if self.auth else None})"


def parse_proxy(url: str, source: str) -> Proxy:
    text = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}) is not a valid URL: {exc}") from None
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}) is not a valid URL: {BAD_PORT}") from None
    if parts.scheme != "http":
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}): only http:// proxies are supported "
                         f"(not {parts.scheme}://); HTTPS requests go through them in a CONNECT tunnel")
    if not parts.hostname:
        raise InputError(f"proxy {mask_credentials(url)!r} ({source}) has no host")
    _, creds = split_credentials(text)
    auth = None
    if creds is not None:
        import base64

        auth = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
    return Proxy(parts.hostname, port or 80, auth)


def ca_locations(ca_bundle: str | None, env) -> tuple[str | None, str | None, str]:
    """(cafile, capath, where it came from) for the verifying TLS context."""
    if ca_bundle:
        source = "the ca_bundle setting (tls-root-certs)"
        value = ca_bundle
    else:
        value, source = None, "the system store"
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"):
            if env.get(name):
                value, source = env[name], name
                break
    if value in (None, "native", "webpki", "all"):
        if value in ("webpki", "all"):  # Mozilla's roots, when certifi is installed
            try:
                certifi = importlib.import_module("certifi")
                return certifi.where(), (env.get("SSL_CERT_DIR") if value == "all" else None), "certifi"
            except ImportError:
                pass
        capath = env.get("SSL_CERT_DIR") if not ca_bundle else None
        return None, capath, source
    path = Path(value).expanduser()
    if path.is_dir():
        return None, str(path), source
    if path.is_file():
        capath = env.get("SSL_CERT_DIR") if source == "SSL_CERT_FILE" else None
        return str(path), capath, source
    raise InputError(f"CA certificates {value} (from {source}) do not exist: give a PEM file or a folder "
                     "of certificates")
