"""Cutting an NMEA byte stream into lines: the shared ``LineFramer`` with
NMEA's line limit (see protocols/_framing.py for the resync policy)."""

from __future__ import annotations

from .._framing import LineFramer, split_lines
from .constants import MAX_LINE

__all__ = ["NmeaFramer", "split_lines"]


class NmeaFramer(LineFramer):
    __slots__ = ()

    def __init__(self, max_line: int = MAX_LINE) -> None:
        super().__init__(max_line, name="nmea")
