"""``solver solve`` end to end on the bundled demo project, its channel and PyPI index served over
loopback HTTP: the written lock, --locked, --frozen, --update, unsatisfiable input, JSON output,
partial solves, credentials, and the exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from solver.cli import main
from solver.lock import dumps_lock, read_lock
from support.demo import served_demo
from support.isolation import isolate

PLATFORMS = ["linux-64", "osx-arm64", "win-64"]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    isolate(tmp_path, monkeypatch)


class Project:
    def __init__(self, root: Path, server):
        self.root = root
        self.server = server
        self.manifest = root / "pixi.toml"
        self.lock = root / "pixi.lock"

    def edit(self, old: str, new: str) -> None:
        text = self.manifest.read_text()
        assert old in text, old
        self.manifest.write_text(text.replace(old, new, 1))


@pytest.fixture
def project(tmp_path, serve_dir) -> Project:
    root, server = served_demo(tmp_path, serve_dir)
    return Project(root, server)


def run(*args: str) -> int:
    return main(["solve", *args])


def names(records) -> dict[str, str]:
    return {r.name: r.version for r in records}


def test_solve_writes_every_environment_and_platform(project, capsys):
    assert run(str(project.root), "-q") == 0
    lock = read_lock(project.lock)
    assert sorted(lock.environments) == ["default", "py311", "test"]
    for env in lock.environments.values():
        assert env.platforms() == PLATFORMS
        assert env.channels == [f"{project.server.url}/channels/demo/"]
        assert env.indexes == [f"{project.server.url}/index/simple"]
    default, test, py311 = (lock.environments[n] for n in ("default", "test", "py311"))
    # the solve group: test adds testkit and checkit; default gets only what it asked for
    assert "testkit" not in names(default.conda["linux-64"])
    assert names(test.conda["linux-64"])["testkit"] == "8.1.1"
    assert names(default.conda["linux-64"])["python"] == names(test.conda["linux-64"])["python"] == "3.12.4"
    assert names(py311.conda["win-64"])["python"] == "3.11.9"
    assert "vc" in names(default.conda["win-64"]) and "libzlib" not in names(default.conda["win-64"])
    # PyPI on top of conda, markers evaluated per platform
    assert names(default.pypi["linux-64"]) == {"tinyreq": "1.1.0", "idnalite": "2.0.0"}
    assert names(default.pypi["win-64"]) == {"tinyreq": "1.1.0", "idnalite": "2.0.0", "colorlite": "0.4.6"}
    assert "checkit" in names(test.pypi["osx-arm64"])
    assert all(p.url and p.url.startswith(project.server.url) for p in default.pypi["linux-64"])


def test_machine_pip_sources_do_not_reach_a_manifest_with_its_own_index(project, tmp_path, monkeypatch):
    # as on the build machines: PIP_FIND_LINKS and a pip.conf extra-index-url, both offering a
    # newer tinyreq; the manifest names its own index-url, so neither may change the lock
    from support.pypi_index import Dist, build_find_links, build_index

    links = build_find_links(tmp_path / "machine-wheels", [Dist(name="tinyreq", version="9.0")])
    build_index(tmp_path / "machine-index", [Dist(name="tinyreq", version="8.0")])
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nextra-index-url = {(tmp_path / 'machine-index' / 'simple').as_uri()}\n"
                    f"find-links = {links}\n")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert run(str(project.root), "-q", "-e", "default") == 0
    locked = read_lock(project.lock).environments["default"].pypi["linux-64"]
    assert names(locked)["tinyreq"] == "1.1.0"
    assert all(p.url and p.url.startswith(project.server.url) for p in locked)


@pytest.mark.oracle
def test_lock_loads_in_rattler(project):
    rattler = pytest.importorskip("rattler")
    assert run(str(project.root), "-q") == 0
    lock = rattler.LockFile.from_path(project.lock)
    env = lock.environment("test")
    got = {str(p): sorted(pkg.name for pkg in pkgs) for p, pkgs in env.packages_by_platform().items()}
    assert "testkit" in got["linux-64"] and "checkit" in got["linux-64"]


def test_second_run_reuses_the_lock_without_network(project, capsys):
    assert run(str(project.root), "-q") == 0
    before = project.lock.read_bytes()
    project.server.requests.clear()
    assert run(str(project.root)) == 0
    assert project.server.requests == []
    assert project.lock.read_bytes() == before
    assert "up to date" in capsys.readouterr().err


def test_locked_passes_on_a_fresh_lock_and_fails_on_a_stale_one(project, capsys):
    assert run(str(project.root), "--locked") == 1  # no lock yet
    assert "no lock file" in capsys.readouterr().err
    assert run(str(project.root), "-q") == 0
    assert run(str(project.root), "--locked") == 0
    before = project.lock.read_bytes()
    project.edit('numlite = ">=1.26"', 'numlite = "<2"')
    capsys.readouterr()
    project.server.requests.clear()
    assert run(str(project.root), "--locked") == 1
    err = capsys.readouterr().err
    assert "out of date" in err and "numlite <2" in err and "Traceback" not in err
    assert project.lock.read_bytes() == before
    assert project.server.requests == []  # --locked solves nothing


def test_update_changes_only_the_named_package(project):
    project.edit('numlite = ">=1.26"', 'numlite = ">=1.26,<2"\nopenssl = "<3.1"')
    assert run(str(project.root), "-q") == 0
    old = read_lock(project.lock)
    assert names(old.environments["default"].conda["linux-64"])["numlite"] == "1.26.4"
    assert names(old.environments["default"].conda["linux-64"])["openssl"] == "3.0.13"
    project.edit('numlite = ">=1.26,<2"\nopenssl = "<3.1"', 'numlite = ">=1.26"\nopenssl = "*"')
    # still satisfied: a plain solve keeps everything
    assert run(str(project.root), "-q") == 0
    assert read_lock(project.lock).environments == old.environments
    assert run(str(project.root), "-q", "--update", "numlite") == 0
    new = read_lock(project.lock)
    for env in ("default", "test", "py311"):
        for platform in PLATFORMS:
            before, after = names(old.environments[env].conda[platform]), names(new.environments[env].conda[platform])
            assert after["numlite"] == "2.0.1"
            assert {k: v for k, v in after.items() if k != "numlite"} == {k: v for k, v in before.items() if k != "numlite"}
            assert new.environments[env].pypi == old.environments[env].pypi
    # --update with no names re-solves everything
    assert run(str(project.root), "-q", "--update") == 0
    assert names(read_lock(project.lock).environments["default"].conda["linux-64"])["openssl"] == "3.3.1"


def test_update_of_an_unknown_name_is_bad_input(project, capsys):
    assert run(str(project.root), "-q") == 0
    assert run(str(project.root), "--update", "nosuchpkg") == 2
    assert "nosuchpkg" in capsys.readouterr().err


def test_unsatisfiable_exits_1_and_leaves_the_lock_alone(project, capsys):
    assert run(str(project.root), "-q") == 0
    before = project.lock.read_bytes()
    project.edit('python = ">=3.11"', 'python = ">=4"')
    capsys.readouterr()
    assert run(str(project.root)) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "python" in err and "Traceback" not in err
    assert project.lock.read_bytes() == before
    assert [p.name for p in project.root.iterdir() if p.name.startswith(".pixi.lock")] == []


def test_json_output(project, capsys):
    assert run(str(project.root), "--json", "-q") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schema"] == 1 and out["status"] == "solved" and out["lock_written"] is True
    assert out["lock_file"] == str(project.lock)
    assert sorted(out["environments"]) == ["default", "py311", "test"]
    entry = out["environments"]["default"]["win-64"]
    assert entry["solved"] is True
    assert {c["name"] for c in entry["conda"]} >= {"python", "numlite", "pip", "vc"}
    assert set(entry["conda"][0]) == {"name", "version", "build", "subdir", "url"}
    assert {p["name"] for p in entry["pypi"]} == {"tinyreq", "idnalite", "colorlite"}
    assert run(str(project.root), "--json", "-q") == 0
    again = json.loads(capsys.readouterr().out)
    assert again["status"] == "up-to-date" and again["lock_written"] is False
    project.edit('python = ">=3.11"', 'python = ">=4"')
    assert run(str(project.root), "--json", "-q") == 1
    failed = json.loads(capsys.readouterr().out)
    assert failed["status"] == "unsolvable" and "python" in failed["reasons"][0]


def test_partial_solve_keeps_the_other_environments(project):
    assert run(str(project.root), "-q") == 0
    old = read_lock(project.lock)
    project.edit('[feature.py311.dependencies]\npython = "3.11.*"', '[feature.py311.dependencies]\npython = "3.11.*"\nnumlite = "<2"')
    assert run(str(project.root), "-q", "-e", "py311", "-p", "linux-64") == 0
    new = read_lock(project.lock)
    assert names(new.environments["py311"].conda["linux-64"])["numlite"] == "1.26.4"
    assert new.environments["py311"].conda["win-64"] == old.environments["py311"].conda["win-64"]
    assert new.environments["default"] == old.environments["default"]
    assert new.environments["test"] == old.environments["test"]


def test_parallel_and_sequential_solves_agree(project):
    import solver

    manifest = solver.load_manifest(project.root)
    one = solver.solve(manifest, max_workers=1)
    many = solver.solve(manifest, max_workers=4)
    assert dumps_lock(one.lock) == dumps_lock(many.lock)
    assert one.solved_units == 6


def test_frozen(project, capsys):
    assert run(str(project.root), "--frozen") == 2
    assert "no lock file" in capsys.readouterr().err
    assert run(str(project.root), "-q") == 0
    before = project.lock.read_bytes()
    project.edit('python = ">=3.11"', 'python = ">=4"')
    project.server.requests.clear()
    assert run(str(project.root), "--frozen", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "frozen" and "default" in out["environments"]
    assert project.lock.read_bytes() == before and project.server.requests == []


def test_bad_usage_exits_2(project, tmp_path, capsys):
    assert run(str(tmp_path / "nowhere")) == 2
    assert run(str(project.root), "-e", "nosuchenv") == 2
    err = capsys.readouterr().err
    assert "nosuchenv" in err and "Traceback" not in err
    project.lock.write_text("version: 99\n")
    assert run(str(project.root), "--locked") == 2
    assert "version 99" in capsys.readouterr().err


def test_credentials_are_not_written(project):
    text = project.manifest.read_text()
    authed = project.server.url.replace("http://", "http://demo:s3cret@")
    project.manifest.write_text(text.replace(f'"{project.server.url}/channels/demo"', f'"{authed}/channels/demo"'))
    assert run(str(project.root), "-q") == 0
    lock_text = project.lock.read_text()
    assert "s3cret" not in lock_text and "demo:" not in lock_text
    assert f"{project.server.url}/channels/demo/" in lock_text


def test_python_dash_m_subprocess(project):
    import solver

    # the solver package these tests import (the installed one, or the source tree in development)
    env = {**os.environ, "PYTHONPATH": str(Path(solver.__file__).resolve().parent.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "solver", "solve", str(project.root), "--lock-file", str(project.root / "out.lock")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"3 environments .* x 3 platforms", proc.stderr)
    assert read_lock(project.root / "out.lock").environments["default"].conda["linux-64"]


@pytest.mark.oracle
def test_real_channel_lock_is_accepted_by_locked_and_rattler(shared_conda, serve_dir, tmp_path, capsys):
    """Real repodata (virtual packages, run_exports, purls, noarch): the lock we write is
    satisfied by the manifest that produced it and loads in rattler."""
    server = serve_dir(shared_conda / "conda-forge")
    root = tmp_path / "real"
    root.mkdir()
    (root / "pixi.toml").write_text(
        "[workspace]\nname = \"real\"\n"
        f"channels = [\"{server.url}\"]\n"
        "platforms = [\"linux-64\", \"osx-arm64\", \"win-64\"]\n"
        "[dependencies]\npython = \"3.12.*\"\nnumpy = \"*\"\nrequests = \"*\"\n"
        "[feature.data.dependencies]\npandas = \"*\"\n"
        "[environments]\ndata = { features = [\"data\"], solve-group = \"g\" }\ndefault = { solve-group = \"g\" }\n"
    )
    assert run(str(root), "-q") == 0
    assert run(str(root), "--locked") == 0, capsys.readouterr().err
    lock = read_lock(root / "pixi.lock")
    default, data = lock.environments["default"], lock.environments["data"]
    for platform in PLATFORMS:
        assert "pandas" in names(data.conda[platform]) and "pandas" not in names(default.conda[platform])
        assert set(names(default.conda[platform])) < set(names(data.conda[platform]))
    rattler = pytest.importorskip("rattler")
    env = rattler.LockFile.from_path(root / "pixi.lock").environment("data")
    assert {str(p) for p in env.platforms()} == set(PLATFORMS)


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty
        self.text = ""

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_is_an_in_place_line_on_a_terminal_and_plain_lines_otherwise():
    from solver.commands import Progress

    info = {"index": 0, "total": 2, "unit": "default", "platform": "linux-64"}
    tty = _Stream(True)
    p = Progress(stream=tty)
    p("start", info)
    assert tty.text == "[0/2] solving default on linux-64" and "\n" not in tty.text
    p("done", {**info, "seconds": 0.5, "conda": 3, "pypi": 1})
    p.finish()
    assert "\r\x1b[K" in tty.text and "\n" not in tty.text  # the status line was redrawn in place, then cleared
    plain = _Stream(False)
    p = Progress(stream=plain)
    p("start", info)
    p("done", {**info, "seconds": 0.5, "conda": 3, "pypi": 1})
    assert plain.text == "solved default on linux-64: 3 conda, 1 PyPI packages in 0.50s\n"
    quiet = _Stream(True)
    p = Progress(stream=quiet, quiet=True)
    p("start", info)
    p.line("summary")
    assert quiet.text == ""


@pytest.mark.parametrize("json_flag", [False, True])
def test_an_internal_error_quoting_a_url_masks_its_password(project, capsys, monkeypatch, json_flag):
    # A bug that surfaces as an unexpected exception may carry the URL it was fetching: the one
    # message still reaches the user, never the secret in it.
    import solver.api

    def broken(*a, **kw):
        raise RuntimeError("boom at https://alice:hunter2@index.example/simple/pkg/")

    monkeypatch.setattr(solver.api, "solve", broken)
    rc = run(str(project.root), *(["--json"] if json_flag else []))
    captured = capsys.readouterr()
    assert rc == 2
    text = captured.out + captured.err
    assert "internal error: RuntimeError" in text and "hunter2" not in text
    assert "index.example" in text


# ``solver COMMAND ...`` builds the top level and that command's parser only: what it accepts,
# the values it gives and the help it prints must be those of the whole parser.
PARSE_CASES = [
    ["solve"],
    ["solve", "proj", "-e", "a", "-e", "b", "-p", "linux-64", "--lock-file", "x.lock", "--locked", "-q"],
    ["solve", "--update", "numpy", "scipy", "--json", "--backend", "pycosat", "--objective", "conda", "-vv"],
    ["solve", "--timeout", "2.5", "--concurrency", "3", "--tls-no-verify", "--frozen"],
    ["inspect", "proj", "--json", "-p", "win-64"],
    ["replay", "x.snapshot", "--backend", "native", "--json"],
    ["batch", "--requests", "r.jsonl", "-o", "out.jsonl", "-j", "2", "--no-timings"],
]


@pytest.mark.parametrize("argv", PARSE_CASES, ids=lambda a: " ".join(a))
def test_one_command_parser_parses_as_the_whole_one(argv):
    from solver.cli import _parser

    assert vars(_parser(argv[0]).parse_args(argv)) == vars(_parser().parse_args(argv))


@pytest.mark.parametrize("command", ["solve", "inspect", "replay", "batch"])
def test_one_command_parser_prints_the_same_help(command, capsys):
    from solver.cli import _parser

    texts = []
    for parser in (_parser(command), _parser()):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1] and "usage: solver " + command in texts[0]


@pytest.mark.parametrize("argv", [["solve", "--bogus"], ["solve", "--locked", "--frozen"], ["replay"], ["batch"]])
def test_one_command_parser_rejects_as_the_whole_one(argv, capsys):
    from solver.cli import _parser

    errors = []
    for parser in (_parser(argv[0]), _parser()):
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(argv)
        errors.append((exc.value.code, capsys.readouterr().err))
    assert errors[0] == errors[1] and errors[0][0] == 2 and "error:" in errors[0][1]


@pytest.mark.parametrize(
    "argv, code, stream, text",
    [
        (["--help"], 0, "stdout", "usage: solver"),
        (["--version"], 0, "stdout", "solver "),
        ([], 2, "stdout", "usage: solver"),
        (["solve", "--bogus"], 2, "stderr", "unrecognized arguments: --bogus"),
        (["frobnicate"], 2, "stderr", "invalid choice"),
        (["solve", "/nonexistent/project"], 2, "stderr", "error:"),
    ],
)
def test_the_executable_exits_with_the_commands_code(argv, code, stream, text, tmp_path):
    # ``python -m solver`` runs the process entry (the ``solver`` script's): the collector settings
    # it makes must not change what the command prints or the code it exits with
    env = {**os.environ, "SOLVER_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "solver", *argv], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == code
    assert text in getattr(proc, stream)
