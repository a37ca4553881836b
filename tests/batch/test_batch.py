"""``solver batch`` / ``solver.batch``: many conda problems, one result row each, on every executor.

Channels are tiny ones the tests write; misbehaving problems (a hang, a worker killed) come from
test-only hooks in ``batch_hooks`` that the tests pass as ``worker_setup``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # batch_hooks: importable by name in the pool's worker processes
sys.path.insert(0, str(HERE.parent / "conda"))
import batch_hooks  # noqa: E402
from _solve_helpers import rec, write_channel  # noqa: E402

from solver.batch import (  # noqa: E402
    Problem,
    encode_row,
    installability_problems,
    manifest_problems,
    read_requests,
    run_batch,
    snapshot_problems,
    solve_many,
)
from solver.cli import main  # noqa: E402
from solver.conda.model import CondaRequest  # noqa: E402

RECORDS = [
    rec("a", "1.0", depends=["b >=1"]),
    rec("a", "2.0", depends=["b >=2"]),  # b 2 does not exist: a 2.0 never installs
    rec("b", "1.0"),
    rec("b", "1.5"),
    rec("c", "1.0", depends=["nothere"]),
    rec("hang", "1.0"),
    rec("crash", "1.0"),
    rec("d", "1.0", depends=["a", "b <1.5"]),
]


@pytest.fixture
def channel(tmp_path) -> str:
    return write_channel(tmp_path, "chan", RECORDS)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SOLVER_SNAPSHOT_DIR", raising=False)


def line(pid, specs, channels=("./chan",), **extra) -> str:
    return json.dumps({"id": pid, "specs": list(specs), "channels": list(channels), "platform": "linux-64",
                       "virtual_packages": [], **extra})


def requests_file(tmp_path, lines) -> Path:
    path = tmp_path / "problems.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def good_lines() -> list[str]:
    return [line("a", ["a"]), line("b-old", ["b <1.5"]), line("c", ["c"]), line("d", ["d"]),
            line("a-lowest", ["a"], strategy="lowest"), line("both", ["a", "b"])]


def rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def chosen(row: dict) -> dict[str, str]:
    return {r["name"]: r["version"] for r in row["records"]}


# -- results ------------------------------------------------------------------------------------------


def test_results_in_input_order_with_records_explanations_and_timings(tmp_path, channel):
    problems = read_requests(requests_file(tmp_path, good_lines()))
    results = list(solve_many(problems))
    assert [r.id for r in results] == ["a", "b-old", "c", "d", "a-lowest", "both"]
    by_id = {r.id: r for r in results}
    assert {x.name: x.version for x in by_id["a"].records} == {"a": "1.0", "b": "1.5"}
    assert {x.name: x.version for x in by_id["b-old"].records} == {"b": "1.0"}
    assert {x.name: x.version for x in by_id["d"].records} == {"a": "1.0", "b": "1.0", "d": "1.0"}
    assert {x.name: x.version for x in by_id["a-lowest"].records} == {"a": "1.0", "b": "1.0"}
    record = by_id["a"].records[0]
    assert (record.build, record.subdir, record.channel) == ("h0_0", "linux-64", channel)
    c = by_id["c"]
    assert c.status == "unsolvable" and not c.records
    assert "nothere" in c.explanation.text
    assert c.explanation.structure["root"]["children"]  # the derivation, as plain data
    for r in results:
        assert r.timings.load >= 0 and r.timings.solve >= 0
        assert r.platform == "linux-64"


def test_a_bad_problem_is_an_error_row_and_the_rest_completes(tmp_path, channel):
    lines = [
        line("a", ["a"]),
        "{this is not json",
        line("bad-spec", ["a >>=1"]),
        json.dumps({"id": "no-platform", "specs": ["a"], "channels": ["./chan"]}),
        line("typo", ["a"], stratgey="lowest"),
        line("bad-type", [1]),
        line("missing-channel", ["a"], channels=["./nowhere"]),
        line("bad-date", ["a"], exclude_newer="yesterday"),
        line("a", ["b"]),  # a duplicate id
        line("last", ["b"]),
    ]
    path = requests_file(tmp_path, lines)
    out = tmp_path / "out.jsonl"
    summary = run_batch(read_requests(path), out)
    got = rows(out)
    assert [r["id"] for r in got] == ["a", "line-2", "bad-spec", "no-platform", "typo", "bad-type",
                                      "missing-channel", "bad-date", "a@line-9", "last"]
    status = {r["id"]: r["status"] for r in got}
    assert status["a"] == status["last"] == "solved"
    errors = {r["id"]: r["error"] for r in got if r["status"] == "error"}
    assert all(e["type"] == "input" for e in errors.values())
    assert errors["line-2"]["message"].startswith(f"{path}:2:")
    assert "a >>=1" in errors["bad-spec"]["message"]
    assert f"{path}:4:" in errors["no-platform"]["message"] and "platform" in errors["no-platform"]["message"]
    assert "stratgey" in errors["typo"]["message"]
    assert "key specs[0]" in errors["bad-type"]["message"]
    assert "nowhere" in errors["missing-channel"]["message"]
    assert "exclude_newer" in errors["bad-date"]["message"]
    assert "duplicate id 'a' (first on line 1)" in errors["a@line-9"]["message"]
    assert summary.counts == {"solved": 2, "unsolvable": 0, "error": 8}


def test_request_options_reach_the_solve(tmp_path):
    url = write_channel(tmp_path, "dated", [rec("e", "1.0", timestamp=1_600_000_000_000),
                                           rec("e", "2.0", timestamp=1_700_000_000_000)])
    lines = [line("newest", ["e"], channels=[url]),
             line("before-2023", ["e"], channels=[url], exclude_newer="2023-01-01"),
             line("locked", ["e"], channels=[url], locked=[rec("e", "1.0") | {"fn": "e-1.0-h0_0.tar.bz2"}]),
             line("constrained", ["e"], channels=[url], constraints=["e <2"])]
    glibc = write_channel(tmp_path, "glibc", [rec("g", "1.0", depends=["__glibc >=2.28"])])
    lines += [line("old-glibc", ["g"], channels=[glibc], virtual_packages=["__glibc=2.17"]),
              line("new-glibc", ["g"], channels=[glibc], virtual_packages=[{"name": "__glibc", "version": "2.31"}]),
              json.dumps({"id": "defaults", "specs": ["g"], "channels": [glibc], "platform": "linux-64"})]
    low = write_channel(tmp_path, "low", [rec("e", "3.0")])
    lines += [line("strict", ["e"], channels=[url, low]),
              line("mixed", ["e"], channels=[url, low], channel_priority="disabled")]
    results = {r.id: r for r in solve_many(read_requests(requests_file(tmp_path, lines)))}
    assert results["old-glibc"].status == "unsolvable" and "__glibc" in results["old-glibc"].explanation.text
    assert results["new-glibc"].status == results["defaults"].status == "solved"  # pixi's default: glibc 2.28
    assert [x.version for x in results["strict"].records] == ["2.0"]
    assert [(x.version, x.channel) for x in results["mixed"].records] == [("3.0", low)]
    assert [x.version for x in results["newest"].records] == ["2.0"]
    assert [x.version for x in results["before-2023"].records] == ["1.0"]
    assert [x.version for x in results["locked"].records] == ["1.0"]
    assert [x.version for x in results["constrained"].records] == ["1.0"]


# -- executors ----------------------------------------------------------------------------------------


def _batch(tmp_path) -> list[Problem]:
    return read_requests(requests_file(tmp_path, good_lines() + [line("bad-spec", ["a >>=1"])]))


def _file_of(results) -> bytes:
    return b"".join(encode_row(r, timings=False) + b"\n" for r in results)


def test_the_conda_objective_reaches_every_worker(tmp_path, channel):
    problems = _batch(tmp_path)
    sequential = list(solve_many(problems, objective="conda"))
    assert [r.status for r in sequential] == ["solved", "solved", "unsolvable", "solved", "error", "solved", "error"]
    assert {x.name: x.version for x in sequential[0].records} == {"a": "1.0", "b": "1.5"}
    assert "'lowest' strategy" in sequential[4].error.message  # conda's objective has no lowest
    assert _file_of(solve_many(problems, objective="conda", jobs=2)) == _file_of(sequential)


def test_sequential_and_pool_give_byte_identical_results(tmp_path, channel):
    problems = _batch(tmp_path)
    sequential = _file_of(solve_many(problems, executor="sequential"))
    pool = _file_of(solve_many(problems, executor="pool", jobs=2))
    single = _file_of(solve_many(problems, executor="pool", jobs=1))
    assert sequential == pool == single
    assert sequential.count(b"\n") == len(problems)


@pytest.fixture(scope="module")
def dask_cluster():
    """A local Dask cluster of 2 worker processes; a task whose worker dies fails at once
    (allowed-failures 0), so the batch's own retry is what is tested."""
    pytest.importorskip("distributed")
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            yield cluster


def test_dask_local_cluster_gives_the_same_results(tmp_path, channel, dask_cluster):
    problems = _batch(tmp_path)
    expected = _file_of(solve_many(problems, executor="sequential"))
    got = _file_of(solve_many(problems, executor="dask", scheduler=dask_cluster.scheduler_address))
    assert got == expected


def test_dask_killed_worker_is_reported_and_its_problem_retried_once(tmp_path, channel, dask_cluster):
    marker = tmp_path / "crashed-once"  # the cluster's workers started before this test: the path goes with the hook
    lines = [line("a", ["a"]), line("boom", ["crash"]), line("b", ["b"])]
    out = tmp_path / "out.jsonl"
    summary = run_batch(read_requests(requests_file(tmp_path, lines)), out, executor="dask",
                        scheduler=dask_cluster.scheduler_address, worker_setup=batch_hooks.crash_once_at(str(marker)))
    assert [r["status"] for r in rows(out)] == ["solved"] * 3
    # every problem the dead worker held (Dask queues tasks on workers) is retried, boom among them
    assert "boom" in summary.retried and len(summary.workers_lost) == 1
    assert marker.exists()


def test_the_dask_executor_without_dask_or_a_scheduler(tmp_path, channel, monkeypatch):
    from solver.errors import InputError

    problems = _batch(tmp_path)
    with pytest.raises(InputError, match="needs a scheduler address"):
        solve_many(problems, executor="dask")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(InputError, match=r"pip install 'solver\[dask\]'"):
        solve_many(problems, executor="dask", scheduler="tcp://127.0.0.1:8786")


def test_the_core_never_imports_dask(tmp_path, channel):
    problems = requests_file(tmp_path, good_lines())
    probe = (
        "import sys\n"
        "from solver.cli import main\n"
        f"code = main(['batch', '--requests', {str(problems)!r}, '-q', '-o', {str(tmp_path / 'o.jsonl')!r}])\n"
        f"code += main(['batch', '--requests', {str(problems)!r}, '-q', '-j', '2', '--no-resume', "
        f"'-o', {str(tmp_path / 'o.jsonl')!r}])\n"
        "assert code == 0, code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert len(rows(tmp_path / "o.jsonl")) == len(good_lines())


def test_a_channel_served_over_http_is_fetched_once_for_the_pool(tmp_path, channel, serve_dir):
    server = serve_dir(tmp_path)
    url = f"{server.url}/chan"
    problems = read_requests(requests_file(tmp_path, [line(p, [p], channels=[url]) for p in ("a", "b", "c", "d")]))
    pool = list(solve_many(problems, jobs=2))
    assert [r.status for r in pool] == ["solved", "solved", "unsolvable", "solved"]
    assert {x.channel for r in pool for x in r.records} == {url}
    # the parent fetched each subdir (finding out there is no .zst); each worker opens the channel
    # once, revalidating the shared cached copy: never a fetch per problem
    fetched = [path for method, path in server.requests if method == "GET"]
    for subdir in ("linux-64", "noarch"):
        assert fetched.count(f"/chan/{subdir}/repodata.json.zst") == 1
        assert 1 <= fetched.count(f"/chan/{subdir}/repodata.json") <= 3
    assert _file_of(pool) == _file_of(solve_many(problems))


def test_a_worker_opens_each_channel_set_once_and_keeps_a_bounded_number(tmp_path, channel):
    from solver.batch.model import WorkerConfig
    from solver.batch.worker import WorkerState, solve_problem

    other = write_channel(tmp_path, "other", [rec("b", "9.0")])
    state = WorkerState(WorkerConfig(max_gateways=1))
    first = CondaRequest(platform="linux-64", specs=["b"], channels=[channel])
    second = CondaRequest(platform="linux-64", specs=["b"], channels=[other])
    gateway = state.gateway(first)
    assert state.gateway(first) is gateway  # opened once, decoded records kept
    assert [x.version for x in solve_problem(Problem(id="1", request=first), state).records] == ["1.5"]
    assert [x.version for x in solve_problem(Problem(id="2", request=second), state).records] == ["9.0"]
    assert state.gateway(first) is not gateway  # evicted (closed) for the second set, opened again
    assert [x.version for x in solve_problem(Problem(id="3", request=first), state).records] == ["1.5"]
    state.close()


# -- resume -------------------------------------------------------------------------------------------


def test_a_resumed_run_does_not_redo_finished_ids(tmp_path, channel, monkeypatch):
    problems = read_requests(requests_file(tmp_path, good_lines()))
    out = tmp_path / "out.jsonl"
    run_batch(problems[:3], out)
    with open(out, "ab") as f:
        f.write(b'{"id":"d","status":"sol')  # a row cut off by an interrupted run
    from solver.batch import worker

    solved = []
    original = worker._solve

    def counting(request, gateway, backend):
        solved.append(request.specs)
        return original(request, gateway, backend)

    monkeypatch.setattr(worker, "_solve", counting)
    summary = run_batch(problems, out)
    assert summary.skipped == 3 and summary.total == 3
    assert solved == [["d"], ["a"], ["a", "b"]]  # only d, a-lowest and both
    assert [r["id"] for r in rows(out)] == [p.id for p in problems]

    solved.clear()
    again = run_batch(problems, out)
    assert solved == [] and again.skipped == len(problems)
    fresh = run_batch(problems, out, resume=False)
    assert fresh.skipped == 0 and len(solved) == len(problems)
    assert len(rows(out)) == len(problems)


def test_an_output_that_is_not_a_results_file_is_refused(tmp_path, channel, capsys):
    out = tmp_path / "notes.txt"
    out.write_text("my notes\nmore\n")
    code = main(["batch", "--requests", str(requests_file(tmp_path, good_lines())), "-o", str(out)])
    assert code == 2
    assert f"{out}:1: not a result row" in capsys.readouterr().err
    assert out.read_text() == "my notes\nmore\n"


# -- timeouts and lost workers ------------------------------------------------------------------------


def test_a_hanging_problem_hits_its_timeout_in_process(tmp_path, channel, monkeypatch):
    from solver.batch import worker

    original = worker._solve
    monkeypatch.setattr(worker, "_solve", lambda *a: batch_hooks._hang(a[0]) if a[0].specs == ["hang"] else original(*a))
    problems = read_requests(requests_file(tmp_path, [line("a", ["a"]), line("stuck", ["hang"]), line("b", ["b"])]))
    results = list(solve_many(problems, timeout=0.5))
    assert [r.status for r in results] == ["solved", "error", "solved"]
    assert results[1].error.type == "timeout" and "0.5s" in results[1].error.message


def test_a_hanging_problem_hits_its_timeout_off_the_main_thread(tmp_path, channel, monkeypatch):
    """As on a Dask worker's task thread: no signal timer there, the solve is interrupted from
    a timer thread instead."""
    import threading

    from solver.batch import worker

    original = worker._solve
    monkeypatch.setattr(worker, "_solve", lambda *a: batch_hooks._hang(a[0]) if a[0].specs == ["hang"] else original(*a))
    problems = read_requests(requests_file(tmp_path, [line("stuck", ["hang"]), line("b", ["b"])]))
    results = []
    thread = threading.Thread(target=lambda: results.extend(solve_many(problems, timeout=0.5)))
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert [(r.status, r.error.type if r.error else None) for r in results] == [("error", "timeout"), ("solved", None)]


@pytest.mark.parametrize("hook", [batch_hooks.hang, batch_hooks.hang_deaf], ids=["interruptible", "deaf"])
def test_a_hanging_problem_hits_its_timeout_in_the_pool(tmp_path, channel, hook):
    lines = [line("stuck", ["hang"])] + [line(f"a{i}", ["a"]) for i in range(6)]
    problems = read_requests(requests_file(tmp_path, lines))
    events = []
    results = list(solve_many(problems, jobs=2, timeout=0.5, worker_setup=hook,
                              on_event=lambda kind, info: events.append(kind)))
    assert [r.id for r in results] == [p.id for p in problems]
    assert results[0].status == "error" and results[0].error.type == "timeout"
    assert all(r.status == "solved" for r in results[1:])
    # the deaf hang ignores the worker's timer: the pool kills that worker
    assert events == (["timeout-kill"] if hook is batch_hooks.hang_deaf else [])


def test_a_killed_worker_is_reported_and_its_problem_retried_once(tmp_path, channel, monkeypatch):
    monkeypatch.setenv(batch_hooks.MARKER_ENV, str(tmp_path / "crashed-once"))
    lines = [line("a", ["a"]), line("boom", ["crash"]), line("b", ["b"]), line("d", ["d"])]
    out = tmp_path / "out.jsonl"
    summary = run_batch(read_requests(requests_file(tmp_path, lines)), out, jobs=2, worker_setup=batch_hooks.crash_once)
    got = rows(out)
    assert [r["status"] for r in got] == ["solved"] * 4
    assert chosen(got[1]) == {"crash": "1.0"}
    assert summary.retried == ["boom"]
    assert len(summary.workers_lost) == 1 and "SIGKILL" in summary.workers_lost[0]
    assert "1 worker lost, 1 problem retried" in summary.describe()


def test_a_problem_that_kills_its_worker_twice_is_an_error_row(tmp_path, channel):
    lines = [line("a", ["a"]), line("boom", ["crash"]), line("b", ["b"])]
    events = []
    results = list(solve_many(read_requests(requests_file(tmp_path, lines)), jobs=2,
                              worker_setup=batch_hooks.crash_always, on_event=lambda k, i: events.append((k, i["retry"]))))
    assert [r.status for r in results] == ["solved", "error", "solved"]
    assert results[1].error.type == "worker-lost" and "SIGKILL" in results[1].error.message
    assert events == [("worker-lost", True), ("worker-lost", False)]


# -- sources ------------------------------------------------------------------------------------------


def test_installability_per_name_and_per_record(tmp_path, channel):
    by_name = list(solve_many(installability_problems(channel, "linux-64", virtual_packages=[])))
    status = {r.id: r.status for r in by_name}
    assert status == {"linux-64/a": "solved", "linux-64/b": "solved", "linux-64/c": "unsolvable",
                      "linux-64/crash": "solved", "linux-64/d": "solved", "linux-64/hang": "solved"}
    by_record = {r.id: r for r in solve_many(installability_problems(channel, "linux-64", per="record",
                                                                     virtual_packages=[]))}
    assert by_record["linux-64/linux-64/a-2.0-h0_0.tar.bz2"].status == "unsolvable"
    assert "b >=2" in by_record["linux-64/linux-64/a-2.0-h0_0.tar.bz2"].explanation.text
    assert chosen({"records": [msgspec.to_builtins(x) for x in by_record["linux-64/linux-64/b-1.0-h0_0.tar.bz2"].records]}) == {"b": "1.0"}
    assert len(by_record) == len(RECORDS)


def test_manifest_folder(tmp_path, channel):
    root = tmp_path / "projects"
    (root / "one").mkdir(parents=True)
    (root / "one" / "pixi.toml").write_text(
        f'[workspace]\nname = "one"\nchannels = ["{channel}"]\nplatforms = ["linux-64", "osx-64"]\n'
        '[dependencies]\nd = "*"\n[feature.old.dependencies]\nb = "<1.5"\n[environments]\nold = ["old"]\n')
    (root / "two").mkdir()
    (root / "two" / "pixi.toml").write_text('[workspace]\nname = "two"\nchannels = []\nplatforms = ["linux-64"]\n[dependencies\n')
    problems = manifest_problems(root)
    results = {r.id: r for r in solve_many(problems)}
    assert list(results) == ["one/pixi.toml:default:linux-64", "one/pixi.toml:default:osx-64",
                             "one/pixi.toml:old:linux-64", "one/pixi.toml:old:osx-64", "two/pixi.toml"]
    assert {x.name for x in results["one/pixi.toml:default:linux-64"].records} == {"a", "b", "d"}
    assert results["one/pixi.toml:default:osx-64"].status == "unsolvable"  # the channel has linux-64 only
    assert results["two/pixi.toml"].status == "error" and "two/pixi.toml" in results["two/pixi.toml"].error.message


def test_snapshot_folder_replays_each_snapshot(tmp_path, channel, monkeypatch):
    from solver.conda.solve import solve_conda

    snaps = tmp_path / "snaps"
    monkeypatch.setenv("SOLVER_SNAPSHOT_DIR", str(snaps))
    for specs in (["a"], ["c"]):
        try:
            solve_conda(CondaRequest(platform="linux-64", specs=specs, channels=[channel]))
        except Exception:
            pass
    monkeypatch.delenv("SOLVER_SNAPSHOT_DIR")
    (snaps / "garbage.snapshot").write_text("not a snapshot")
    results = list(solve_many(snapshot_problems(snaps)))
    assert sorted(r.status for r in results) == ["error", "solved", "unsolvable"]
    bad = next(r for r in results if r.id == "garbage.snapshot")
    assert bad.error.type == "input" and "garbage.snapshot" in bad.error.message
    assert {x.name for x in next(r for r in results if r.status == "solved").records} == {"a", "b"}


def test_progress_lines_and_summary(tmp_path, channel):
    import io

    from solver.batch import BatchProgress
    from solver.batch.run import status_line

    assert status_line({"done": 120, "total": 1000, "seconds": 2.0, "counts": {"solved": 100, "unsolvable": 15, "error": 5}}) \
        == "[120/1000] 60.0/s ETA 0:14 | solved 100 unsolvable 15 error 5"
    stream = io.StringIO()
    progress = BatchProgress(stream=stream, verbose=1)
    summary = run_batch(_batch(tmp_path), tmp_path / "out.jsonl", progress=progress)
    lines = stream.getvalue().splitlines()
    assert lines[:3] == ["a: solved", "b-old: solved", "c: unsolvable"]
    assert lines[-1] == summary.describe()
    assert lines[-1].startswith("7 problems: 5 solved, 1 unsolvable, 1 error in ")
    run_batch(_batch(tmp_path), tmp_path / "out.jsonl", progress=progress)
    assert "resuming: 7 problems already in the output, 0 to solve" in stream.getvalue()


# -- command line -------------------------------------------------------------------------------------


def test_cli_writes_rows_progress_and_a_summary(tmp_path, channel, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["batch", "--requests", str(requests_file(tmp_path, good_lines())), "-o", str(out), "--no-timings"])
    assert code == 0
    err = capsys.readouterr().err
    assert "6 problems: 5 solved, 1 unsolvable, 0 error" in err and "median" in err and "p90" in err
    assert [r["id"] for r in rows(out)] == ["a", "b-old", "c", "d", "a-lowest", "both"]
    assert all("timings" not in r for r in rows(out))
    code = main(["batch", "--installable", channel, "-o", str(tmp_path / "inst.jsonl"), "-q", "--jobs", "2"])
    assert code == 0 and len(rows(tmp_path / "inst.jsonl")) == 6


def test_cli_reads_requests_from_stdin(tmp_path, channel, monkeypatch, capsys):
    import io

    monkeypatch.chdir(tmp_path)  # relative channel paths: from the current folder
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\n".join(good_lines()).encode())))
    assert main(["batch", "--requests", "-", "-q"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in out] == ["a", "b-old", "c", "d", "a-lowest", "both"]
    assert [r["status"] for r in out] == ["solved", "solved", "unsolvable", "solved", "solved", "solved"]


@pytest.mark.parametrize("argv, message", [
    (["--executor", "dask"], "--executor dask needs --scheduler"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler goes with --executor dask"),
    (["--timeout", "-1"], "--timeout must be"),
    (["--jobs", "0"], "jobs must be at least 1"),
    (["--jobs", "2", "--executor", "sequential"], "--jobs N runs a process pool"),
    (["--platform", "osx-64"], "go with --installable"),
])
def test_cli_bad_options(tmp_path, channel, capsys, argv, message):
    code = main(["batch", "--requests", str(requests_file(tmp_path, good_lines())), "-o", str(tmp_path / "o"), *argv])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing written before the options are checked


def test_cli_missing_inputs_name_the_path(tmp_path, channel, capsys):
    problems = str(requests_file(tmp_path, good_lines()))
    assert main(["batch", "--requests", problems, "-o", str(tmp_path / "no" / "such" / "out.jsonl")]) == 2
    assert f"cannot write the results file {tmp_path / 'no' / 'such' / 'out.jsonl'}" in capsys.readouterr().err
    assert main(["batch", "--requests", str(tmp_path / "nope.jsonl")]) == 2
    assert f"cannot read the requests file {tmp_path / 'nope.jsonl'}" in capsys.readouterr().err
    assert main(["batch", "--snapshots", str(tmp_path / "nope")]) == 2
    assert f"snapshot folder {tmp_path / 'nope'} is not a folder" in capsys.readouterr().err


def test_installability_of_the_shared_conda_forge_channel(shared_conda, tmp_path):
    problems = installability_problems(str(shared_conda / "conda-forge"), "linux-64")
    names = {p.id.split("/", 1)[1] for p in problems}
    assert {"python", "numpy", "_libgcc_mutex"} <= names
    sample = [p for p in problems if p.id in ("linux-64/python", "linux-64/numpy", "linux-64/tzdata")]
    results = {r.id: r for r in solve_many(sample, jobs=2)}
    for pid in ("linux-64/python", "linux-64/numpy", "linux-64/tzdata"):
        assert results[pid].status == "solved", results[pid]
        assert pid.split("/")[1] in {x.name for x in results[pid].records}
