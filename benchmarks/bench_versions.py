"""Times conda version handling on the shared repodata, against py-rattler when installed.

Measures: parse + order key of every record's version, sorting them, ``MatchSpec.parse`` of every
distinct depends/constrains string (cold caches), and matching the depends' version specs against
every version of the named package. Prints ours/rattler ratios (< 1 means we are faster).

    /work/venv/bin/python benchmarks/bench_versions.py [path/to/shared/data/conda]
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from solver.conda import matchspec as ms_mod  # noqa: E402
from solver.conda.matchspec import MatchSpec  # noqa: E402
from solver.conda.version import Version, version_keys  # noqa: E402


def load(root: Path):
    versions: list[str] = []
    specs: set[str] = set()
    by_name: dict[str, set[str]] = {}
    for path in sorted(root.glob("*/*/repodata.json")):
        data = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for rec in data.get(key, {}).values():
                versions.append(rec["version"])
                by_name.setdefault(rec["name"], set()).add(rec["version"])
                specs.update(rec.get("depends", []))
                specs.update(rec.get("constrains", []))
    return versions, sorted(specs), by_name


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def clear_caches():
    ms_mod.clear_caches()


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "conda"
    versions, specs, by_name = load(root)
    print(f"{len(versions)} record versions ({len(set(versions))} distinct), {len(specs)} distinct specs")
    try:
        import rattler
    except ImportError:
        rattler = None
        print("py-rattler not importable: ours only")

    rows: list[tuple[str, float, float | None]] = []

    rows.append(("version_keys(all)", best(lambda: version_keys(versions)), None))

    def ours_parse():
        clear_caches()
        return [Version(v) for v in versions]

    ours_versions = ours_parse()
    t_theirs = None
    if rattler:
        t_theirs = best(lambda: [rattler.Version(v) for v in versions])
    rows.append(("Version(s) for all", best(ours_parse), t_theirs))

    keys = version_keys(versions)
    rows.append(("sort keys (bytes)", best(lambda: sorted(keys)), None))
    t_theirs = None
    if rattler:
        theirs_versions = [rattler.Version(v) for v in versions]
        t_theirs = best(lambda: sorted(theirs_versions))
    rows.append(("sort Version objects", best(lambda: sorted(ours_versions)), t_theirs))

    def ours_ms():
        clear_caches()
        return [MatchSpec.parse(s) for s in specs]

    t_theirs = best(lambda: [rattler.MatchSpec(s) for s in specs]) if rattler else None
    rows.append(("MatchSpec.parse cold", best(ours_ms), t_theirs))

    # matching: every depends version spec against every version of its package
    parsed = [m for m in ours_ms() if m.version is not None]
    pairs = [(m.version, [Version.parse(v) for v in sorted(by_name.get(m.name, ()))]) for m in parsed]
    n_checks = sum(len(vs) for _, vs in pairs)

    def ours_match():
        return sum(sum(spec.filter(vs)) for spec, vs in pairs)

    t_theirs = None
    if rattler:
        rpairs = [
            (rattler.VersionSpec(str(rattler.MatchSpec(str(m)).version)), [rattler.Version(str(v)) for v in vs])
            for m, (_, vs) in zip(parsed, pairs)
        ]
        assert sum(sum(s.matches(v) for v in vs) for s, vs in rpairs) == ours_match()
        t_theirs = best(lambda: sum(sum(s.matches(v) for v in vs) for s, vs in rpairs))
    rows.append((f"spec matches ({n_checks} checks)", best(ours_match), t_theirs))

    # whole specs against records (name, version, build): our side only
    from solver.conda.model import PackageRecord

    recs_by_name: dict[str, list] = {}
    for path in sorted(root.glob("*/*/repodata.json")):
        data = json.loads(path.read_text())
        for key in ("packages", "packages.conda"):
            for rec in data.get(key, {}).values():
                recs_by_name.setdefault(rec["name"], []).append(
                    PackageRecord(name=rec["name"], version=rec["version"], build=rec["build"],
                                  build_number=rec.get("build_number", 0)))
    spec_recs = [(m, recs_by_name.get(m.name, [])) for m in ours_ms()]
    n_rec = sum(len(r) for _, r in spec_recs)
    rows.append((f"MatchSpec.filter ({n_rec} records)",
                 best(lambda: [m.filter(r) for m, r in spec_recs]), None))

    print(f"{'benchmark':34} {'ours ms':>10} {'rattler ms':>11} {'ours/rattler':>13}")
    for name, ours, theirs in rows:
        ratio = f"{ours / theirs:13.2f}" if theirs else f"{'-':>13}"
        th = f"{theirs * 1e3:11.2f}" if theirs else f"{'-':>11}"
        print(f"{name:34} {ours * 1e3:10.2f} {th} {ratio}")


if __name__ == "__main__":
    main()
