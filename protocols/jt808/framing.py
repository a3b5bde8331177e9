"""Cutting JT/T 808 frames off a TCP stream, and (un)escaping.

A binary frame is ``7E <escaped content> 7E``; inside, ``7D 02`` stands for
``7E`` and ``7D 01`` for ``7D``. Some terminals also send ASCII messages in
parentheses ``( ... )`` on the same port (time request ``BASE,2,TIME``).

Resync: bytes before a ``7E`` or ``(`` are skipped silently (counted in
``skipped``). Two adjacent ``7E`` never make an empty frame: the second flag
starts the next one. A flag shared by two frames is not supported (each frame
has its own pair, as the standard says). A frame still open after ``max_frame_size`` bytes is a
``FramingError`` (the connection closes).

The framer returns the frame as received (still escaped, flags included);
``unescape`` is applied by the connection when it parses the frame.
"""

from __future__ import annotations

from .._errors import FramingError
from .constants import ESCAPE, FLAG

__all__ = ["Jt808Framer", "escape", "unescape"]

_OPEN_TEXT = 0x28  # "("
_CLOSE_TEXT = 0x29  # ")"


def escape(content: bytes) -> bytes:
    """Escape ``7D`` then ``7E`` (the order matters)."""
    return content.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(content: bytes) -> bytes:
    """``7D 02`` -> ``7E``, ``7D 01`` -> ``7D``; any other ``7D`` is kept as it is."""
    if ESCAPE not in content:
        return content
    return content.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


class Jt808Framer:
    """``next_frame(buffer)``: remove and return one complete frame, or None."""

    __slots__ = ("max_frame_size", "skipped")

    def __init__(self, max_frame_size: int = 32 * 1024) -> None:
        self.max_frame_size = max_frame_size
        #: garbage bytes dropped while resynchronising (for metrics)
        self.skipped = 0

    def _skip_to_start(self, buffer: bytearray) -> bool:
        i = 0
        n = len(buffer)
        while i < n and buffer[i] != FLAG and buffer[i] != _OPEN_TEXT:
            i += 1
        if i:
            self.skipped += i
            del buffer[:i]
        return bool(buffer)

    def next_frame(self, buffer: bytearray) -> bytes | None:
        while self._skip_to_start(buffer):
            if buffer[0] == _OPEN_TEXT:
                end = buffer.find(b")", 1)
            else:
                end = buffer.find(b"\x7e", 1)
                if end == 1:  # "7E 7E": an empty frame, the second flag opens the next one
                    self.skipped += 1
                    del buffer[:1]
                    continue
            if end < 0:
                if len(buffer) > self.max_frame_size:
                    raise FramingError(f"jt808: no frame end within {self.max_frame_size} bytes",
                                       data=buffer)
                return None
            frame = bytes(buffer[:end + 1])
            del buffer[:end + 1]
            return frame
        return None
