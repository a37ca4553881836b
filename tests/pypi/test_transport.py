"""How metadata and pages are fetched: PEP 658 files, HTTP range requests into wheels, whole files
when ranges are not honoured; authentication (URL, env vars, netrc) without leaking credentials;
configuration of the default index; errors naming the index."""

import pytest

from solver.errors import InputError, NetworkError, SolverError
from solver.pypi.auth import CredentialProvider, env_var_suffix
from solver.pypi.model import PyPIIndex
from support.pypi_index import Dist, NoRangeHandler, auth_handler, build_index

from .conftest import versions

DISTS = [Dist(name="app", version="1.0", requires=["dep>=1"]), Dist(name="dep", version="1.5"),
         Dist(name="dep", version="0.5")]


def file_gets(server, suffix=".whl"):
    return [(p, r) for m, p, r in server.requests if p.endswith(suffix)]


def test_pep658_metadata_files_used(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS, pep658=True)
    srv = serve_index(tmp_path / "i")
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    assert file_gets(srv) == []  # wheels themselves never downloaded
    assert len(file_gets(srv, ".whl.metadata")) == 2


def test_range_requests_read_only_the_zip_directory(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS, pep658=False)
    srv = serve_index(tmp_path / "i")
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    gets = file_gets(srv)
    assert gets and all(r is not None and r.startswith("bytes=") for _, r in gets)


def test_range_requests_on_a_large_wheel_fetch_a_fraction(solve, tmp_path, serve_index):
    big = [Dist(name="big", version="1.0", requires=["dep"], padding=300_000), Dist(name="dep", version="1.5")]
    build_index(tmp_path / "i", big, pep658=False)
    srv = serve_index(tmp_path / "i")
    assert versions(solve([("big",)], [srv.url + "/simple"])) == {"big": "1.0", "dep": "1.5"}
    big_gets = [r for p, r in file_gets(srv) if "big-1.0" in p]
    # the tail (central directory) and then the METADATA member near the start of the file
    assert len(big_gets) == 2 and big_gets[0].startswith("bytes=-") and big_gets[1].startswith("bytes=0-")
    assert int(big_gets[1].split("-")[1]) < 10_000


def test_whole_wheel_when_server_ignores_ranges(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS, pep658=False)
    srv = serve_index(tmp_path / "i", NoRangeHandler)
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    assert len({p for p, _ in file_gets(srv)}) == 2


def test_metadata_cached_between_runs(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS, pep658=True)
    srv = serve_index(tmp_path / "i")
    solve([("app",)], [srv.url + "/simple"])
    srv.requests.clear()
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    assert file_gets(srv, ".metadata") == []


@pytest.fixture
def private(tmp_path, serve_index):
    build_index(tmp_path / "p", DISTS)
    srv = serve_index(tmp_path / "p", auth_handler("alice", "s3cr3t-pw"))
    return srv


def no_secret(sol):
    text = repr(sol)
    assert "s3cr3t-pw" not in text and "alice" not in text


def test_auth_credentials_in_url(solve, private):
    host = private.url.split("//")[1]
    sol = solve([("app",)], [PyPIIndex(url=f"http://alice:s3cr3t-pw@{host}/simple", name="corp")])
    assert versions(sol) == {"app": "1.0", "dep": "1.5"}
    no_secret(sol)
    assert all(p.index == private.url + "/simple" for p in sol.packages)


def test_auth_env_vars_for_named_index(solve, private):
    assert env_var_suffix("corp-ml.internal") == "CORP_ML_INTERNAL"
    env = {"PIXI_PYPI_USERNAME_CORP_ML": "alice", "PIXI_PYPI_PASSWORD_CORP_ML": "s3cr3t-pw"}
    sol = solve([("app",)], [PyPIIndex(url=private.url + "/simple", name="corp-ml")], env=env)
    assert versions(sol) == {"app": "1.0", "dep": "1.5"}
    no_secret(sol)


def test_auth_netrc(solve, private, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password s3cr3t-pw\n")
    netrc.chmod(0o600)
    sol = solve([("app",)], [private.url + "/simple"], env={"NETRC": str(netrc)})
    assert versions(sol) == {"app": "1.0", "dep": "1.5"}
    no_secret(sol)


def test_wrong_credentials_error_names_index_without_secret(solve, private):
    host = private.url.split("//")[1]
    with pytest.raises(NetworkError) as err:
        solve([("app",)], [PyPIIndex(url=f"http://alice:wrong-pw@{host}/simple", name="corp")])
    text = str(err.value)
    assert "401" in text and "corp" in text and private.url in text
    assert "wrong-pw" not in text and "alice" not in text


def test_unreachable_index_error_names_url(solve, tmp_path):
    from solver.http import HttpClient

    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    http = HttpClient(None, retries=0, timeout=2)
    with pytest.raises(NetworkError) as err:
        solve([("app",)], [f"http://bob:hunter2@127.0.0.1:{port}/simple"], http=http)
    assert f"127.0.0.1:{port}/simple" in str(err.value) and "hunter2" not in str(err.value)


def test_credential_provider_order(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine idx.example.invalid login n password np\n")
    creds = CredentialProvider([("https://u:p@other.example.invalid/simple", None),
                                ("https://idx.example.invalid/simple", "team")],
                               env={"PIXI_PYPI_USERNAME_TEAM": "e", "PIXI_PYPI_PASSWORD_TEAM": "ep"},
                               netrc_path=netrc, use_keyring=False)
    assert creds("https://other.example.invalid/files/x.whl") == ("u", "p")  # URL creds, same host
    assert creds("https://idx.example.invalid/simple/pkg/") == ("e", "ep")  # env beats netrc
    assert creds("https://unknown.example.invalid/") is None
    only_netrc = CredentialProvider([("https://idx.example.invalid/simple", None)], env={}, netrc_path=netrc,
                                    use_keyring=False)
    assert only_netrc("https://idx.example.invalid/simple/pkg/") == ("n", "np")


def test_default_index_from_environment_and_pip_conf(solve, tmp_path, serve_index):
    build_index(tmp_path / "i", DISTS)
    srv = serve_index(tmp_path / "i")
    url = srv.url + "/simple"
    assert versions(solve([("app",)], [], env={"PIP_INDEX_URL": url}))["app"] == "1.0"
    assert versions(solve([("app",)], [], env={"UV_DEFAULT_INDEX": url}))["app"] == "1.0"
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {url}\n")
    sol = solve([("app",)], [], env={"PIP_CONFIG_FILE": str(conf)})
    assert sol.packages[0].index == url
    with pytest.raises(InputError) as err:
        solve([("app",)], [])
    assert "no PyPI index configured" in str(err.value) and "index-url" in str(err.value)
    assert isinstance(err.value, SolverError)


def test_auth_keyring_when_installed(solve, private, monkeypatch):
    import types

    asked = []

    def get_credential(service, username):
        asked.append(service)
        if service.startswith(private.url):
            return types.SimpleNamespace(username="alice", password="s3cr3t-pw")
        return None

    monkeypatch.setitem(__import__("sys").modules, "keyring", types.SimpleNamespace(get_credential=get_credential))
    sol = solve([("app",)], [PyPIIndex(url=private.url + "/simple", name="corp")])
    assert versions(sol) == {"app": "1.0", "dep": "1.5"}
    assert asked and asked[0] == private.url + "/simple"
    no_secret(sol)


def test_range_requests_when_the_central_directory_is_far_from_the_end(solve, tmp_path, serve_index):
    # thousands of files: the central directory (~300 KB) starts well before the 64 KiB tail
    big = [Dist(name="big", version="1.0", requires=["dep"], padding=200_000, modules=3000),
           Dist(name="dep", version="1.5")]
    build_index(tmp_path / "i", big, pep658=False)
    wheel = next((tmp_path / "i" / "files").glob("big-1.0-*.whl"))
    srv = serve_index(tmp_path / "i")
    assert versions(solve([("big",)], [srv.url + "/simple"])) == {"big": "1.0", "dep": "1.5"}
    big_gets = [r for p, r in file_gets(srv) if "big-1.0" in p]
    assert big_gets and all(r is not None for r in big_gets)  # never the whole wheel
    size = wheel.stat().st_size
    fetched = 0
    for r in big_gets:
        first, _, last = r[len("bytes="):].partition("-")
        fetched += int(last) if first == "" else min(int(last), size - 1) - int(first) + 1
    assert fetched < size * 0.8  # the tail, the rest of the directory, METADATA: not the 200 KB blob
