"""Cuts Galileosky TCP frames.

- ``01|07|08`` + length (2, LE; low 15 bits) + tags + CRC (2): 5 + length bytes
- Iridium: ``01`` + length (2, BE) + ``01 00 1C`` ...: 3 + length bytes, no CRC

Resync policy: none. A first byte that is not a known header, or a frame
over the maximum size, raises ``FramingError``: the connection closes and the
terminal resends what it did not see acknowledged.
"""

from __future__ import annotations

from .._errors import FramingError
from .constants import IRIDIUM_MARK, LENGTH_MASK, MAX_FRAME_SIZE, MIN_FRAME_SIZE, Header

__all__ = ["GalileoFramer", "is_iridium"]

_HEADERS = frozenset(Header)


def is_iridium(data: bytes | bytearray) -> bool:
    return data[0] == Header.MAIN and data[3:6] == IRIDIUM_MARK


class GalileoFramer:
    __slots__ = ("max_frame_size",)

    def __init__(self, max_frame_size: int = MAX_FRAME_SIZE) -> None:
        self.max_frame_size = max_frame_size

    def next_frame(self, buffer: bytearray) -> bytes | None:
        if len(buffer) < 3:
            return None
        if buffer[0] not in _HEADERS:
            raise FramingError(f"galileo: unknown packet header {buffer[0]:#04x}", data=buffer)
        size = MIN_FRAME_SIZE + ((buffer[1] | buffer[2] << 8) & LENGTH_MASK)
        if buffer[0] == Header.MAIN:
            if len(buffer) >= 6:
                if is_iridium(buffer):
                    size = 3 + (buffer[1] << 8 | buffer[2])
            elif size > len(buffer):
                return None  # an Iridium envelope is recognised at byte 6
        if size > self.max_frame_size:
            raise FramingError(f"galileo: frame of {size} bytes over the maximum", data=buffer)
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame
