"""PyPI stage vs ``uv pip compile`` on the same generated local indexes, warm caches, one run.

Scenarios (deterministic, generated into a temp dir):

* ``find-links``: a flat directory of wheels (uv: ``--no-index --find-links DIR --offline``);
* ``simple-http``: a PEP 503/691 index with PEP 658 metadata served on loopback (uv: warmed once,
  then ``--offline``; ours: warm metadata cache, pages revalidated);
* ``three-indexes`` / ``three-first``: the packages spread over three loopback indexes (each name on
  two of them), unsafe-best-match / first-index (uv's and pixi's default);
* ``rich-linux`` / ``rich-windows``: extras, platform markers, platform-specific wheels and
  pre-releases, find-links, for linux-64 and win-64.

A few dozen packages with realistic version counts (5..60 each) and a layered dependency graph
with version ranges. Both resolvers must agree on the resolved set (checked, reported).

    python benchmarks/bench_pypi.py [--repeat 7] [--packages 40]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # tests/support

from solver.conda.model import PackageRecord  # noqa: E402
from solver.pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement  # noqa: E402
from solver.pypi.resolve import solve_pypi  # noqa: E402
from support.pypi_index import Dist, build_find_links, build_index  # noqa: E402

UV = os.environ.get("UV", str(Path(sys.executable).parent / "uv"))
PYTHON = [PackageRecord(name="python", version="3.11.7", build="h_0_cpython")]


def generate(n_packages: int, seed: int = 7, rich: bool = False) -> tuple[list[Dist], list[str]]:
    rng = random.Random(seed)
    names = [f"pkg-{i:02d}" for i in range(n_packages)]
    dists: list[Dist] = []
    nversions = {}
    for i, name in enumerate(names):
        count = rng.choice([5, 8, 12, 20, 30, 45, 60])
        nversions[name] = count
    for i, name in enumerate(names):
        for v in range(nversions[name]):
            major, minor = divmod(v, 10)
            version = f"{major + 1}.{minor}.0"
            deps = []
            # depend on a few later packages (a DAG), newer versions need newer deps
            later = names[i + 1:]
            for dep in rng.sample(later, min(len(later), rng.choice([0, 1, 2, 3, 4]))):
                n = nversions[dep]
                floor = int(n * v / max(1, nversions[name]) * rng.uniform(0.3, 0.9))
                fmaj, fmin = divmod(floor, 10)
                spec = f">={fmaj + 1}.{fmin}.0"
                if rng.random() < 0.25:
                    spec += f",<{fmaj + 3}"
                deps.append(f"{dep}{spec}")
            if rng.random() < 0.1:
                deps.append("pkg-win-only; sys_platform == 'win32'")
            extras = {}
            tags = ["py3-none-any"]
            if rich:
                if later and rng.random() < 0.3:
                    extras["extra"] = [f"{rng.choice(later)}>=1.0", "pkg-win-only; sys_platform == 'win32'"]
                if rng.random() < 0.2:  # a native package: wheels for some platforms only
                    tags = rng.choice([["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-win_amd64"],
                                       ["cp311-cp311-win_amd64"], ["cp311-abi3-manylinux_2_17_x86_64"]])
            dists.append(Dist(name=name, version=version, requires=deps, extras=extras, tags=tags))
            if rich and v == nversions[name] - 1 and rng.random() < 0.3:
                dists.append(Dist(name=name, version=f"{major + 1}.{minor + 1}.0rc1", requires=deps))
    dists.append(Dist(name="pkg-win-only", version="1.0"))
    roots = names[:6]
    if rich:
        roots = [f"{r}[extra]" if any(d.name == r and d.extras for d in dists) else r for r in roots]
    return dists, roots


def uv_compile(args: list[str], req_file: Path, cache: Path) -> tuple[float, dict[str, str]]:
    platform = "linux"
    if "--python-platform" in args:
        i = args.index("--python-platform")
        platform = args[i + 1]
        args = args[:i] + args[i + 2:]
    cmd = [UV, "pip", "compile", str(req_file), "--python-version", "3.11", "--python-platform", platform,
           "--cache-dir", str(cache), "--quiet", "--no-header", "--no-annotate", *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "UV_NO_CONFIG": "1"})
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"uv failed: {' '.join(cmd)}\n{proc.stderr}")
    pins = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if "==" in line and not line.startswith("#"):
            n, _, v = line.partition("==")
            pins[n.strip()] = v.split()[0]
    return dt, pins


def ours(request: PyPIRequest, cache: Path) -> tuple[float, dict[str, str]]:
    t0 = time.perf_counter()
    sol = solve_pypi(request, PYTHON, cache_dir=cache, env={"PIP_CONFIG_FILE": os.devnull, "HOME": str(cache)})
    dt = time.perf_counter() - t0
    return dt, {p.name: p.version for p in sol.packages}


def ours_process(request: PyPIRequest, cache: Path) -> float:
    """One warm solve in a fresh interpreter (what a command-line user waits for, startup included)."""
    import msgspec

    code = (
        "import sys, os, msgspec\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from solver.pypi.model import PyPIRequest\n"
        "from solver.pypi.resolve import solve_pypi\n"
        "from solver.conda.model import PackageRecord\n"
        "req = msgspec.json.decode(sys.stdin.buffer.read(), type=PyPIRequest)\n"
        "py = [PackageRecord(name='python', version='3.11.7', build='h_0_cpython')]\n"
        f"solve_pypi(req, py, cache_dir={str(cache)!r}, env={{'PIP_CONFIG_FILE': os.devnull}})\n"
    )
    # Byte-code cached outside the tree, as an installed package has it (this sandbox sets
    # PYTHONDONTWRITEBYTECODE, which would make every run compile every module).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], input=msgspec.json.encode(request), check=True, env=env)
    return time.perf_counter() - t0


class _ServerProcess:
    """Index servers in a separate process, so they do not compete with our resolver for the GIL
    (uv, a separate process, gets the same treatment)."""

    def __init__(self, roots: list[Path]):
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", *map(str, roots)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.urls = [self.proc.stdout.readline().strip() for _ in roots]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _serve_forever(roots: list[str]) -> None:
    from support.loopback import LoopbackServer
    from support.pypi_index import IndexHandler

    servers = [LoopbackServer(Path(r), IndexHandler) for r in roots]
    for s in servers:
        print(s.url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    for s in servers:
        s.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--packages", type=int, default=40)
    ap.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return _serve_forever(args.serve)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pypi-"))
    servers = []
    try:
        dists, roots = generate(args.packages)
        print(f"{len({d.name for d in dists})} packages, {len(dists)} versions, roots: {', '.join(roots)}")
        req_file = tmp / "requirements.in"
        req_file.write_text("\n".join(roots) + "\n")
        requirements = [PyPIRequirement(name=r) for r in roots]

        links = build_find_links(tmp / "links", dists)
        build_index(tmp / "index", dists)
        # three indexes: every name on one or two of them, roots on all three
        for k in range(3):
            part = [d for d in dists if (int(d.name[-2:]) if d.name[-2:].isdigit() else 0) % 3 != k
                    or d.name in roots]
            build_index(tmp / f"ix{k}", part)
        server = _ServerProcess([tmp / "index", tmp / "ix0", tmp / "ix1", tmp / "ix2"])
        servers.append(server)
        index_url = server.urls[0] + "/simple"
        urls3 = [u + "/simple" for u in server.urls[1:]]

        rich_dists, rich_roots = generate(args.packages, seed=11, rich=True)
        rich_links = build_find_links(tmp / "rich-links", rich_dists)
        rich_file = tmp / "rich.in"
        rich_file.write_text("\n".join(rich_roots) + "\n")
        rich_reqs = []
        for r in rich_roots:
            name, _, extra = r.partition("[")
            rich_reqs.append(PyPIRequirement(name=name, extras=[extra.rstrip("]")] if extra else []))

        scenarios = {
            "find-links": (
                ["--no-index", "--find-links", str(links)],
                PyPIRequest(platform="linux-64", requirements=requirements, find_links=[str(links)]),
            ),
            "simple-http": (
                ["--index-url", index_url],
                PyPIRequest(platform="linux-64", requirements=requirements,
                            indexes=[PyPIIndex(url=index_url)]),
            ),
            "three-indexes": (
                ["--index-url", urls3[0], "--extra-index-url", urls3[1], "--extra-index-url", urls3[2],
                 "--index-strategy", "unsafe-best-match"],
                PyPIRequest(platform="linux-64", requirements=requirements, index_strategy="unsafe-best-match",
                            indexes=[PyPIIndex(url=urls3[1], priority="extra"),
                                     PyPIIndex(url=urls3[2], priority="extra"),
                                     PyPIIndex(url=urls3[0])]),
            ),
            "three-first": (
                ["--index-url", urls3[0], "--extra-index-url", urls3[1], "--extra-index-url", urls3[2]],
                PyPIRequest(platform="linux-64", requirements=requirements,
                            indexes=[PyPIIndex(url=urls3[1], priority="extra"),
                                     PyPIIndex(url=urls3[2], priority="extra"),
                                     PyPIIndex(url=urls3[0])]),
            ),
            "rich-linux": (
                ["--no-index", "--find-links", str(rich_links)],
                PyPIRequest(platform="linux-64", requirements=rich_reqs, find_links=[str(rich_links)],
                            glibc="2.17", prerelease_mode="if-necessary-or-explicit"),
            ),
            "rich-windows": (
                ["--no-index", "--find-links", str(rich_links), "--python-platform", "windows"],
                PyPIRequest(platform="win-64", requirements=rich_reqs, find_links=[str(rich_links)],
                            prerelease_mode="if-necessary-or-explicit"),
            ),
        }
        print(f"{'scenario':<15} {'uv median':>10} {'ours median':>12} {'ratio':>7}  agree  resolved"
              f"  {'ours as a process':>17} {'ratio':>6}")
        ratios = []
        process_ratios = []
        for name, (uv_args, request) in scenarios.items():
            uv_cache = tmp / f"uv-cache-{name}"
            our_cache = tmp / f"our-cache-{name}"
            rf = rich_file if name.startswith("rich") else req_file
            _, uv_pins = uv_compile(uv_args, rf, uv_cache)  # warm
            _, our_pins = ours(request, our_cache)  # warm
            ours_process(request, our_cache)  # warm byte-code
            uv_times = [uv_compile(uv_args + ["--offline"], rf, uv_cache)[0] for _ in range(args.repeat)]
            our_times = [ours(request, our_cache)[0] for _ in range(args.repeat)]
            proc_times = [ours_process(request, our_cache) for _ in range(args.repeat)]
            um, om, pm = statistics.median(uv_times), statistics.median(our_times), statistics.median(proc_times)
            ratios.append(om / um)
            process_ratios.append(pm / um)
            agree = "yes" if uv_pins == our_pins else "NO"
            print(f"{name:<15} {um * 1000:>8.1f}ms {om * 1000:>10.1f}ms {om / um:>7.2f}  {agree:<5}  {len(our_pins):<8}"
                  f"  {pm * 1000:>15.1f}ms {pm / um:>6.2f}")
            if uv_pins != our_pins:
                diff = {k: (uv_pins.get(k), our_pins.get(k)) for k in set(uv_pins) | set(our_pins)
                        if uv_pins.get(k) != our_pins.get(k)}
                print(f"   differences (uv, ours): {diff}")
        print(f"median ratio ours/uv: {statistics.median(ratios):.2f} in-process, "
              f"{statistics.median(process_ratios):.2f} as a process (target <= 1.5)")
    finally:
        for s in servers:
            s.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
