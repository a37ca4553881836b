"""Reading a response body: decoding (gzip/deflate), what counts as complete, the cap on decoding
(a decompression bomb), and encodings we never asked for."""

from __future__ import annotations

import zlib

from .cache import Transfer

ACCEPTED_ENCODINGS = {"", "identity", "gzip", "x-gzip", "deflate"}
#: Decoded size past which a compressed (gzip/deflate) body is refused: a decompression bomb.
MAX_BODY_IN_MEMORY = 256 << 20
MAX_BODY_TO_FILE = 4 << 30
_DECODE_STEP = 1 << 20  # inflate at most this much per call, so a bomb is caught chunk by chunk


class _Decoder:
    """Undoes ``Content-Encoding: gzip/deflate`` while streaming, and knows whether the stream
    reached its end (a gzip body cut short inside an exact ``Content-Length`` is still cut short)."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
        else:
            self._z = None

    def feed(self, chunk: bytes, sink, budget: "Budget") -> None:
        if self._z is None:  # the server sends these bytes itself: only decoding is capped
            sink(chunk)
            return
        try:
            out = self._z.decompress(chunk, _DECODE_STEP)
            while True:
                budget.take(len(out))
                sink(out)
                if not self._z.unconsumed_tail:
                    break
                out = self._z.decompress(self._z.unconsumed_tail, _DECODE_STEP)
        except zlib.error as exc:
            raise Damage(f"the body is not valid {self.encoding} data ({exc})") from None
        if self._z.eof and self._z.unused_data.strip(b"\0"):
            raise Damage(f"unexpected data after the end of the {self.encoding} stream")

    def finish(self, sink, budget: "Budget") -> None:
        if self._z is None:
            return
        try:
            out = self._z.flush()
        except zlib.error as exc:
            raise Damage(f"the body is not valid {self.encoding} data ({exc})") from None
        budget.take(len(out))
        sink(out)
        if not self._z.eof:
            raise Damage(f"the {self.encoding} stream ends before its end marker (the body was cut short)")


class Budget:
    __slots__ = ("left", "limit")

    def __init__(self, limit: int):
        self.left = self.limit = limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise Damage(f"the body is larger than {self.limit >> 20} MiB once decoded (refused as a "
                          "decompression bomb)", retry=False)


class Damage(Exception):
    """Internal: a body that must not be used. ``retry``: asking again may help."""

    def __init__(self, reason: str, retry: bool = True):
        super().__init__(reason)
        self.retry = retry


def stream_body(resp, resp_headers: dict[str, str], out, limit: int, info: Transfer) -> None:
    """Streams a 200/206 body into ``out``, decoded; raises :class:`Damage` for a body that must
    not be used, and tells ``info`` whether it may be stored."""
    encoding = resp_headers.get("content-encoding", "").strip().lower()
    if encoding not in ACCEPTED_ENCODINGS:
        raise Damage(f"the server sent Content-Encoding {encoding!r}, which was not asked for "
                      "(only gzip is accepted)", retry=False)
    framed = resp.chunked or resp.length is not None or resp.status == 206
    decoder = _Decoder(encoding)
    budget = Budget(limit)
    while True:
        chunk = resp.read1(1 << 16)
        if not chunk:
            break
        decoder.feed(chunk, out.write, budget)
    if resp.length:  # read1 ends quietly when the peer closes before Content-Length
        raise Damage(f"the connection closed {resp.length} bytes before the end of the response")
    # read1 leaves a response whose Content-Length it met open; closed, its connection may carry
    # the next request (left open, http.client refuses that request with ResponseNotReady)
    resp.close()
    decoder.finish(out.write, budget)
    resp_headers.pop("content-encoding", None)
    # A close-delimited identity body cannot be told from one cut short: used, not stored.
    info.storable = framed or encoding != "identity" and encoding != ""  # a stream that reached its end
