"""Cutting a Xexun byte stream into reports.

``XexunFramer`` (default, Traccar's frame decoder): a report is the bytes
from the ``G`` of ``GPRMC``/``GNRMC`` through ``imei:<digits>`` and the comma
after them (when the IMEI is followed by something else, the frame ends with
the digits). What precedes the marker (serial, phone, the previous report's
tail) is discarded. If no ``imei:<digits>`` follows a marker within
``max_frame`` bytes, that marker is dropped with a non-fatal
``MalformedError`` and the search goes on: the stream is never closed.

``XexunLineFramer`` (``extra["extended"]``): one report per LF-terminated
line (devices end lines with LF CR; the CR lands at the start of the next
line and is stripped), max 1024 bytes, as ``LineFramer`` does.
"""

from __future__ import annotations

from .._errors import MalformedError
from .._framing import LineFramer
from .constants import IMEI_MARKER, MAX_FRAME, RMC_MARKERS

__all__ = ["XexunFramer", "XexunLineFramer"]

_DIGITS = b"0123456789"
_KEEP = len(RMC_MARKERS[0]) - 1  # bytes that may be the start of a split marker


def _find_marker(buffer: bytearray, start: int = 0, end: int | None = None) -> int:
    stop = len(buffer) if end is None else end
    found = [i for i in (buffer.find(m, start, stop) for m in RMC_MARKERS) if i >= 0]
    return min(found) if found else -1


def _imei_end(buffer: bytearray, start: int) -> int | None:
    """End (exclusive) of the frame whose ``imei:`` starts at ``start``; None: need more."""
    i = start + len(IMEI_MARKER)
    n = len(buffer)
    while i < n and buffer[i] == 0x20:
        i += 1
    first = i
    while i < n and buffer[i] in _DIGITS:
        i += 1
    if i >= n:
        return None
    if i == first:  # "imei:" without digits: not an end, keep looking
        return -1
    return i + 1 if buffer[i] == 0x2C else i


class XexunFramer:
    """``GPRMC`` ... ``imei:<digits>,`` frames out of an unterminated stream."""

    __slots__ = ("max_frame",)

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while True:
            start = _find_marker(buffer)
            if start < 0:
                if len(buffer) > _KEEP:
                    del buffer[: len(buffer) - _KEEP]
                return None
            if start:
                del buffer[:start]
            end = self._end(buffer)
            if end is not None:
                again = _find_marker(buffer, 1, end)
                if again > 0:  # a report without an IMEI: drop it, as its RMC is unowned
                    del buffer[:again]
                    continue
                frame = bytes(buffer[:end])
                del buffer[:end]
                return frame
            if len(buffer) <= self.max_frame:
                return None
            prefix = bytes(buffer[:32])
            del buffer[:1]  # drop this marker; the next search resyncs
            raise MalformedError(f"xexun: no imei within {self.max_frame} bytes of GPRMC",
                                 data=prefix)

    def _end(self, buffer: bytearray) -> int | None:
        search = 0
        limit = min(len(buffer), self.max_frame + 1)
        while True:
            at = buffer.find(IMEI_MARKER, search, limit)
            if at < 0:
                return None
            end = _imei_end(buffer, at)
            if end is None:
                return None
            if end >= 0:
                return end if end <= self.max_frame else None
            search = at + 1


class XexunLineFramer(LineFramer):
    __slots__ = ()

    def __init__(self, max_line: int = MAX_FRAME) -> None:
        super().__init__(max_line, name="xexun")
