"""Variant flags (repodata v3): a record's ``flags`` (``["blas:mkl", "gpu:cuda12", "release"]``)
and the matchers a dependency names in its ``flags = [...]``, which every candidate must meet.

A matcher is ``flag`` (the record has it), ``~flag`` (it does not) or ``?flag`` (no opinion
unless a comparison follows). After ``name:`` may come ``*`` (any flag starting ``name:``) or a
comparison with an integer (``archspec:>=3``: some ``archspec:<n>`` flag with n >= 3). With a
comparison, ``?`` means: if the record has any ``name:`` flag, one of them must satisfy it.
"""

from __future__ import annotations

import operator

import msgspec

from ..lazyre import lazy

_COMPARE = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq}
_SHAPE = lazy(r"^[~?]?[A-Za-z0-9]")
_COMPARISON = lazy(r"^(>=|<=|>|<|=)(-?[0-9]+)$")
_INTEGER = lazy(r"^-?[0-9]+$")


class FlagMatcher(msgspec.Struct, frozen=True):
    mode: str  # "required" | "negated" | "optional"
    flag: str  # the whole flag, or the ``name:`` prefix when ``compare`` is set
    compare: str | None = None  # "*" (any suffix) or an operator of _COMPARE
    value: int = 0

    def _hits(self, flags) -> bool:
        if self.compare is None:
            return self.flag in flags
        for f in flags:
            if not f.startswith(self.flag):
                continue
            if self.compare == "*":
                return True
            rest = f[len(self.flag):]
            if _INTEGER.match(rest) and _COMPARE[self.compare](int(rest), self.value):
                return True
        return False

    def matches(self, flags) -> bool:
        if self.mode == "required":
            return self._hits(flags)
        if self.mode == "negated":
            return not self._hits(flags)
        if self.compare is None:
            return True
        return not any(f.startswith(self.flag) for f in flags) or self._hits(flags)


def parse_flag_matcher(text: str) -> FlagMatcher | None:
    """``text`` as a matcher; None when it is not one (it must start with a letter or digit,
    after an optional ``~``/``?``)."""
    if not _SHAPE.match(text):
        return None
    mode = {"~": "negated", "?": "optional"}.get(text[0], "required")
    rest = text[1:] if mode != "required" else text
    if rest.endswith(":*"):
        return FlagMatcher(mode, rest[:-1], "*")
    if ":" in rest:
        name, tail = rest.split(":", 1)
        m = _COMPARISON.match(tail)
        if m:
            return FlagMatcher(mode, name + ":", m.group(1), int(m.group(2)))
        if tail[:1] in ("<", ">", "="):  # a comparison with no integer: no record's flag means that
            return None
    return FlagMatcher(mode, rest)


def flags_match(matchers: list[str], record_flags: list[str] | None) -> bool:
    """Does a record with ``record_flags`` (None or []: no flags) meet every matcher?"""
    have = set(record_flags or ())
    for text in matchers:
        m = parse_flag_matcher(text)
        if m is not None and not m.matches(have):
            return False
    return True
