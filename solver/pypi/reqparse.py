"""Requires-Dist entries parsed once per text: packaging's parser is exact but slow, and a resolution
reads hundreds of entries whose environment markers repeat (``extra == "test"``,
``python_version < "3.11"`` ...). A marker is parsed once per text and shared (nothing changes a
parsed marker); the part before it, in its plain form (name, extras, specifiers), is split by one
regex and its specifiers checked by packaging. Anything else, and every error, is packaging's."""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

__all__ = ["parse_marker", "parse_requirement"]


@lru_cache(maxsize=4096)
def parse_marker(text: str) -> Marker:
    """``Marker(text)``, shared between callers: read it, never change it. Raises InvalidMarker."""
    return Marker(text)


# The plain form of the part before the marker: a name, extras, version specifiers (each checked
# by packaging's Specifier, whose grammar the requirement grammar uses). Anything else (a URL,
# odd spacing, an error) is packaging's to read.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_SPEC = r"(?:===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9_.*+!-]+"
_SPECS = rf"{_SPEC}(?:\s*,\s*{_SPEC})*"
_PLAIN_HEAD = re.compile(
    rf"\s*({_NAME})\s*(?:\[\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*\])?\s*(?:\(\s*({_SPECS})\s*\)|({_SPECS}))?\s*"
)


def _head(text: str) -> tuple[str, frozenset[str], SpecifierSet] | None:
    m = _PLAIN_HEAD.fullmatch(text)
    if m is None:
        return None
    name, extras, spec_parens, spec = m.groups()
    try:
        specifier = SpecifierSet(spec_parens or spec or "")
    except ValueError:
        return None
    return name, frozenset(e.strip() for e in extras.split(",")) if extras else frozenset(), specifier


@lru_cache(maxsize=8192)
def _parts(text: str) -> tuple[str, str | None, frozenset[str], SpecifierSet, Marker | None]:
    head, sep, marker = text.partition(";")
    if "@" not in head:  # a URL may hold ";": packaging alone splits those right
        try:
            plain = _head(head)
            if plain is not None:
                return plain[0], None, plain[1], plain[2], parse_marker(marker) if sep else None
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
