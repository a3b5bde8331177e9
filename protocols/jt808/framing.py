"""Cutting JT/T 808 frames off a TCP stream, and (un)escaping.

A binary frame is ``7E <escaped content> 7E``; inside, ``7D 02`` stands for
``7E`` and ``7D 01`` for ``7D``. Some terminals also send ASCII messages in
parentheses ``( ... )`` on the same port (time request ``BASE,2,TIME``).

The alternative framing uses the flag ``E7`` (``E6 02`` = ``E7``, ``E6 01`` =
``E6``, ``3E 02`` = ``3D``, ``3E 01`` = ``3E`` inside); a frame ends at the
next byte equal to its opening flag.

Resync: bytes before a ``7E``, ``E7`` or ``(`` are skipped silently (counted in
``skipped``). Two adjacent ``7E`` never make an empty frame: the second flag
starts the next one. A flag shared by two frames is not supported (each frame
has its own pair, as the standard says). A frame still open after ``max_frame_size`` bytes is a
``FramingError`` (the connection closes).

The framer returns the frame as received (still escaped, flags included);
``unescape`` is applied by the connection when it parses the frame.
"""

from __future__ import annotations

from .._errors import FramingError
from .constants import ALT_FLAG, ESCAPE, FLAG

__all__ = ["Jt808Framer", "escape", "unescape", "escape_alt", "unescape_alt"]

_OPEN_TEXT = 0x28  # "("
_CLOSE_TEXT = 0x29  # ")"
_STARTS = frozenset((FLAG, ALT_FLAG, _OPEN_TEXT))


def escape(content: bytes) -> bytes:
    """Escape ``7D`` then ``7E`` (the order matters)."""
    return content.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(content: bytes) -> bytes:
    """``7D 02`` -> ``7E``, ``7D 01`` -> ``7D``; any other ``7D`` is kept as it is."""
    if ESCAPE not in content:
        return content
    return content.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


def escape_alt(content: bytes) -> bytes:
    """The ``E7`` variant: ``E6`` -> ``E6 01``, ``E7`` -> ``E6 02``, ``3E`` -> ``3E 01``, ``3D`` -> ``3E 02``."""
    out = content.replace(b"\xe6", b"\xe6\x01").replace(b"\xe7", b"\xe6\x02")
    return out.replace(b"\x3e", b"\x3e\x01").replace(b"\x3d", b"\x3e\x02")


def unescape_alt(content: bytes) -> bytes:
    """Inverse of ``escape_alt`` (pairs read left to right)."""
    out = bytearray()
    i = 0
    while i < len(content):
        b = content[i]
        if b in (0xE6, 0x3E) and i + 1 < len(content) and content[i + 1] in (1, 2):
            out.append({(0xE6, 1): 0xE6, (0xE6, 2): 0xE7, (0x3E, 1): 0x3E, (0x3E, 2): 0x3D}[b, content[i + 1]])
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


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
        while i < n and buffer[i] not in _STARTS:
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
                end = buffer.find(buffer[0:1], 1)
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
