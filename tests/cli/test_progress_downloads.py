"""``solver solve`` reports downloads: a live count on a terminal, a line per channel subdir and
index page with -v (metadata with -vv), nothing with -q, URLs never with credentials."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from solver.cli import main
from solver.commands import Progress

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
UNIT = {"index": 0, "total": 1, "unit": "default", "platform": "linux-64"}


class _Stream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def _fetch(kind, url="http://127.0.0.1:1/c/linux-64/repodata.json.zst", size=2048, cached=False):
    return {"url": url, "kind": kind, "from_cache": cached, "bytes": None if cached else size, "seconds": 0.25}


def test_terminal_line_counts_downloads():
    tty = _Stream(True)
    p = Progress(stream=tty)
    p.REDRAW_SECONDS = 0.0  # redraw on every event here (the default throttles bursts)
    p("start", UNIT)
    p("fetch", _fetch("repodata"))
    p("fetch", _fetch("page", "http://127.0.0.1:1/simple/x/", size=1024))
    assert tty.text.endswith("[0/1] solving default on linux-64 | 2 fetched, 3.0 KiB")
    assert "\n" not in tty.text  # no line of its own without -v


def test_verbose_lines_per_subdir_and_page_metadata_only_with_vv():
    plain = _Stream(False)
    p = Progress(stream=plain, verbose=1)
    p("fetch", _fetch("repodata"))
    p("fetch", _fetch("page", "http://127.0.0.1:1/simple/x/", cached=True))
    p("fetch", _fetch("metadata", "http://127.0.0.1:1/f/x-1-py3-none-any.whl.metadata"))
    assert plain.text == (
        "fetched http://127.0.0.1:1/c/linux-64/repodata.json.zst (2.0 KiB, 0.25s)\n"
        "fetched http://127.0.0.1:1/simple/x/ (up to date (cache), 0.25s)\n"
    )
    more = _Stream(False)
    p = Progress(stream=more, verbose=2)
    p("fetch", _fetch("metadata", "http://127.0.0.1:1/f/x-1-py3-none-any.whl.metadata"))
    assert "x-1-py3-none-any.whl.metadata" in more.text
    quiet = _Stream(False)
    p = Progress(stream=quiet, quiet=True, verbose=2)
    p("fetch", _fetch("repodata"))
    assert quiet.text == "" and p.fetches == 0
    silent = _Stream(False)
    p = Progress(stream=silent)
    p("fetch", _fetch("repodata"))
    p("mystery-event", {})  # events it does not know are ignored
    assert silent.text == "" and p.fetches == 1


@pytest.fixture
def served_demo(tmp_path, serve_dir, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL",
                "PIP_FIND_LINKS", "UV_FIND_LINKS", "SOLVER_CHANNEL_ALIAS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("pixi.lock", "*.py"))
    server = serve_dir(root)
    host = server.url.split("://", 1)[1]
    text = (root / "pixi.toml").read_text()
    # credentials in the URLs: the loopback server ignores them, the progress lines must not show them
    text = text.replace('channels = ["./channels/demo"]', f'channels = ["http://bob:hunter2@{host}/channels/demo"]')
    text = text.replace('find-links = [{ path = "./wheels" }]', f'index-url = "http://bob:hunter2@{host}/index/simple"')
    (root / "pixi.toml").write_text(text)
    return root, server


def test_solve_reports_channel_subdirs_and_index_pages(served_demo, capsys):
    root, server = served_demo
    assert main(["solve", str(root), "-v", "-e", "default", "-p", "linux-64"]) == 0
    err = capsys.readouterr().err
    fetched = [line for line in err.splitlines() if line.startswith("fetched ")]
    assert f"fetched {server.url}/channels/demo/linux-64/repodata.json" in err
    assert f"fetched {server.url}/channels/demo/noarch/repodata.json" in err
    assert any(f"{server.url}/index/simple/tinyreq/" in line for line in fetched)
    assert "hunter2" not in err and "bob" not in err
    assert main(["solve", str(root), "-q", "-e", "default", "-p", "linux-64", "--update"]) == 0
    assert capsys.readouterr().err == ""


class _Terminal(_Stream):
    """A stream on a real pseudo-terminal of ``columns`` columns (its fd answers TIOCGWINSZ)."""

    def __init__(self, columns: int):
        import fcntl
        import struct
        import termios

        super().__init__(True)
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))

    def fileno(self):
        return self.slave

    def close(self):
        os.close(self.master)
        os.close(self.slave)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("columns", [30, 60, 200])
def test_terminal_line_fits_the_measured_width_and_never_wraps(monkeypatch, columns):
    monkeypatch.delenv("COLUMNS", raising=False)
    tty = _Terminal(columns)
    try:
        p = Progress(stream=tty)
        p.REDRAW_SECONDS = 0.0
        for i, env in enumerate(["default", "docs-with-a-long-name", "test"]):
            p("start", {**UNIT, "index": i, "total": 3, "unit": env})
        p("fetch", _fetch("repodata"))
        drawn = [part.replace("\x1b[K", "") for part in tty.text.split("\r")]
        full = "[0/3] solving default on linux-64, docs-with-a-long-name on linux-64, test on linux-64 | 1 fetched, 2.0 KiB"
        assert all(len(line) <= columns - 1 for line in drawn)  # never the last column: no wrap
        if len(full) < columns:
            assert drawn[-1] == full
        else:
            assert drawn[-1] == full[: columns - 4] + "..."
    finally:
        tty.close()


def test_columns_variable_overrides_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "25")
    tty = _Stream(True)
    p = Progress(stream=tty)
    p("start", UNIT)
    assert tty.text == "[0/1] solving default..."  # 24 characters: the 25th column stays empty


def test_a_sharded_channel_lists_its_index_with_v_and_its_shards_with_vv(tmp_path, serve_dir, capsys, monkeypatch):
    from support.shard_channel import write_sharded_channel

    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    write_sharded_channel(DEMO / "channels" / "demo", tmp_path / "srv" / "demo", ["linux-64", "noarch"], keep_json=False)
    server = serve_dir(tmp_path / "srv")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pixi.toml").write_text(
        f'[workspace]\nname = "s"\nchannels = ["{server.url}/demo"]\nplatforms = ["linux-64"]\n\n'
        '[dependencies]\npython = ">=3.11"\n'
    )
    assert main(["solve", str(proj), "-v", "--lock-file", str(tmp_path / "v.lock")]) == 0
    err = capsys.readouterr().err
    assert f"fetched {server.url}/demo/linux-64/repodata_shards.msgpack.zst" in err
    assert "/shards/" not in err  # one line per shard only with -vv
    assert f"{server.url}/demo/linux-64/python-" in (tmp_path / "v.lock").read_text()

    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache2"))
    assert main(["solve", str(proj), "-vv", "--lock-file", str(tmp_path / "vv.lock")]) == 0
    err = capsys.readouterr().err
    assert f"fetched {server.url}/demo/linux-64/shards/" in err
