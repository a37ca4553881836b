"""What the HTTP client hands back (responses, fetch events) and the errors it raises."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from ..errors import NetworkError


class HttpStatusError(NetworkError):
    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class NotFoundError(HttpStatusError):
    """404 or 410: the caller may fall back (``repodata.json.zst`` -> ``repodata.json``)."""


class DamagedResponseError(NetworkError):
    """The body arrived incomplete, in an encoding we did not ask for, too large, or the caller's
    ``check`` rejected it. Nothing of it is cached."""


class Response:
    __slots__ = ("status", "headers", "body", "url", "from_cache")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, url: str, from_cache: bool = False):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body
        self.url = url  # final URL after redirects, without user:password@ (a /t/<token> the caller gave stays)
        self.from_cache = from_cache

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.url} {len(self.body)} bytes{' cached' if self.from_cache else ''}>"


class CachedResponse:
    """A body stored on disk in the cache (large files: repodata)."""

    __slots__ = ("status", "headers", "path", "url", "from_cache")

    def __init__(self, status: int, headers: dict[str, str], path: Path, url: str, from_cache: bool):
        self.status = status
        self.headers = headers
        self.path = path
        self.url = url
        self.from_cache = from_cache

    def __repr__(self) -> str:
        return f"<CachedResponse {self.status} {self.url} -> {self.path}{' cached' if self.from_cache else ''}>"


class FetchEvent(msgspec.Struct, frozen=True):
    """What ``on_fetch`` hears after each remote fetch: the URL (credentials masked), which call
    made it, whether the cache answered, the body size (None from the cache) and the time taken."""

    url: str
    method: Literal["get", "get_range", "fetch_to_cache"]
    from_cache: bool
    bytes: int | None
    seconds: float
