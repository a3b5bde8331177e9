"""Cutting a Suntech stream into frames.

Three encodings share one port, told apart by the first bytes:

- ``02`` -> zip frame ``02 | length (2, BE) | data | 03``: 4 + length bytes;
- second byte ``00`` -> Universal binary ``type | length (2, BE) | ...``: 3 + length bytes;
- otherwise ASCII: a report ends at CR (removed); a CR followed by LF belongs to
  the report (serial and RFID payloads carry CR LF inside a report). A CR that
  is the last byte buffered ends the report: devices send nothing after it.

Resync policy: ASCII reports longer than ``max_frame`` are skipped up to the
next CR with a non-fatal ``MalformedError``; a binary length beyond
``max_frame`` cannot be resynchronised and raises ``FramingError`` (fatal).
"""

from __future__ import annotations

from .._errors import FramingError, MalformedError
from .constants import LF, MAX_FRAME, BinaryType

__all__ = ["SuntechFramer", "find_end"]


def find_end(buffer: bytes | bytearray, start: int = 0) -> int:
    """Index of the CR ending the ASCII report at ``start``, or -1."""
    pos = start
    while True:
        end = buffer.find(b"\r", pos)
        if end < 0 or end + 1 >= len(buffer) or buffer[end + 1] != LF:
            return end
        pos = end + 2


class SuntechFramer:
    __slots__ = ("max_frame", "_discarding")

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        #: True while skipping the rest of an over-long ASCII report
        self._discarding = False

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while buffer:
            if self._discarding:
                end = find_end(buffer)
                if end < 0:
                    buffer.clear()
                    return None
                del buffer[: end + 1]
                self._discarding = False
                continue
            if buffer[0] == BinaryType.ZIP:
                return self._binary(buffer, 4)
            if len(buffer) < 2:
                return None
            if buffer[1] == 0:
                return self._binary(buffer, 3)
            frame = self._ascii(buffer)
            if frame != b"":
                return frame
        return None

    def _binary(self, buffer: bytearray, overhead: int) -> bytes | None:
        if len(buffer) < 3:
            return None
        size = overhead + int.from_bytes(buffer[1:3], "big")
        if size > self.max_frame:
            raise FramingError(f"suntech: binary frame of {size} bytes", data=bytes(buffer[:32]))
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame

    def _ascii(self, buffer: bytearray) -> bytes | None:
        """One report (b"" for an empty line, which is skipped)."""
        end = find_end(buffer)
        if end < 0:
            if len(buffer) > self.max_frame:
                prefix = bytes(buffer[:32])
                buffer.clear()
                self._discarding = True
                raise MalformedError(
                    f"suntech: report longer than {self.max_frame} bytes skipped", data=prefix)
            return None
        frame = bytes(buffer[:end]).lstrip(b"\n")
        del buffer[: end + 1]
        if len(frame) > self.max_frame:
            raise MalformedError(f"suntech: report of {len(frame)} bytes skipped", data=frame)
        return frame
