"""Cutting an H02 stream: ``*...#`` text messages and fixed-length ``$``/``X`` binary frames.

Bytes that cannot start a frame (CR/LF after ``#``, noise) are skipped and
counted in ``skipped``. A text message with no ``#`` within ``MAX_TEXT``
bytes loses its ``*`` (non-fatal ``MalformedError``) and scanning resumes at
the next start byte. The binary length is the listener's
``extra["message_length"]`` when set; otherwise it is guessed once from the
first binary frame (the size after which the buffer ends or the next frame
starts; 32 when nothing tells) and kept for the connection.
"""

from __future__ import annotations

from .._errors import MalformedError
from .constants import BINARY_SIZES, BINARY_START, MAX_TEXT, SHORT_SIZE, STARTS, TEXT_END, TEXT_START

__all__ = ["H02Framer", "guess_binary_size"]


def guess_binary_size(buffer: bytearray) -> int | None:
    """The binary frame size that fits what is buffered, or None to wait for more."""
    size = len(buffer)
    for candidate in BINARY_SIZES:
        if size == candidate or (size > candidate and buffer[candidate] in STARTS):
            return candidate
    if size > BINARY_SIZES[-1]:
        return SHORT_SIZE
    return None


class H02Framer:
    __slots__ = ("binary_size", "max_text", "skipped")

    def __init__(self, binary_size: int | None = None, max_text: int = MAX_TEXT) -> None:
        #: fixed size of ``$`` frames once known
        self.binary_size = binary_size
        self.max_text = max_text
        self.skipped = 0

    def next_frame(self, buffer: bytearray) -> bytes | None:
        start = 0
        while start < len(buffer) and buffer[start] not in STARTS:
            start += 1
        if start:
            self.skipped += start
            del buffer[:start]
        if not buffer:
            return None
        if buffer[0] == TEXT_START:
            return self._text(buffer)
        size = SHORT_SIZE if buffer[0] != BINARY_START else self.binary_size
        if size is None:
            size = guess_binary_size(buffer)
            if size is None:
                return None
            self.binary_size = size
        if len(buffer) < size:
            return None
        frame = bytes(buffer[:size])
        del buffer[:size]
        return frame

    def _text(self, buffer: bytearray) -> bytes | None:
        end = buffer.find(TEXT_END, 0, self.max_text)
        if end < 0:
            if len(buffer) >= self.max_text:
                prefix = bytes(buffer[:32])
                del buffer[:1]
                raise MalformedError(f"h02: no '#' within {self.max_text} bytes", data=prefix)
            return None
        frame = bytes(buffer[: end + 1])
        del buffer[: end + 1]
        return frame
