"""Cutting a GPS103 stream into messages with the shared ``LineFramer``.

Messages end with ``;`` in most firmware; others end with ``\\r\\n`` or ``\\n``,
and the "alternative" report ends with ``*``, which is kept because it tells
that format apart. The framer maps the other delimiters onto ``;`` (``\\n`` ->
``;``, ``*`` -> ``*;``) on bytes not seen before, then lets ``LineFramer``
(delimiter ``;``) cut, strip, bound and resynchronise: an over-long message
is skipped up to the next delimiter with a non-fatal ``MalformedError``.
"""

from __future__ import annotations

from .._framing import LineFramer, split_lines
from .constants import MAX_LINE

__all__ = ["Gps103Framer", "split_messages"]


def _normalise(data: bytes) -> bytes:
    return data.replace(b"\n", b";").replace(b"*", b"*;")


class Gps103Framer(LineFramer):
    __slots__ = ("_seen",)

    def __init__(self, max_line: int = MAX_LINE) -> None:
        super().__init__(max_line, delimiter=b";", name="gps103")
        #: how many bytes at the front of the buffer are already normalised
        self._seen = 0

    def next_frame(self, buffer: bytearray) -> bytes | None:
        seen = min(self._seen, len(buffer))
        if seen < len(buffer):
            buffer[seen:] = _normalise(bytes(buffer[seen:]))
        try:
            return super().next_frame(buffer)
        finally:
            # LineFramer only removes bytes from the front: the rest stays normalised
            self._seen = len(buffer)


def split_messages(data: bytes) -> list[bytes]:
    """The messages of one datagram (or one ``--framed`` frame), delimiters as the framer."""
    return split_lines(_normalise(data), b";")
