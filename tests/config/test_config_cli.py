"""The configuration on the command line: channel names resolve against conda's alias or the
configured one (checked offline with --locked), and ``solver inspect`` shows every setting with
its source."""

from __future__ import annotations

import json

import pytest

from solver.cli import main
from solver.lock import write_lock
from solver.lock.model import LockedEnvironment, LockFile, LockedPlatform


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("SOLVER_CHANNEL_ALIAS", "PIXI_SSL_NO_VERIFY", "PIXI_MAX_WORKERS", "PIXI_REQUEST_TIMEOUT", "SSL_CERT_FILE",
                "REQUESTS_CA_BUNDLE", "PIP_TRUSTED_HOST"):
        monkeypatch.delenv(var, raising=False)


def project(tmp_path, channel_url: str):
    """A workspace on `conda-forge` with no dependencies, and a lock naming ``channel_url``."""
    (tmp_path / "pixi.toml").write_text('[workspace]\nname = "p"\nchannels = ["conda-forge"]\nplatforms = ["linux-64"]\n')
    env = LockedEnvironment(name="default", channels=[channel_url], conda={"linux-64": []})
    write_lock(LockFile(platforms=[LockedPlatform(name="linux-64")], environments={"default": env}), tmp_path / "pixi.lock")
    return tmp_path


def test_channel_names_mean_condas_channels_by_default(tmp_path, capsys):
    root = project(tmp_path, "https://conda.anaconda.org/conda-forge/")
    assert main(["solve", str(root), "--locked"]) == 0, capsys.readouterr().err


def test_the_configured_alias_decides_what_a_name_means(tmp_path, capsys, monkeypatch):
    root = project(tmp_path, "https://conda.anaconda.org/conda-forge/")
    (root / ".pixi").mkdir()
    (root / ".pixi" / "config.toml").write_text('[channel-config]\ndefault-channel-alias = "https://conda.example.invalid"\n')
    assert main(["solve", str(root), "--locked"]) == 1
    err = capsys.readouterr().err
    assert "channels changed" in err and "https://conda.example.invalid/conda-forge/" in err
    monkeypatch.setenv("SOLVER_CHANNEL_ALIAS", "https://conda.anaconda.org")  # the variable over the file
    assert main(["solve", str(root), "--locked"]) == 0


def test_inspect_shows_each_setting_and_its_source(tmp_path, capsys, monkeypatch):
    root = project(tmp_path, "https://conda.anaconda.org/conda-forge/")
    (root / ".pixi").mkdir()
    config = root / ".pixi" / "config.toml"
    config.write_text('[concurrency]\ndownloads = 3\n[pypi-config]\nkeyring-provider = "subprocess"\n')
    monkeypatch.setenv("PIXI_SSL_NO_VERIFY", "true")
    assert main(["inspect", str(root), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)["configuration"]
    assert doc["files"] == [str(config)]
    settings = doc["settings"]
    assert settings["concurrency.downloads"] == {"value": 3, "source": str(config)}
    assert settings["pypi-config.keyring-provider"] == {"value": "subprocess", "source": str(config)}
    assert settings["tls-no-verify"] == {"value": True, "source": "$PIXI_SSL_NO_VERIFY"}
    assert settings["channel-config.default-channel-alias"]["source"] == "default"

    assert main(["inspect", str(root)]) == 0
    text = capsys.readouterr().out
    assert f"Configuration ({config})" in text
    line = next(x for x in text.splitlines() if x.strip().startswith("concurrency.downloads"))
    assert "3" in line and f"({config})" in line


def test_a_bad_configuration_file_is_one_located_error(tmp_path, capsys):
    root = project(tmp_path, "https://conda.anaconda.org/conda-forge/")
    (root / ".pixi").mkdir()
    (root / ".pixi" / "config.toml").write_text("[concurrency]\nsolves = \"two\"\n")
    assert main(["solve", str(root), "--locked"]) == 2
    err = capsys.readouterr().err
    assert f"{root / '.pixi' / 'config.toml'}:2:" in err and "concurrency.solves" in err and "Traceback" not in err


def test_mirrors_redirect_downloads_and_the_lock_keeps_the_channel(tmp_path, capsys, serve_dir, monkeypatch):
    """A channel on a host nobody serves, mirrored (in the project's config) to a loopback server:
    the solve reads from the mirror, the lock names the channel as the manifest does."""
    served = tmp_path / "served" / "chan"
    for subdir, packages in (("linux-64", {"tool-1.0-0.conda": {"name": "tool", "version": "1.0", "build": "0",
                                                               "build_number": 0, "depends": [], "subdir": "linux-64"}}),
                             ("noarch", {})):
        (served / subdir).mkdir(parents=True)
        (served / subdir / "repodata.json").write_text(json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": packages}))
    server = serve_dir(tmp_path / "served")
    root = tmp_path / "proj"
    (root / ".pixi").mkdir(parents=True)
    (root / "pixi.toml").write_text('[workspace]\nchannels = ["https://conda.example.invalid/chan"]\nplatforms = ["linux-64"]\n'
                                    '[dependencies]\ntool = "*"\n')
    (root / ".pixi" / "config.toml").write_text(f'[mirrors]\n"https://conda.example.invalid/chan" = ["{server.url}/chan"]\n')
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["solve", str(root), "-q"]) == 0, capsys.readouterr().err
    text = (root / "pixi.lock").read_text()
    assert "- url: https://conda.example.invalid/chan/" in text
    assert "https://conda.example.invalid/chan/linux-64/tool-1.0-0.conda" in text and "127.0.0.1" not in text
    assert any(path.startswith("/chan/linux-64/repodata") for _, path in server.requests)


def test_a_channel_mirrored_to_a_folder_is_read_from_it(tmp_path, capsys, monkeypatch):
    """A mirror may be a local folder (``file://``), as for a machine without access to the
    channel's host: the subdirs are read from the folder (no shard index there: repodata.json),
    and the lock still names the channel's own URLs, never the folder."""
    folder = tmp_path / "offline copy" / "chan"
    tool = {"name": "tool", "version": "2.0", "build": "h1_0", "build_number": 0, "depends": [], "subdir": "linux-64"}
    for subdir, packages in (("linux-64", {"tool-2.0-h1_0.conda": tool}), ("noarch", {})):
        (folder / subdir).mkdir(parents=True)
        (folder / subdir / "repodata.json").write_text(
            json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": packages}))
    root = tmp_path / "proj"
    (root / ".pixi").mkdir(parents=True)
    (root / "pixi.toml").write_text('[workspace]\nchannels = ["https://conda.example.invalid/chan"]\n'
                                    'platforms = ["linux-64"]\n[dependencies]\ntool = ">=2"\n')
    (root / ".pixi" / "config.toml").write_text(
        f'[mirrors]\n"https://conda.example.invalid/chan" = ["{folder.as_uri()}"]\n')
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["solve", str(root), "-q"]) == 0, capsys.readouterr().err
    text = (root / "pixi.lock").read_text()
    assert "https://conda.example.invalid/chan/linux-64/tool-2.0-h1_0.conda" in text
    assert "offline" not in text and "file:" not in text
    assert main(["solve", str(root), "--locked"]) == 0, capsys.readouterr().err
