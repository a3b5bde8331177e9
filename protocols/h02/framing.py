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
from .constants import (BINARY_SIZES, BINARY_START, ID8_SIZE, MAX_TEXT, SHORT_SIZE, STARTS, TEXT_END,
                        TEXT_START)

__all__ = ["H02Framer", "guess_binary_size"]


def _clock_plausible(buffer: bytearray, candidate: int) -> bool:
    """True when the hhmmss ddmmyy after the frame's id (5 bytes, or 8 in the
    42-byte form) reads as a time and a date: a buffer that ends exactly at 32
    bytes may be a short frame or the first 32 bytes of a 42-byte one (a
    15-digit id), and only the clock's place tells them apart."""
    start = 1 + (8 if candidate == ID8_SIZE else 5)
    digits = buffer[start:start + 6].hex()
    if len(digits) < 12 or not digits.isdigit():
        return False
    hh, mi, ss, dd, mo = (int(digits[i:i + 2]) for i in range(0, 10, 2))
    return hh < 24 and mi < 60 and ss < 60 and 1 <= dd <= 31 and 1 <= mo <= 12


def guess_binary_size(buffer: bytearray) -> int | None:
    """The binary frame size that fits what is buffered, or None to wait for more.

    A size fits when the buffer ends there or the next frame starts there; a
    short frame must also carry its clock where a short frame has it (else
    it is the start of a 42-byte frame: wait)."""
    size = len(buffer)
    for candidate in BINARY_SIZES:
        if size == candidate or (size > candidate and buffer[candidate] in STARTS):
            if candidate != SHORT_SIZE or _clock_plausible(buffer, SHORT_SIZE) or \
                    not _clock_plausible(buffer, ID8_SIZE):
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
