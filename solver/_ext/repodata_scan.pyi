"""Typed surface of the compiled ``solver._ext.repodata_scan`` (see ``_ext/repodata_scan.pyx``)."""

from typing import Any, Callable, Literal

from typing_extensions import Buffer

MMAP_MIN_BYTES: int
PARALLEL_MIN_PART: int
WINDOW: int

class ScanError(ValueError):
    offset: int
    def __init__(self, message: str, offset: int) -> None: ...

def select_isa(force: Literal["scalar", "portable", "avx2", "avx512"] | None = None) -> str: ...

class RepodataScanner:
    info_start: int
    info_end: int
    version_start: int
    version_end: int
    parts_joined: int
    def reserve(self, records: int) -> None: ...
    def feed(self, buf: Buffer, length: int, base: int, final: bool) -> int: ...
    def start_inside_packages(self) -> None: ...
    def at_record_boundary(self) -> bool: ...
    def absorb(self, other: RepodataScanner, buf: Buffer) -> None: ...
    def finish(self, remap: Any) -> dict[str, Any]: ...
    def sorted_names(self) -> tuple[bytes, bytes] | None: ...
    def raw_names(self) -> list[bytes]: ...
    def result(self) -> tuple[dict[str, bytes], list[bytes]]: ...

def split_points(buf: Buffer, parts: int) -> list[int]: ...
def scan_buffer(
    buf: Buffer,
    parts: int = 1,
    release: Callable[[int, int], object] | None = None,
    window: int = ...,
) -> RepodataScanner: ...
def scan_file(path: str | int, chunk_size: int | None = None, parts: int | None = None) -> RepodataScanner: ...

class RowReader:
    def __init__(
        self,
        fd: int,
        starts: Any,
        key_lens: Any,
        obj_lens: Any,
        flags: Any,
        decode: Callable[[Any], Any],
        decode_error: type[BaseException],
        channel_id: str,
        url_base: str,
        subdir: str,
    ) -> None: ...
    def rows(self, lo: int, hi: int, name: str, slow: Callable[..., Any]) -> list[Any] | None: ...
