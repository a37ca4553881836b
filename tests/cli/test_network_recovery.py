"""Whole solves against channels and indexes that misbehave over loopback: a damaged answer ends
in one clear error with nothing trusted in the cache, the next healthy run writes the correct
lock without anyone clearing the cache, and no secret is written anywhere or printed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from support.netfault import FaultServer, close_delimited, etagged, response, static
from solver.cli import main

PASSWORD = "pw-SECRET-9"
TOKEN = "tk-SECRET-77"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS", "SOLVER_TIMEOUT", "SOLVER_CONCURRENCY",
                "PIXI_IN_SHELL", "PIXI_PROJECT_MANIFEST", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "RATTLER_AUTH_FILE"):
        monkeypatch.delenv(var, raising=False)


def repodata(subdir: str, records: list[tuple[str, str]]) -> bytes:
    return json.dumps({"info": {"subdir": subdir}, "packages": {}, "packages.conda": {
        f"{n}-{v}-0.conda": {"name": n, "version": v, "build": "0", "build_number": 0, "depends": [],
                             "subdir": subdir} for n, v in records}}).encode()


GOOD_NOARCH = repodata("noarch", [("tool", "2.0"), ("tool", "1.0")])


def project(tmp_path: Path, channel: str, deps: str = 'tool = "*"', extra: str = "") -> Path:
    root = tmp_path / "proj"
    root.mkdir(parents=True, exist_ok=True)
    (root / "pixi.toml").write_text(f'[workspace]\nname = "p"\nchannels = ["{channel}"]\nplatforms = ["linux-64"]\n'
                                    f'{extra}\n[dependencies]\n{deps}\n')
    return root


def run(capsys, root: Path, *args: str) -> tuple[int, str]:
    rc = main(["solve", str(root), "--timeout", "5", *args])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text and "internal error" not in text, text
    return rc, text


def locked_versions(root: Path) -> list[str]:
    text = (root / "pixi.lock").read_text()
    return sorted({line.split("/")[-1] for line in text.splitlines() if ".conda" in line and "conda:" in line})


def everything_on_disk(*roots: Path) -> dict[str, bytes]:
    out = {}
    for root in roots:
        for p in root.rglob("*"):
            if p.is_file():
                out[str(p)] = p.read_bytes()
    return out


@pytest.fixture
def channel():
    srv = FaultServer()
    srv.routes["/chan/linux-64/repodata.json"] = etagged(repodata("linux-64", []), '"l"')
    yield srv
    srv.close()


def test_damaged_repodata_with_a_stable_etag_recovers_on_the_next_healthy_run(channel, tmp_path, capsys):
    # the server sends broken JSON with a proper length and ETag; later it is fixed, same ETag
    channel.routes["/chan/noarch/repodata.json"] = etagged(GOOD_NOARCH[: len(GOOD_NOARCH) // 2], '"n"')
    root = project(tmp_path, channel.url + "/chan")
    rc, text = run(capsys, root)
    assert rc == 2 and "error:" in text and "noarch" in text
    assert not (root / "pixi.lock").exists()
    channel.routes["/chan/noarch/repodata.json"] = etagged(GOOD_NOARCH, '"n"')  # a 304 would bring the damage back
    rc, text = run(capsys, root)
    assert rc == 0, text
    assert locked_versions(root) == ["tool-2.0-0.conda"]


def test_close_delimited_repodata_cut_short_is_never_trusted(channel, tmp_path, capsys):
    channel.routes["/chan/noarch/repodata.json"] = close_delimited(GOOD_NOARCH[:-40])
    root = project(tmp_path, channel.url + "/chan")
    rc, text = run(capsys, root)
    assert rc == 2 and "noarch" in text
    channel.routes["/chan/noarch/repodata.json"] = close_delimited(GOOD_NOARCH)
    rc, text = run(capsys, root)
    assert rc == 0, text
    assert locked_versions(root) == ["tool-2.0-0.conda"]


def test_conda_token_and_password_reach_no_file_and_no_output(channel, tmp_path, capsys):
    for sd, body in (("noarch", GOOD_NOARCH), ("linux-64", repodata("linux-64", []))):
        channel.routes[f"/t/{TOKEN}/chan/{sd}/repodata.json"] = static(
            200, body, {"ETag": '"x"', "Cache-Control": "max-age=600", "Set-Cookie": f"s={TOKEN}"})
    url = channel.url.replace("http://", f"http://user:{PASSWORD}@") + f"/t/{TOKEN}/chan"
    root = project(tmp_path, url)
    rc, text = run(capsys, root, "-vv")
    assert rc == 0, text
    assert locked_versions(root) == ["tool-2.0-0.conda"]
    for secret in (TOKEN, PASSWORD):
        assert secret not in text
        for name, data in everything_on_disk(tmp_path / "cache", root).items():
            if name.endswith("pixi.toml"):
                continue
            assert secret.encode() not in data and secret not in name, name


def test_a_missing_platform_subdir_is_named_when_a_package_is_not_found(tmp_path, capsys):
    srv = FaultServer()
    try:
        srv.routes["/chan/noarch/repodata.json"] = static(200, GOOD_NOARCH)
        root = project(tmp_path, srv.url + "/chan", deps='python = "*"')
        rc, text = run(capsys, root)
        assert rc == 1
        assert "no package named python" in text
        assert f"has no 'linux-64' subdir (nothing at {srv.url}/chan/linux-64/repodata.json)" in text
    finally:
        srv.close()


@pytest.mark.parametrize("where", ["channel", "SOLVER_CHANNEL_ALIAS", "index-url", "find-links", "PIP_INDEX_URL"])
def test_a_url_missing_its_slashes_never_prints_the_password(tmp_path, capsys, monkeypatch, where):
    bad = f"https:/alice:{PASSWORD}@idx.example.invalid/simple"
    local = (Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "channels" / "demo").as_posix()
    channel = {"channel": bad, "SOLVER_CHANNEL_ALIAS": "conda-forge"}.get(where, local)
    extra = ""
    deps = 'python = "*"'
    if where == "SOLVER_CHANNEL_ALIAS":
        monkeypatch.setenv("SOLVER_CHANNEL_ALIAS", bad)
    elif where != "channel":
        deps += '\n[pypi-dependencies]\ntinyreq = "*"'
        if where == "index-url":
            extra = f'[pypi-options]\nindex-url = "{bad}"\n'
        elif where == "find-links":
            extra = f'[pypi-options]\nfind-links = [{{url = "{bad}"}}]\n'
        else:
            monkeypatch.setenv("PIP_INDEX_URL", bad)
    root = project(tmp_path, channel, deps=deps, extra=extra)
    rc, text = run(capsys, root)
    assert rc == 2, text
    assert PASSWORD not in text and "alice" not in text
    assert "****" in text


def test_mirrors_serve_the_channel_and_the_lock_keeps_its_url(tmp_path):
    import solver
    from solver.api import HttpSettings

    srv = FaultServer()
    try:
        srv.routes["/mirror/chan/noarch/repodata.json"] = static(200, GOOD_NOARCH)
        srv.routes["/mirror/chan/linux-64/repodata.json"] = static(200, repodata("linux-64", []))
        original = "https://conda.example.invalid/chan"
        root = project(tmp_path, original)
        settings = HttpSettings(timeout=5, mirrors={"https://conda.example.invalid": ("http://127.0.0.1:9/down",
                                                                                    srv.url + "/mirror")})
        result = solver.solve(solver.load_manifest(root), http=settings, cache_dir=tmp_path / "cache")
        [env] = result.environments
        assert [r.url for r in env.conda] == [original + "/noarch/tool-2.0-0.conda"]
    finally:
        srv.close()


def test_channel_credentials_from_pixis_credentials_file(tmp_path):
    import solver
    from solver.api import HttpSettings

    srv = FaultServer()
    try:
        def guarded(body):
            def route(req, sock):
                ok = req.headers.get("authorization") == f"Bearer {TOKEN}"
                sock.sendall(response(200, body) if ok else response(401, b""))
            return route

        srv.routes["/chan/noarch/repodata.json"] = guarded(GOOD_NOARCH)
        srv.routes["/chan/linux-64/repodata.json"] = guarded(repodata("linux-64", []))
        root = project(tmp_path, srv.url + "/chan")
        with pytest.raises(solver.errors.NetworkError, match="access denied"):
            solver.solve(solver.load_manifest(root), http=HttpSettings(timeout=5), cache_dir=tmp_path / "cache")
        auth = tmp_path / "credentials.json"
        auth.write_text(json.dumps({"127.0.0.1": {"BearerToken": TOKEN}}))
        result = solver.solve(solver.load_manifest(root), http=HttpSettings(timeout=5, auth_file=str(auth)),
                              cache_dir=tmp_path / "cache")
        assert [r.name for r in result.environments[0].conda] == ["tool"]
        for name, data in everything_on_disk(tmp_path / "cache").items():
            assert TOKEN.encode() not in data, name
    finally:
        srv.close()


def test_four_processes_sharing_one_cache_all_write_the_same_lock(channel, tmp_path):
    import subprocess
    import sys

    import solver as package

    channel.routes["/chan/noarch/repodata.json"] = etagged(GOOD_NOARCH, '"n"')
    env = {**os.environ, "PYTHONPATH": str(Path(package.__file__).resolve().parents[1]),
           "SOLVER_CACHE_DIR": str(tmp_path / "shared-cache")}
    locks = []
    for round_no in range(2):  # a cold cache, then a warm one revalidated by four at once
        procs = []
        for i in range(4):
            root = project(tmp_path / f"r{round_no}p{i}", channel.url + "/chan")
            procs.append((root, subprocess.Popen([sys.executable, "-m", "solver", "solve", str(root), "-q"],
                                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
        for root, proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
            assert b"internal error" not in err
            locks.append(locked_versions(root))
    assert locks == [["tool-2.0-0.conda"]] * 8
    leftovers = [p for p in (tmp_path / "shared-cache").rglob("*") if p.name.endswith((".part", ".tmp"))]
    assert leftovers == []
