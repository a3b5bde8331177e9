"""Cuts Ruptela TCP frames: ``length (2, BE) | payload (length) | CRC (2)``.

Resync policy: none. A length that cannot hold an IMEI and a command, or a
frame over ``MAX_FRAME_SIZE`` (1024 bytes, Traccar's limit), raises
``FramingError``: the connection closes and the device resends what it did
not see acknowledged.
"""

from __future__ import annotations

from .._errors import FramingError
from .constants import HEADER_SIZE, MAX_FRAME_SIZE, MIN_PAYLOAD

__all__ = ["RuptelaFramer"]


class RuptelaFramer:
    __slots__ = ("max_frame_size",)

    def __init__(self, max_frame_size: int = MAX_FRAME_SIZE) -> None:
        self.max_frame_size = min(max_frame_size, MAX_FRAME_SIZE)

    def next_frame(self, buffer: bytearray) -> bytes | None:
        if len(buffer) < 2:
            return None
        length = (buffer[0] << 8) | buffer[1]
        size = length + HEADER_SIZE
        if length < MIN_PAYLOAD or size > self.max_frame_size:
            raise FramingError(f"ruptela: payload length {length} out of range", data=buffer)
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame
