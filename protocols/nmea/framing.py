"""Cutting an NMEA byte stream into lines.

One sentence per line, terminated by ``\\n``; a ``\\r`` before it and any
surrounding whitespace are dropped, empty lines are skipped. A line longer than
``MAX_LINE`` bytes (without CR LF) is discarded up to and including its
``\\n`` and reported with a non-fatal ``MalformedError``: the stream resyncs at
the next line, it is never closed for that.
"""

from __future__ import annotations

from .._errors import MalformedError
from .constants import MAX_LINE

__all__ = ["NmeaFramer", "split_lines"]

_WHITESPACE = b" \t\r\n\x0b\x0c"


class NmeaFramer:
    """``next_frame`` returns one stripped, non-empty line (bytes) at a time."""

    __slots__ = ("max_line", "_discarding")

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        #: True while skipping the rest of an over-long line
        self._discarding = False

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while True:
            end = buffer.find(b"\n")
            if self._discarding:
                if end < 0:
                    buffer.clear()
                    return None
                del buffer[: end + 1]
                self._discarding = False
                continue
            if end < 0:
                # room for max_line bytes plus the CR of a CR LF still to come
                if len(buffer) > self.max_line + 1:
                    prefix = bytes(buffer[:32])
                    buffer.clear()
                    self._discarding = True
                    raise MalformedError(
                        f"nmea: line longer than {self.max_line} bytes skipped", data=prefix
                    )
                return None
            line = bytes(buffer[:end])
            del buffer[: end + 1]
            if line.endswith(b"\r"):
                line = line[:-1]
            if len(line) > self.max_line:
                raise MalformedError(
                    f"nmea: line of {len(line)} bytes skipped (max {self.max_line})", data=line
                )
            line = line.strip(_WHITESPACE)
            if line:
                return line


def split_lines(data: bytes) -> list[bytes]:
    """The non-empty, stripped lines of one datagram (or one ``--framed`` frame)."""
    return [s for part in data.split(b"\n") if (s := part.strip(_WHITESPACE))]
