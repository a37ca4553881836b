"""The on-disk cache of the HTTP client: one entry per URL (and ``Accept`` header), a body file and
a meta file holding the validators. What an entry may hold is decided here: only whitelisted
headers, and a URL only when a permanent redirect moved it and it holds nothing secret (see the
package docstring for what the cache guarantees).

Credentials and the cache
-------------------------
A cache folder may be shared: two users, or one CI runner holding two identities. A page fetched
with A's credentials must never be served to B (with other credentials, or none) on the strength of
the cache alone. The options a client has:

* key entries by identity. The key would have to be derived from the secret, and whatever is derived
  from it and written to the folder lets anyone who can read the folder test guesses offline: a
  plain or salted hash is cheap to test, a keyed hash is no better when the key lives in the same
  (shared) folder, and a slow KDF costs every run while still leaving guessable passwords
  guessable. A key kept outside the folder would only move the problem (and the folder is shared
  on purpose).
* store nothing about the identity, and let the server decide each time. This is what we do:

  - responses to requests that carried credentials (``Authorization``, a conda token from the
    credential store, ``user:password@``) live apart from anonymous ones (``private`` partition:
    the key holds one bit, "credentials were sent", never anything about which), so an anonymous
    requester never reads them and an authenticated one never reads an anonymous page;
  - a private entry is never used without asking the server with the requester's own credentials
    (RFC 9111 §3.5: a response to an authenticated request is not reused for other requests unless
    the server says ``public`` / ``s-maxage``), and it is revalidated by its ``ETag`` only: a 304 to
    ``If-None-Match`` says the requester's own representation is the stored one, whereas a 304 to
    ``If-Modified-Since`` only says "not changed since", which B's page may not have been while still
    being another page than A's. No ``ETag``: the page is fetched whole;
  - the same holds for anonymous responses the server marks ``Cache-Control: private`` or
    ``Vary: *``.

A meta file records a fingerprint of its body: two processes rewriting one entry (two identities,
or two versions of a page) can interleave the body of one with the meta of the other, and a 304
for the meta's ``ETag`` must not vouch for a body it does not describe (nor one a power cut left
empty or cut short: renames are not synced). The fingerprint is the size and a CRC-32, except for
a large public body fetched to a file (a repodata file), checked by size only so that a warm run
does not read it whole: another public copy of the same URL with the very same size swapped in by
a concurrent writer is the one case left to the reader's own check. A private body fetched to a file, which the caller opens later, is named
by that fingerprint, so no other identity's body is ever renamed over a path already handed out.
A meta written by an older version (no ``format``) counts as absent.

What remains shared between identities is only what the server vouches for each time (a 304 to
the requester's own credentials and the stored ETag) and what is addressed by content (shards,
metadata by wheel hash, parsed pages by their bytes).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..atomic import SWEEP_EVERY, UNUSED_MAX_AGE, write_atomic
from ..errors import InputError
from ..redact import mask_credentials, strip_conda_credentials, strip_credentials
from .deadline import lazy

# Response headers a cache entry keeps: validators and what readers look at. Anything else (a
# cookie, a Location holding a token) is not written to disk.
KEPT_HEADERS = ("etag", "last-modified", "cache-control", "content-type", "expires", "date", "content-range")

# What a meta file of this version holds (``private``, ``body``, ``age``); an entry an older version
# wrote may hold an authenticated page under the anonymous key: it is not trusted, only refetched.
META_FORMAT = 2


class Transfer:
    """What one request learnt on the way: redirects, and whether the body may be stored."""

    __slots__ = ("redirected", "temporary_redirect", "storable", "authenticated")

    def __init__(self):
        self.redirected = False
        self.temporary_redirect = False
        self.storable = True
        self.authenticated = False  # some hop sent credentials: the body may be that identity's own


def cache_paths(cache_dir: Path, url: str, headers: dict[str, str] | None,
                private: bool = False) -> tuple[Path, Path]:
    """(meta file, body file) of the entry for ``url`` (and its ``Accept`` header); ``private``:
    the partition of requests that carry credentials (see the module docstring)."""
    hashlib = lazy("hashlib")
    vary = (headers or {}).get("Accept", "")
    # a digest of the URL: a conda token in it (a long random string) is not recoverable from the
    # file name; ``user:password@`` (often a guessable password) is not part of it at all
    partition = " private" if private else ""
    digest = hashlib.sha256(f"{strip_credentials(url)}\n{vary}{partition}".encode()).hexdigest()[:40]
    base = cache_dir / digest[:2]
    return base / f"{digest}.json", base / f"{digest}.body"


def read_meta(entry):
    """The entry's meta (validators, kept headers), or None when absent, unreadable, or written by
    an older version."""
    try:
        with open(entry[0], "rb") as f:
            meta = json.load(f)
        if not isinstance(meta, dict) or meta.get("format") != META_FORMAT or not _fingerprint_like(meta.get("body")):
            return None
        headers = meta.get("headers")
        # the validators go back out as request headers: anything but one-line text (a damaged or
        # foreign file) would fail every later request, so the entry counts as absent
        if not isinstance(headers, dict) or not all(isinstance(v, str) and "\r" not in v and "\n" not in v
                                                    for v in headers.values()):
            return None
        return meta
    except (OSError, ValueError):
        return None


def _fingerprint_like(value) -> bool:
    """[size] or [size, crc]: what ``meta["body"]`` holds (a damaged or foreign meta may not)."""
    return (isinstance(value, list) and len(value) in (1, 2)
            and all(type(v) is int and 0 <= v < 1 << 64 for v in value))


def read_body(entry, meta):
    """The entry's body, or None when it is gone or is not the body ``meta`` describes (another
    process rewrote the entry meanwhile)."""
    try:
        with open(entry[1], "rb") as f:
            body = f.read()
    except OSError:
        return None
    return body if _fingerprint(body, checksum=True) == meta["body"] else None


def body_file(entry, fingerprint: list[int], private: bool) -> Path:
    """Where the body of an entry fetched to a file (``fetch_to_cache``) lives. A private entry's
    body is named by its fingerprint (size, CRC-32): the path handed to a caller, which opens it
    later, never has another identity's body renamed over it by a concurrent process (under one
    name it would). Files no meta names any more go with the daily sweep."""
    if not private or len(fingerprint) < 2:
        return entry[1]
    size, crc = fingerprint
    return entry[1].with_name(f"{entry[1].stem}.{size:x}-{crc:08x}.body")


# A private body another run may have been handed lately (written, or revalidated through its
# meta, this recently) is left alone when a newer one supersedes it; older ones go then.
SUPERSEDED_GRACE = 600.0


def drop_superseded_bodies(entry, keep: Path) -> None:
    """Removes the entry's fingerprint-named bodies other than ``keep`` that no run can still be
    about to open: written more than ``SUPERSEDED_GRACE`` ago, and not named by a meta written
    (or revalidated) within it. So an identity switching back and forth, or a channel updated
    many times a day, leaves a bounded number of bodies, not one per version."""
    now = time.time()
    meta = read_meta(entry)
    try:
        meta_recent = meta is not None and now - entry[0].stat().st_mtime < SUPERSEDED_GRACE
    except OSError:
        meta_recent = False
    named = body_file(entry, meta["body"], True) if meta_recent else None
    for path in entry[1].parent.glob(f"{entry[1].stem}.*.body"):
        if path == keep or path == named:
            continue
        try:
            if now - path.stat().st_mtime > SUPERSEDED_GRACE:
                path.unlink()
        except OSError:
            pass


def body_described(path: Path, meta, whole: bool = True) -> bool:
    """``path`` holds the body ``meta`` describes: its size, and (``whole``) for a private entry its
    CRC-32, read whole. A large public body (a repodata file) is only checked by size: another
    process can only have replaced it with another public copy of the same URL."""
    want = meta["body"]
    try:
        with open(path, "rb") as f:
            if len(want) < 2 or not whole:
                return os.fstat(f.fileno()).st_size == want[0]
            crc = 0
            size = 0
            while chunk := f.read(1 << 20):
                crc = lazy("zlib").crc32(chunk, crc)
                size += len(chunk)
            return [size, crc] == want
    except OSError:
        return False


def file_fingerprint(f, checksum: bool) -> list[int]:
    """What ``meta["body"]`` records of a body written to the open file ``f``."""
    f.flush()
    if not checksum:
        return [os.fstat(f.fileno()).st_size]
    f.seek(0)
    crc = 0
    size = 0
    while chunk := f.read(1 << 20):
        crc = lazy("zlib").crc32(chunk, crc)
        size += len(chunk)
    return [size, crc]


def _fingerprint(body: bytes, checksum: bool) -> list[int]:
    return [len(body), lazy("zlib").crc32(body)] if checksum else [len(body)]


def memory_fingerprint(body: bytes) -> list[int]:
    """``meta["body"]`` of a body kept in memory (small enough to checksum always)."""
    return _fingerprint(body, checksum=True)


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


def new_meta(final_url: str, original: str, headers: dict[str, str], info: Transfer, body: list[int]) -> dict:
    """What a cache entry records. The URL only when a permanent redirect moved it and it
    holds nothing that looks like a secret; a temporary redirect makes the entry one that is
    always revalidated at the original URL. ``body``: the body's fingerprint."""
    meta = {"format": META_FORMAT, "headers": {k: headers[k] for k in KEPT_HEADERS if k in headers},
            "stored": time.time(), "age": age_of(headers), "cache_control": headers.get("cache-control", ""),
            "private": private_response(headers, info.authenticated), "body": body}
    if info.temporary_redirect:
        meta["cache_control"] = "no-cache"
    elif info.redirected:
        meta["url"] = final_url  # dropped by write_meta when it looks like it holds a secret
    return meta


def storable(headers: dict[str, str]) -> bool:
    """The server allows storing the response (no ``Cache-Control: no-store``)."""
    cc = headers.get("cache-control", "").lower()
    return "no-store" not in cc


def private_response(headers: dict[str, str], authenticated: bool) -> bool:
    """The response is one requester's view: never used without asking the server with the
    requester's own credentials (see the module docstring)."""
    directives = _directives(headers.get("cache-control", ""))
    if "private" in directives:
        return True
    # ``Vary``: the request headers a stored answer must match. Ours are the same in every request
    # (User-Agent, Accept-Encoding), keyed (Accept), never sent (Cookie, Origin: absent both times,
    # so they match), or the credentials (which make the answer private below); only ``*`` is left.
    if "*" in (v.strip() for v in headers.get("vary", "").split(",")):
        return True
    # RFC 9111 §3.5: an authenticated response is shared only when the server says so
    return authenticated and not ({"public", "s-maxage"} & directives.keys())


def reusable(headers: dict[str, str]) -> bool:
    """A later request can use the stored body: it has validators (``ETag``, ``Last-Modified``) to
    revalidate it with, or a ``max-age`` to serve it fresh. Without either, the next fetch asks
    for the whole body again: storing it only costs a write (megabytes for a big index page)."""
    if "etag" in headers or "last-modified" in headers:
        return True
    max_age = _directives(headers.get("cache-control", "")).get("max-age", "")
    return max_age.isdigit() and int(max_age) > 0


def validators(meta: dict) -> dict[str, str]:
    """The conditional headers that revalidate the entry: its ``ETag`` when it has one (a server
    must then ignore a date, RFC 9110 §13.1.3, and a date has one-second steps: two versions of
    a file written within a second share it); else its ``Last-Modified``, never for a private
    entry (a date cannot tell whose page is stored)."""
    h = meta["headers"]
    if "etag" in h:
        return {"If-None-Match": h["etag"]}
    if "last-modified" in h and not meta.get("private"):
        return {"If-Modified-Since": h["last-modified"]}
    return {}


def confirms(meta: dict, not_modified_headers: dict[str, str]) -> bool:
    """A 304 vouches for the stored body: it names no other ``ETag`` than the stored one (RFC 9111
    §4.3.4; a server or proxy that answered our date while its ETag moved on has another body)."""
    etag = not_modified_headers.get("etag")
    stored = meta["headers"].get("etag")
    return etag is None or stored is None or _opaque(etag) == _opaque(stored)


def _opaque(etag: str) -> str:
    etag = etag.strip()
    return etag[2:] if etag.startswith("W/") else etag


def fresh(meta: dict) -> bool:
    """The entry may be used without asking the server: within its ``max-age`` (less the ``Age``
    it already had when it came), and never a private one. An entry stored "in the future" (the
    clock went back, or another machine sharing the folder runs ahead) is not fresh."""
    if meta.get("private"):
        return False
    directives = _directives(meta.get("cache_control", ""))
    if "no-cache" in directives or "max-age" not in directives:
        return False
    try:
        max_age = int(directives["max-age"])
        age = time.time() - float(meta["stored"])
        already = float(meta.get("age") or 0)
    except (ValueError, KeyError, TypeError):
        return False
    return 0 <= age and age + already < max_age


def _directives(cache_control) -> dict[str, str]:
    """``Cache-Control`` as {directive: value} (lower-cased names; "" for a bare directive)."""
    out = {}
    for part in str(cache_control).split(","):
        name, _, value = part.strip().partition("=")
        if name:
            out.setdefault(name.lower(), value.strip().strip('"'))
    return out


def age_of(headers: dict[str, str]) -> float:
    """The ``Age`` a response came with (seconds it spent in caches on the way), 0 if none."""
    try:
        return max(0.0, float(headers.get("age", "0")))
    except ValueError:
        return 0.0


# Once a day, the first run that stores an entry sweeps the cache, so that it does not grow without
# bound: a download killed mid-way (kill -9) leaves its ``.part`` file, as large as what it was
# fetching, which only the next download of the same URL would remove; entries no run used for
# ``UNUSED_MAX_AGE`` (pages of projects, whole wheels, repodata of channels nobody asks for any
# more) go, and so do bodies no meta names. A run that uses an entry marks its meta (mtime).


def sweep_stale_temps(http_dir: Path) -> int:
    """The daily sweep (see above), if one is due; returns how many files it removed."""
    from ..atomic import remove_stale_temp_files, start_daily_sweep

    if not start_daily_sweep(http_dir):
        return 0
    try:
        folders = [f for f in os.listdir(http_dir) if len(f) == 2]
    except OSError:
        return 0
    return sum(remove_stale_temp_files(http_dir / f) + _remove_unused_metas(http_dir / f)
               + _remove_unnamed_bodies(http_dir / f) for f in folders)


def mark_used(entry) -> None:
    """The entry served a run (without being rewritten): the sweep keeps it."""
    from ..atomic import mark_used as mark

    mark(entry[0])


def _remove_unused_metas(folder: Path) -> int:
    """Metas no run used for ``UNUSED_MAX_AGE``: their bodies, no longer named, go next."""
    from ..atomic import remove_unused_files

    return remove_unused_files(folder.glob("*.json"), UNUSED_MAX_AGE)


def _remove_unnamed_bodies(folder: Path) -> int:
    """Bodies no meta names (forgotten entries, superseded private bodies) more than a day old."""
    removed = 0
    now = time.time()
    for path in folder.glob("*.body"):
        stem = path.name.split(".", 1)[0]
        entry = (folder / f"{stem}.json", folder / f"{stem}.body")
        meta = read_meta(entry)
        if meta is not None and path in (entry[1], body_file(entry, meta["body"], True)):
            continue
        try:
            if now - path.stat().st_mtime > SWEEP_EVERY:
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed


def cache_unwritable(http_dir: Path, exc: OSError):
    """The cache folder (``SOLVER_CACHE_DIR``) cannot take an entry: a setting to fix, not a bug."""
    folder = http_dir.parent if http_dir.name == "http" else http_dir
    return InputError(f"cannot write to the cache folder {folder}: {exc.strerror or exc}"
                      f"{' (' + exc.filename + ')' if getattr(exc, 'filename', None) else ''}; "
                      "set SOLVER_CACHE_DIR to a writable folder")
