"""Fetches ahead of the solve that the solve never needed do not hold the process open: a process
that has its answer exits, even when the index is still answering (here: never) a page fetched
ahead."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from support.pypi_index import Dist, IndexHandler, build_index

RELEASE = threading.Event()
STALLED = threading.Event()


class StallingHandler(IndexHandler):
    """Holds the page of ``slow`` until the test ends; the page of ``other`` until that one is
    asked for (so the solve is still running when the fetch ahead starts)."""

    def do_GET(self):
        if "/simple/slow" in self.path:
            STALLED.set()
            RELEASE.wait(120)
        elif "/simple/other" in self.path:
            STALLED.wait(30)
        return super().do_GET()


SCRIPT = """
import json, sys
from solver.conda.model import PackageRecord
from solver.pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement
from solver.pypi.resolve import solve_pypi
args = json.loads(sys.argv[1])
request = PyPIRequest(platform="linux-64", requirements=[PyPIRequirement(name="app"),
                                                       PyPIRequirement(name="other")],
                      indexes=[PyPIIndex(url=args["index"])])
sol = solve_pypi(request, [PackageRecord(name="python", version="3.11.7", build="h0_cpython")],
                 cache_dir=args["cache"], env={"PIP_CONFIG_FILE": "/dev/null"})
print(" ".join(f"{p.name}=={p.version}" for p in sol.packages))
"""


def test_process_exits_without_waiting_for_fetches_ahead(tmp_path, serve_index):
    # app 2.0 is the first choice the fetcher reads ahead (and the pages of what it needs); other
    # asks for app<2, so the solve takes app 1.0, which needs nothing
    build_index(tmp_path / "i", [Dist(name="app", version="2.0", requires=["slow"]), Dist(name="app", version="1.0"),
                                 Dist(name="slow", version="1.0"), Dist(name="other", version="1.0", requires=["app<2"])])
    srv = serve_index(tmp_path / "i", StallingHandler)
    RELEASE.clear()
    STALLED.clear()
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps({"index": srv.url + "/simple",
                                                                      "cache": str(tmp_path / "cache")})],
                              capture_output=True, text=True, env=env, timeout=20)  # under the 30 s per request
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["app==1.0", "other==1.0"]
        assert STALLED.is_set()  # the fetch ahead was under way when the process ended
    finally:
        RELEASE.set()


def test_fetch_ahead_follows_the_root_specifier(solve, tmp_path, serve_index):
    # app<2 asked for: app 2.0's metadata (and the pages of what it needs) are not read ahead
    build_index(tmp_path / "i", [Dist(name="app", version="2.0", requires=["big"]), Dist(name="app", version="1.0"),
                                 Dist(name="big", version="1.0")])
    srv = serve_index(tmp_path / "i")
    sol = solve([("app", "<2")], [srv.url + "/simple"])
    assert [(p.name, p.version) for p in sol.packages] == [("app", "1.0")]
    paths = [r.path for r in srv.requests]
    assert not any("app-2.0" in p for p in paths) and not any("/simple/big" in p for p in paths)
