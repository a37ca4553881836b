"""The lock file format: what we write loads in rattler and in our reader, byte-stable round trips,
older versions (4 to 6) read, credentials never written, atomic writes."""

from __future__ import annotations

import hashlib
import os
import random

import pytest

from solver.conda.model import PackageRecord
from solver.lock import LockedEnvironment, LockFile, LockFileError, dumps_lock, parse_lock, read_lock, write_lock
from solver.lock.model import LockedPlatform, SolveOptions
from solver.pypi.model import PyPIPackage

C = "https://conda.example.invalid/demo"


def rec(name, version, build, subdir="linux-64", **kw) -> PackageRecord:
    fn = kw.pop("fn", f"{name}-{version}-{build}.conda")
    base = kw.pop("base", C)
    digits = build.rsplit("_", 1)[-1]
    kw.setdefault("build_number", int(digits) if digits.isdigit() else 0)
    return PackageRecord(
        name=name, version=version, build=build, subdir=subdir, fn=fn, channel=base, url=f"{base}/{subdir}/{fn}", **kw
    )


def sample_lock() -> LockFile:
    python = rec(
        "python", "3.12.1", "h1234_0_cpython",
        depends=["libzlib >=1.2", "openssl >=3,<4.0a0"], constrains=["python_abi 3.12.* *_cp312"],
        sha256=hashlib.sha256(b"python").hexdigest(), md5=hashlib.md5(b"python").hexdigest(),
        size=31_000_000, timestamp=1_700_000_000_123, license="PSF-2.0", license_family="PSF",
    )
    libzlib = rec("libzlib", "1.3", "h0_2", license="Zlib", size=60000)
    openssl = rec("openssl", "3.0", "0", subdir="linux-64", build_number=0, track_features="a b")
    pip = rec("pip", "24.0", "pyhd8ed1ab_0", subdir="noarch", noarch="python", depends=["python >=3.8"],
              purls=["pkg:pypi/pip"], python_site_packages_path=None)
    odd = rec("odd", "1.0", "1", fn="renamed-2.0-3.tar.bz2", build_number=7, features="blas", license="no")
    generic = rec("data", "1", "0", subdir="noarch", noarch=None)
    win_python = rec("python", "3.12.1", "h9_0_cpython", subdir="win-64")
    filechan = rec("localpkg", "0.1", "h0_0", subdir="win-64", base="file:///tmp/some%20channel")
    requests = PyPIPackage(
        name="Requests", version="2.31.0", url="https://pypi.example.invalid/files/requests-2.31.0-py3-none-any.whl",
        hashes={"sha256": "ab" * 32}, requires_dist=["idna>=2.5,<4", "PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'"],
        requires_python=">=3.7",
    )
    local = PyPIPackage(name="mylib", version="0.1.0", path="./src/mylib", editable=True)
    default = LockedEnvironment(
        name="default",
        channels=[f"{C}/"],
        indexes=["https://pypi.example.invalid/simple"],
        options=SolveOptions(pypi_prerelease_mode="if-necessary-or-explicit"),
        conda={"linux-64": [python, libzlib, openssl, pip, odd, generic], "win-64": [win_python, pip, filechan]},
        pypi={"linux-64": [requests, local]},
    )
    test = LockedEnvironment(
        name="test", channels=[f"{C}/"], options=SolveOptions(strategy="lowest-version", channel_priority="disabled", exclude_newer="2024-01-02T03:04:05Z"),
        conda={"linux-64": [python, libzlib, openssl]},
    )
    return LockFile(
        platforms=[LockedPlatform(name="linux-64", virtual_packages=["__unix=0=0", "__glibc=2.28"]), LockedPlatform(name="win-64")],
        environments={"test": test, "default": default},
    )


@pytest.mark.parametrize("version", [6, 7])
def test_round_trip_is_byte_identical(version):
    text = dumps_lock(sample_lock(), version)
    lock = parse_lock(text)
    assert lock.version == version
    assert dumps_lock(lock) == text


def test_round_trip_keeps_every_field():
    original = sample_lock()
    back = parse_lock(dumps_lock(original))
    for name, env in original.environments.items():
        got = back.environments[name]
        assert got.channels == env.channels and got.indexes == env.indexes and got.options == env.options
        for platform, records in env.conda.items():
            want = sorted(records, key=lambda r: r.url)
            have = sorted(got.conda[platform], key=lambda r: r.url)
            for w, h in zip(want, have, strict=True):
                # the channel is derived from the url on read; everything else must survive
                assert msgspec_replace(h, channel=w.channel) == w
    requests = [p for p in back.environments["default"].pypi["linux-64"] if p.name == "requests"][0]
    assert requests.hashes == {"sha256": "ab" * 32}
    assert requests.requires_python == ">=3.7"


def msgspec_replace(struct, **changes):
    import msgspec

    return msgspec.structs.replace(struct, **changes)


def test_same_lock_same_bytes_whatever_the_input_order():
    lock = sample_lock()
    text = dumps_lock(lock)
    shuffled = sample_lock()
    rng = random.Random(4)
    for env in shuffled.environments.values():
        for records in env.conda.values():
            rng.shuffle(records)
        for pkgs in env.pypi.values():
            rng.shuffle(pkgs)
    shuffled.environments = dict(reversed(list(shuffled.environments.items())))
    assert dumps_lock(shuffled) == text


def test_v7_layout_and_quoting():
    text = dumps_lock(sample_lock(), 7)
    lines = text.splitlines()
    assert lines[0] == "version: 7"
    assert lines[1] == "platforms:"
    assert "- name: linux-64" in lines and "  - __glibc=2.28" in lines
    # environments sorted by name, default's options and indexes present
    assert text.index("  default:\n") < text.index("  test:\n")
    assert "    indexes:\n    - https://pypi.example.invalid/simple\n" in text
    assert "      pypi-prerelease-mode: if-necessary-or-explicit\n" in text
    assert "      strategy: lowest-version\n      channel-priority: disabled\n      exclude-newer: 2024-01-02T03:04:05Z\n" in text
    # name/version/build left out when the file name says them; written when it does not
    assert "- conda: https://conda.example.invalid/demo/linux-64/renamed-2.0-3.tar.bz2\n  name: odd\n  version: '1.0'\n  build: '1'\n  build_number: 7\n" in text
    # strings that YAML would read as something else are quoted
    assert "  license: 'no'\n" in text
    assert "  requires_python: '>=3.7'\n" in text
    # a noarch package whose build says nothing about python, and noarch: generic
    assert "noarch/data-1-0.conda\n" in text
    # the editable flag is a v6 field
    assert "editable" not in text
    assert "  editable: true\n" in dumps_lock(sample_lock(), 6)
    # readers derive nothing from the folders of a file:// location: subdir and channel are written
    assert "- conda: file:///tmp/some%20channel/win-64/localpkg-0.1-h0_0.conda\n  subdir: win-64\n" in text
    assert "  channel: file:///tmp/some%20channel\n" in text


@pytest.mark.oracle
def test_loads_in_rattler(tmp_path):
    rattler = pytest.importorskip("rattler")
    path = write_lock(sample_lock(), tmp_path / "pixi.lock")
    lock = rattler.LockFile.from_path(path)
    env = lock.environment("default")
    assert env is not None
    names = {}
    for platform, packages in env.packages_by_platform().items():
        names[str(platform)] = sorted(p.name for p in packages)
    assert names["linux-64"] == sorted(["python", "libzlib", "openssl", "pip", "odd", "data", "requests", "mylib"])
    records = {r.name.normalized: r for r in env.conda_repodata_records()["linux-64"]}
    assert str(records["odd"].version) == "1.0" and records["odd"].build_number == 7
    assert records["python"].sha256.hex() == hashlib.sha256(b"python").hexdigest()
    assert str(records["pip"].noarch) in ("python", "NoArchType.python", "NoArchType(\"python\")") or records["pip"].noarch.python


@pytest.mark.oracle
def test_reads_what_rattler_writes_byte_for_byte(tmp_path):
    rattler = pytest.importorskip("rattler")
    from rattler import LockChannel, LockFile as RLockFile, LockPlatform, PackageRecord as RRecord, RepoDataRecord
    from rattler.package.build_string import BuildString
    from rattler.package.no_arch_type import NoArchType

    platforms = [LockPlatform("linux-64"), LockPlatform("osx-arm64", virtual_packages=["__osx=11.0"])]
    rl = RLockFile(platforms)
    def r(name, version, build, bn, subdir, fn=None, **kw):
        fn = fn or f"{name}-{version}-{build}.conda"
        return RepoDataRecord(RRecord(name, version, BuildString(build), bn, subdir, **kw), fn, f"{C}/{subdir}/{fn}", f"{C}/")
    rl.add_conda_package("default", platforms[0], r("zlib", "1.3", "h0_1", 1, "linux-64", sha256=b"\x01" * 32, md5=b"\x02" * 16,
                                                   depends=["libgcc >=13"], size=10, license="Zlib"))
    rl.add_conda_package("default", platforms[0], r("pip", "24.0", "pyh_0", 0, "noarch", noarch=NoArchType("python")))
    rl.add_conda_package("default", platforms[0], r("weird", "1.0", "0", 0, "linux-64", fn="other-2.0-1.tar.bz2"))
    rl.add_conda_package("b", platforms[1], r("tool", "2", "0", 0, "noarch"))
    rl.add_pypi_package("default", platforms[0], "Zed", "1.0.0", "https://pypi.example.invalid/zed-1.0.0-py3-none-any.whl")
    rl.add_pypi_package("default", platforms[0], "local", "0.1.0", "../x/local")
    rl.set_channels("default", [LockChannel(f"{C}/")])
    path = tmp_path / "rattler.lock"
    rl.to_path(str(path))
    text = path.read_text()
    assert dumps_lock(read_lock(path)) == text


V4 = """\
version: 4
environments:
  default:
    channels:
    - url: https://conda.example.invalid/demo/
    indexes:
    - https://pypi.example.invalid/simple
    packages:
      linux-64:
      - conda: https://conda.example.invalid/demo/linux-64/python-3.11.0-h1_0.conda
      - pypi: https://pypi.example.invalid/files/my_private_package-2.1.0-py3-none-any.whl
packages:
- kind: conda
  name: python
  version: 3.11.0
  build: h1_0
  build_number: 0
  subdir: linux-64
  url: https://conda.example.invalid/demo/linux-64/python-3.11.0-h1_0.conda
  sha256: 0000000000000000000000000000000000000000000000000000000000000000
  md5: 00000000000000000000000000000000
  depends:
  - libzlib >=1.2
  size: 100
  timestamp: 1700000000000
- kind: pypi
  name: my-private-package
  version: 2.1.0
  url: https://pypi.example.invalid/files/my_private_package-2.1.0-py3-none-any.whl
  sha256: 1111111111111111111111111111111111111111111111111111111111111111
  requires_dist:
  - requests >=2
  requires_python: '>=3.8'
"""

V5_NOARCH = """\
version: 5
environments:
  default:
    channels:
    - url: https://conda.example.invalid/demo/
    packages:
      osx-arm64:
      - conda: https://conda.example.invalid/demo/noarch/six-1.16.0-pyh_0.tar.bz2
packages:
- kind: conda
  name: six
  version: 1.16.0
  build: pyh_0
  subdir: noarch
  noarch: python
  url: https://conda.example.invalid/demo/noarch/six-1.16.0-pyh_0.tar.bz2
  license: MIT
"""

V6 = """\
version: 6
environments:
  default:
    channels:
    - url: https://conda.example.invalid/demo/
    indexes:
    - https://pypi.example.invalid/simple
    options:
      pypi-prerelease-mode: if-necessary-or-explicit
    packages:
      win-64:
      - conda: https://conda.example.invalid/demo/win-64/vc-14.3-h2_26.conda
      - pypi: ./local/pkg
packages:
- pypi: ./local/pkg
  name: pkg
  version: 0.1.0
  editable: true
- conda: https://conda.example.invalid/demo/win-64/vc-14.3-h2_26.conda
  sha256: 2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a
  track_features:
  - vc14
  license: BSD-3-Clause
"""


def test_reads_v4():
    lock = parse_lock(V4)
    env = lock.environments["default"]
    (python,) = env.conda["linux-64"]
    assert (python.name, python.version, python.build, python.subdir) == ("python", "3.11.0", "h1_0", "linux-64")
    assert python.depends == ["libzlib >=1.2"] and python.timestamp == 1700000000000
    assert python.channel == "https://conda.example.invalid/demo"
    (pkg,) = env.pypi["linux-64"]
    assert (pkg.name, pkg.version, pkg.requires_python) == ("my-private-package", "2.1.0", ">=3.8")
    assert pkg.hashes["sha256"] == "1" * 64
    assert env.indexes == ["https://pypi.example.invalid/simple"]


def test_reads_v5_noarch():
    (six,) = parse_lock(V5_NOARCH).environments["default"].conda["osx-arm64"]
    assert six.noarch == "python" and six.subdir == "noarch" and six.fn == "six-1.16.0-pyh_0.tar.bz2"


def test_reads_v6_derived_fields():
    lock = parse_lock(V6)
    env = lock.environments["default"]
    (vc,) = env.conda["win-64"]
    assert (vc.name, vc.version, vc.build, vc.build_number, vc.subdir) == ("vc", "14.3", "h2_26", 26, "win-64")
    assert vc.track_features == "vc14"
    (pkg,) = env.pypi["win-64"]
    assert pkg.path == "./local/pkg" and pkg.editable and pkg.url is None
    assert env.options.pypi_prerelease_mode == "if-necessary-or-explicit"


def test_v6_reads_and_rewrites_identically():
    # v6 lists packages by name (PyPI before conda for one name), selectors by file name
    assert dumps_lock(parse_lock(V6)) == V6


@pytest.mark.parametrize(
    "text, message",
    [
        ("version: 3\nenvironments: {}\npackages: []\n", "version 3 is not supported"),
        ("version: 6\nenvironments:\n  default:\n    channels: []\n    packages:\n      linux-64:\n      - conda: https://x.invalid/linux-64/a-1-0.conda\npackages: []\n", "not in the lock's package list"),
        ("[not, a, mapping]\n", "not a lock file"),
        ("version: 6\nenvironments: {}\npackages:\n- conda: https://x.invalid/nothing-here\n", None),
        ("version: 7\n  bad: [\n", "not a valid YAML"),
    ],
)
def test_bad_locks_give_clear_errors(text, message):
    if message is None:  # an unreferenced entry is fine: it is simply not locked anywhere
        assert parse_lock(text).environments == {}
        return
    with pytest.raises(LockFileError, match=message):
        parse_lock(text, "some/pixi.lock")


def test_credentials_are_never_written(tmp_path):
    secret_record = rec("python", "3.12.1", "h1_0", base="https://user:s3cret@conda.example.invalid/private")
    pkg = PyPIPackage(name="x", version="1", url="https://tok:en@pypi.example.invalid/x-1-py3-none-any.whl")
    lock = LockFile(environments={"default": LockedEnvironment(
        name="default", channels=["https://user:s3cret@conda.example.invalid/private/"],
        indexes=["https://tok:en@pypi.example.invalid/simple"], find_links=["https://a:b@links.example.invalid/"],
        conda={"linux-64": [secret_record]}, pypi={"linux-64": [pkg]},
    )})
    text = write_lock(lock, tmp_path / "pixi.lock").read_text()
    assert "s3cret" not in text and "tok:en" not in text and "a:b@" not in text and "@" not in text
    assert "https://conda.example.invalid/private/linux-64/python-3.12.1-h1_0.conda" in text


def test_conda_token_urls_are_never_written(tmp_path):
    token_base = "https://conda.example.invalid/t/tk-0123456789abcdef/private"
    lock = LockFile(environments={"default": LockedEnvironment(
        name="default", channels=[token_base + "/"],
        conda={"linux-64": [rec("python", "3.12.1", "h1_0", base=token_base)]},
    )})
    text = write_lock(lock, tmp_path / "pixi.lock").read_text()
    assert "tk-0123456789abcdef" not in text and "/t/" not in text
    assert "https://conda.example.invalid/private/linux-64/python-3.12.1-h1_0.conda" in text


def test_write_is_atomic(tmp_path):
    path = tmp_path / "pixi.lock"
    write_lock(sample_lock(), path)
    before = path.read_bytes()
    broken = sample_lock()
    broken.environments["default"].conda["linux-64"].append(PackageRecord(name="nourl", version="1", build="0"))
    with pytest.raises(Exception):
        write_lock(broken, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["pixi.lock"]  # no temporary file left behind


@pytest.mark.oracle
@pytest.mark.parametrize("channel, subdir", [("conda-forge", "linux-64"), ("conda-forge", "win-64"), ("robostack-humble", "osx-arm64")])
def test_byte_identical_to_rattlers_writer_on_real_records(shared_conda, channel, subdir, tmp_path):
    """Every record of a real channel subdir (plus noarch) locked by rattler and by us: same bytes
    (except rattler's own artefact of writing an empty ``track_features`` string as ``['']``)."""
    rattler = pytest.importorskip("rattler")
    import json

    import msgspec

    from solver.lock.model import LockedPlatform

    url = f"https://conda.example.invalid/{channel}"
    platform = rattler.LockPlatform(subdir)
    theirs = rattler.LockFile([platform])
    ours = []
    for sd in (subdir, "noarch"):
        path = shared_conda / channel / sd / "repodata.json"
        for r in rattler.RepoData.from_path(path).into_repo_data(rattler.Channel(url)):
            theirs.add_conda_package("default", platform, r)
        raw = json.loads(path.read_bytes())
        for key in ("packages", "packages.conda"):
            for fn, data in (raw.get(key) or {}).items():
                record = msgspec.convert(data, PackageRecord, strict=False)
                ts = record.timestamp
                ours.append(msgspec.structs.replace(
                    record, fn=fn, url=f"{url}/{sd}/{fn}", channel=url,
                    timestamp=ts * 1000 if ts is not None and ts < 10**11 else ts,
                ))
    theirs.to_path(str(tmp_path / "rattler.lock"))
    expected = (tmp_path / "rattler.lock").read_text().replace("  track_features:\n  - ''\n", "")
    lock = LockFile(platforms=[LockedPlatform(name=subdir)],
                    environments={"default": LockedEnvironment(name="default", conda={subdir: ours})})
    text = dumps_lock(lock)
    assert text == expected
    assert len(ours) > 100
    assert dumps_lock(parse_lock(text)) == text  # and it reads back to the same lock


V7_NAMED_PLATFORM = """\
version: 7
platforms:
- name: gpu
  subdir: linux-64
  virtual-packages:
  - __cuda=12.0
  - __glibc=2.28
environments:
  default:
    channels:
    - url: https://conda.example.invalid/demo/
    packages:
      gpu:
      - conda: https://conda.example.invalid/demo/linux-64/torchlite-2.1-cuda120_0.conda
      - conda: https://conda.example.invalid/demo/noarch/six-1.16.0-pyh_0.conda
packages:
- conda: https://conda.example.invalid/demo/linux-64/torchlite-2.1-cuda120_0.conda
  depends:
  - __cuda >=12
  run_exports:
    weak:
    - torchlite >=2.1
- conda: https://conda.example.invalid/demo/noarch/six-1.16.0-pyh_0.conda
  run_exports: {}
"""


def test_reads_v7_named_platforms_and_run_exports():
    lock = parse_lock(V7_NAMED_PLATFORM)
    (gpu,) = lock.platforms
    assert (gpu.name, gpu.subdir, gpu.virtual_packages) == ("gpu", "linux-64", ["__cuda=12.0", "__glibc=2.28"])
    torch, six = lock.environments["default"].conda["gpu"]
    assert (torch.name, torch.subdir, torch.run_exports) == ("torchlite", "linux-64", {"weak": ["torchlite >=2.1"]})
    assert (six.noarch, six.run_exports) == ("python", {})
    assert dumps_lock(lock) == V7_NAMED_PLATFORM
