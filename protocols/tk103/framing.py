"""Cutting a TK103 stream into ``(...)`` frames.

A frame runs from ``(`` to the first ``)`` preceded by an even number of
``$`` since the ``(`` (free text is wrapped in ``$...$`` and may contain ``)``,
CR and LF). Resync policy: bytes before a ``(`` are dropped silently; a
buffer without any ``(`` is discarded; while more than 1024 bytes are
buffered without a complete frame, the data up to the next ``(`` after the
current one is dropped and reported with a non-fatal ``MalformedError``.
The stream is never closed by this protocol.

(The shared ``LineFramer`` cuts at a delimiter only; this format needs a
start marker and the ``$`` parity rule, hence its own small framer.)
"""

from __future__ import annotations

from .._errors import MalformedError
from .constants import END, MAX_PENDING, START, TEXT_QUOTE

__all__ = ["Tk103Framer", "find_end", "split_frames"]

_OPEN = bytes([START])
_CLOSE = bytes([END])
_QUOTE = bytes([TEXT_QUOTE])


def find_end(data: bytes | bytearray) -> int:
    """Index of the ``)`` closing the frame that starts at ``data[0]``, or -1."""
    pos, quotes = 1, 0
    while (close := data.find(_CLOSE, pos)) >= 0:
        quotes += data.count(_QUOTE, pos, close)
        if quotes % 2 == 0:
            return close
        pos = close + 1
    return -1


class Tk103Framer:
    __slots__ = ("max_pending",)

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self.max_pending = max_pending

    def next_frame(self, buffer: bytearray) -> bytes | None:
        start = buffer.find(_OPEN)
        if start < 0:
            buffer.clear()
            return None
        del buffer[:start]
        end = find_end(buffer)
        if end >= 0:
            frame = bytes(buffer[:end + 1])
            del buffer[:end + 1]
            return frame
        if len(buffer) <= self.max_pending:
            return None
        dropped = bytes(buffer[:32])
        following = buffer.find(_OPEN, 1)
        if following < 0:
            buffer.clear()
        else:
            del buffer[:following]
        raise MalformedError("tk103: unterminated frame skipped", data=dropped)


def split_frames(data: bytes) -> list[bytes]:
    """The frames of one datagram; a datagram without ``(`` is one bare message."""
    if _OPEN not in data:
        stripped = data.strip()
        return [stripped] if stripped else []
    frames, pos = [], 0
    while (start := data.find(_OPEN, pos)) >= 0:
        end = find_end(data[start:])
        if end < 0:
            frames.append(data[start:])  # the closing ")" is optional on UDP
            break
        frames.append(data[start:start + end + 1])
        pos = start + end + 1
    return frames
