"""Cutting a watch stream into ``[...]`` frames and unescaping them.

A frame starts at ``[`` and ends at the ``]`` that brings the bracket depth
back to zero. ``7D 01..05`` stand for ``} [ ] , *`` and are replaced while
cutting (escaped bytes do not count as brackets). Bytes before a ``[`` are
skipped (counted in ``skipped``). ``7D`` followed by anything else is a
non-fatal ``MalformedError``: the frame's ``[`` is dropped and scanning goes
on at the next ``[``. A frame still open after ``max_frame_size`` bytes makes
the connection close (``FramingError`` from ``StreamConnection``).
"""

from __future__ import annotations

import re

from .._errors import MalformedError
from .constants import ESCAPE, OPEN, UNESCAPE

__all__ = ["WatchFramer", "unescape"]

_SPECIAL = re.compile(rb"[\[\]}]")


def unescape(data: bytes) -> bytes:
    """Replace ``7D xx`` sequences (the caller has checked they are valid)."""
    for code in (0x02, 0x03, 0x04, 0x05, 0x01):  # 0x01 last: it produces 7D bytes
        data = data.replace(bytes((ESCAPE, code)), UNESCAPE[code])
    return data


class WatchFramer:
    """Keeps its scan position between calls, so a frame arriving in pieces is scanned once."""

    __slots__ = ("skipped", "_pos", "_depth", "_escaped")

    def __init__(self) -> None:
        self.skipped = 0
        self._reset()

    def _reset(self) -> None:
        self._pos = 0  # bytes of the open frame already scanned
        self._depth = 0
        self._escaped = False

    def next_frame(self, buffer: bytearray) -> bytes | None:
        if self._pos == 0:
            start = buffer.find(OPEN)
            if start < 0:
                self.skipped += len(buffer)
                buffer.clear()
                return None
            if start:
                self.skipped += start
                del buffer[:start]
        end = self._scan(buffer)
        if end is None:
            return None
        frame = bytes(buffer[:end])
        del buffer[:end]
        escaped = self._escaped
        self._reset()
        return unescape(frame) if escaped else frame

    def _scan(self, buffer: bytearray) -> int | None:
        """Length of the frame at the start of ``buffer``, or None (state kept for later)."""
        base = self._pos
        tail = bytes(buffer[base:])
        depth = self._depth
        for match in _SPECIAL.finditer(tail):
            i = match.start()
            byte = tail[i]
            if byte == ESCAPE:
                if i + 1 >= len(tail):
                    self._pos, self._depth = base + i, depth
                    return None
                code = tail[i + 1]
                if code not in UNESCAPE:
                    prefix = bytes(buffer[:32])
                    del buffer[:1]
                    self._reset()
                    raise MalformedError(f"watch: bad escape 7D {code:02X}", data=prefix)
                self._escaped = True
            elif byte == OPEN:
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return base + i + 1
        self._pos, self._depth = len(buffer), depth
        return None
