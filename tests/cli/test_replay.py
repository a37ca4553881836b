"""``solver replay SNAPSHOT``: a conda solve re-run from the one file a solve wrote when
SOLVER_SNAPSHOT_DIR was set; the solution or the unsat explanation, text or JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from solver.cli import main
from solver.conda.model import CondaRequest, PackageRecord
from solver.conda.snapshot import SnapshotGateway, dump_snapshot
from solver.conda.solve import solve_conda
from solver.errors import UnsolvableError

CHANNEL = "https://user:secret@conda.example.invalid/demo"


def _rec(name, version, depends=()):
    return PackageRecord(
        name=name, version=version, build="h0_0", subdir="linux-64", depends=list(depends),
        channel=CHANNEL, url=f"{CHANNEL}/linux-64/{name}-{version}-h0_0.conda", fn=f"{name}-{version}-h0_0.conda",
    )


RECORDS = [(0, _rec("app", "2.0", ["lib >=2"])), (0, _rec("app", "1.0", ["lib"])),
           (0, _rec("lib", "2.1")), (0, _rec("lib", "1.0"))]


def _snapshot_of_a_solve(tmp_path, monkeypatch, specs):
    """Run a solve with SOLVER_SNAPSHOT_DIR set, as a user reproducing a bug would; return the file."""
    folder = tmp_path / "snaps"
    monkeypatch.setenv("SOLVER_SNAPSHOT_DIR", str(folder))
    request = CondaRequest(platform="linux-64", specs=specs, channels=[CHANNEL])
    try:
        solve_conda(request, SnapshotGateway(RECORDS))
    except UnsolvableError:
        pass
    monkeypatch.delenv("SOLVER_SNAPSHOT_DIR")
    (snap,) = folder.iterdir()
    assert b"secret" not in snap.read_bytes()  # a bug-report file carries no credentials
    return snap


@pytest.mark.parametrize("backend", ["native", "pycosat"])
def test_replay_prints_the_solution(tmp_path, monkeypatch, capsys, backend):
    snap = _snapshot_of_a_solve(tmp_path, monkeypatch, ["app"])
    assert main(["replay", str(snap), "--backend", backend]) == 0
    out, err = capsys.readouterr()
    channel = "https://conda.example.invalid/demo"  # credentials never printed
    assert out == f"app 2.0 h0_0 {channel}\nlib 2.1 h0_0 {channel}\n"
    assert "secret" not in out + err and f"replayed {snap}" in err and backend in err


def test_replay_with_the_conda_objective(tmp_path, monkeypatch, capsys):
    snap = _snapshot_of_a_solve(tmp_path, monkeypatch, ["app <2"])
    assert main(["replay", str(snap), "--objective", "conda"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[:2] for line in out.splitlines()] == [["app", "1.0"], ["lib", "2.1"]]


def test_replay_json(tmp_path, monkeypatch, capsys):
    snap = _snapshot_of_a_solve(tmp_path, monkeypatch, ["app <2"])
    assert main(["replay", str(snap), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "solved" and doc["platform"] == "linux-64" and doc["specs"] == ["app <2"]
    assert [(p["name"], p["version"]) for p in doc["packages"]] == [("app", "1.0"), ("lib", "2.1")]


def test_replay_of_an_unsat_solve_explains_and_exits_1(tmp_path, monkeypatch, capsys):
    snap = _snapshot_of_a_solve(tmp_path, monkeypatch, ["app >=2", "lib <2"])
    assert main(["replay", str(snap)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: cannot solve the conda environment for linux-64") and "lib" in err
    assert main(["replay", str(snap), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "unsolvable" and "lib <2" in doc["reasons"][0]


def test_replay_of_a_file_that_is_not_a_snapshot(tmp_path, capsys):
    bad = tmp_path / "bad.snapshot"
    bad.write_text("{not json")
    assert main(["replay", str(bad)]) == 2
    assert f"snapshot {bad} is not a valid solve snapshot" in capsys.readouterr().err
    assert main(["replay", str(tmp_path / "missing")]) == 2
    assert "cannot read snapshot" in capsys.readouterr().err


def test_written_snapshot_replays_through_the_installed_command(tmp_path):
    snap = dump_snapshot(tmp_path / "x.snapshot", CondaRequest(platform="linux-64", specs=["lib"], channels=[CHANNEL]), RECORDS)
    run = subprocess.run([sys.executable, "-m", "solver", "replay", str(snap), "-q"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["lib 2.1 h0_0 https://conda.example.invalid/demo"] and run.stderr == ""


def test_snapshot_files_hold_no_tokens_or_passwords(tmp_path, capsys):
    token_channel = "https://conda.example.invalid/t/tk-123456/private"
    records = [(0, PackageRecord(name="lib", version="1.0", build="h0_0", subdir="linux-64", channel=token_channel,
                                 url=f"{token_channel}/linux-64/lib-1.0-h0_0.conda"))]
    request = CondaRequest(platform="linux-64", specs=[f"{token_channel}::lib"], channels=[token_channel, CHANNEL])
    snap = dump_snapshot(tmp_path / "t.snapshot", request, records)
    raw = snap.read_bytes()
    assert b"tk-123456" not in raw and b"secret" not in raw
    assert main(["replay", str(snap)]) == 0  # the channel-pinned spec still finds its channel
    assert capsys.readouterr().out == "lib 1.0 h0_0 https://conda.example.invalid/private\n"


@pytest.mark.parametrize("channel", [-1, 1, 7])
def test_replay_of_a_record_whose_channel_index_is_out_of_range_names_it(tmp_path, capsys, channel):
    # -1 used to read as the last channel (or drop the record): replay exited 0 without the package
    request = CondaRequest(platform="linux-64", specs=["app"], channels=[CHANNEL])
    snap = dump_snapshot(tmp_path / "snap.json", request, [RECORDS[0], (channel, RECORDS[2][1])])
    assert main(["replay", str(snap)]) == 2
    err = capsys.readouterr().err
    assert "records[1] (lib 2.1)" in err and f"channel {channel}" in err and "Traceback" not in err


def test_seeded_snapshot_mutations_replay_or_fail_with_one_message(tmp_path, capsys):
    import random

    request = CondaRequest(platform="linux-64", specs=["app"], channels=[CHANNEL])
    good = dump_snapshot(tmp_path / "good.json", request, RECORDS).read_text()
    rnd = random.Random(15)
    for k in range(60):
        text = good
        for _ in range(rnd.randint(1, 2)):
            i = rnd.randrange(len(text) + 1)
            text = rnd.choice([text[:i], text[:i] + rnd.choice(['"', "-1", "99", "{", "]", ",", "null", "1e400"]) + text[i:],
                               text[:i] + text[i + rnd.randint(1, 6):], text.replace("[0,", "[-1,", 1)])
        path = tmp_path / f"s{k}.json"
        path.write_text(text)
        rc = main(["replay", str(path)])
        err = capsys.readouterr().err
        assert rc in (0, 1, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        if rc == 2:
            assert str(path) in err
