"""Credentials out of URLs and text: the one place that knows what a secret in a URL looks like.

Two kinds of secret travel in URLs here: ``user:password@`` (any scheme) and conda's token
segment ``/t/<token>/`` (conda channels only: a PyPI path may legitimately hold a ``t`` folder).

One name per operation, used everywhere in the package:

* :func:`split_credentials`: the transport's view: the URL without ``user:password@``, and the
  credentials (decoded) to send as a header.
* :func:`strip_credentials`: for data (lock files, cache keys, results): ``user:password@`` is
  dropped, nothing else changes.
* :func:`strip_conda_credentials`: the same for conda channel and record URLs, where the
  ``/t/<token>`` segment is dropped too.
* :func:`mask_credentials`: for messages shown to a person (errors, logs, a subprocess's stderr):
  every URL in free text keeps its shape with the secret replaced by ``****``, so the user sees
  that credentials were there. Mistyped URLs count: ``https:/user:pass@host``,
  ``https:user:pass@host`` and a bare ``user:pass@host`` are masked as well, and so are the
  values of secret-bearing query parameters (``?token=``, ``&X-Amz-Signature=``, ...).

Standard library only (``re``, ``urllib.parse``), cheap to import on the lock-check path: the
patterns compile on first use (most runs see no URL with an ``@``, a token or a query).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from .lazyre import lazy

__all__ = ["split_credentials", "strip_credentials", "strip_conda_credentials", "mask_credentials"]

_USERINFO = lazy(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s]+@")  # to the last ``@``
# ``user:secret@`` at the start of a word, with or without a (mistyped) scheme before it: a URL
# missing its ``//`` (``https:/u:p@h``, ``https:u:p@h``) or a bare ``u:p@host``. A colon is
# required, so e-mail addresses and ``git@host`` are left alone.
_LOOSE_USERINFO = lazy(
    r"(?:^|(?<=[\s'\"(<=,\[{/]))(?P<lead>[A-Za-z][A-Za-z0-9+.-]*:/{0,2})?[^\s/@:'\"]+:[^\s/'\"]+@(?=[\w\[])"
)
# ``user:pass/word@`` after a scheme: an unencoded ``/`` (common in base64 tokens) makes urlsplit
# see a host and a port where the user meant a password; messages mask it all the same.
_SLASHED_USERINFO = lazy(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s:@'\"]+:[^\s@'\"]*/[^\s@'\"]*@(?=[\w\[])")
_CONDA_TOKEN = lazy(r"/t/[^/\s]+(?=/|$)")
# Query parameters that carry a secret in signed or token URLs (object stores, private mirrors):
# their value is masked in messages. The URL itself is left alone in data, where the query is part
# of what the server needs.
_QUERY_SECRET = lazy(
    r"(?P<key>[?&](?:token|access_token|auth|api[_-]?key|key|password|passwd|secret|sig|signature"
    r"|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=)"
    r"[^&#\s'\"<>]+",
    re.IGNORECASE,
)


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``https://u:p@h/x`` -> (``https://h/x``, (u, p)). Percent-escapes in credentials are decoded;
    a URL without credentials comes back unchanged with None."""
    if "@" not in url or "://" not in url:
        return url, None
    try:
        parts = urlsplit(url)
    except ValueError:  # ``http://[::1/x``: not a URL anyone can fetch; keep no secret in it
        return mask_credentials(url), None
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password))


def strip_credentials(url: str) -> str:
    """The URL without ``user:password@``; anything that is not a URL is returned as is (a URL
    missing its ``//`` loses its ``user:password@`` too: it is text that was meant as one)."""
    if "@" not in url:
        return url
    if "://" not in url:
        return _LOOSE_USERINFO.sub(lambda m: m.group("lead") or "", url)
    return split_credentials(url)[0]


def strip_conda_credentials(url: str) -> str:
    """A conda channel or package URL (or a spec holding one) without ``user:password@`` nor a
    ``/t/<token>`` segment."""
    if "://" not in url or url.startswith("file:"):
        return strip_credentials(url)
    return _CONDA_TOKEN.sub("", _USERINFO.sub(lambda m: m.group("scheme"), url))


def mask_credentials(text: str) -> str:
    """Free text (a message, a subprocess's stderr) with every URL's secret shown as ``****``."""
    if "@" in text:
        if "://" in text:
            text = _SLASHED_USERINFO.sub(lambda m: f"{m.group('scheme')}****@", text)
            text = _USERINFO.sub(lambda m: f"{m.group('scheme')}****@", text)
        text = _LOOSE_USERINFO.sub(lambda m: f"{m.group('lead') or ''}****@", text)
    if "://" in text and "/t/" in text:
        text = _CONDA_TOKEN.sub("/t/****", text)
    if "?" in text and "=" in text:
        text = _QUERY_SECRET.sub(lambda m: f"{m.group('key')}****", text)
    return text
