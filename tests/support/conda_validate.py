"""An independent check of a conda solution against its request.

It shares no code with the provider or the solver core (only the MatchSpec parser): it looks at
the chosen records as a user would, so a bug in the provider's bookkeeping cannot hide itself.
The tests run it on every solution.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from solver.conda.model import CondaRequest, PackageRecord
from solver.platform import is_known_subdir



def _channel_name(channel: str) -> str:
    parts = [p for p in channel.rstrip("/").split("/") if p]
    if len(parts) > 1 and is_known_subdir(parts[-1]):
        parts = parts[:-1]
    return parts[-1] if parts else ""


def _show(rec: PackageRecord) -> str:
    return f"{rec.name} {rec.version} ({rec.build})"


def validate_conda(
    request: CondaRequest,
    records: Sequence[PackageRecord],
    *,
    available: Callable[[str], Iterable[tuple[int, PackageRecord]]] | None = None,
) -> list[str]:
    """Every way ``records`` break ``request``, as sentences; empty when the solution is valid.

    ``available(name)`` (e.g. ``gateway.records``) lets the check also verify strict channel
    priority: a record may only come from the highest-priority channel that has its name.
    """
    from solver.conda.matchspec import MatchSpec

    problems: list[str] = []
    parse_cache: dict[str, object] = {}

    def parse(text: str):
        spec = parse_cache.get(text)
        if spec is None:
            spec = parse_cache[text] = MatchSpec.parse(text)
        return spec

    by_name: dict[str, PackageRecord] = {}
    for rec in records:
        if rec.name.startswith("__"):
            problems.append(f"virtual package {rec.name} is listed among the records")
        if rec.name in by_name:
            problems.append(f"two records of {rec.name}: {_show(by_name[rec.name])} and {_show(rec)}")
        by_name[rec.name] = rec
        if rec.subdir and rec.subdir not in ("noarch", request.platform):
            problems.append(f"{_show(rec)} is built for {rec.subdir}, not {request.platform}")
        cutoff = request.exclude_newer_packages.get(rec.name, request.exclude_newer)
        if cutoff is not None and rec.timestamp is not None and rec.timestamp > cutoff:
            problems.append(f"{_show(rec)} is newer than exclude-newer")

    given: dict[str, PackageRecord] = {}
    for vp in request.virtual_packages:
        given[vp.name] = PackageRecord(name=vp.name, version=vp.version, build=vp.build)

    def chosen(name: str) -> PackageRecord | None:
        return given.get(name) if name.startswith("__") else by_name.get(name)

    def spec_channel_ok(spec, rec: PackageRecord) -> bool:
        channel = getattr(spec, "channel", None)
        if not channel:
            return True
        return _channel_name(str(channel)) == _channel_name(rec.channel or "")

    def met(text: str, who: str) -> None:
        spec = parse(text)
        rec = chosen(spec.name)
        if rec is None:
            if spec.name.startswith("__"):
                problems.append(f"{who} requires {text}, but virtual package {spec.name} is not given")
            else:
                problems.append(f"{who} requires {text}, but no {spec.name} is in the solution")
        elif not (spec.matches(rec) and spec_channel_ok(spec, rec)):
            problems.append(f"{who} requires {text}, but the solution has {_show(rec)}")

    def honoured(text: str, who: str) -> None:
        spec = parse(text)
        rec = chosen(spec.name)
        if rec is not None and not (spec.matches(rec) and spec_channel_ok(spec, rec)):
            problems.append(f"{who} constrains {text}, but the solution has {_show(rec)}")

    for text in request.specs:
        met(text, "the request")
    for text in request.constraints:
        honoured(text, "the request")
    for rec in records:
        for text in rec.depends:
            met(text, _show(rec))
        for text in rec.constrains:
            honoured(text, _show(rec))

    # nothing extra: every record is reachable from the user's specs
    reached: set[str] = set()
    todo = [parse(t).name for t in request.specs]
    while todo:
        name = todo.pop()
        if name in reached or name not in by_name:
            continue
        reached.add(name)
        todo.extend(parse(t).name for t in by_name[name].depends)
    for name in sorted(set(by_name) - reached):
        problems.append(f"{_show(by_name[name])} is in the solution but nothing requires it")

    if available is not None and request.channel_priority != "disabled":
        pinned: dict[str, str] = {}
        for text in list(request.specs) + list(request.constraints):
            spec = parse(text)
            if getattr(spec, "channel", None):
                pinned.setdefault(spec.name, _channel_name(str(spec.channel)))
        names = [_channel_name(c) for c in request.channels]
        for rec in records:
            entries = list(available(rec.name))
            if not entries:
                problems.append(f"{_show(rec)} is not available in any channel of the request")
                continue
            best = min(i for i, _ in entries)
            if rec.name in pinned and pinned[rec.name] in names:
                best = names.index(pinned[rec.name])
            mine = [i for i, r in entries if r.fn == rec.fn and r.version == rec.version and r.build == rec.build]
            if mine and best not in mine:
                problems.append(
                    f"{_show(rec)} comes from {request.channels[min(mine)]}, but {rec.name} is available "
                    f"in {request.channels[best]} with higher priority (strict channel priority)"
                )
    return problems
