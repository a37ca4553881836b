"""Snapshots: one file holds a solve's request and every record it reached; replaying it gives the
same answer without any channel."""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _solve_helpers import channels, make_gateway, rec, request  # noqa: E402

from solver.conda.snapshot import COMPRESS_ABOVE, dump_snapshot, load_snapshot  # noqa: E402
from solver.conda.solve import replay_snapshot  # noqa: E402
from solver.conda.solve import solve_conda  # noqa: E402
from solver.platform import virtual_packages  # noqa: E402
from solver.errors import InputError, UnsolvableError  # noqa: E402


def test_dump_and_replay_tiny(tmp_path):
    chans = channels(tmp_path / "chans", {"c": [
        rec("app", "1.0", depends=["lib"]), rec("app", "2.0", depends=["lib <2"]),
        rec("lib", "1.0"), rec("lib", "2.0"), rec("unrelated", "1.0"),
    ]})
    req = request(chans, ["app"], constraints=["lib >=0.5"])
    snap = tmp_path / "solve.snapshot"
    sol = solve_conda(req, make_gateway(chans, "linux-64"), snapshot_path=snap)
    loaded = load_snapshot(snap)
    assert loaded.request == req
    assert {r.name for _, r in loaded.records} == {"app", "lib"}  # only what the solve reached
    # the channels can disappear: the replay needs nothing but the file
    for f in (tmp_path / "chans").rglob("repodata.json"):
        f.unlink()
    again = replay_snapshot(snap)
    assert msgspec.json.encode(again.records) == msgspec.json.encode(sol.records)
    assert again.virtual_packages == sol.virtual_packages


def test_unsat_solve_still_writes_its_snapshot(tmp_path):
    chans = channels(tmp_path, {"c": [rec("app", "1.0", depends=["lib >=3"]), rec("lib", "1.0")]})
    snap = tmp_path / "unsat.snapshot"
    with pytest.raises(UnsolvableError):
        solve_conda(request(chans, ["app"]), make_gateway(chans, "linux-64"), snapshot_path=snap)
    with pytest.raises(UnsolvableError) as info:
        replay_snapshot(snap)
    assert "lib >=3" in str(info.value)


def test_real_solve_snapshot_is_compressed_and_replays(shared_conda, tmp_path):
    chans = [(shared_conda / "robostack-humble").as_uri(), (shared_conda / "conda-forge").as_uri()]
    req = request(chans, ["ros-humble-ros-core"], virtual=virtual_packages("linux-64"))
    snap = tmp_path / "ros.snapshot"
    sol = solve_conda(req, make_gateway(chans, "linux-64"), snapshot_path=snap)
    raw = snap.read_bytes()
    assert raw[:4] == b"\x28\xb5\x2f\xfd" and len(msgspec.json.encode(load_snapshot(snap))) > COMPRESS_ABOVE
    for backend in ("native", "pycosat"):
        again = replay_snapshot(snap, backend=backend)
        assert msgspec.json.encode(again.records) == msgspec.json.encode(sol.records)


def test_snapshot_written_atomically_and_bad_files_are_input_errors(tmp_path):
    req = request(["file:///nowhere"], ["x"])
    path = dump_snapshot(tmp_path / "deep" / "s.json", req, [])
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]  # no temp file left behind
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="bad.json"):
        load_snapshot(bad)
    with pytest.raises(InputError, match="missing.json"):
        load_snapshot(tmp_path / "missing.json")


def test_snapshot_dir_environment_variable_captures_every_solve(tmp_path, monkeypatch):
    chans = channels(tmp_path / "chans", {"c": [rec("app", "1.0")]})
    monkeypatch.setenv("SOLVER_SNAPSHOT_DIR", str(tmp_path / "snaps"))
    req = request(chans, ["app"])
    sol = solve_conda(req, make_gateway(chans, "linux-64"))
    (snap,) = (tmp_path / "snaps").iterdir()
    assert snap.name.startswith("conda-linux-64-")
    assert replay_snapshot(snap).records == sol.records
