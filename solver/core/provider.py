"""The contract between a stage and the solver core.

Ids are non-negative ints allocated by the provider:

* a *name* id per package name;
* a *solvable* id per candidate (one record, one version of one name);
* a *version set* id per requirement (a name plus a condition on its candidates). The same text
  should be interned to the same id, so the core can cache what it matched.

Preferences are the provider's: ``candidates(name)`` returns candidates best first (highest
version, higher build, newer; locked first; lowest first under a ``lowest`` strategy). The core
decides names in the order they are reached from the problem's requirements (breadth first), and
for each picks the first candidate that does not conflict, which is how resolvo and libsolv give
"the highest version of what the user asked for first, then of its dependencies".
"""

from __future__ import annotations

from typing import Protocol, Sequence

import msgspec


class Dependencies(msgspec.Struct, frozen=True):
    """What choosing a solvable implies: every ``requires`` version set must be met by a chosen
    candidate; for every ``constrains`` version set, a chosen candidate of its name (if any)
    must match it."""

    requires: Sequence[int] = ()
    constrains: Sequence[int] = ()


class Problem(msgspec.Struct, kw_only=True):
    """``requirements`` must be met; ``constraints`` restrict without requiring (as ``constrains``)."""

    requirements: Sequence[int]
    constraints: Sequence[int] = ()


class Provider(Protocol):
    """What a stage implements for the core. Providers subclass it explicitly, so they inherit the
    defaults below (``prefetch``, ``display_version``, ``display_release``) and override only what
    they can say better."""

    def candidates(self, name: int) -> Sequence[int]:
        """All solvables of ``name``, best first. May fetch lazily (the PyPI stage does)."""

    def name_of(self, solvable: int) -> int:
        ...

    def version_set_name(self, version_set: int) -> int:
        ...

    def matching(self, version_set: int) -> Sequence[int]:
        """The candidates of the version set's name that satisfy it, in ``candidates`` order."""

    def dependencies(self, solvable: int) -> Dependencies:
        ...

    def excluded(self, solvable: int) -> str | None:
        """Why this candidate may not be chosen at all (hidden by channel priority, newer than
        exclude-newer, yanked, a virtual package not present ...), or None. Used for explanations.
        It may turn non-None once ``dependencies(solvable)`` was called (metadata that does not
        parse): the core asks again after reading a chosen candidate's dependencies."""

    def prefetch(self, names: Sequence[int]) -> None:
        """A hint that these names will likely be asked for soon (the PyPI stage fetches them
        concurrently). The default ignores it."""
        return None

    # -- text for explanations -------------------------------------------------------------
    def display_name(self, name: int) -> str:
        ...

    def display_solvable(self, solvable: int) -> str:
        ...

    def display_version_set(self, version_set: int) -> str:
        ...

    def display_version(self, solvable: int) -> str:
        """The solvable without its name (``1.26.4 (py311h_0)``). The default strips the name off
        ``display_solvable``."""
        name = self.display_name(self.name_of(solvable))
        text = self.display_solvable(solvable)
        return text[len(name) :].strip() if text.startswith(name) else text

    def display_release(self, solvable: int) -> str:
        """Just the version (``1.26.4``), to list candidates compactly. The default is
        ``display_version``."""
        return self.display_version(solvable)

    def display_range(self, solvables: Sequence[int]) -> str | None:
        """The versions of ``solvables`` (one name) as a range (``>=0.126,<=0.165``) when they are
        every version of the name within it, to tell long groups the way uv's derivations do.
        The default (None): they are listed instead."""
        return None

    def dependencies_if_known(self, solvable: int) -> Dependencies | None:
        """``dependencies(solvable)`` when it is in hand without fetching or building anything,
        else None; explanations use only these (a lazy provider, PyPI, reads metadata over the
        network; the default is an eager provider's: always)."""
        return self.dependencies(solvable)
