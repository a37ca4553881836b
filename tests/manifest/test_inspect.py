"""``solver inspect``: text and the documented JSON form."""

from __future__ import annotations

import json
import re
from pathlib import Path

from solver.cli import main

MANIFEST = """\
[project]
name = "demo"
version = "0.3.0"
channels = ["conda-forge"]
platforms = ["linux-64", "osx-arm64"]

[dependencies]
python = "3.12.*"

[pypi-dependencies]
requests = ">=2.31"
secret-lib = { version = "*", index = "private" }

[pypi-options]
extra-index-urls = ["http://127.0.0.1:7/extra/simple"]
index-strategy = "unsafe-first-match"

[[project.pypi-indices]]
name = "private"
url = "http://bob:letmein@127.0.0.1:8/simple"
priority = "explicit"

[system-requirements]
cuda = "12.4"

[tasks]
hello = "echo hi"
_hidden = "echo no"

[feature.test.dependencies]
pytest = "*"

[environments]
test = { features = ["test"], solve-group = "all" }
"""


def run(tmp_path, capsys, *args):
    (tmp_path / "pixi.toml").write_text(MANIFEST)
    code = main(["inspect", str(tmp_path), *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_text_output(tmp_path, capsys):
    out = run(tmp_path, capsys)
    assert out.startswith(f"Manifest: {tmp_path / 'pixi.toml'} (pixi)\nProject: demo 0.3.0\n")
    assert "Environment: default\n" in out and "Environment: test\n" in out
    assert "  Features: test, default\n  Solve group: all\n" in out
    assert "  Platform osx-arm64:\n" in out
    assert "Virtual packages: __unix, __linux=4.18, __glibc=2.28, __cuda=12.4, __archspec=1=x86_64" in out
    assert "Virtual packages: __unix, __osx=13.0, __archspec=1=m1" in out
    assert "      python 3.12.*\n      pytest\n" in out
    assert "      secret-lib  [index: private]\n" in out
    assert "PyPI indexes (index-strategy unsafe-first-match):" in out
    assert re.search(r"extra\s+http://127.0.0.1:7/extra/simple", out)
    assert re.search(r"explicit\s+http://\*\*\*\*@127.0.0.1:8/simple  \(private\)", out)
    assert "letmein" not in out
    assert "Tasks: hello\n" in out  # hidden tasks are not listed


def test_filters(tmp_path, capsys):
    out = run(tmp_path, capsys, "-e", "test", "-p", "linux-64")
    assert "Environment: default" not in out and "Platform osx-arm64" not in out
    assert "Platform linux-64" in out


def test_json_output(tmp_path, capsys):
    doc = json.loads(run(tmp_path, capsys, "--json", "-p", "linux-64"))
    assert doc["schema"] == "solver-inspect/1"
    assert set(doc) == {"schema", "manifest", "project", "pypi_indices", "warnings", "environments", "solve_units", "configuration", "packages"}
    assert doc["manifest"] == {"path": str(tmp_path / "pixi.toml"), "root": str(tmp_path), "kind": "pixi"}
    assert doc["project"]["platforms"] == ["linux-64", "osx-arm64"]
    env = {e["name"]: e for e in doc["environments"]}
    assert env["test"]["features"] == ["test", "default"] and env["test"]["solve_group"] == "all"
    assert env["default"]["pypi_options"]["index_strategy"] == "unsafe-first-match"
    (detail,) = env["test"]["platform_details"]
    assert detail["platform"] == "linux-64"
    assert detail["conda_specs"] == ["python 3.12.*", "pytest"]
    assert [r["requirement"] for r in detail["pypi_requirements"]] == ["requests >=2.31", "secret-lib  [index: private]"]
    assert detail["pypi_indexes"] == [
        {"url": "http://127.0.0.1:7/extra/simple", "name": None, "priority": "extra"},
        {"url": "http://****@127.0.0.1:8/simple", "name": "private", "priority": "explicit"},
    ]
    assert {"name": "__cuda", "version": "12.4", "build": "0"} in detail["virtual_packages"]
    assert detail["system_requirements"] == {
        "cuda": "12.4",
        "linux": "4.18",
        "libc": "2.28",
        "libc_family": "glibc",
        "archspec": "x86_64",
    }
    assert [(t["name"], t["hidden"]) for t in detail["tasks"]] == [("hello", False), ("_hidden", True)]
    units = doc["solve_units"]
    assert [(u["environment"], u["solve_group"], u["platform"], u["members"]) for u in units] == [
        ("default", None, "linux-64", ["default"]),
        (None, "all", "linux-64", ["test"]),
    ]
    assert units[1]["conda"]["specs"] == ["python 3.12.*", "pytest"]
    assert units[1]["pypi"]["index_strategy"] == "unsafe-first-match"
    assert "letmein" not in json.dumps(doc)


def test_json_schema_is_documented():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "inspect-json.md").read_text()
    for key in ("schema", "manifest", "project", "pypi_indices", "warnings", "environments", "solve_units",
                "platform_details", "conda_specs", "pypi_requirements", "pypi_indexes", "virtual_packages",
                "system_requirements", "solver-inspect/1"):
        assert key in doc, key
