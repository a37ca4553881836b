"""The one HTTP client both stages use: connection reuse, a cache directory with HTTP caching
semantics (ETag / Last-Modified revalidation, ``Cache-Control: max-age``), retries with backoff,
a deadline per request, bounded concurrency, proxies, mirrors, and credentials that never leak.

Standard library only (``http.client``): it gives us what a transport library would (pooled
connections, ``CONNECT`` tunnels through proxies), lets one deadline bound a whole request down to
each read, and keeps the cold start of the command line free of third-party imports.

What the cache guarantees (see also the README):

* a body is stored only when it is known to be complete: its ``Content-Length`` or chunked
  framing was met, a gzip/deflate stream reached its end, no encoding we did not ask for was
  used, and the caller's ``check`` (a hash, a parse) accepted it; a body that fails ``check``
  later (a cache entry from an older version) is thrown away and fetched again;
* nothing secret is written: not the credentials, not a URL holding a conda token, not a header
  the server sent back about them;
* an answer to a request that carried credentials is never served to anyone without asking the
  server with the requester's own credentials (see :mod:`solver.http.cache` for why nothing about
  the identity is stored instead);
* a temporary redirect is not remembered; a killed process leaves at most one temporary file per
  entry it was writing, removed by the next process that writes that entry.

Credentials may come in the URL (``https://user:pass@host/...``), from an ``auth`` callable
``(url) -> (user, password) | Credential | None``, or from pixi's credential store (``auth_file``,
keyring; matched by host); every URL that reaches a message, a log or a result is
credential-free.

Modules: ``client`` (:class:`HttpClient`), ``cache`` (entries on disk), ``body`` (decoding and
completeness), ``deadline`` (the deadline per request), ``settings`` (proxies, CA certificates),
``model`` (responses, events, errors).
"""

from __future__ import annotations

from .body import MAX_BODY_IN_MEMORY, MAX_BODY_TO_FILE
from .client import HttpClient
from .model import CachedResponse, DamagedResponseError, FetchEvent, HttpStatusError, NotFoundError, Response

__all__ = [
    "HttpClient",
    "Response",
    "CachedResponse",
    "FetchEvent",
    "NotFoundError",
    "HttpStatusError",
    "DamagedResponseError",
    "MAX_BODY_IN_MEMORY",
    "MAX_BODY_TO_FILE",
]
