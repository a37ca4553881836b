"""A package archive by URL that once came damaged (a CDN's copy under the origin's ETag, for as
long as its max-age) is not kept: the next run, the server healthy again, solves."""

from __future__ import annotations

import hashlib

from support.netfault import FaultServer, etagged
from solver.cli import main

from .test_archive_dependencies import project  # noqa: F401 (the fixture)


def test_an_archive_that_came_damaged_is_not_served_again_from_the_cache(project, capsys):  # noqa: F811
    archive = project.parent / "dist" / "foobar-0.1.0-pyh_0.conda"
    good = archive.read_bytes()
    digest = hashlib.sha256(good).hexdigest()
    server = FaultServer()
    try:
        cached = {"Cache-Control": "max-age=3600"}
        server.routes["/foobar-0.1.0-pyh_0.conda"] = etagged(good[:-100] + b"\0" * 100, '"origin"', cached)
        url = f"{server.url}/foobar-0.1.0-pyh_0.conda"
        manifest = project / "pixi.toml"
        manifest.write_text(manifest.read_text().replace('{ path = "../dist/foobar-0.1.0-pyh_0.conda" }',
                                                         f'{{ url = "{url}", sha256 = "{digest}" }}'))
        assert main(["solve", str(project)]) != 0
        err = capsys.readouterr().err
        assert url in err and "sha256" in err and not (project / "pixi.lock").exists()
        server.routes["/foobar-0.1.0-pyh_0.conda"] = etagged(good, '"origin"', cached)
        assert main(["solve", str(project)]) == 0
        assert f"conda: {url}" in (project / "pixi.lock").read_text()
    finally:
        server.close()
