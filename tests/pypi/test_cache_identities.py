"""One cache folder (a CI runner's, or one shared by two users) and a private index that shows each
identity its own packages: each solve gets its own identity's versions, whatever an earlier solve
with other credentials (or none) left in the cache, while anonymous pages stay cached."""

from __future__ import annotations

import base64

import pytest

from solver.errors import NetworkError
from solver.pypi.model import PyPIIndex
from support.pypi_index import Dist, IndexHandler, build_index

from .conftest import versions

USERS = {"alice": "alice-pw", "bob": "bob-pw"}
# what each identity (None: anonymous) finds on the index
VERSIONS = {"alice": "2.0", "bob": "1.0", None: "0.5"}


@pytest.fixture
def index(tmp_path, serve_index):
    roots = {}
    for user, version in VERSIONS.items():
        roots[user] = tmp_path / f"index-{user or 'anonymous'}"
        build_index(roots[user], [Dist(name="tool", version=version)])

    class PerIdentity(IndexHandler):
        """The same URLs, a different index behind them for each identity."""

        def do_GET(self):
            user = None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                if USERS.get(name) != password:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                user = name
            self.directory = str(roots[user])
            return super().do_GET()

    return serve_index(tmp_path, PerIdentity)


def solve_as(solve, index, user):
    env = {"PIXI_PYPI_USERNAME_CORP": user, "PIXI_PYPI_PASSWORD_CORP": USERS[user]} if user else {}
    return versions(solve([("tool",)], [PyPIIndex(url=index.url + "/simple", name="corp")], env=env))


@pytest.mark.parametrize("order", [("alice", "bob", "alice"), ("alice", None, "alice"), (None, "bob", None)])
def test_each_identity_locks_its_own_versions_from_a_shared_cache(solve, index, order):
    for user in order:
        assert solve_as(solve, index, user) == {"tool": VERSIONS[user]}


def test_wrong_credentials_fail_even_with_a_cached_page(solve, index):
    assert solve_as(solve, index, "alice") == {"tool": "2.0"}
    env = {"PIXI_PYPI_USERNAME_CORP": "alice", "PIXI_PYPI_PASSWORD_CORP": "stolen-guess"}
    with pytest.raises(NetworkError, match="401"):
        solve([("tool",)], [PyPIIndex(url=index.url + "/simple", name="corp")], env=env)


def test_anonymous_pages_are_served_from_the_cache_without_asking(solve, index):
    assert solve_as(solve, index, None) == {"tool": "0.5"}
    index.requests.clear()
    assert solve_as(solve, index, None) == {"tool": "0.5"}
    assert not [p for _, p, _ in index.requests if p.startswith("/simple/")]
