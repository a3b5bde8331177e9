"""Cutting GPS056 frames off a TCP stream.

``$$ LL <type(7) IMEI(15) body> #``: LL (two ASCII digits) counts the bytes
after itself up to, not including, the final ``#``, so a frame is LL + 5
bytes. The body may hold ``$`` and ``#`` bytes: frames are cut by length.

Resync: bytes before a ``$`` are skipped (the trailing bytes some devices send
after a frame, e.g. ``00 30``); a ``$$`` whose length digits are not digits,
announce less than a header, or whose frame does not end in ``#`` is skipped
one byte at a time. Everything skipped is counted in ``skipped``.
"""

from __future__ import annotations

from .constants import END, MIN_FRAME, START

__all__ = ["Gps056Framer"]

_DIGITS = b"0123456789"


class Gps056Framer:
    """``next_frame(buffer)``: remove and return one complete frame, or None."""

    __slots__ = ("skipped",)

    def __init__(self) -> None:
        #: garbage bytes dropped while resynchronising (for metrics)
        self.skipped = 0

    def _drop(self, buffer: bytearray, count: int) -> None:
        self.skipped += count
        del buffer[:count]

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while buffer:
            start = buffer.find(b"$")
            if start != 0:
                self._drop(buffer, len(buffer) if start < 0 else start)
                continue
            if len(buffer) < 4:
                if len(buffer) >= 2 and buffer[:2] != START:
                    self._drop(buffer, 1)
                    continue
                return None
            if buffer[:2] != START or buffer[2] not in _DIGITS or buffer[3] not in _DIGITS:
                self._drop(buffer, 1)
                continue
            total = int(buffer[2:4]) + 5
            if total < MIN_FRAME:
                self._drop(buffer, 1)
                continue
            if len(buffer) < total:
                return None
            if buffer[total - 1] != END:
                self._drop(buffer, 1)
                continue
            frame = bytes(buffer[:total])
            del buffer[:total]
            return frame
        return None
