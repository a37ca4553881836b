"""Cold solves against a remote channel: sharded repodata (CEP-16) vs the full-file path, and
py-rattler's gateway on the same loopback shards (issue 13.4).

The real conda-forge data in ../shared/data/conda is served over loopback twice: as shards
(``repodata_shards.msgpack.zst`` + ``shards/<sha256>.msgpack.zst``, made at run time by
tests/support/shard_channel.py) and as full files only (``repodata.json.zst`` + ``repodata.json``,
no shard index: 404). For each request, every run starts from an empty cache and counts the bytes
the server sent and the wall time of load + solve in this process:

* ``ours shards``   ``solve_conda`` over the sharded server
* ``ours full``     ``solve_conda`` over the full-file server
* ``rattler``       ``rattler.solve`` with a fresh ``rattler.Gateway`` over the sharded server
                    (it reads shards where a channel has them; the requests it made are checked)

Ratios: bytes full / shards (what sharding saves) and time ours shards / rattler (lower is
better). The shared channel is small (a few thousand records: only what some pixi lock chose), so
the full files are ~0.4 MB compressed here against tens of MB for the real conda-forge; the bytes
saved grow with the channel, the shard count with the request.

    python benchmarks/bench_shards.py [--repeat 5] [--latency-ms 20] [--synthetic 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SOLVER_SHARED_DATA", ROOT.parent / "shared" / "data")) / "conda"
sys.path.insert(0, str(ROOT / "tests"))

from support.shard_channel import write_sharded_channel  # noqa: E402

# name -> (channel, platform, specs)
REQUESTS = {
    "python+numpy": ("conda-forge", "linux-64", ["python 3.12.*", "numpy"]),
    "pandas": ("conda-forge", "linux-64", ["python >=3.11", "pandas"]),
    "pytest+rich": ("conda-forge", "osx-arm64", ["python 3.12.*", "pytest", "rich"]),
    "requests": ("conda-forge", "win-64", ["python", "requests"]),
    "cmake+ninja": ("conda-forge", "linux-64", ["cmake", "ninja", "make"]),
}
# with --synthetic N: a channel of N records shaped like a large linux-64 subdir (synth_channel.py)
SYNTHETIC_REQUEST = ("synthetic", "linux-64", ["python", "numpy"])


class CountingServer:
    """Serves ``root`` on 127.0.0.1; counts the requests and body bytes it sent."""

    def __init__(self, root: Path, latency: float = 0.0):
        counter = self
        self.lock = threading.Lock()
        self.bytes = 0
        self.paths: list[str] = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def log_message(self, *args):
                pass

            def send_head(self):
                if latency:
                    time.sleep(latency)  # a network's round trip, before the answer starts
                return super().send_head()

            def copyfile(self, source, outputfile):
                data = source.read()
                outputfile.write(data)
                with counter.lock:
                    counter.bytes += len(data)
                    counter.paths.append(self.path)

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256  # the default 5 drops bursts of connects: a 1 s SYN retry each

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.bytes = 0
            self.paths = []

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def build_channel(tmp: Path, source: Path, name: str) -> None:
    """``source`` as ``tmp/sharded/NAME`` (shards only) and ``tmp/full/NAME`` (.json + .json.zst)."""
    sharded = tmp / "sharded" / name
    full = tmp / "full" / name
    write_sharded_channel(source, sharded, keep_json=False)
    cctx = zstandard.ZstdCompressor(level=19)
    for sub in source.iterdir():
        if (sub / "repodata.json").is_file():
            (full / sub.name).mkdir(parents=True)
            shutil.copyfile(sub / "repodata.json", full / sub.name / "repodata.json")
            (full / sub.name / "repodata.json.zst").write_bytes(cctx.compress((sub / "repodata.json").read_bytes()))


def virtual_packages(platform: str):
    """What our request builder gives a project on ``platform`` (the manifest's defaults)."""
    import solver

    folder = Path(tempfile.mkdtemp(prefix="bench-shards-vp-"))
    (folder / "pixi.toml").write_text(f'[workspace]\nname = "v"\nchannels = ["{(SHARED / "conda-forge").as_uri()}"]\n'
                                      f'platforms = ["{platform}"]\n[dependencies]\npython = "*"\n')
    (unit,) = solver.build_requests(solver.load_manifest(folder / "pixi.toml"))
    shutil.rmtree(folder, ignore_errors=True)
    return list(unit.conda.virtual_packages)


def ours(url: str, platform: str, specs: list[str], virtual, cache: Path) -> tuple[float, list[str]]:
    from solver.conda.model import CondaRequest
    from solver.conda.solve import solve_conda

    t0 = time.perf_counter()
    sol = solve_conda(CondaRequest(platform=platform, specs=specs, channels=[url], virtual_packages=virtual),
                      cache_dir=cache)
    return time.perf_counter() - t0, sorted(r.fn for r in sol.records)


def rattler_solve(url: str, platform: str, specs: list[str], virtual, cache: Path) -> tuple[float, list[str]]:
    import rattler

    vps = [rattler.GenericVirtualPackage(rattler.PackageName(v.name), rattler.Version(v.version),
                                         rattler.BuildString(v.build)) for v in virtual]
    t0 = time.perf_counter()
    gateway = rattler.Gateway(cache_dir=str(cache))
    records = asyncio.run(rattler.solve([url], specs, gateway=gateway, platforms=[platform, "noarch"],
                                        virtual_packages=vps))
    return time.perf_counter() - t0, sorted(r.file_name for r in records)


def measure(server: CountingServer, fn, url, platform, specs, virtual, tmp: Path, repeat: int):
    times, sent, picked, paths = [], [], None, []
    for i in range(repeat):
        cache = tmp / f"cache-{time.monotonic_ns()}"
        server.reset()
        dt, picked = fn(url, platform, specs, virtual, cache)
        times.append(dt)
        sent.append(server.bytes)
        paths = list(server.paths)
        shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(times), statistics.median(sent), picked, paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--latency-ms", type=float, default=0.0, help="delay every response by this much (a WAN)")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="also a synthetic channel of N records (e.g. 200000: a real conda-forge subdir's size)")
    args = ap.parse_args()
    if not (SHARED / "conda-forge" / "noarch" / "repodata.json").is_file():
        raise SystemExit(f"shared data not found at {SHARED}")
    try:
        import rattler  # noqa: F401
        have_rattler = True
    except ImportError:
        have_rattler = False
    tmp = Path(tempfile.mkdtemp(prefix="bench-shards-"))
    try:
        build_channel(tmp, SHARED / "conda-forge", "conda-forge")
        requests = dict(REQUESTS)
        if args.synthetic:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from synth_channel import write_channel

            build_channel(tmp, write_channel(tmp / "synth-source", args.synthetic), "synthetic")
            requests[f"synthetic-{args.synthetic}"] = SYNTHETIC_REQUEST
        sharded_root, full_root = tmp / "sharded", tmp / "full"
        latency = args.latency_ms / 1000
        shards_srv, full_srv = CountingServer(sharded_root, latency), CountingServer(full_root, latency)
        n_shards = sum(1 for _ in sharded_root.glob("conda-forge/*/shards/*.msgpack.zst"))
        print(f"conda-forge from {SHARED}: {n_shards} shards over {len(list(sharded_root.glob('conda-forge/*')))} "
              f"subdirs; {args.latency_ms:g} ms added to every response")
        print(f"{'request':<14} {'shards':>18} {'full files':>18} {'bytes':>7} {'rattler (shards)':>22} {'time':>7}")
        print(f"{'':<14} {'ms':>8} {'KiB':>9} {'ms':>8} {'KiB':>9} {'full/sh':>7} {'ms':>8} {'KiB':>9} {'sh':>3} "
              f"{'ours/r':>7}")
        byte_ratios, time_ratios = [], []
        for name, (channel, platform, specs) in requests.items():
            virtual = virtual_packages(platform) if channel == "conda-forge" else []
            s_t, s_b, s_pick, s_paths = measure(shards_srv, ours, f"{shards_srv.url}/{channel}", platform, specs,
                                                virtual, tmp, args.repeat)
            f_t, f_b, f_pick, _ = measure(full_srv, ours, f"{full_srv.url}/{channel}", platform, specs, virtual,
                                          tmp, args.repeat)
            if s_pick != f_pick:
                raise SystemExit(f"{name}: the sharded solve picked other records than the full-file one")
            byte_ratios.append(f_b / s_b)
            row = f"{name:<14} {s_t * 1000:8.1f} {s_b / 1024:9.1f} {f_t * 1000:8.1f} {f_b / 1024:9.1f} {f_b / s_b:7.1f}"
            if have_rattler:
                r_t, r_b, r_pick, r_paths = measure(shards_srv, rattler_solve, f"{shards_srv.url}/{channel}",
                                                    platform, specs, virtual, tmp, args.repeat)
                used = any("/shards/" in p for p in r_paths)
                time_ratios.append(s_t / r_t)
                same = "" if r_pick == s_pick else "  (rattler picked other records)"
                row += f" {r_t * 1000:8.1f} {r_b / 1024:9.1f} {'yes' if used else 'no':>3} {s_t / r_t:7.2f}{same}"
            print(row, flush=True)
            shard_count = sum(1 for p in s_paths if "/shards/" in p)
            total = sum(1 for _ in sharded_root.glob(f"{channel}/*/shards/*.msgpack.zst"))
            print(f"{'':<14} ({shard_count} shards fetched of {total})")
        print(f"median bytes full/shards: {statistics.median(byte_ratios):.1f}x less with shards")
        if time_ratios:
            print(f"median time ours (shards) / rattler (shards): {statistics.median(time_ratios):.2f}")
        shards_srv.close()
        full_srv.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
