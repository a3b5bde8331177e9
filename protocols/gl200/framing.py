"""Gl200Framer: text messages cut at ``$`` (or NUL), binary ones by their length field.

Resync policy: the stream may resume at any ``+``. Bytes before a ``+`` are
skipped (CR/LF and blanks silently, anything else reported with a non-fatal
``MalformedError``); a text message longer than ``MAX_TEXT`` bytes without a
terminator, or a binary header announcing an impossible length, is skipped
up to the next ``+`` the same way. The stream is never closed by this framer.
"""

from __future__ import annotations

from .._errors import MalformedError
from .constants import BINARY_HEADERS, MAX_TEXT, MIN_BINARY, TERMINATORS

__all__ = ["Gl200Framer", "binary_length", "is_binary"]

_BLANKS = b" \t\r\n"
_PLUS = 0x2B

#: header -> (offset, size) of the big-endian total frame length
_LENGTH_FIELD: dict[bytes, tuple[int, int]] = {
    b"+ACK": (6, 1),
    b"+INF": (7, 2), b"+BNF": (7, 2),
    b"+HBD": (5, 1),
    b"+CRD": (6, 2), b"+BRD": (6, 2), b"+LGN": (6, 2),
}
_DEFAULT_LENGTH_FIELD = (9, 2)


def is_binary(head: bytes) -> bool | None:
    """True/False for a frame start, None while too few bytes tell them apart."""
    if len(head) < 2:
        return None
    if head[1] == 0:
        return True
    if len(head) < 4:
        return None if head[:4] in {h[: len(head)] for h in BINARY_HEADERS} else False
    key = head[:4]
    if key == b"+ACK":
        if len(head) < 5:
            return None
        return head[4] != 0x3A  # "+ACK:" is text
    return key in BINARY_HEADERS


def binary_length(head: bytes) -> int | None:
    """Total length a binary frame announces, or None while its field is incomplete."""
    if head[1] == 0:
        offset, size = 2, 2
    else:
        offset, size = _LENGTH_FIELD.get(bytes(head[:4]), _DEFAULT_LENGTH_FIELD)
    if len(head) < offset + size:
        return None
    return int.from_bytes(head[offset:offset + size], "big")


class Gl200Framer:
    """``next_frame`` returns one text message (terminator removed) or one binary frame."""

    __slots__ = ("max_text", "max_binary", "skipped")

    def __init__(self, max_frame_size: int = 32 * 1024) -> None:
        self.max_text = min(MAX_TEXT, max_frame_size)
        self.max_binary = min(0xFFFF, max_frame_size)
        #: bytes discarded while resynchronising
        self.skipped = 0

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while True:
            self._skip_to_plus(buffer)
            if not buffer:
                return None
            kind = is_binary(bytes(buffer[:5]))
            if kind is None:
                return None
            frame = self._binary(buffer) if kind else self._text(buffer)
            if frame != b"":
                return frame

    def _skip_to_plus(self, buffer: bytearray) -> None:
        if not buffer or buffer[0] == _PLUS:
            return
        start = buffer.find(b"+")
        cut = len(buffer) if start < 0 else start
        junk = bytes(buffer[:cut])
        del buffer[:cut]
        if junk.strip(_BLANKS):
            self.skipped += len(junk)
            raise MalformedError(f"gl200: {len(junk)} bytes before a message skipped", data=junk)

    def _drop_one(self, buffer: bytearray, why: str) -> None:
        prefix = bytes(buffer[:32])
        nxt = buffer.find(b"+", 1)
        cut = len(buffer) if nxt < 0 else nxt
        del buffer[:cut]
        self.skipped += cut
        raise MalformedError(f"gl200: {why}; skipped {cut} bytes", data=prefix)

    def _text(self, buffer: bytearray) -> bytes | None:
        limit = min(len(buffer), self.max_text + 1)
        end = -1
        for terminator in TERMINATORS:
            at = buffer.find(terminator, 0, limit)
            if at >= 0 and (end < 0 or at < end):
                end = at
        if end < 0:
            if len(buffer) > self.max_text:
                self._drop_one(buffer, f"text message longer than {self.max_text} bytes")
            return None
        frame = bytes(buffer[:end])
        del buffer[:end + 1]
        return frame if frame else b""

    def _binary(self, buffer: bytearray) -> bytes | None:
        length = binary_length(bytes(buffer[:11]))
        if length is None:
            return None
        if length < MIN_BINARY or length > self.max_binary:
            self._drop_one(buffer, f"binary frame announces {length} bytes")
        if len(buffer) < length:
            return None
        frame = bytes(buffer[:length])
        del buffer[:length]
        return frame
