"""Cutting a Meitrack stream into frames.

``$$<flag><length>,<IMEI>,...*hh\\r\\n``: the decimal length counts the bytes
from the first comma through the final CR LF, so a frame is (offset of the
first comma) + length bytes. Binary bodies (CCC, CCE, D00) may hold any byte,
so only the length cuts frames.

Resync policy: bytes before a ``$$`` and headers whose length is not a
decimal number or is larger than ``max_frame`` are skipped up to the next
``$$`` with a non-fatal ``MalformedError``; the stream is never closed by the
framer.
"""

from __future__ import annotations

from .._errors import MalformedError
from .constants import DEVICE_MARK, MAX_FRAME, MIN_HEADER

__all__ = ["MeitrackFramer", "parse_length"]

_DIGITS = frozenset(b"0123456789")
_MAX_DIGITS = 6


def parse_length(frame: bytes | bytearray) -> tuple[int, int] | None:
    """(index of the first comma, declared length), or None if the header is bad."""
    comma = frame.find(b",", 3, 3 + _MAX_DIGITS + 1)
    if comma < 4 or not _DIGITS.issuperset(frame[3:comma]):
        return None
    return comma, int(frame[3:comma])


class MeitrackFramer:
    __slots__ = ("max_frame",)

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame

    def next_frame(self, buffer: bytearray) -> bytes | None:
        if not buffer:
            return None
        start = buffer.find(DEVICE_MARK)
        if start != 0:
            _resync(buffer, start)
            return None
        if len(buffer) < MIN_HEADER:
            return None
        header = parse_length(buffer)
        if header is None or header[0] + header[1] > self.max_frame:
            _resync(buffer, buffer.find(DEVICE_MARK, 2))
            return None
        size = header[0] + header[1]
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame


def _resync(buffer: bytearray, start: int) -> None:
    """Drop garbage up to ``start`` (no marker: all but a possible first ``$``).

    Raises a non-fatal ``MalformedError`` when bytes were dropped.
    """
    if start < 0:
        start = len(buffer) - (1 if buffer.endswith(b"$") else 0)
    if start == 0:
        return
    prefix = bytes(buffer[:32])
    del buffer[:start]
    raise MalformedError(f"meitrack: {start} bytes skipped before a frame", data=prefix)
