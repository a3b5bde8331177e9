"""Cutting a Totem byte stream into frames.

A frame starts with ``$$``; bytes before it (old devices' CR LF, noise) are
skipped. ``$$0`` starts a new-protocol frame with 4 decimal length digits,
anything else an old one with 2 hex digits; the length counts the frame from
``$$`` through its checksum. An unreadable or impossible length (< 10 or
> ``max_frame``) drops that ``$$`` with a non-fatal ``MalformedError``, and
the scan resumes: the stream is never closed by this protocol.
"""

from __future__ import annotations

from .._errors import MalformedError
from .constants import MAX_FRAME, MIN_FRAME

__all__ = ["TotemFramer", "frame_length"]

_DECIMAL = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789ABCDEFabcdef")


def frame_length(head: bytes) -> int | None:
    """The length field of a frame starting ``head`` (>= 6 bytes), or None if unreadable."""
    if head[2:3] == b"0":
        digits, allowed, base = head[2:6], _DECIMAL, 10
    else:
        digits, allowed, base = head[2:4], _HEX, 16
    if not allowed.issuperset(digits):
        return None
    return int(digits, base)


class TotemFramer:
    __slots__ = ("max_frame",)

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame

    def next_frame(self, buffer: bytearray) -> bytes | None:
        start = buffer.find(b"$$")
        if start < 0:
            del buffer[: len(buffer) - 1 if buffer.endswith(b"$") else len(buffer)]
            return None
        while buffer[start + 2:start + 3] == b"$":  # "$$$...": the frame starts later
            start += 1
        if start:
            del buffer[:start]
        if len(buffer) < 6:
            return None
        length = frame_length(bytes(buffer[:6]))
        if length is None or not MIN_FRAME <= length <= self.max_frame:
            prefix = bytes(buffer[:32])
            del buffer[:2]
            raise MalformedError(f"totem: bad length field {prefix[2:6]!r}", data=prefix)
        if len(buffer) < length:
            return None
        frame = bytes(buffer[:length])
        del buffer[:length]
        return frame
