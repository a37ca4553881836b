"""METADATA read from a remote wheel's zip by ranges: the right member among thousands of others,
decoys included, whatever the tail holds."""

import io
import random
import zipfile

import pytest

from solver.http.model import Response
from solver.pypi.metadata import MetadataError, metadata_from_wheel_range


class RangeServer:
    """``get_range`` over bytes in memory, as an HTTP server honouring ranges answers (206)."""

    def __init__(self, data: bytes):
        self.data = data
        self.served = 0
        self.requests = 0

    def get_range(self, url, start, end=None):
        n = len(self.data)
        first = n + start if start < 0 else start
        last = n - 1 if start < 0 or end is None else min(end, n - 1)
        chunk = self.data[max(first, 0):last + 1]
        self.served += len(chunk)
        self.requests += 1
        return Response(206, {"content-range": f"bytes {max(first, 0)}-{last}/{n}"}, chunk, url)


def wheel(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def metadata(name: str, version: str, *requires: str) -> bytes:
    return "".join([f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                    *(f"Requires-Dist: {r}\n" for r in requires), "\nlong description\n"]).encode()


MODULES = [(f"demo/m{i}.py", b"x = %d\n" % i) for i in range(3000)]
BLOB = [("demo/blob.bin", random.Random(0).randbytes(200_000))]  # incompressible: the wheel outgrows one tail
CASES = {
    "among thousands of modules": MODULES + [("demo-1.0.dist-info/METADATA", metadata("demo", "1.0", "dep>=2"))],
    "metadata first, directory far from the end": [("demo-1.0.dist-info/METADATA", metadata("demo", "1.0", "dep>=2"))]
                                                  + MODULES,
    "decoys: nested, vendored, another dist-info": [
        ("demo/_vendor/lib-2.0.dist-info/METADATA", metadata("lib", "2.0")),
        ("other-9.0.dist-info/METADATA", metadata("other", "9.0")),
        ("demo-1.0.dist-info/METADATA", metadata("demo", "1.0", "dep>=2")),
        ("demo-1.0.dist-info/METADATA.bak", b"not this"),
    ] + MODULES[:50] + BLOB,
    "names that are not UTF-8": [("demo/cafX.py", b""), ("demo-1.0.dist-info/METADATA", metadata("demo", "1.0", "dep>=2"))]
                                + BLOB,
}


@pytest.mark.parametrize("members", CASES.values(), ids=CASES.keys())
def test_the_wheels_own_metadata_member_is_read(members):
    server = RangeServer(wheel(members).replace(b"demo/cafX.py", b"demo/caf\xe9.py"))
    meta = metadata_from_wheel_range(server, "https://files.example.invalid/demo-1.0-py3-none-any.whl",
                                     "demo-1.0-py3-none-any.whl")
    assert (meta.name, meta.version, meta.requires_dist) == ("demo", "1.0", ["dep>=2"])
    assert server.served < len(server.data)  # never the whole wheel


def test_a_wheel_without_a_top_level_metadata_member_is_named():
    server = RangeServer(wheel([("demo/_vendor/lib-2.0.dist-info/METADATA", metadata("lib", "2.0"))] + MODULES[:10]))
    with pytest.raises(MetadataError, match="demo-1.0-py3-none-any.whl has no .dist-info/METADATA"):
        metadata_from_wheel_range(server, "https://files.example.invalid/demo-1.0-py3-none-any.whl",
                                  "demo-1.0-py3-none-any.whl")


def big_wheel() -> bytes:
    """3 MB, its metadata written last (as wheel builders do), its directory past 64 KiB."""
    return wheel([("demo/blob.bin", random.Random(1).randbytes(3_000_000))] + MODULES
                 + [("demo-1.0.dist-info/METADATA", metadata("demo", "1.0", "dep>=2"))])


def test_a_big_wheel_of_known_size_is_read_in_one_request():
    data = big_wheel()
    server = RangeServer(data)
    meta = metadata_from_wheel_range(server, "https://files.example.invalid/demo-1.0-py3-none-any.whl",
                                     "demo-1.0-py3-none-any.whl", size=len(data))
    assert (meta.name, meta.requires_dist) == ("demo", ["dep>=2"])
    assert server.requests == 1 and server.served <= 256 * 1024


def test_a_wheel_of_unknown_size_starts_from_a_short_tail():
    data = big_wheel()
    server = RangeServer(data)
    meta = metadata_from_wheel_range(server, "https://files.example.invalid/demo-1.0-py3-none-any.whl",
                                     "demo-1.0-py3-none-any.whl")
    assert meta.requires_dist == ["dep>=2"]
    assert server.requests > 1 and server.served < 256 * 1024
