"""Credentials out of URLs and text: the one place that knows what a secret in a URL looks like.

Two kinds of secret travel in URLs here: ``user:password@`` (any scheme) and conda's token
segment ``/t/<token>/`` (conda channels only: a PyPI path may legitimately hold a ``t`` folder).

* :func:`split_credentials` / :func:`redact_url`: for data (lock files, cache keys, results):
  the credentials are dropped.
* :func:`redact_conda_url`: the same for conda channel and record URLs, token segment included.
* :func:`mask_credentials`: for messages shown to a person: every URL in free text keeps its shape
  with the secret replaced by ``****``, so the user sees that credentials were there.

Standard library only (``re``, ``urllib.parse``), cheap to import on the lock-check path.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

from .lazyre import lazy

_USERINFO = lazy(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_CONDA_TOKEN = lazy(r"/t/[^/\s]+(?=/|$)")


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``https://u:p@h/x`` -> (``https://h/x``, (u, p)). Percent-escapes in credentials are decoded;
    a URL without credentials comes back unchanged with None."""
    if "@" not in url or "://" not in url:
        return url, None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password))


def redact_url(url: str) -> str:
    """The URL without ``user:password@``; anything that is not a URL is returned as is."""
    return split_credentials(url)[0]


def redact_conda_url(url: str) -> str:
    """A conda channel or package URL (or a spec holding one) without ``user:password@`` nor a
    ``/t/<token>`` segment."""
    if "://" not in url or url.startswith("file:"):
        return url
    return _CONDA_TOKEN.sub("", _USERINFO.sub(lambda m: m.group("scheme"), url))


def mask_credentials(text: str) -> str:
    """Free text (a message, a subprocess's stderr) with every URL's secret shown as ``****``."""
    if "://" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}****@", text)
    return _CONDA_TOKEN.sub("/t/****", text)
