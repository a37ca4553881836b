"""The PyPI stage's own caches do not grow for good: a project page is parsed and stored anew each
time it changes (keyed by its bytes), and metadata is stored per file; once a day, the entries no
run used for 30 days are removed, while those a run reads stay."""

from __future__ import annotations

import os
import time

from support.pypi_index import Dist, IndexHandler, build_index

from .conftest import versions

DAY = 86400


def test_page_and_metadata_entries_nobody_reads_any_more_are_swept(solve, tmp_path, serve_index):
    dists = [Dist(name="app", version="1.0", requires=["dep"]), Dist(name="dep", version="1.5")]
    build_index(tmp_path / "i", dists)
    srv = serve_index(tmp_path / "i", type("Revalidated", (IndexHandler,), {"page_max_age": None}))
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "1.0", "dep": "1.5"}
    cache = tmp_path / "cache"
    pages, metadata = cache / "pypi-pages", cache / "pypi-metadata"
    before = {p for folder in (pages, metadata) for p in folder.glob("*/*.json")}
    assert len(before) == 4  # two pages, two metadata files
    month_ago = time.time() - 40 * DAY
    for path in [*before, pages / ".last-sweep", metadata / ".last-sweep"]:
        if path.exists():
            os.utime(path, (month_ago, month_ago))
    # app 2.0 is published: app's page changes; dep's does not
    build_index(tmp_path / "i", [Dist(name="app", version="2.0", requires=["dep"]), *dists])
    assert versions(solve([("app",)], [srv.url + "/simple"])) == {"app": "2.0", "dep": "1.5"}
    after = {p for folder in (pages, metadata) for p in folder.glob("*/*.json")}
    assert len(list(pages.glob("*/*.json"))) == 2  # app's new page and dep's page (read this run)
    assert len(list(metadata.glob("*/*.json"))) == 2  # app 2.0 and dep 1.5 (app 1.0 was not read)
    assert len(before - after) == 2  # app's old page and app 1.0's metadata
