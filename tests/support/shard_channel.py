"""Writes a channel's subdirs as CEP-16 sharded repodata, for loopback servers in tests and
benchmarks: ``SUBDIR/repodata_shards.msgpack.zst`` plus ``SUBDIR/shards/<sha256>.msgpack.zst``
per package name (the hash of the compressed file; ``md5``/``sha256`` as raw bytes). The
``repodata.json`` files are copied too unless ``keep_json=False``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import msgspec
import zstandard


def _pack(record: dict) -> dict:
    out = dict(record)
    for key in ("md5", "sha256"):
        if isinstance(out.get(key), str):
            out[key] = bytes.fromhex(out[key])
    return out


def write_sharded_subdir(repodata: dict, dest: Path, *, base_url: str = "") -> dict[str, str]:
    """Shards of one subdir's ``repodata`` into ``dest`` (the shards in ``dest/shards``);
    returns ``{name: hex hash}``."""
    by_name: dict[str, dict] = {}
    for table in ("packages", "packages.conda"):
        for fn, rec in (repodata.get(table) or {}).items():
            shard = by_name.setdefault(rec["name"], {"packages": {}, "packages.conda": {}, "removed": []})
            shard[table][fn] = _pack(rec)
    folder = dest / "shards"
    folder.mkdir(parents=True, exist_ok=True)
    cctx = zstandard.ZstdCompressor(level=3)
    hashes: dict[str, bytes] = {}
    for name, shard in sorted(by_name.items()):
        blob = cctx.compress(msgspec.msgpack.encode(shard))
        digest = hashlib.sha256(blob).digest()
        (folder / f"{digest.hex()}.msgpack.zst").write_bytes(blob)
        hashes[name] = digest
    index = {"version": 1, "info": {"base_url": base_url, "shards_base_url": "./shards/",
                                    "subdir": dest.name}, "shards": hashes}
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "repodata_shards.msgpack.zst").write_bytes(cctx.compress(msgspec.msgpack.encode(index)))
    return {n: d.hex() for n, d in hashes.items()}


def write_sharded_channel(source: Path, dest: Path, subdirs=None, *, keep_json: bool = True) -> dict[str, dict[str, str]]:
    """Every subdir of the channel folder ``source`` (or only ``subdirs``) sharded into ``dest``."""
    out = {}
    for sub in sorted(p for p in Path(source).iterdir() if (p / "repodata.json").is_file()):
        if subdirs is not None and sub.name not in subdirs:
            continue
        repodata = json.loads((sub / "repodata.json").read_text())
        out[sub.name] = write_sharded_subdir(repodata, Path(dest) / sub.name)
        if keep_json:
            shutil.copyfile(sub / "repodata.json", Path(dest) / sub.name / "repodata.json")
    return out
