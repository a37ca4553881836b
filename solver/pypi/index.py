"""Reading indexes: PEP 503 HTML and PEP 691 JSON project pages (content negotiation), PEP 592
yanked, ``data-requires-python``, PEP 658/714 metadata flags; find-links directories and pages;
``file://`` indexes.

A page is parsed into :class:`DistFile` records, one per distribution file, credential-free.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone  # msgspec has imported it already
from functools import lru_cache
from typing import Any
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import msgspec
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
)
from packaging.tags import parse_tag
from packaging.version import InvalidVersion, Version

from ..errors import NetworkError
from ..redact import strip_credentials
from .config import IndexSource

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz")


class DistFile(msgspec.Struct, kw_only=True, gc=False):
    """One distribution file on an index. ``url`` is absolute and credential-free (the client adds
    credentials per host). ``yanked``: None or the reason ("" when none given). ``metadata``: the
    PEP 658 metadata file is available (its hashes when given). ``tags``: wheel tags (frozenset of
    packaging Tag) or None for an sdist."""

    filename: str
    url: str
    name: str
    version: Version
    index: str  # credential-free URL of the source
    hashes: dict[str, str] = {}
    requires_python: str | None = None
    yanked: str | None = None
    metadata: dict[str, str] | None = None
    size: int | None = None
    upload_time: int | None = None  # ms since the epoch (PEP 700, JSON pages only)
    tags: frozenset | None = None
    build: tuple = ()

    @property
    def is_wheel(self) -> bool:
        return self.tags is not None


# A page of a popular project lists thousands of files sharing a few hundred versions and a few
# dozen tag sets: each distinct text is parsed once (and equal tag sets are one object, which
# lets the candidate policy rank them once too).
@lru_cache(maxsize=65536)
def _version(text: str) -> Version:
    return Version(text)


@lru_cache(maxsize=8192)
def _wheel_tags(text: str) -> frozenset:
    return frozenset(parse_tag(text))


@lru_cache(maxsize=8192)
def _wheel_name(text: str) -> str:
    if not _WHEEL_NAME.fullmatch(text):
        raise InvalidWheelFilename(text)
    return canonicalize_name(text)


_WHEEL_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?")
_BUILD_TAG = re.compile(r"(\d+)(.*)")


def _parse_wheel_filename(filename: str):
    """packaging's ``parse_wheel_filename`` with each distinct part parsed once."""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        raise InvalidWheelFilename(filename)
    build = ()
    if len(parts) == 6:
        m = _BUILD_TAG.fullmatch(parts[2])
        if m is None:
            raise InvalidWheelFilename(filename)
        build = (int(m.group(1)), m.group(2))
    return _wheel_name(parts[0]), _version(parts[1]), build, _wheel_tags("-".join(parts[-3:]))


def _parse_sdist_filename(filename: str):
    """packaging's ``parse_sdist_filename`` with each distinct part parsed once."""
    stem = filename[:-7] if filename.endswith(".tar.gz") else filename[:-4]
    name, sep, version = stem.rpartition("-")
    if not sep:
        raise InvalidSdistFilename(filename)
    return _canonical(name), _version(version)


@lru_cache(maxsize=8192)
def _canonical(name: str) -> str:
    return canonicalize_name(name)


def parse_filename(filename: str):
    """(name, version, tags-or-None, build) for a wheel or sdist file name; None when neither."""
    try:
        if filename.endswith(".whl"):
            name, version, build, tags = _parse_wheel_filename(filename)
            return name, version, tags, build
        if filename.endswith((".tar.gz", ".zip")):
            name, version = _parse_sdist_filename(filename)
            return name, version, None, ()
        if filename.endswith((".tar.bz2", ".tgz")):
            stem = filename.rsplit(".", 2 if filename.endswith(".tar.bz2") else 1)[0]
            name, _, ver = stem.rpartition("-")
            return canonicalize_name(name), Version(ver), None, ()
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion, ValueError):
        return None
    return None


def _split_fragment(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    hashes = {}
    if parts.fragment and "=" in parts.fragment:
        algo, _, value = parts.fragment.partition("=")
        if algo in ("sha256", "sha384", "sha512", "md5", "sha1", "blake2b"):
            hashes[algo] = value
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")), hashes


def _metadata_flag(value) -> dict[str, str] | None:
    """PEP 658/714 attribute/key: absent/false -> None, true -> {}, hashes -> dict."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        if value.lower() == "true" or value == "":
            return {}
        algo, _, digest = value.partition("=")
        return {algo: digest} if digest else {}
    return None


# Simple-index pages are machine-written anchors; a tolerant regex scan is several times faster
# than html.parser on pages with thousands of files (HTML-only private indexes serve those).
_ANCHOR = re.compile(r"<a\s([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"<base\s([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _attributes(text: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for m in _ATTR.finditer(text):
        name = m.group(1).lower()
        if m.group(2) is not None:
            value = m.group(2)
        elif m.group(3) is not None:
            value = m.group(3)
        else:
            value = m.group(4)
        if value is not None and "&" in value:
            import html  # rare (escaped attributes): not worth an import for every start-up

            value = html.unescape(value)
        out.setdefault(name, value)
    return out


def _anchors(text: str) -> tuple[list[dict[str, str | None]], str | None]:
    base = None
    m = _BASE.search(text)
    if m:
        base = _attributes(m.group(1)).get("href")
    return [_attributes(m.group(1)) for m in _ANCHOR.finditer(text)], base


def _plain_host(url: str) -> bool:
    """An absolute http(s) URL whose host part has no port, brackets or user info: nothing in it
    can fail to parse, so it needs no ``_join`` (pages list thousands of such links)."""
    netloc = url.split("/", 3)[2] if url.count("/") >= 2 else ""
    return bool(netloc) and not any(c in netloc for c in ":[]@")


def _join(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``; None when the result is no URL (``http://[::1/``,
    port 99999): an index can write anything, and one bad link must not sink the page."""
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        parts.port
    except ValueError:
        return None
    if not parts.scheme or (parts.scheme != "file" and not parts.hostname):
        return None  # e.g. <base href="http:">: what is left is no absolute URL
    return url


def _make_file(filename: str, url: str, index: str, want: str | None, **extra) -> DistFile | None:
    parsed = parse_filename(filename)
    if parsed is None:
        return None
    name, version, tags, build = parsed
    if want is not None and name != want:
        return None
    return DistFile(filename=filename, url=url, name=name, version=version, index=index,
                    tags=tags, build=build, **extra)


def parse_html_page(body: bytes, page_url: str, index: str, want: str | None = None) -> list[DistFile]:
    """PEP 503 page (or a find-links page): every anchor naming a wheel or sdist."""
    anchors, base_href = _anchors(body.decode("utf-8", errors="replace"))
    base = _join(page_url, base_href) if base_href else page_url
    if base is None:
        raise NetworkError(f"index page {strip_credentials(page_url)}: <base href> {base_href!r} is not a valid URL")
    out = []
    joined_dirs: dict[str, str] = {}  # hrefs share a few directories: join each once
    for attrs in anchors:
        href = attrs.get("href")
        if not href:
            continue
        href, _, fragment = href.partition("#")
        href, _, query = href.partition("?")
        directory, _, filename = href.rpartition("/")
        key = directory if directory else ("/" if href.startswith("/") else "")
        prefix = joined_dirs.get(key)
        if prefix is None:
            prefix = _join(base, key + "/" if directory else (key or "./")) or ""
            joined_dirs[key] = prefix
        if not prefix:
            continue  # an href that is no URL (a broken IPv6 host, a bad port): nothing to fetch
        url = prefix + filename + (f"?{query}" if query else "")
        if "%" in filename:
            filename = unquote(filename)
        hashes = {}
        if fragment and "=" in fragment:
            algo, _, value = fragment.partition("=")
            if algo in ("sha256", "sha384", "sha512", "md5", "sha1", "blake2b"):
                hashes[algo] = value
        if "@" in url:
            url = strip_credentials(url)
        yanked = attrs.get("data-yanked")
        if "data-yanked" in attrs and yanked is None:
            yanked = ""
        meta = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        if "data-core-metadata" not in attrs and "data-dist-info-metadata" not in attrs:
            meta_flag = None
        else:
            meta_flag = _metadata_flag("true" if meta is None else meta)
        rp = attrs.get("data-requires-python")
        f = _make_file(
            filename, url, index, want,
            hashes=hashes,
            requires_python=rp or None,
            yanked=yanked,
            metadata=meta_flag,
        )
        if f is not None:
            out.append(f)
    return out


def parse_json_page(body: bytes, page_url: str, index: str, want: str | None = None,
                    wheel_fits=None) -> list[DistFile]:
    """PEP 691 JSON project page. ``wheel_fits(tags)``, when given, says whether a wheel can serve
    the target: those that cannot are left out (a popular project lists thousands, of which a
    target can use one or two per version), except one per version, which keeps the version
    known, its reason ("no wheel for ...") told, and its metadata readable without building the
    sdist."""
    files = _parse_plain_json_page(body, page_url, index, want, wheel_fits)
    return files if files is not None else _parse_json_page_checked(body, page_url, index, want, wheel_fits)


class _JsonFile(msgspec.Struct, gc=False):
    """A PEP 691 file entry of the plain shape: what a page holds when nothing in it is odd."""

    filename: str | None = None
    url: str | None = None
    hashes: dict[str, str] = {}
    requires_python: str | None = msgspec.field(default=None, name="requires-python")
    yanked: bool | str = False
    core_metadata: Any = msgspec.field(default=msgspec.UNSET, name="core-metadata")
    data_dist_info_metadata: Any = msgspec.field(default=msgspec.UNSET, name="data-dist-info-metadata")
    dist_info_metadata: Any = msgspec.field(default=msgspec.UNSET, name="dist-info-metadata")
    size: int | None = None
    # decoded by msgspec (RFC 3339, in C): a text of another form sends the page to the checked reading
    upload_time: datetime | None = msgspec.field(default=None, name="upload-time")


class _JsonPage(msgspec.Struct, gc=False):
    files: list[_JsonFile] = []


_json_page_decoder = msgspec.json.Decoder(_JsonPage)


def _parse_plain_json_page(body: bytes, page_url: str, index: str, want: str | None, wheel_fits) -> list[DistFile] | None:
    """:func:`parse_json_page` for a page whose every entry has the plain shape (strings where
    strings belong, ...), checked while decoding, several times faster on pages of thousands of
    files; None for any other page, which :func:`_parse_json_page_checked` then reads (and names
    what is wrong in it). Both give the same files for a page of the plain shape."""
    try:
        entries = _json_page_decoder.decode(body).files
    except msgspec.DecodeError:  # a ValidationError too
        return None
    kept: list = []
    unfit: dict[str, list[int]] = {}  # "name-version[-build]" -> positions of wheels the target cannot use
    fits: dict[str, bool] = {}   # a wheel's tag text -> can the target use it (a page has a few dozen)
    for position, entry in enumerate(entries):
        filename = entry.filename
        if not filename or not entry.url:
            continue
        if wheel_fits is not None and filename.endswith(".whl"):
            # Most wheels of a popular project are for other targets: told from the tag text
            # alone (what follows the third dash from the end), without parsing the name and
            # version of each one, nor splitting it into a list (tens of thousands of lists
            # would wake the garbage collector)
            end = len(filename) - 4
            if filename.count("-", 0, end) not in (4, 5):
                continue  # no wheel name (parse_filename would say so)
            cut = filename.rfind("-", 0, filename.rfind("-", 0, filename.rfind("-", 0, end)))
            tag_text = filename[cut + 1:end]
            fit = fits.get(tag_text)
            if fit is None:
                try:
                    fit = wheel_fits(_wheel_tags(tag_text))
                except ValueError:  # tags that do not parse (``py36+``): parse_filename drops it
                    fit = True
                fits[tag_text] = fit
            if not fit:
                unfit.setdefault(filename[:cut], []).append(position)
                continue
        parsed = parse_filename(filename)
        if parsed is None or (want is not None and parsed[0] != want):
            continue
        kept.append((entry, parsed))
    kept += _stand_ins(entries, unfit, want)
    out = []
    plain_hosts: dict[str, bool] = {}  # links share a host or two: each is looked at once
    for entry, (name, version, tags, build) in kept:
        href = entry.url
        if href.startswith(("https://", "http://")):
            end = href.find("/", 8)
            host = href[:end] if end > 0 else href
            plain = plain_hosts.get(host)
            if plain is None:
                plain = plain_hosts[host] = _plain_host(href)
        else:
            plain = False
        if not plain:
            href = _join(page_url, href)
            if href is None:
                continue  # not a URL (a broken IPv6 host, a bad port): this file cannot be fetched
        url, frag_hashes = _split_fragment(href) if "#" in href else (href, {})
        meta = entry.core_metadata
        if meta is msgspec.UNSET:
            meta = entry.data_dist_info_metadata
            if meta is msgspec.UNSET:
                meta = entry.dist_info_metadata
        yanked = entry.yanked
        when = entry.upload_time
        out.append(DistFile(
            filename=entry.filename, url=strip_credentials(url) if "@" in url else url,
            name=name, version=version, index=index, tags=tags, build=build,
            hashes=entry.hashes or frag_hashes,  # a dict of this entry's own: no copy needed
            requires_python=entry.requires_python or None,
            yanked=(yanked if isinstance(yanked, str) else "") if yanked else None,
            metadata=None if meta is msgspec.UNSET or meta is None or meta is False else _metadata_flag(meta),
            size=entry.size,
            upload_time=None if when is None else _epoch_ms(when),
        ))
    return out


def _stand_ins(entries: list, unfit: dict[str, list[int]], want: str | None) -> list:
    """One wheel the target cannot use per version, the first the page lists, for the versions
    such wheels name (see :func:`parse_json_page`): [(entry, parsed file name)]. ``unfit`` groups
    their positions in ``entries`` by their name-version part, in page order (ints, not tuples:
    a page has tens of thousands, and tuples would wake the garbage collector)."""
    firsts = []
    for group in unfit.values():
        for position in group:  # the first that parses names the version for the group
            entry = entries[position]
            parsed = parse_filename(entry.filename)
            if parsed is not None and (want is None or parsed[0] == want):
                firsts.append((position, entry, parsed))
                break
    firsts.sort(key=lambda x: x[0])
    by_version: dict = {}
    for _, entry, parsed in firsts:  # "1.0" and "1.0.0" are one version: the first listed stands
        by_version.setdefault(parsed[1], (entry, parsed))
    return list(by_version.values())


def _parse_json_page_checked(body: bytes, page_url: str, index: str, want: str | None = None,
                             wheel_fits=None) -> list[DistFile]:
    """:func:`parse_json_page` for any page: tolerant where the standard leaves room, and naming
    the entry at fault where it does not."""
    import orjson

    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise NetworkError(f"invalid JSON project page {strip_credentials(page_url)}: {exc}") from None

    def malformed(what: str) -> NetworkError:  # a broken index, named with the page and the entry
        return NetworkError(f"invalid JSON project page {strip_credentials(page_url)}: {what}")

    if not isinstance(data, dict):
        raise malformed("expected a JSON object")
    files = data.get("files", [])
    if not isinstance(files, list):
        raise malformed("`files` must be an array")
    kept: list[tuple[dict, str, str, tuple]] = []
    stand_ins: dict = {}  # version -> one unfit wheel (keeps the version known, its metadata readable)
    served: set = set()  # versions with a file the target may use
    for i, entry in enumerate(files):
        if not isinstance(entry, dict):
            raise malformed(f"files[{i}] must be an object")
        filename = entry.get("filename")
        href = entry.get("url")
        if not filename or not href:
            continue
        if not isinstance(filename, str) or not isinstance(href, str):
            raise malformed(f"files[{i}]: `filename` and `url` must be strings")
        raw_hashes = entry.get("hashes") or {}
        if not isinstance(raw_hashes, dict) or not all(isinstance(v, str) for v in raw_hashes.values()):
            raise malformed(f"files[{i}] ({filename}): `hashes` must be an object of strings")
        if not isinstance(entry.get("requires-python") or "", str):
            raise malformed(f"files[{i}] ({filename}): `requires-python` must be a string")
        parsed = parse_filename(filename)
        if parsed is None or (want is not None and parsed[0] != want):
            continue
        if wheel_fits is not None and parsed[2] is not None and not wheel_fits(parsed[2]):
            stand_ins.setdefault(parsed[1], (entry, filename, href, parsed))
            continue
        served.add(parsed[1])
        kept.append((entry, filename, href, parsed))
    kept += stand_ins.values()
    out = []
    for entry, filename, href, (name, version, tags, build) in kept:
        if not href.startswith(("https://", "http://")) or not _plain_host(href):
            href = _join(page_url, href)
            if href is None:
                continue  # not a URL (a broken IPv6 host, a bad port): this file cannot be fetched
        url, frag_hashes = _split_fragment(href) if "#" in href else (href, {})
        yanked = entry.get("yanked", False)
        meta = entry.get("core-metadata", entry.get("data-dist-info-metadata", entry.get("dist-info-metadata")))
        size = entry.get("size")
        out.append(DistFile(
            filename=filename, url=strip_credentials(url) if "@" in url else url, name=name, version=version,
            index=index, tags=tags, build=build,
            hashes=dict(entry.get("hashes") or {}) or frag_hashes,
            requires_python=entry.get("requires-python") or None,
            yanked=(yanked if isinstance(yanked, str) else "") if yanked else None,
            metadata=_metadata_flag(meta),
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            upload_time=_parse_time(entry.get("upload-time")),
        ))
    return out


def _parse_time(text) -> int | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _epoch_ms(when)


def _epoch_ms(when: datetime) -> int:
    """Milliseconds since the epoch; a time without a zone is UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


def project_url(index_url: str, name: str) -> str:
    return index_url.rstrip("/") + "/" + canonicalize_name(name) + "/"


def file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc not in ("", "localhost"):
        path = f"//{parts.netloc}{path}"
    return Path(path)


def fetch_project(http, source: IndexSource, name: str, wheel_fits=None, parsed=None) -> list[DistFile] | None:
    """The files of ``name`` on a simple index; None when the index does not have the name (a 404,
    or no page in a local index), [] when it has a page without files. ``wheel_fits``: see
    :func:`parse_json_page`; ``parsed``: a :class:`~.page_cache.PageCache` of pages parsed before
    (its key must name what ``wheel_fits`` depends on)."""
    from ..http import NotFoundError

    url = project_url(source.url, name)
    if url.startswith("file:"):
        root = file_url_path(source.url)
        if not root.is_dir():  # a wrong path would otherwise read as "no such package"
            raise NetworkError(f"index {source.name or source.display}: {root} is not a folder")
        directory = file_url_path(url)
        for candidate in ("index.html", "index.json"):
            path = directory / candidate
            if path.is_file():
                body = path.read_bytes()
                page = directory.as_uri() + "/"
                parse = parse_json_page if candidate.endswith(".json") else parse_html_page
                return parse(body, page, source.display, canonicalize_name(name))
        return None
    for attempt in (0, 1):
        try:
            resp = http.get(url, headers={"Accept": ACCEPT})
        except NotFoundError:
            return None
        except NetworkError as exc:
            raise NetworkError(
                f"index {source.name or source.display} failed for package {name!r}: {exc}"
            ) from None
        try:
            return _parse_project_page(resp, source, name, wheel_fits, parsed)
        except NetworkError:
            # a page that does not parse is not kept: asked again now if it came from the
            # cache, and never served from the cache to a later run
            if hasattr(http, "invalidate"):
                http.invalidate(url, headers={"Accept": ACCEPT})
            if attempt or not resp.from_cache:
                raise
    raise AssertionError("unreachable")  # the second attempt returns or raises


def _parse_project_page(resp, source: IndexSource, name: str, wheel_fits=None, parsed=None) -> list[DistFile]:
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    body = resp.body
    want = canonicalize_name(name)
    kind = "json" if ctype == "application/vnd.pypi.simple.v1+json" or (ctype.endswith("json") and body[:1] == b"{") \
        else "html"
    entry = None
    if parsed is not None:
        entry = parsed.path(body, resp.url, source.display, want, kind)
        files = parsed.load(body, resp.url, source.display, want, kind, path=entry)
        if files is not None:
            return files
    if kind == "json":
        files = parse_json_page(body, resp.url, source.display, want, wheel_fits)
    else:
        files = parse_html_page(body, resp.url, source.display, want)
    if parsed is not None:
        parsed.store(body, resp.url, source.display, want, kind, files, path=entry)
    return files


def fetch_flat(http, source: IndexSource) -> list[DistFile]:
    """Every file of a find-links source (directory or HTML page)."""
    url = source.url
    if url.startswith("file:"):
        directory = file_url_path(url)
        if directory.is_dir():
            out = []
            for entry in sorted(os.listdir(directory)):
                f = _make_file(entry, (directory / entry).as_uri(), source.display, None)
                if f is not None:
                    out.append(f)
            return out
        if directory.is_file():
            return parse_html_page(directory.read_bytes(), directory.as_uri(), source.display)
        raise NetworkError(f"find-links location does not exist: {directory}")
    try:
        resp = http.get(url, headers={"Accept": "text/html"})
    except NetworkError as exc:
        raise NetworkError(f"find-links {source.display} failed: {exc}") from None
    return parse_html_page(resp.body, resp.url, source.display)
