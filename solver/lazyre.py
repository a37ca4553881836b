"""Regular expressions compiled on first use.

A module-level ``re.compile`` runs in every process that imports the module, whether or not the
pattern is ever used; compiling costs 50-500 µs each, and most of ours are only needed for rare
input (a Windows drive letter, a bracketed match spec, an error message). ``lazy(pattern)``
behaves like the compiled pattern for the methods below and compiles it the first time one is
called. Compiling twice from two threads at once is harmless (``re`` is thread-safe; the second
result simply replaces the first).
"""

from __future__ import annotations

import re


class LazyPattern:
    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        c = self._compiled
        if c is None:
            c = self._compiled = re.compile(self._pattern, self._flags)
        return c

    @property
    def pattern(self) -> str:
        return self._pattern

    def match(self, *args):
        return self.compiled().match(*args)

    def fullmatch(self, *args):
        return self.compiled().fullmatch(*args)

    def search(self, *args):
        return self.compiled().search(*args)

    def sub(self, *args):
        return self.compiled().sub(*args)

    def subn(self, *args):
        return self.compiled().subn(*args)

    def split(self, *args):
        return self.compiled().split(*args)

    def findall(self, *args):
        return self.compiled().findall(*args)

    def finditer(self, *args):
        return self.compiled().finditer(*args)

    def __repr__(self) -> str:
        return f"lazy({self._pattern!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """A pattern compiled on its first use (see the module docstring)."""
    return LazyPattern(pattern, flags)
