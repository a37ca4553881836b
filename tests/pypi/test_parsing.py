"""Pure parts: project pages (PEP 503/592/658/691/714), core metadata, configuration sources."""

import os

import pytest
from packaging.version import Version

from solver.errors import InputError
from solver.pypi.config import effective_sources
from solver.pypi.index import parse_html_page, parse_json_page
from solver.pypi.metadata import is_static, parse_metadata
from solver.pypi.model import PyPIIndex, PyPIRequest, PyPIRequirement

HTML = b"""<!DOCTYPE html><html><body>
<a href="../../f/demo-1.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8">demo-1.0-py3-none-any.whl</a>
<a href="https://files.example.invalid/demo-1.1.tar.gz#sha256=bb" data-yanked="bad build">demo-1.1.tar.gz</a>
<a href="../../f/demo-1.2-cp311-cp311-win_amd64.whl" data-core-metadata="sha256=cc">x</a>
<a href="../../f/demo-1.3-py3-none-any.whl" data-dist-info-metadata="true" data-yanked>y</a>
<a href="../../f/other-9.0-py3-none-any.whl">other</a>
<a href="../../f/not-a-dist.txt">junk</a>
</body></html>"""


def test_html_page():
    files = parse_html_page(HTML, "https://idx.example.invalid/simple/demo/", "https://idx.example.invalid/simple", "demo")
    by_version = {str(f.version): f for f in files}
    assert set(by_version) == {"1.0", "1.1", "1.2", "1.3"}  # other names and junk ignored
    f10 = by_version["1.0"]
    assert f10.url == "https://idx.example.invalid/f/demo-1.0-py3-none-any.whl"
    assert f10.hashes == {"sha256": "aa"} and f10.requires_python == ">=3.8" and f10.yanked is None
    assert f10.metadata is None and f10.is_wheel
    assert by_version["1.1"].yanked == "bad build" and not by_version["1.1"].is_wheel
    assert by_version["1.2"].metadata == {"sha256": "cc"}
    assert by_version["1.3"].metadata == {} and by_version["1.3"].yanked == ""


def test_json_page():
    body = b"""{"meta": {"api-version": "1.1"}, "name": "demo", "files": [
      {"filename": "demo-2.0-py3-none-any.whl", "url": "../../f/demo-2.0-py3-none-any.whl",
       "hashes": {"sha256": "dd"}, "requires-python": ">=3.9", "core-metadata": {"sha256": "ee"},
       "yanked": false, "upload-time": "2024-01-02T03:04:05.000000Z"},
      {"filename": "demo-2.1.tar.gz", "url": "https://files.example.invalid/demo-2.1.tar.gz",
       "hashes": {}, "yanked": "security", "dist-info-metadata": true}]}"""
    files = parse_json_page(body, "https://u:p@idx.example.invalid/simple/demo/", "https://idx.example.invalid/simple")
    a, b = files
    assert a.version == Version("2.0") and a.url == "https://idx.example.invalid/f/demo-2.0-py3-none-any.whl"
    assert a.metadata == {"sha256": "ee"} and a.requires_python == ">=3.9" and a.upload_time == 1704164645000
    assert b.yanked == "security" and b.metadata == {}
    assert all("u:p" not in f.url for f in files)


def test_metadata_parsing_and_static_rules():
    m = parse_metadata(b"Metadata-Version: 2.2\nName: x\nVersion: 1\nRequires-Dist: a>=1\nRequires-Dist: b; extra == 'k'\n"
                       b"Provides-Extra: k\nRequires-Python: >=3.8\n\nRequires-Dist: not-a-header\n")
    assert m.requires_dist == ["a>=1", "b; extra == 'k'"] and m.requires_python == ">=3.8"
    assert is_static(m)
    assert not is_static(parse_metadata(b"Metadata-Version: 2.1\nName: x\nVersion: 1\n"))
    assert not is_static(parse_metadata(b"Metadata-Version: 2.3\nName: x\nVersion: 1\nDynamic: Requires-Dist\n"))
    with pytest.raises(InputError, match="Name/Version"):
        parse_metadata(b"Metadata-Version: 2.1\nSummary: nothing\n", "broken.whl")


def req(**kw):
    return PyPIRequest(platform="linux-64", requirements=[PyPIRequirement(name="a")], **kw)


def test_sources_order_and_environment(tmp_path):
    r = req(indexes=[PyPIIndex(url="https://p.example.invalid/simple"),
                     PyPIIndex(url="https://e1.example.invalid/simple", priority="extra"),
                     PyPIIndex(url="https://s.example.invalid/simple", name="s", priority="supplemental"),
                     PyPIIndex(url="https://x.example.invalid/simple", name="x", priority="explicit"),
                     PyPIIndex(url="https://e2.example.invalid/simple", priority="extra")],
            find_links=["links"], project_root=str(tmp_path))
    got = [(s.url.split("//")[1].split(".")[0] if s.kind == "simple" else "flat", s.priority)
           for s in effective_sources(r, {"PIP_CONFIG_FILE": "/dev/null"})]
    assert got == [("e1", "primary"), ("e2", "primary"), ("p", "primary"), ("s", "supplemental"),
                   ("flat", "primary"), ("x", "explicit")]
    env = {"PIP_CONFIG_FILE": "/dev/null", "PIP_INDEX_URL": "https://env.example.invalid/simple",
           "PIP_EXTRA_INDEX_URL": "https://ex1.example.invalid/simple https://ex2.example.invalid/simple",
           "PIP_FIND_LINKS": str(tmp_path)}
    urls = [s.url for s in effective_sources(req(), env)]
    assert urls == ["https://ex1.example.invalid/simple", "https://ex2.example.invalid/simple",
                    "https://env.example.invalid/simple", tmp_path.as_uri()]
    # the request's index-url wins over the environment's
    urls = [s.url for s in effective_sources(req(indexes=[PyPIIndex(url="https://mine.example.invalid/simple")]),
                                             {"PIP_CONFIG_FILE": "/dev/null", "PIP_INDEX_URL": "https://env.example.invalid"})]
    assert urls == ["https://mine.example.invalid/simple"]
    # a manifest that declares any index gets no extra index or find-links of the environment
    r = req(indexes=[PyPIIndex(url="https://mine.example.invalid/simple")])
    assert [s.url for s in effective_sources(r, env)] == ["https://mine.example.invalid/simple"]
    # extra-index-urls add to the main index (pixi's default there, the configured one here)
    r = req(indexes=[PyPIIndex(url="https://mine.example.invalid/simple", priority="extra")], find_links=["/l"])
    assert [s.url for s in effective_sources(r, env)] == [
        "https://mine.example.invalid/simple", "https://env.example.invalid/simple", "file:///l"]
    # find-links alone declare no index: the environment still gives the default and extra
    # indexes, but the manifest's find-links replace the environment's
    urls = [s.url for s in effective_sources(req(find_links=["/l"]), env)]
    assert urls == ["https://ex1.example.invalid/simple", "https://ex2.example.invalid/simple",
                    "https://env.example.invalid/simple", "file:///l"]


def test_pip_conf_and_bad_options(tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://conf.example.invalid/simple\n"
                    "[install]\nextra-index-url =\n  https://more.example.invalid/simple\n")
    urls = [s.url for s in effective_sources(req(), {"PIP_CONFIG_FILE": str(conf)})]
    assert urls == ["https://more.example.invalid/simple", "https://conf.example.invalid/simple"]
    # as on this kind of machine: pip.conf adds an extra index and find-links; a manifest with
    # its own index gets none of them
    conf.write_text("[global]\nextra-index-url = file:///opt/elsewhere/simple\nfind-links = /opt/wheels\n")
    mine = req(indexes=[PyPIIndex(url="https://mine.example.invalid/simple")])
    env = {"PIP_CONFIG_FILE": str(conf), "PIP_FIND_LINKS": "/opt/wheels"}
    assert [s.url for s in effective_sources(mine, env)] == ["https://mine.example.invalid/simple"]
    with pytest.raises(InputError, match="index-strategy"):
        effective_sources(req(index_strategy="best"), {"PIP_CONFIG_FILE": "/dev/null", "PIP_INDEX_URL": "x"})
    with pytest.raises(InputError, match="priority"):
        effective_sources(req(indexes=[PyPIIndex(url="https://a.example.invalid", priority="top")]), {})


def test_html_links_resolve_against_page_and_base():
    body = (b'<a href="/abs/x-1.0.tar.gz">x</a><a href="y-2.0.tar.gz">y</a><a href="/z-2.0.tar.gz">z</a>'
            b'<a href="https://u:p@files.example.invalid/w/q-1.0.tar.gz#md5=00">q</a>')
    urls = [(f.url, f.hashes) for f in parse_html_page(body, "https://h.example.invalid/simple/x/", "i")]
    assert urls == [("https://h.example.invalid/abs/x-1.0.tar.gz", {}),
                    ("https://h.example.invalid/simple/x/y-2.0.tar.gz", {}),
                    ("https://h.example.invalid/z-2.0.tar.gz", {}),
                    ("https://files.example.invalid/w/q-1.0.tar.gz", {"md5": "00"})]
    based = parse_html_page(b'<base href="https://cdn.example.invalid/pkgs/"><a href="y-2.0.tar.gz">y</a>',
                            "https://h.example.invalid/links/index.html", "i")
    assert based[0].url == "https://cdn.example.invalid/pkgs/y-2.0.tar.gz"


def test_pip_for_build_requirements_sees_no_other_sources(tmp_path):
    from solver.pypi.config import pip_subprocess_env

    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://conf.example.invalid/simple\ncert = /etc/ca.pem\n"
                    "extra-index-url = file:///opt/elsewhere/simple\n[install]\nfind-links = /opt/wheels\n"
                    "trusted-host = conf.example.invalid\n")
    env = pip_subprocess_env({"PIP_CONFIG_FILE": str(conf), "PIP_FIND_LINKS": "/opt/wheels", "PATH": "/bin",
                              "PIP_EXTRA_INDEX_URL": "file:///x", "PIP_INDEX_URL": "file:///y", "PIP_NO_INDEX": "1",
                              "PIP_DEFAULT_TIMEOUT": "180"})
    assert env == {"PATH": "/bin", "PIP_DEFAULT_TIMEOUT": "180", "PIP_CONFIG_FILE": os.devnull,
                   "PIP_CERT": "/etc/ca.pem", "PIP_TRUSTED_HOST": "conf.example.invalid"}
