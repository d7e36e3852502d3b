"""Undoes gzip/deflate Content-Encoding a bounded piece at a time.

httpx inflates each network read whole: one 64 KiB read of a gzip bomb becomes ~64 MB
before anyone can look at it, and `Response.read()` inflates a whole body before a
caller can cap it (1 MB on the wire reached 2.1 GB). Here every piece handed out is at
most `PIECE` bytes, so a caller that stops reading (a size cap, a deadline) stops the
decompression too.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator

PIECE = 64 * 1024

__all__ = ["PIECE", "InflateError", "handles", "inflate"]


class InflateError(ValueError):
    """The body is not valid gzip/deflate data."""


def handles(content_encoding: str) -> bool:
    """True when `inflate` can decode this Content-Encoding (or there is none)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    return all(c in ("gzip", "x-gzip", "deflate", "identity") for c in codings)


def inflate(raw: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """The decoded body of `raw` (the bytes as sent), in pieces of at most PIECE."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    stream: Iterable[bytes] = raw
    # Codings are listed in the order they were applied: undo the last one first.
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            stream = _decompress(stream, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            stream = _decompress(stream, None)
    yield from _pieces(stream)


def _pieces(stream: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in stream:
        for start in range(0, len(chunk), PIECE):
            yield chunk[start : start + PIECE]


def _decompress(raw: Iterable[bytes], wbits: int | None) -> Iterator[bytes]:
    # deflate: RFC 9110 says zlib-wrapped, but some servers send raw deflate; the
    # first bytes decide (as browsers and httpx do).
    decoder = zlib.decompressobj(wbits) if wbits is not None else None
    head = b""  # deflate: the first bytes, until there are two to look at
    for data in raw:
        if decoder is None:
            head += data
            if len(head) < 2:
                continue
            data, head = head, b""
            decoder = zlib.decompressobj(
                zlib.MAX_WBITS if _looks_like_zlib(data) else -zlib.MAX_WBITS
            )
        pending = data
        # Bytes after the end of the (first) gzip member are ignored, as httpx does.
        while not decoder.eof:
            try:
                out = decoder.decompress(pending, PIECE)
            except zlib.error as exc:
                raise InflateError(str(exc)) from None
            pending = decoder.unconsumed_tail
            if out:
                yield out
            # A full piece may leave output inside zlib even with no input left.
            if not pending and len(out) < PIECE:
                break
    if decoder is None and head:
        decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = head
        yield from _pieces([_safe(decoder.decompress, pending)])
    if decoder is not None and not decoder.eof:
        try:
            rest = decoder.flush()
        except zlib.error as exc:
            raise InflateError(str(exc)) from None
        yield from _pieces([rest])


def _safe(function: Callable[[bytes], bytes], data: bytes) -> bytes:
    try:
        return function(data)
    except zlib.error as exc:
        raise InflateError(str(exc)) from None


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
