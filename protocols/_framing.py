"""Framers shared by protocols: text lines cut at a delimiter.

``LineFramer``: one frame per line terminated by ``delimiter`` (default
``\\n``); a ``\\r`` before it and surrounding whitespace are dropped, empty
lines are skipped. A line longer than ``max_line`` bytes is discarded up to
and including its delimiter and reported with a non-fatal ``MalformedError``:
the stream resyncs at the next line, it is never closed for that.
"""

from __future__ import annotations

from ._errors import MalformedError

__all__ = ["LineFramer", "split_lines", "WHITESPACE"]

WHITESPACE = b" \t\r\n\x0b\x0c"


class LineFramer:
    """``next_frame`` returns one stripped, non-empty line (bytes) at a time."""

    __slots__ = ("max_line", "delimiter", "name", "_discarding")

    def __init__(self, max_line: int, *, delimiter: bytes = b"\n", name: str = "line") -> None:
        self.max_line = max_line
        self.delimiter = delimiter
        self.name = name
        #: True while skipping the rest of an over-long line
        self._discarding = False

    def next_frame(self, buffer: bytearray) -> bytes | None:
        delimiter = self.delimiter
        while True:
            end = buffer.find(delimiter)
            if self._discarding:
                if end < 0:
                    buffer.clear()
                    return None
                del buffer[: end + len(delimiter)]
                self._discarding = False
                continue
            if end < 0:
                # room for max_line bytes plus the CR of a CR LF still to come
                if len(buffer) > self.max_line + 1:
                    prefix = bytes(buffer[:32])
                    buffer.clear()
                    self._discarding = True
                    raise MalformedError(
                        f"{self.name}: line longer than {self.max_line} bytes skipped", data=prefix
                    )
                return None
            line = bytes(buffer[:end])
            del buffer[: end + len(delimiter)]
            if line.endswith(b"\r"):
                line = line[:-1]
            if len(line) > self.max_line:
                raise MalformedError(
                    f"{self.name}: line of {len(line)} bytes skipped (max {self.max_line})", data=line
                )
            line = line.strip(WHITESPACE)
            if line:
                return line


def split_lines(data: bytes, delimiter: bytes = b"\n") -> list[bytes]:
    """The non-empty, stripped lines of one datagram (or one ``--framed`` frame)."""
    return [s for part in data.split(delimiter) if (s := part.strip(WHITESPACE))]
