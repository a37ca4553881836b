"""Where a batch's problems come from: a JSON Lines file of conda requests, a folder of manifests,
a folder of snapshot files, or the installability check of a channel.

Each reader returns ``Problem`` objects in a stable order. An input that is bad in one place (a
line that is not JSON, a manifest that does not parse) becomes a problem carrying its ``error``,
reported as one ``error`` row: the rest of the batch still runs. Channels are shipped as URLs
(local paths become absolute ``file://`` URLs, channel names are resolved against the channel
alias here), so a problem means the same on any worker that sees the same paths.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Literal, Union

import msgspec

from ..conda.model import CondaRequest, PackageRecord, VirtualPackage
from ..errors import InputError, SolverError
from ..options import ChannelPriority, SolveStrategy
from .model import Problem, ProblemError


class RequestLine(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One line of a requests file. ``virtual_packages`` absent: the platform's defaults (as pixi's
    default system requirements: glibc 2.28, Linux 4.18, macOS 13.0 / 10.15); given (even ``[]``):
    exactly those, as objects or ``"__glibc=2.28"`` strings. ``exclude_newer``: milliseconds since
    the epoch, or a date / date-time string (``2024-01-31``, ``2024-01-31T12:00:00Z``)."""

    id: str | None = None
    specs: list[str]
    channels: list[str]
    platform: str
    virtual_packages: list[Union[VirtualPackage, str]] | None = None
    strategy: SolveStrategy = "highest"
    channel_priority: ChannelPriority = "strict"
    exclude_newer: int | str | None = None
    constraints: list[str] = []
    locked: list[PackageRecord] = []


# -- requests file ------------------------------------------------------------------------------------


def read_requests(path, *, channel_alias: str | None = None) -> list[Problem]:
    """The problems of a JSON Lines file (``"-"``: standard input), one request object per line
    (blank lines and lines starting with ``#`` are skipped). Without an ``id``, a line's id is
    ``line-N``. Relative channel paths are relative to the file's folder (stdin: the current one)."""
    if str(path) == "-":
        import sys

        data, base, path = sys.stdin.buffer.read(), Path.cwd(), "<stdin>"
    else:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the requests file {path}: {exc.strerror or exc}") from None
        base = path.resolve().parent
    decoder = msgspec.json.Decoder(RequestLine)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(data.split(b"\n"), 1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        where = f"{path}:{lineno}"
        fallback = f"line-{lineno}"
        try:
            item = decoder.decode(line)
        except msgspec.DecodeError as exc:
            problems.append(_bad(_line_id(line) or fallback, f"{where}: {_decode_message(exc)}"))
            continue
        pid = item.id if item.id is not None else fallback
        if pid in seen:
            problems.append(_bad(f"{pid}@line-{lineno}", f"{where}: duplicate id {pid!r} (first on line {seen[pid]})"))
            continue
        seen[pid] = lineno
        try:
            problems.append(Problem(id=pid, request=_request(item, base, channel_alias, where)))
        except SolverError as exc:
            problems.append(_bad(pid, str(exc)))
    return problems


def _line_id(line: bytes) -> str | None:
    """The ``id`` of a line that is JSON but not a valid request, so its error row keeps it."""
    try:
        obj = msgspec.json.decode(line)
    except msgspec.DecodeError:
        return None
    pid = obj.get("id") if isinstance(obj, dict) else None
    return pid if isinstance(pid, str) else None


def _decode_message(exc: msgspec.DecodeError) -> str:
    text = str(exc)
    # msgspec says "... - at `$.specs[0]`": name the key the way a user reads it
    if " - at `$." in text:
        message, _, key = text.rpartition(" - at `$.")
        return f"key {key.rstrip('`')}: {message}"
    return f"not a valid request: {text}"


def _request(item: RequestLine, base: Path, alias: str | None, where: str) -> CondaRequest:
    if not item.specs:
        raise InputError(f"{where}: key specs: no specs given")
    from ..platform import virtual_packages

    if item.virtual_packages is None:
        virtual = virtual_packages(item.platform)
    else:
        virtual = [_virtual(v, where) for v in item.virtual_packages]
    return CondaRequest(
        platform=item.platform,
        specs=list(item.specs),
        channels=ship_channels(item.channels, base, alias, where),
        virtual_packages=virtual,
        channel_priority=item.channel_priority,
        strategy=item.strategy,
        exclude_newer=_exclude_newer(item.exclude_newer, where),
        constraints=list(item.constraints),
        locked=list(item.locked),
    )


def _virtual(value, where: str) -> VirtualPackage:
    if isinstance(value, VirtualPackage):
        return value
    parts = value.strip().split("=")
    if not parts[0] or len(parts) > 3:
        raise InputError(f"{where}: key virtual_packages: {value!r} is not NAME[=VERSION[=BUILD]]")
    return VirtualPackage(parts[0], parts[1] if len(parts) > 1 else "0", parts[2] if len(parts) > 2 else "0")


def _exclude_newer(value, where: str) -> int | None:
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    try:
        if len(text) == 10:
            day = _dt.date.fromisoformat(text)
            moment = _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc)
        else:
            moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        raise InputError(f"{where}: key exclude_newer: invalid date {value!r} "
                         "(write 2024-01-31, 2024-01-31T12:00:00Z or milliseconds since the epoch)") from None
    return int(moment.timestamp() * 1000)


def ship_channels(channels: list[str], base: Path, alias: str | None, where: str) -> list[str]:
    """Channels as a worker anywhere can open them: URLs as they are, local paths as absolute
    ``file://`` URLs (relative ones from ``base``), names resolved against the channel alias."""
    from ..conda.channel import Channel, looks_like_path, path_to_file_url

    out = []
    for text in channels:
        text = text.strip()
        if looks_like_path(text) and not text.startswith("~"):
            out.append(path_to_file_url(base / text))
            continue
        try:
            channel = Channel.parse(text, alias)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        out.append(channel.base_url if "://" not in text else text.rstrip("/"))
    if not out:
        raise InputError(f"{where}: key channels: no channels given")
    return out


def _bad(pid: str, message: str, kind: str = "input") -> Problem:
    return Problem(id=pid, error=ProblemError(type=kind, message=message))


# -- manifests ----------------------------------------------------------------------------------------


def find_manifests(folder) -> list[Path]:
    """Every ``pixi.toml``, and every ``pyproject.toml`` with a ``[tool.pixi]`` table, under
    ``folder`` (sorted by path; hidden folders skipped). A folder with both uses ``pixi.toml``,
    as pixi does."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"manifest folder {folder} is not a folder")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if "pixi.toml" in files:
            found.append(Path(root) / "pixi.toml")
        elif "pyproject.toml" in files:
            pyproject = Path(root) / "pyproject.toml"
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            if "[tool.pixi" in text:
                found.append(pyproject)
    return sorted(found)


def manifest_problems(folder, *, channel_alias: str | None = None) -> list[Problem]:
    """One problem per conda solve unit (an environment or a solve group, on one platform) of each
    manifest under ``folder``; ids ``RELPATH:ENVIRONMENT:PLATFORM`` (``solve-group NAME`` for a
    group). Only the conda stage is solved: PyPI requirements are not part of a batch. A manifest
    that does not load is one ``error`` row with id ``RELPATH``."""
    from ..manifest import build_requests, load_manifest

    folder = Path(folder)
    problems: list[Problem] = []
    for file in find_manifests(folder):
        rel = file.relative_to(folder).as_posix()
        try:
            manifest = load_manifest(file)
            units = build_requests(manifest)
        except SolverError as exc:
            problems.append(_bad(rel, str(exc)))
            continue
        for unit in units:
            label = unit.environment if unit.solve_group is None else f"solve-group {unit.solve_group}"
            pid = f"{rel}:{label}:{unit.platform}"
            try:
                channels = ship_channels(unit.conda.channels, Path(manifest.root), channel_alias, rel)
                problems.append(Problem(id=pid, request=msgspec.structs.replace(unit.conda, channels=channels)))
            except SolverError as exc:
                problems.append(_bad(pid, str(exc)))
    return problems


# -- snapshots ----------------------------------------------------------------------------------------


def snapshot_problems(folder) -> list[Problem]:
    """One problem per ``*.snapshot`` file in ``folder`` (what ``SOLVER_SNAPSHOT_DIR`` collects),
    sorted by name; the id is the file name. Each is replayed over its own records."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"snapshot folder {folder} is not a folder")
    return [Problem(id=p.name, snapshot=str(p.resolve())) for p in sorted(folder.glob("*.snapshot")) if p.is_file()]


# -- installability -----------------------------------------------------------------------------------


def installability_problems(
    channel: str,
    platform: str,
    *,
    per: Literal["name", "record"] = "name",
    channels: list[str] = (),
    virtual_packages: list[VirtualPackage] | None = None,
    cache_dir=None,
    channel_alias: str | None = None,
) -> list[Problem]:
    """"Install this one", for each package name (``per="name"``: the best version of it that
    installs; id ``PLATFORM/NAME``) or each record (``per="record"``: exactly that file; id
    ``PLATFORM/SUBDIR/FILENAME``) of ``channel`` on ``platform`` (its ``platform`` and ``noarch``
    subdirs). ``channels``: more channels after it to solve dependencies from. Virtual packages:
    the platform's defaults unless given."""
    from ..conda.gateway import Gateway
    from ..platform import virtual_packages as platform_defaults

    if per not in ("name", "record"):
        raise InputError(f"installability: per must be 'name' or 'record', not {per!r}")
    shipped = ship_channels([channel, *channels], Path.cwd(), channel_alias, "installability")
    virtual = platform_defaults(platform) if virtual_packages is None else list(virtual_packages)
    # opened here once: enumerates the names and leaves the on-disk index for the workers
    with Gateway(shipped[:1], platform, cache_dir=cache_dir) as gateway:
        names = gateway.names()
        if per == "name":
            items = [(f"{platform}/{name}", name) for name in names]
        else:
            items = []
            for name in names:
                for _, rec in gateway.records(name):
                    spec = f"{name}[subdir='{rec.subdir}', fn='{rec.fn}']"
                    items.append((f"{platform}/{rec.subdir}/{rec.fn}", spec))
    return [
        Problem(id=pid, request=CondaRequest(platform=platform, specs=[spec], channels=shipped, virtual_packages=virtual))
        for pid, spec in items
    ]
