"""Cutting a Wialon IPS TCP stream into packets: one per line (``\\r\\n``),
the shared ``LineFramer`` with Traccar's 32 KiB line limit (see
protocols/_framing.py for the resync policy)."""

from __future__ import annotations

from .._framing import LineFramer, split_lines
from .constants import MAX_LINE

__all__ = ["WialonFramer", "split_lines"]


class WialonFramer(LineFramer):
    __slots__ = ()

    def __init__(self, max_line: int = MAX_LINE) -> None:
        super().__init__(max_line, name="wialon")
