"""One-file snapshots of a conda solve: the request and every record it reached.

A snapshot replays exactly: the provider only ever asks ``records(name)`` for names it reaches,
and a snapshot answers those with the same records in the same order, so the solve takes the same
path. Bug reports attach one file; tests and benchmarks replay them without any channel.

The file is msgspec JSON, zstd-compressed when larger than ``COMPRESS_ABOVE`` bytes (recognised
on load by the zstd magic number, whatever the file is called).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import msgspec

from ..atomic import write_atomic
from ..errors import InputError
from ..redact import strip_conda_credentials
from .model import CondaRequest, PackageRecord

FORMAT = 1
COMPRESS_ABOVE = 256 * 1024
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class Snapshot(msgspec.Struct, kw_only=True):
    format: int = FORMAT
    request: CondaRequest
    # (channel index in request.channels, record), grouped by name in the order they were read
    records: list[tuple[int, PackageRecord]] = []

    def gateway(self) -> "SnapshotGateway":
        return SnapshotGateway(self.records)


class SnapshotGateway:
    """A gateway answering from memory: ``records(name)`` -> ``[(channel index, record), ...]``
    in the order given. Also handy for tests with a handful of records."""

    def __init__(self, records: Iterable[tuple[int, PackageRecord]]):
        self._by_name: dict[str, list[tuple[int, PackageRecord]]] = {}
        for channel, record in records:
            self._by_name.setdefault(record.name, []).append((channel, record))

    def records(self, name: str) -> list[tuple[int, PackageRecord]]:
        return list(self._by_name.get(name, ()))

    def names(self) -> list[str]:
        return sorted(self._by_name)


def _scrub_record(record: PackageRecord) -> PackageRecord:
    channel, url = strip_conda_credentials(record.channel or ""), strip_conda_credentials(record.url or "")
    if channel == (record.channel or "") and url == (record.url or ""):
        return record
    return msgspec.structs.replace(record, channel=channel or record.channel, url=url or record.url)


def scrubbed_request(request: CondaRequest) -> CondaRequest:
    """The request as a snapshot stores it: every URL without credentials (a snapshot is meant to
    be attached to a bug report). Channels stay in order, so a replay still ranks them the same."""
    return msgspec.structs.replace(
        request,
        channels=[strip_conda_credentials(c) for c in request.channels],
        specs=[strip_conda_credentials(s) for s in request.specs],
        constraints=[strip_conda_credentials(s) for s in request.constraints],
        locked=[_scrub_record(r) for r in request.locked],
    )


def dump_snapshot(path, request: CondaRequest, records: Iterable[tuple[int, PackageRecord]]) -> Path:
    """Write the snapshot atomically (temp file + rename); returns the path. Credentials in
    channel or package URLs are left out of the file."""
    path = Path(path)
    clean = [(channel, _scrub_record(record)) for channel, record in records]
    data = msgspec.json.encode(Snapshot(request=scrubbed_request(request), records=clean))
    if len(data) > COMPRESS_ABOVE:
        import zstandard

        data = zstandard.ZstdCompressor(level=3).compress(data)
    return write_atomic(path, data)


def load_snapshot(path) -> Snapshot:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read snapshot {path}: {exc.strerror or exc}") from None
    if data[:4] == _ZSTD_MAGIC:
        import zstandard

        try:
            data = zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 31)
        except zstandard.ZstdError as exc:
            raise InputError(f"snapshot {path} is not valid zstd data: {exc}") from None
    try:
        snap = msgspec.json.decode(data, type=Snapshot)
    except msgspec.DecodeError as exc:
        raise InputError(f"snapshot {path} is not a valid solve snapshot: {exc}") from None
    if snap.format != FORMAT:
        raise InputError(f"snapshot {path} has format {snap.format}; this version reads format {FORMAT}")
    n = len(snap.request.channels)
    for i, (channel, record) in enumerate(snap.records):
        # The index ranks the record's channel; one outside the request's channels (-1 would
        # read as the last) would silently rank, or drop, the record.
        if not 0 <= channel < n:
            raise InputError(f"snapshot {path}: records[{i}] ({record.name} {record.version}) names channel "
                             f"{channel}, but the request has {n} channel(s) (0..{n - 1})")
    return snap
