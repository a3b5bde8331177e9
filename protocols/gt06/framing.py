"""Cutting GT06 frames off a TCP stream.

``78 78 LL <LL bytes> 0D 0A`` or ``79 79 LLLL <LLLL bytes> 0D 0A``. The length
is trusted first; when the computed end is not ``0D 0A`` (devices that send
the variable-length Wi-Fi/LBS messages 0x69/0x17 with a length of 0, clones
that miscount) the frame is cut at the first ``0D 0A`` after the header.

Resync: bytes before a start marker are skipped silently (counted in
``skipped``); a header announcing more than ``max_frame_size`` bytes is
skipped the same way. The connection's buffer bound does the rest.
"""

from __future__ import annotations

__all__ = ["Gt06Framer", "frame_geometry"]

_MIN = 5  # 78 78 LL .. 0D 0A: the least a frame can be (78 78 00 0D 0A would be 5)


def frame_geometry(frame: bytes) -> tuple[int, int]:
    """(header length, total length the header announces) of a frame starting with a marker."""
    if frame[0] == 0x79:
        return 4, 6 + ((frame[2] << 8) | frame[3])
    return 3, 5 + frame[2]


class Gt06Framer:
    """``next_frame(buffer)``: remove and return one complete frame, or None."""

    __slots__ = ("max_frame_size", "skipped")

    def __init__(self, max_frame_size: int = 32 * 1024) -> None:
        self.max_frame_size = max_frame_size
        #: garbage bytes dropped while resynchronising (for metrics)
        self.skipped = 0

    def _resync(self, buffer: bytearray, start: int) -> bool:
        """Drop bytes up to the next start marker at or after ``start``; False if none yet."""
        i78 = buffer.find(b"\x78\x78", start)
        i79 = buffer.find(b"\x79\x79", start)
        candidates = [i for i in (i78, i79) if i >= 0]
        if not candidates:
            # keep a last byte that may begin a marker
            keep = 1 if buffer and buffer[-1] in (0x78, 0x79) else 0
            drop = len(buffer) - keep
            self.skipped += drop
            del buffer[:drop]
            return False
        cut = min(candidates)
        self.skipped += cut
        del buffer[:cut]
        return True

    def next_frame(self, buffer: bytearray) -> bytes | None:
        # fast path: a whole 78 78 frame whose length and 0D 0A agree (the usual case)
        n = len(buffer)
        if n >= _MIN and buffer[0] == 0x78 and buffer[1] == 0x78:
            total = buffer[2] + 5
            if (n >= total and buffer[total - 1] == 0x0A and buffer[total - 2] == 0x0D
                    and total <= self.max_frame_size):
                frame = bytes(buffer[:total])
                del buffer[:total]
                return frame
        elif not n:
            return None
        return self._next_frame(buffer)

    def _next_frame(self, buffer: bytearray) -> bytes | None:
        while True:
            if len(buffer) < 2:
                if buffer and buffer[0] not in (0x78, 0x79):
                    self.skipped += 1
                    buffer.clear()
                return None
            if not (buffer[0] == buffer[1] and buffer[0] in (0x78, 0x79)):
                if not self._resync(buffer, 1):
                    return None
                continue
            if len(buffer) < _MIN:
                return None
            header, total = frame_geometry(buffer)
            if total > self.max_frame_size:
                if not self._resync(buffer, 2):
                    return None
                continue
            if len(buffer) >= total and buffer[total - 2] == 0x0D and buffer[total - 1] == 0x0A:
                frame = bytes(buffer[:total])
                del buffer[:total]
                return frame
            if len(buffer) < total and total > header + 2:
                return None  # the announced frame is still arriving
            end = buffer.find(b"\x0d\x0a", header)
            if end < 0:
                return None
            frame = bytes(buffer[: end + 2])
            del buffer[: end + 2]
            return frame
