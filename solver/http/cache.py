"""The on-disk cache of the HTTP client: one entry per URL (and ``Accept`` header), a body file and
a meta file holding the validators. What an entry may hold is decided here: only whitelisted
headers, and a URL only when a permanent redirect moved it and it holds nothing secret (see the
package docstring for what the cache guarantees)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..atomic import write_atomic
from ..errors import InputError
from ..redact import mask_credentials, strip_conda_credentials, strip_credentials
from .deadline import lazy

# Response headers a cache entry keeps: validators and what readers look at. Anything else (a
# cookie, a Location holding a token) is not written to disk.
KEPT_HEADERS = ("etag", "last-modified", "cache-control", "content-type", "expires", "date", "content-range")


class Transfer:
    """What one request learnt on the way: redirects, and whether the body may be stored."""

    __slots__ = ("redirected", "temporary_redirect", "storable")

    def __init__(self):
        self.redirected = False
        self.temporary_redirect = False
        self.storable = True


def cache_paths(cache_dir: Path, url: str, headers: dict[str, str] | None) -> tuple[Path, Path]:
    """(meta file, body file) of the entry for ``url`` (and its ``Accept`` header)."""
    hashlib = lazy("hashlib")
    vary = (headers or {}).get("Accept", "")
    # a digest of the URL: a conda token in it is not recoverable from the file name
    digest = hashlib.sha256(f"{strip_credentials(url)}\n{vary}".encode()).hexdigest()[:40]
    base = cache_dir / digest[:2]
    return base / f"{digest}.json", base / f"{digest}.body"


def read_meta(entry):
    """The entry's meta (validators, kept headers), or None when absent or unreadable."""
    try:
        with open(entry[0], "rb") as f:
            meta = json.load(f)
        headers = meta.get("headers") if isinstance(meta, dict) else None
        # the validators go back out as request headers: anything but one-line text (a damaged or
        # foreign file) would fail every later request, so the entry counts as absent
        if not isinstance(headers, dict) or not all(isinstance(v, str) and "\r" not in v and "\n" not in v
                                                    for v in headers.values()):
            return None
        return meta
    except (OSError, ValueError):
        return None


def read_body(entry):
    """The entry's body, or None when it is gone."""
    try:
        return entry[1].read_bytes()
    except OSError:
        return None


def write_meta(entry, meta) -> None:
    """Writes the entry's meta, atomically."""
    # an entry an older version wrote may hold more than we keep now: rewritten, it loses it
    meta["headers"] = {k: v for k, v in meta["headers"].items() if k in KEPT_HEADERS}
    url = meta.get("url")
    if url is not None and (url != strip_conda_credentials(url) or url != mask_credentials(url)):
        del meta["url"]
    try:
        write_atomic(entry[0], json.dumps(meta).encode())
    except OSError as exc:
        raise cache_unwritable(entry[0].parent.parent, exc) from None


def new_meta(final_url: str, original: str, headers: dict[str, str], info: Transfer) -> dict:
    """What a cache entry records. The URL only when a permanent redirect moved it and it
    holds nothing that looks like a secret; a temporary redirect makes the entry one that is
    always revalidated at the original URL."""
    meta = {"headers": {k: headers[k] for k in KEPT_HEADERS if k in headers}, "stored": time.time(),
            "cache_control": headers.get("cache-control", "")}
    if info.temporary_redirect:
        meta["cache_control"] = "no-cache"
    elif info.redirected:
        meta["url"] = final_url  # dropped by write_meta when it looks like it holds a secret
    return meta


def storable(headers: dict[str, str]) -> bool:
    """The server allows storing the response (no ``Cache-Control: no-store``)."""
    cc = headers.get("cache-control", "").lower()
    return "no-store" not in cc


def reusable(headers: dict[str, str]) -> bool:
    """A later request can use the stored body: it has validators (``ETag``, ``Last-Modified``) to
    revalidate it with, or a ``max-age`` to serve it fresh. Without either, the next fetch asks
    for the whole body again: storing it only costs a write (megabytes for a big index page)."""
    if "etag" in headers or "last-modified" in headers:
        return True
    for part in headers.get("cache-control", "").lower().split(","):
        part = part.strip()
        if part.startswith("max-age="):
            return part[8:].isdigit() and int(part[8:]) > 0
    return False


def validators(meta: dict) -> dict[str, str]:
    """The conditional headers that revalidate the entry."""
    out = {}
    h = meta["headers"]
    if "etag" in h:
        out["If-None-Match"] = h["etag"]
    if "last-modified" in h:
        out["If-Modified-Since"] = h["last-modified"]
    return out


def fresh(meta: dict) -> bool:
    """The entry may be used without asking the server (within its ``max-age``)."""
    cc = str(meta.get("cache_control", "")).lower()
    if "no-cache" in cc or "must-revalidate" in cc and "max-age=0" in cc:
        return False
    for part in cc.split(","):
        part = part.strip()
        if part.startswith("max-age="):
            try:
                return time.time() - float(meta["stored"]) < int(part[8:])
            except (ValueError, KeyError, TypeError):
                return False
    return False


def cache_unwritable(http_dir: Path, exc: OSError):
    """The cache folder (``SOLVER_CACHE_DIR``) cannot take an entry: a setting to fix, not a bug."""
    folder = http_dir.parent if http_dir.name == "http" else http_dir
    return InputError(f"cannot write to the cache folder {folder}: {exc.strerror or exc}"
                      f"{' (' + exc.filename + ')' if getattr(exc, 'filename', None) else ''}; "
                      "set SOLVER_CACHE_DIR to a writable folder")
