"""Variant flags: a dependency's ``flags = [...]`` matchers choose among a package's builds by the
``flags`` their repodata (v3) records carry."""

from __future__ import annotations

import json

import pytest

from solver.conda.flags import flags_match, parse_flag_matcher
from solver.conda.gateway import Gateway
from solver.conda.model import CondaRequest
from solver.conda.solve import solve_conda
from solver.errors import UnsolvableError


@pytest.mark.parametrize(
    ("matchers", "flags", "ok"),
    [
        (["release"], ["release", "blas:mkl"], True),
        (["release"], [], False),
        (["~debug"], ["release"], True),
        (["~debug"], ["debug"], False),
        (["?release"], [], True),
        (["gpu:*"], ["gpu:cuda12"], True),
        (["gpu:*"], ["cpu"], False),
        (["~gpu:*"], ["gpu:rocm"], False),
        (["archspec:>=3"], ["archspec:4"], True),
        (["archspec:>=3"], ["archspec:2"], False),
        (["archspec:>=3"], ["archspec:x"], False),
        (["?archspec:>3"], [], True),
        (["?archspec:>3"], ["archspec:2"], False),
        (["?archspec:>3"], ["archspec:5"], True),
        (["cuda:<12", "blas:mkl"], ["cuda:11", "blas:mkl"], True),
        (["cuda:<12", "blas:mkl"], ["cuda:11", "blas:openblas"], False),
        (["cuda:=12"], None, False),  # a record without flags has none
    ],
)
def test_flag_matchers(matchers, flags, ok):
    assert flags_match(matchers, flags) is ok


@pytest.mark.parametrize("text", ["", "*", "-x", ":x", "!release", "cuda:>=abc", "cuda:>=", "cuda:=1.2", "~cuda:<x"])
def test_what_is_no_matcher(text):
    assert parse_flag_matcher(text) is None


@pytest.fixture
def blas_channel(tmp_path):
    builds = {
        "blas-1.0-mkl_0.conda": {"build": "mkl_0", "build_number": 0, "flags": ["blas:mkl", "release"]},
        "blas-1.0-openblas_1.conda": {"build": "openblas_1", "build_number": 1, "flags": ["blas:openblas", "release"]},
        "blas-1.0-plain_2.conda": {"build": "plain_2", "build_number": 2},
    }
    (tmp_path / "ch" / "linux-64").mkdir(parents=True)
    (tmp_path / "ch" / "noarch").mkdir()
    packages = {fn: {"name": "blas", "version": "1.0", "depends": [], **b} for fn, b in builds.items()}
    (tmp_path / "ch" / "linux-64" / "repodata.json").write_text(json.dumps({"packages.conda": packages}))
    (tmp_path / "ch" / "noarch" / "repodata.json").write_text(json.dumps({"packages.conda": {}}))
    return str(tmp_path / "ch")


@pytest.mark.parametrize(
    ("flags", "build"),
    [([], "plain_2"), (["blas:mkl"], "mkl_0"), (["release"], "openblas_1"), (["~blas:openblas", "release"], "mkl_0"),
     (["blas:*"], "openblas_1"), (["?blas:*"], "plain_2")],
)
def test_the_solve_picks_among_builds_by_flags(blas_channel, tmp_path, flags, build):
    gateway = Gateway([blas_channel], "linux-64", cache_dir=tmp_path / "cache")
    request = CondaRequest(platform="linux-64", specs=["blas"], channels=[blas_channel], flags={"blas": flags} if flags else {})
    (record,) = solve_conda(request, gateway).records
    assert record.build == build


def test_no_build_with_the_flags_says_why(blas_channel, tmp_path):
    gateway = Gateway([blas_channel], "linux-64", cache_dir=tmp_path / "cache")
    request = CondaRequest(platform="linux-64", specs=["blas"], channels=[blas_channel], flags={"blas": ["blas:netlib"]})
    with pytest.raises(UnsolvableError) as err:
        solve_conda(request, gateway)
    assert "do not match ['blas:netlib']" in str(err.value)


def test_the_lock_records_flags_and_locked_judges_them(blas_channel, tmp_path, monkeypatch, capsys):
    """The chosen build's flags are written to the lock; --locked holds a lock whose records
    meet the manifest's matchers and is out of date when they no longer do."""
    import json as _json

    from solver.cli import main

    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SOLVER_CHANNEL_ALIAS", raising=False)
    root = tmp_path / "app"
    root.mkdir()
    manifest = root / "pixi.toml"
    manifest.write_text(f'[workspace]\nchannels = ["{blas_channel}"]\nplatforms = ["linux-64"]\n'
                        '[dependencies]\nblas = { version = "*", flags = ["blas:mkl"] }\n')
    assert main(["solve", str(root), "--json"]) == 0
    capsys.readouterr()
    lock = (root / "pixi.lock").read_text()
    assert "blas-1.0-mkl_0.conda" in lock and "- blas:mkl" in lock and "- release" in lock
    assert main(["solve", str(root), "--locked", "--json"]) == 0
    capsys.readouterr()
    manifest.write_text(manifest.read_text().replace('"blas:mkl"', '"blas:openblas"'))
    assert main(["solve", str(root), "--locked", "--json"]) == 1
    out = capsys.readouterr().out
    reasons = _json.loads(out[: out.rindex("}") + 1])["reasons"]
    assert any("do not match ['blas:openblas']" in r for r in reasons), reasons
