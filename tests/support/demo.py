"""The bundled demo project (fixtures/demo) as the command-line tests serve it: a copy whose conda
channel and PyPI index come from a loopback server instead of local folders, so a solve goes
through the HTTP client and fills the cache as a real project's would."""

from __future__ import annotations

import shutil
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def served_demo(tmp_path: Path, serve_dir):
    """A copy of the demo under ``tmp_path / "demo"``, served by ``serve_dir`` (the loopback
    fixture); returns the copy's folder and the server."""
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    server = serve_dir(root)
    text = (root / "pixi.toml").read_text()
    text = text.replace('channels = ["./channels/demo"]', f'channels = ["{server.url}/channels/demo"]')
    text = text.replace('find-links = [{ path = "./wheels" }]', f'index-url = "{server.url}/index/simple"')
    (root / "pixi.toml").write_text(text)
    return root, server
