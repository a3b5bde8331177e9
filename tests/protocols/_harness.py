"""Helpers every protocol's stream tests use (h11's test helpers, once)."""

from __future__ import annotations

from datetime import datetime

from protocols import ProtocolError

__all__ = ["chunked", "feed_garbage"]


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length + 1), in order;
    empty pieces included, as a socket may deliver them."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, last = [], 0
    for p in points + [len(data)]:
        out.append(data[last:p])
        last = p
    return out


def feed_garbage(conn, chunks: list[bytes], now: datetime, limit: int) -> None:
    """Feed random chunks: only ``ProtocolError`` may escape, and the buffer
    never holds more than ``limit`` plus the chunk just received."""
    for chunk in chunks:
        if conn.closed:
            break
        try:
            conn.feed(chunk, now)
        except ProtocolError:
            pass
        assert conn.buffered <= limit + len(chunk)
