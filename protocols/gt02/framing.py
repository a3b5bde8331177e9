"""Cutting GT02 frames off a TCP stream.

``68 68 LL <LL bytes> 0D 0A``: LL counts the bytes from the power byte to the
end of the content, so a frame is LL + 5 bytes. The length is trusted (there
is no checksum); the trailing ``0D 0A`` is not required.

Resync: bytes before a ``68 68`` marker are skipped silently and counted in
``skipped``; a length too short to hold the header is skipped the same way.
"""

from __future__ import annotations

from .constants import HEADER_SIZE, START

__all__ = ["Gt02Framer"]

_MIN_LENGTH = HEADER_SIZE - 3  # power .. protocol


class Gt02Framer:
    """``next_frame(buffer)``: remove and return one complete frame, or None."""

    __slots__ = ("skipped",)

    def __init__(self) -> None:
        #: garbage bytes dropped while resynchronising (for metrics)
        self.skipped = 0

    def _skip(self, buffer: bytearray, start: int) -> None:
        i = buffer.find(START, start)
        if i < 0:
            i = len(buffer) - 1 if buffer[-1:] == b"\x68" else len(buffer)
        self.skipped += i
        del buffer[:i]

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while True:
            if buffer[:2] != START:
                self._skip(buffer, 0)
            if len(buffer) < 3:
                return None
            length = buffer[2]
            if length < _MIN_LENGTH:
                self._skip(buffer, 1)
                continue
            total = length + 5
            if len(buffer) < total:
                return None
            frame = bytes(buffer[:total])
            del buffer[:total]
            return frame
