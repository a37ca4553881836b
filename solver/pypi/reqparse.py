"""Requires-Dist entries parsed once per text: packaging's parser is exact but slow, and a resolution
reads hundreds of entries whose environment markers repeat (``extra == "test"``,
``python_version < "3.11"`` ...). A marker is parsed once per text and shared (nothing changes a
parsed marker); the part before it once per text too. Results are packaging's own, so errors and
edge cases stay packaging's."""

from __future__ import annotations

from functools import lru_cache

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

__all__ = ["parse_marker", "parse_requirement"]


@lru_cache(maxsize=4096)
def parse_marker(text: str) -> Marker:
    """``Marker(text)``, shared between callers: read it, never change it. Raises InvalidMarker."""
    return Marker(text)


@lru_cache(maxsize=8192)
def _parts(text: str) -> tuple[str, str | None, frozenset[str], SpecifierSet, Marker | None]:
    head, sep, marker = text.partition(";")
    if sep and "@" not in head:  # a URL may hold ";": packaging alone splits those right
        try:
            req = Requirement(head)
            return req.name, req.url, frozenset(req.extras), req.specifier, parse_marker(marker)
        except ValueError:
            pass  # packaging's own error, told about the whole text, below
    req = Requirement(text)
    return req.name, req.url, frozenset(req.extras), req.specifier, req.marker


def parse_requirement(text: str) -> Requirement:
    """``Requirement(text)``: a new object each call (callers may change it), its specifier and
    marker shared. Raises InvalidRequirement as packaging does."""
    name, url, extras, specifier, marker = _parts(text)
    req = Requirement.__new__(Requirement)
    req.name, req.url, req.extras, req.specifier, req.marker = name, url, set(extras), specifier, marker
    return req
