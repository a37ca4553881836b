"""Conditions of conditional dependencies (``when``): a MatchSpec, or ``{"all": [...]}`` /
``{"any": [...]}`` of conditions. A condition holds when a package it names is present (installed,
or a virtual package of the platform) and matches.

The manifest decides conditions on virtual packages per platform; conditions on other packages
depend on what the solve installs, and are decided against a solution (or a lock)."""

from __future__ import annotations

import re

from .model import PackageRecord

Condition = str | dict


def condition_names(condition: Condition) -> list[str]:
    """The package names a condition looks at."""
    if isinstance(condition, dict):
        return [n for c in next(iter(condition.values())) for n in condition_names(c)]
    return [re.split(r"[\s\[<>=!~]", condition.strip(), maxsplit=1)[0].lower()]


def condition_met(condition: Condition, present: dict[str, PackageRecord]) -> bool:
    """Whether ``condition`` holds for the packages ``present`` (name -> record; virtual packages
    as records too)."""
    if isinstance(condition, dict):
        key, items = next(iter(condition.items()))
        results = (condition_met(c, present) for c in items)
        return all(results) if key == "all" else any(results)
    name = condition_names(condition)[0]
    record = present.get(name)
    if record is None:
        return False
    from .matchspec import MatchSpec

    return bool(MatchSpec.parse(condition).matches(record))


def virtual_records(virtual_packages) -> dict[str, PackageRecord]:
    """Virtual packages (``VirtualPackage``) as records a condition can match."""
    return {v.name: PackageRecord(name=v.name, version=v.version or "0", build=v.build or "0", build_number=0)
            for v in virtual_packages}


#: rounds of adding conditional dependencies whose condition a solution meets
MAX_ROUNDS = 4


def solve_with_conditions(request, conditional: list[tuple[str, Condition]], solve, extras: dict[str, list[str]] | None = None):
    """Solve ``request`` (``solve(request) -> records``); then, while the solution meets the
    condition of a conditional dependency not yet required, or has a package whose requested
    ``extras`` (optional groups) bring dependencies (its ``extra_depends``) not yet required,
    require them and solve again. Returns the records and the request they were solved with
    (the added specs in it)."""
    import msgspec

    records = solve(request)
    for _ in range(MAX_ROUNDS):
        present = {r.name: r for r in records} | virtual_records(request.virtual_packages)
        new = [spec for spec, condition in conditional if spec not in request.specs and condition_met(condition, present)]
        for name, wanted in (extras or {}).items():
            record = present.get(name)
            for extra in wanted if record is not None else ():
                new += [d for d in (record.extra_depends or {}).get(extra, ()) if d not in request.specs]
        if not new:
            break
        request = msgspec.structs.replace(request, specs=list(request.specs) + list(dict.fromkeys(new)))
        records = solve(request)
    return records, request
