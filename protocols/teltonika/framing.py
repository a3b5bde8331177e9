"""Cuts Teltonika TCP frames: ping, IMEI handshake, AVL packet.

- ``FF``                                  keep-alive ping, a frame of one byte
- ``LLLL`` + IMEI (LLLL != 0)             handshake, LLLL + 2 bytes
- ``00000000`` + ``NNNNNNNN`` + data + CRC AVL packet, N + 12 bytes

Resync policy: none. A binary stream that does not start one of these frames
(non-zero preamble, handshake longer than ``MAX_IMEI_LENGTH``, data length too
short or over the maximum frame size) raises ``FramingError`` and the
connection closes; the device reconnects and resends what was not acknowledged.
"""

from __future__ import annotations

import struct

from .._errors import FramingError
from .constants import (AVL_HEADER_SIZE, CRC_FIELD_SIZE, MAX_FRAME_SIZE, MAX_IMEI_LENGTH,
                        MIN_DATA_LENGTH, PING)

__all__ = ["TeltonikaFramer"]

_OVERHEAD = AVL_HEADER_SIZE + CRC_FIELD_SIZE
_U32 = struct.Struct(">I")


class TeltonikaFramer:
    __slots__ = ("max_frame_size",)

    def __init__(self, max_frame_size: int = MAX_FRAME_SIZE) -> None:
        self.max_frame_size = max_frame_size

    def next_frame(self, buffer: bytearray) -> bytes | None:
        n = len(buffer)
        if n >= AVL_HEADER_SIZE and not (buffer[0] or buffer[1] or buffer[2] or buffer[3]):
            # fast path: an AVL packet (the usual frame)
            size = _OVERHEAD + _U32.unpack_from(buffer, 4)[0]
            if size - _OVERHEAD < MIN_DATA_LENGTH or size > self.max_frame_size:
                self._data_length(buffer)  # raises FramingError
            if n < size:
                return None
            if n == size:  # one copy instead of a slice and a copy
                frame = bytes(buffer)
                buffer.clear()
            else:
                frame = bytes(buffer[:size])
                del buffer[:size]
            return frame
        if not buffer:
            return None
        if buffer[0] == PING:
            del buffer[:1]
            return b"\xff"
        if len(buffer) < 2:
            return None
        if buffer[0] or buffer[1]:
            size = 2 + self._imei_length(buffer)
        else:
            if len(buffer) < AVL_HEADER_SIZE:
                return None
            size = _OVERHEAD + self._data_length(buffer)
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame

    @staticmethod
    def _imei_length(buffer: bytearray) -> int:
        length = (buffer[0] << 8) | buffer[1]
        if length > MAX_IMEI_LENGTH:
            raise FramingError(f"teltonika: handshake of {length} bytes (neither IMEI nor packet)",
                               data=buffer)
        return length

    def _data_length(self, buffer: bytearray) -> int:
        if buffer[2] or buffer[3]:
            raise FramingError("teltonika: AVL packet preamble is not 00000000", data=buffer)
        length = int.from_bytes(buffer[4:8], "big")
        if length < MIN_DATA_LENGTH or length + _OVERHEAD > self.max_frame_size:
            raise FramingError(f"teltonika: AVL data length {length} out of range", data=buffer)
        return length
