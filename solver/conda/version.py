"""Conda versions and version specs, ordered and matched exactly as conda/rattler do.

API
---
``version_key(text) -> bytes``
    Order key: ``version_key(a) < version_key(b)`` iff version ``a`` sorts before ``b``; equal
    versions (``1.0``, ``1.0.0``, ``0!1.0``, ``1.0+0``) have identical keys. Use it to sort and to
    hash thousands of records. ``version_keys(list)`` does many at once.
``Version.parse(text)`` (cached) / ``Version(text)``
    A compiled class: total ordering, ``hash``, pickling; ``str()`` / ``.text`` is the text as
    written; ``.key`` (the order key), ``.raw`` (components as written), ``.epoch``,
    ``.has_local``, ``.segment_count``, ``.starts_with(other)`` (the ``1.2.*`` test),
    ``.compatible_with(other)`` (the ``~=`` test).
``VersionSpec.parse(text)``
    ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``~=``, ``=1.2`` / ``1.2.*`` / ``1.2*``
    (prefix), bare ``1.2`` (exact), ``*``; ``,`` (and) binds tighter than ``|`` (or);
    parentheses. ``.matches(version: str | Version) -> bool``, ``.filter(versions) -> list[bool]``,
    ``.select(versions) -> list[int]`` (indexes that match; both evaluate in compiled code),
    ``.is_any``, ``str()`` canonical (``__eq__``/``__hash__`` use it).
``clear_caches()`` forgets cached versions and specs (benchmarks, tests).
``InvalidVersion``, ``InvalidVersionSpec`` (both ``InputError``) name the text at fault.

Ordering rules (conda's ``VersionOrder``, rattler's ``Version``): optional ``N!`` epoch; segments
split at ``.``, ``_`` or ``-`` (``_`` and ``-`` not mixed); each segment split into numbers and
letter runs, case-folded; a segment starting with letters gets an implicit leading 0
(``1.1.a1 == 1.1.0a1``); missing parts count as 0 (``1.0 == 1.0.0``); ``dev`` < trailing
``_``/``-`` < other strings < numbers < ``post``; the ``+local`` part breaks ties.
Spec semantics follow rattler where conda differs: ``>1.2.*`` means ``>=1.2``, ``~=1.2.*`` means
``~=1.2``; ``==1.2.*`` means ``1.2.*`` (as both do inside a MatchSpec); a ``*`` inside a version
(``1.*.3``), ``^...$`` regexes and ``~=`` with a ``+local`` version are rejected. Prefix matching
(``1.2.*``) compares components: ``1.2.5`` and ``1.2a`` start with ``1.2``, ``1.20`` does not;
a shorter version is padded with zeros (``1.2`` matches ``1.2.0.*``).
"""

from __future__ import annotations

from solver._ext import conda_version as _cv
from solver._ext.conda_version import Version
from solver._ext.conda_version import VersionParseError
from solver._ext.conda_version import version_key as _version_key
from solver._ext.conda_version import version_keys as _version_keys
from solver.errors import InputError, cut_long_values
from solver.lazyre import lazy

__all__ = [
    "InvalidVersion",
    "InvalidVersionSpec",
    "Version",
    "VersionSpec",
    "clear_caches",
    "version_key",
    "version_keys",
]


class InvalidVersion(InputError):
    """A version string conda cannot parse; ``text`` is the version as given."""

    def __init__(self, text: str, reason: str):
        super().__init__(f"invalid version {text!r}: {reason}")
        self.text = text
        self.reason = reason


class InvalidVersionSpec(InputError):
    """A version spec (``>=1.2,<2``) conda cannot parse; ``text`` is the spec as given."""

    def __init__(self, text: str, reason: str):
        super().__init__(cut_long_values(f"invalid version spec {text!r}: {reason}"))
        self.text = text
        self.reason = reason


# ``Version`` (a compiled class) raises our InputError subclass for bad text.
_cv.set_error_factory(InvalidVersion)


def version_key(text: str) -> bytes:
    """Order key of ``text`` (see module docstring). Raises ``InvalidVersion``."""
    try:
        return _version_key(text)
    except VersionParseError as exc:
        raise InvalidVersion(text, str(exc)) from None
    except TypeError:
        raise InvalidVersion(repr(text), "a version must be a string") from None


def version_keys(texts: list[str]) -> list[bytes]:
    """Order keys of many versions, same order. Raises ``InvalidVersion`` naming the bad one."""
    try:
        return _version_keys(texts)
    except (VersionParseError, TypeError):
        for t in texts:
            version_key(t)
        raise


_CACHE_LIMIT = 500_000


def clear_caches() -> None:
    """Forget every cached ``Version``, constraint and ``VersionSpec`` (for benchmarks/tests)."""
    _cv.clear_cache()
    _cv.clear_spec_cache()
    _SPEC_CACHE.clear()


# The simple MatchSpec shapes (``name``, ``name >=1.2 py*``, ``name=1.2=b``) parsed in one
# compiled call; None when the full parser in solver.conda.matchspec is needed.
_parse_simple_matchspec = _cv.parse_simple_matchspec
_MatchSpecData = _cv.MatchSpecData


# ---------------------------------------------------------------------------------------------
# Version specs
#
# A spec is parsed into a tree whose nodes are ("and"|"or", [children]) or leaves
# ("leaf", text, term) with term a compiled ``Term``; ("any", "*", term) is ``*``. The tree gives
# the canonical text; its disjunctive normal form (an OR of ANDs of terms) is what the compiled
# matcher evaluates, comparing precomputed key bytes and raw prefixes.

_ANY = ("any", "*", _cv.parse_leaf("*"))
_MAX_TERMS = 4096


def _leaf(token: str, whole: str) -> tuple:
    """One constraint (``>=1.2``, ``1.2.*``...) -> ``("leaf", canonical text, Term)``."""
    try:
        term = _cv.parse_leaf(token)
    except _cv.SpecParseError as exc:
        raise InvalidVersionSpec(whole, str(exc)) from None
    return ("any", "*", term) if term.is_any else ("leaf", term.text, term)


def _combine(kind: str, parts: list[tuple]) -> tuple:
    if len(parts) == 1:
        return parts[0]
    flat: list[tuple] = []
    for p in parts:
        flat.extend(p[1] if p[0] == kind else [p])
    if kind == "and" and any(p[0] == "any" for p in flat):
        flat = [p for p in flat if p[0] != "any"] or [_ANY]
    if kind == "or" and any(p[0] == "any" for p in flat):
        return _ANY
    return flat[0] if len(flat) == 1 else (kind, flat)


def _text(node: tuple, in_and: bool = False) -> str:
    if node[0] == "and":
        return ",".join(_text(c, True) for c in node[1])
    if node[0] == "or":
        body = "|".join(_text(c) for c in node[1])
        return f"({body})" if in_and else body
    return node[1]


def _dnf(node: tuple, whole: str) -> list[list[tuple]]:
    if node[0] == "or":
        out: list[list[tuple]] = []
        for c in node[1]:
            out.extend(_dnf(c, whole))
        return out
    if node[0] == "and":
        out = [[]]
        for c in node[1]:
            out = [a + b for a in out for b in _dnf(c, whole)]
            if len(out) > _MAX_TERMS:
                raise InvalidVersionSpec(whole, "too many alternatives")
        return out
    return [[node[2]]]


_TOKEN_RE = lazy(r"\s*([(),|])\s*|([^(),|]+)")


# Parentheses nest at most this deep (the parser recurses per level; real specs use one or two).
MAX_NESTING = 64


def _parse_tree(text: str) -> tuple:
    tokens = [m.group(1) or m.group(2) for m in _TOKEN_RE.finditer(text)]
    tokens = [t for t in tokens if t.strip()]
    depth = 0
    for t in tokens:
        depth += (t == "(") - (t == ")")
        if depth > MAX_NESTING:
            raise InvalidVersionSpec(text, f"parentheses nested more than {MAX_NESTING} deep")
    node, pos = _parse_or(tokens, 0, text)
    if pos != len(tokens):
        raise InvalidVersionSpec(text, f"unexpected {tokens[pos]!r}")
    return node


def _parse_or(tokens: list[str], pos: int, text: str) -> tuple[tuple, int]:
    node, pos = _parse_and(tokens, pos, text)
    parts = [node]
    while pos < len(tokens) and tokens[pos] == "|":
        node, pos = _parse_and(tokens, pos + 1, text)
        parts.append(node)
    return _combine("or", parts), pos


def _parse_and(tokens: list[str], pos: int, text: str) -> tuple[tuple, int]:
    node, pos = _parse_atom(tokens, pos, text)
    parts = [node]
    while pos < len(tokens) and tokens[pos] == ",":
        node, pos = _parse_atom(tokens, pos + 1, text)
        parts.append(node)
    return _combine("and", parts), pos


def _parse_atom(tokens: list[str], pos: int, text: str) -> tuple[tuple, int]:
    if pos >= len(tokens):
        raise InvalidVersionSpec(text, "unexpected end of spec")
    tok = tokens[pos]
    if tok == "(":
        node, pos = _parse_or(tokens, pos + 1, text)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise InvalidVersionSpec(text, "missing ')'")
        return node, pos + 1
    if tok in (")", ",", "|"):
        raise InvalidVersionSpec(text, f"unexpected {tok!r}")
    return _leaf(tok, text), pos + 1


_SPEC_CACHE: dict[str, "VersionSpec"] = {}


class VersionSpec:
    """A parsed version constraint. ``matches(v)``; ``str()`` is canonical and parses back equal."""

    __slots__ = ("_text", "_prog", "_any")

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise InvalidVersionSpec(repr(text), "a version spec must be a string")
        if not text.strip():
            raise InvalidVersionSpec(text, "empty version spec")
        if "(" in text or ")" in text:
            tree = _parse_tree(text)
            self._text = _text(tree)
            self._any = tree[0] == "any"
            self._prog = tuple(tuple(group) for group in _dnf(tree, text))
        else:  # the common shape, compiled in one call: a,b|c
            try:
                self._text, self._any, self._prog = _cv.compile_flat_spec(text)
            except _cv.SpecParseError as exc:
                raise InvalidVersionSpec(text, str(exc)) from None

    @classmethod
    def parse(cls, text: str) -> "VersionSpec":
        """Parsed (and cached) spec."""
        spec = _SPEC_CACHE.get(text)
        if spec is None:
            spec = cls(text)
            if len(_SPEC_CACHE) >= _CACHE_LIMIT:
                _SPEC_CACHE.clear()
            _SPEC_CACHE[text] = spec
        return spec

    @property
    def is_any(self) -> bool:
        """True for ``*`` (matches every version)."""
        return self._any

    def matches(self, version: "str | Version") -> bool:
        """Does ``version`` satisfy the spec? Raises ``InvalidVersion`` for a bad version string."""
        if type(version) is not Version:
            version = Version.parse(version)
        return _cv.program_matches(self._prog, version)

    def filter(self, versions: list[Version]) -> list[bool]:
        """``[self.matches(v) for v in versions]`` for a list of parsed versions, in one call."""
        return _cv.program_filter(self._prog, versions)

    def select(self, versions: list[Version]) -> list[int]:
        """Indexes of the parsed versions in ``versions`` that satisfy the spec."""
        return _cv.program_select(self._prog, versions)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"VersionSpec({self._text!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, VersionSpec):
            return self._text == other._text
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)
