"""``solver solve --objective conda`` (and ``solve(objective="conda")``): the conda stage prefers
conda's solution; without the flag, pixi's (rattler's) stays the default."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conda"))
from _solve_helpers import rec, write_channel  # noqa: E402

import solver  # noqa: E402
from solver.cli import main  # noqa: E402

MANIFEST = """\
[workspace]
name = "objective"
channels = ["./channel"]
platforms = ["linux-64"]

[dependencies]
tool = "*"
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    root.mkdir()
    # the newest app forces both libraries back a version: rattler's walk takes it anyway, conda's
    # sum of version ranks over the solution prefers the older app with both libraries newest
    write_channel(root, "channel", [
        rec("tool", "1.0", depends=["app"]),
        rec("app", "2.0", depends=["liba <2", "libb <2"]),
        rec("app", "1.0", depends=["liba", "libb"]),
        rec("liba", "1.0"), rec("liba", "2.0"), rec("libb", "1.0"), rec("libb", "2.0"),
    ])
    (root / "pixi.toml").write_text(MANIFEST)
    return root


def _versions(capsys) -> dict[str, str]:
    out = json.loads(capsys.readouterr().out)
    return {p["name"]: p["version"] for p in out["environments"]["default"]["linux-64"]["conda"]}


def test_objective_conda_on_the_command_line(project, capsys):
    assert main(["solve", str(project), "--json", "-q"]) == 0
    assert _versions(capsys)["app"] == "2.0"
    (project / "pixi.lock").unlink()
    assert main(["solve", str(project), "--json", "-q", "--objective", "conda"]) == 0
    chosen = _versions(capsys)
    assert (chosen["app"], chosen["liba"], chosen["libb"]) == ("1.0", "2.0", "2.0")


def test_objective_conda_in_the_library(project):
    result = solver.solve(solver.load_manifest(project), objective="conda")
    assert {r.name: r.version for r in result.environments[0].conda}["app"] == "1.0"


def test_an_unknown_objective_is_bad_usage(project, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["solve", str(project), "--objective", "fastest"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'fastest'" in capsys.readouterr().err
    with pytest.raises(solver.errors.InputError, match="unknown solve objective"):
        solver.solve(solver.load_manifest(project), objective="fastest")
