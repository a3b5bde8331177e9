"""GT02 (Concox GT02/GT02A, ``68 68`` frames) protocol numbers and wire constants.

Source: "GT02 Communication Protocol" (vendor document) and the fact sheet
shared/protocols/gt02.md.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["MsgType", "START", "STOP", "HEADER_SIZE", "HEARTBEAT_REPLY", "MAX_FRAME"]

START = b"\x68\x68"
STOP = b"\x0d\x0a"
#: 68 68 | length | power | GSM | terminal id (8) | serial (2) | protocol
HEADER_SIZE = 16
#: the fixed answer to a heartbeat: "Th", 0x1A, CR LF
HEARTBEAT_REPLY = b"\x54\x68\x1a\x0d\x0a"
#: the largest frame a one-byte length allows (255 + 5)
MAX_FRAME = 260


class MsgType(IntEnum):
    """Protocol numbers (the full catalogue, with records and replies: ``_catalogue.py``)."""

    LOCATION = 0x10
    HEARTBEAT = 0x1A
    COMMAND_RESULT = 0x1C
