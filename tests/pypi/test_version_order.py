"""Versions merged from a page come newest first, in PEP 440's order (epochs, pre-, post-, dev- and
local versions included)."""

import random

from packaging.version import Version

from solver.conda.model import PackageRecord
from solver.pypi.candidates import CandidatePolicy
from solver.pypi.config import IndexSource
from solver.pypi.index import DistFile
from solver.pypi.model import PyPIRequest
from solver.pypi.tags import target_from_conda

TEXTS = ["1.0", "1.0.post1", "1.0rc1", "1.0a1", "1.0.dev3", "1.0a1.dev1", "1!0.1", "0.9", "0.10", "1.0+local.2",
         "1.0+local.10", "1.0+abc", "2.0b2", "2.0b10", "2.0.post1.dev1", "1.1", "1.01.1", "10.0", "2"]


def test_versions_newest_first():
    target = target_from_conda("linux-64", [PackageRecord(name="python", version="3.12.0", build="h0_cpython")])
    policy = CandidatePolicy(PyPIRequest(platform="linux-64", requirements=[]), target)
    texts = TEXTS[:]
    random.Random(1).shuffle(texts)
    files = [DistFile(filename=f"demo-{t}.tar.gz", url=f"https://files.example.invalid/demo-{t}.tar.gz", name="demo",
                      version=Version(t), index="idx") for t in texts]
    source = IndexSource(url="https://index.example.invalid/simple", name="idx")
    rows = policy.merge_versions("demo", [(source, files)], [])
    assert [r.version for r in rows] == sorted({Version(t) for t in TEXTS}, reverse=True)
