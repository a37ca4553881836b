"""Writes a synthetic conda channel of N records with a realistic shape, for load benchmarks.

Shape (modelled on a large community channel's linux-64 subdir): a core of well-known names
(``python``, ``numpy`` and their native dependencies) with many versions and python / numpy build
variants, then a long tail of names with a few versions and builds each; every record has the usual
fields (hashes, size, timestamp, license, depends / constrains) and depends on a few names earlier in
the list (dependency chains), plus ``python`` for the python-variant builds. About 470 bytes per
record, as real repodata. Mostly ``packages.conda``, a share of older ``.tar.bz2`` entries (some with
a ``.conda`` twin).

    python benchmarks/synth_channel.py OUT_DIR N      # writes OUT_DIR/linux-64 and OUT_DIR/noarch
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
from pathlib import Path

import orjson

PY_VARIANTS = ["py39", "py310", "py311", "py312", "py313"]
NP_VARIANTS = ["np126", "np20", "np21"]
LICENSES = ["BSD-3-Clause", "MIT", "Apache-2.0", "GPL-3.0-only", "LGPL-2.1-or-later", "MPL-2.0", "Zlib"]
CORE = {
    # name: depends (names), python variants?, numpy variants?
    "libgcc": ([], False, False),
    "libzlib": (["libgcc"], False, False),
    "openssl": (["libgcc", "ca-certificates"], False, False),
    "ca-certificates": ([], False, False),
    "libffi": (["libgcc"], False, False),
    "ncurses": (["libgcc"], False, False),
    "readline": (["ncurses"], False, False),
    "tk": (["libzlib"], False, False),
    "xz": (["libgcc"], False, False),
    "bzip2": (["libgcc"], False, False),
    "libsqlite": (["libzlib"], False, False),
    "tzdata": ([], False, False),
    "python": (["libgcc", "libzlib", "openssl", "libffi", "readline", "tk", "xz", "bzip2", "libsqlite",
                "tzdata"], False, False),
    "python_abi": ([], False, False),
    "libblas": (["libopenblas"], False, False),
    "libopenblas": (["libgcc"], False, False),
    "libcblas": (["libblas"], False, False),
    "liblapack": (["libblas"], False, False),
    "numpy": (["python", "libblas", "libcblas", "liblapack"], True, False),
}


def _hex(rng: random.Random, n: int) -> str:
    return "%0*x" % (n, rng.getrandbits(4 * n))


def _versions(rng: random.Random, count: int) -> list[str]:
    major = rng.randint(0, 5)
    out = []
    minor = rng.randint(0, 3)
    patch = 0
    for _ in range(count):
        if rng.random() < 0.3:
            minor += 1
            patch = 0
        else:
            patch += 1
        if rng.random() < 0.05:
            major += 1
            minor = 0
        out.append(f"{major}.{minor}.{patch}")
    return out


def _name_plan(n_records: int, rng: random.Random) -> list[tuple[str, list[str], bool, bool, int]]:
    """(name, dependency names, python variants, numpy variants, record budget)."""
    plan = []
    core_budget = min(n_records // 4, 400 * len(CORE))
    for name, (deps, py, _np) in CORE.items():
        budget = core_budget // len(CORE) * (4 if name in ("python", "numpy") else 1)
        plan.append((name, deps, py, False, max(budget, 3)))
    used = sum(p[4] for p in plan)
    names = list(CORE)
    i = 0
    while used < n_records:
        name = f"pkg-{i:06d}-{_hex(rng, 4)}"
        deps = rng.sample(names, k=min(len(names), rng.randint(0, 5)))
        py = rng.random() < 0.45
        np_ = py and rng.random() < 0.15
        if np_:
            deps = deps + ["numpy"]
        budget = min(n_records - used, max(50, n_records // 200), max(1, int(rng.paretovariate(1.3) * 6)))
        plan.append((name, deps, py, np_, budget))
        names.append(name)
        used += budget
        i += 1
    return plan


def _records(plan, rng: random.Random, subdir: str):
    """Yields (key, section, record dict)."""
    ts = 1_600_000_000_000
    for name, deps, py, np_, budget in plan:
        variants = [""]
        if py:
            variants = PY_VARIANTS
        if np_:
            variants = [f"{p}{n}" for p in PY_VARIANTS for n in NP_VARIANTS]
        per_version = max(1, min(len(variants), budget))
        versions = _versions(rng, max(1, budget // per_version))
        if name in ("python", "python_abi"):  # real interpreter lines, so python-variant builds resolve
            per_minor = max(1, budget // len(PY_VARIANTS)) if name == "python" else 1
            versions = [f"3.{m}.{p}" if name == "python" else f"3.{m}"
                        for m in (9, 10, 11, 12, 13) for p in range(per_minor)]
        made = 0
        for version in versions:
            for bn, variant in enumerate(variants[:per_version]):
                if made >= budget:
                    break
                h = _hex(rng, 8)
                build = f"{variant}h{h}_{bn % 3}" if variant else f"h{h}_{bn % 3}"
                if name == "python_abi":
                    build = f"5_cp3{version.split('.')[1]}"
                elif name == "python":
                    build += "_cpython"
                depends = []
                for d in deps:
                    r = rng.random()
                    depends.append(d if r < 0.2 else f"{d} >={rng.randint(0, 3)}.{rng.randint(0, 20)}")
                if py:
                    minor = int(variant[3:].split("np")[0]) if variant else 12
                    depends.append(f"python >=3.{minor},<3.{minor + 1}.0a0")
                    depends.append(f"python_abi 3.{minor}.* *_cp3{minor}")
                ts += rng.randint(1, 5_000_000)
                record = {
                    "build": build,
                    "build_number": bn % 3,
                    "constrains": ([f"python {version}.* *_cpython"] if name == "python_abi" else
                                   [f"{name}-base {version}"] if rng.random() < 0.1 else []),
                    "depends": depends,
                    "license": rng.choice(LICENSES),
                    "license_family": "BSD",
                    "md5": _hex(rng, 32),
                    "name": name,
                    "sha256": _hex(rng, 64),
                    "size": rng.randint(2_000, 50_000_000),
                    "subdir": subdir,
                    "timestamp": ts,
                    "version": version,
                }
                stem = f"{name}-{version}-{build}"
                r = rng.random()
                if r < 0.2:
                    yield stem + ".tar.bz2", "packages", record
                elif r < 0.25:  # an old .tar.bz2 with a .conda twin
                    yield stem + ".tar.bz2", "packages", record
                    yield stem + ".conda", "packages.conda", record
                    made += 1
                else:
                    yield stem + ".conda", "packages.conda", record
                made += 1


def write_channel(out: Path, n_records: int, seed: int = 0) -> Path:
    """Writes ``out/linux-64/repodata.json`` (≈ n_records) and a small ``out/noarch``; returns ``out``."""
    rng = random.Random(seed)
    plan = _name_plan(n_records, rng)
    sections: dict[str, list[bytes]] = {"packages": [], "packages.conda": []}
    sub = out / "linux-64"
    sub.mkdir(parents=True, exist_ok=True)
    # Write each section to its own temp file, then stitch (keeps memory flat).
    tmp = {s: open(sub / f".{s}.part", "wb") for s in sections}
    first = {s: True for s in sections}
    count = 0
    for key, section, record in _records(plan, rng, "linux-64"):
        f = tmp[section]
        f.write(b"" if first[section] else b",\n")
        first[section] = False
        f.write(b"  " + orjson.dumps(key) + b": " + orjson.dumps(record, option=orjson.OPT_SORT_KEYS))
        count += 1
    for f in tmp.values():
        f.close()
    target = sub / "repodata.json"
    with open(str(target) + ".tmp", "wb") as f:
        f.write(b'{\n "info": {"subdir": "linux-64"},\n "packages": {\n')
        with open(sub / ".packages.part", "rb") as part:
            while chunk := part.read(1 << 22):
                f.write(chunk)
        f.write(b'\n },\n "packages.conda": {\n')
        with open(sub / ".packages.conda.part", "rb") as part:
            while chunk := part.read(1 << 22):
                f.write(chunk)
        f.write(b'\n },\n "removed": [],\n "repodata_version": 1\n}\n')
    os.replace(str(target) + ".tmp", target)
    for s in sections:
        (sub / f".{s}.part").unlink()
    noarch = out / "noarch"
    noarch.mkdir(exist_ok=True)
    (noarch / "repodata.json").write_bytes(orjson.dumps({"info": {"subdir": "noarch"}, "packages": {}}))
    (out / "COUNT").write_text(str(count))
    return out


def ensure_channel(root: Path, n_records: int) -> Path:
    """The synthetic channel of ``n_records`` under ``root`` (written once, reused after)."""
    out = root / f"synth-v2-{n_records}"
    if not (out / "COUNT").is_file():
        write_channel(out, n_records)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path = write_channel(Path(sys.argv[1]), int(sys.argv[2]))
    size = (path / "linux-64" / "repodata.json").stat().st_size
    print(f"{path}: {(path / 'COUNT').read_text()} records, {size / 1e6:.1f} MB")
