"""What a repodata entry needs to become a ``PackageRecord`` in its place: legacy shapes, file names, URLs.

Shared by the two ways records are read: the whole ``repodata.json`` (``repodata.SubdirData``) and
sharded repodata (``shards``). Both rewrite the legacy shapes old repodata uses, check that an
entry's key can be a file name, and complete the record with what its channel, subdir and
``base_url`` say (``place_record``). Keeping this apart gives both one implementation without the
sharded path loading the whole-file loader.
"""

from __future__ import annotations

from urllib.parse import urljoin

from solver.conda.channel import Channel
from solver.conda.model import PackageRecord
from solver.errors import InputError
from solver.lazyre import lazy


def normalize_legacy_fields(data: dict) -> None:
    """Rewrites, in place, the legacy shapes old repodata uses into the ones ``PackageRecord``
    takes: ``noarch: true``, ``depends: null`` / ``constrains: null``, ``track_features`` as a list."""
    noarch = data.get("noarch")
    if isinstance(noarch, bool):
        data["noarch"] = "generic" if noarch else None
    for key in ("depends", "constrains"):
        if key in data and data[key] is None:
            data[key] = []
    tf = data.get("track_features")
    if isinstance(tf, list):
        data["track_features"] = " ".join(str(x) for x in tf)
    elif tf is None and "track_features" in data:
        data["track_features"] = ""


def record_url_base(channel: Channel, subdir: str, base_url: str | None) -> str:
    """Where the records' files are, ending in ``/``, without credentials: ``base_url`` (repodata
    v2 ``info.base_url``, or a shard index's; absolute or relative to the subdir URL), else the
    subdir URL."""
    if base_url:
        from solver.conda.channel import canonical_channel_url

        try:
            return canonical_channel_url(urljoin(channel.subdir_url(subdir) + "/", base_url)).rstrip("/") + "/"
        except ValueError as exc:  # ``http://[::1/``: urlsplit refuses it
            raise InputError(f"channel {channel.display!r}, subdir {subdir!r}: base_url {base_url!r} is not a "
                             f"valid URL ({exc})") from None
    return f"{channel.canonical_url}/{subdir}/"


def place_record(rec: PackageRecord, fn: str, channel_id: str, url_base: str, subdir: str) -> PackageRecord:
    """``rec`` completed with what its place says (file name, channel, URL; the subdir when the
    record does not name one) and its timestamp in milliseconds (some write seconds)."""
    rec.fn = fn
    rec.channel = channel_id
    rec.url = url_base + fn
    if rec.timestamp is not None and rec.timestamp < 100_000_000_000:
        rec.timestamp *= 1000  # written in seconds
    if not rec.subdir:
        rec.subdir = subdir
    return rec


# A file name (a record's key) becomes part of a URL and of the lock: no control characters and
# no '/' (it would point into another folder).
_BAD_FILE_NAME = lazy(r"[\x00-\x1f\x7f/]")


def valid_file_name(fn: str) -> bool:
    """A record's key can be a file name in its subdir's folder (see ``_BAD_FILE_NAME``)."""
    return bool(fn) and not _BAD_FILE_NAME.search(fn)

