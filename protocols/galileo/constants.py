"""Galileosky wire constants: packet headers, sizes, replies.

Vendor reference: GalileoSky GLONASS/GPS v5.1 User's Manual, section 12
"Server exchange protocol" (fact sheet shared/protocols/galileo.md). The same
tag protocol is spoken by the v2-v7 terminals and the Base Block; the
Iridium (SBD) option wraps tags in a big-endian envelope.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import IntEnum

__all__ = ["Header", "PROTOCOL", "MAX_FRAME_SIZE", "MIN_FRAME_SIZE", "ARCHIVE_FLAG",
           "LENGTH_MASK", "IRIDIUM_MARK", "REPLY_MAIN", "REPLY_PHOTO", "UNIX_EPOCH"]

PROTOCOL = "galileo"


class Header(IntEnum):
    MAIN = 0x01         # head and main packets, command answers, Iridium envelope
    PHOTO = 0x07        # a part of a photo
    COMPRESSED = 0x08   # minimal data sets + tag lists


#: header (1) + length (2) + CRC (2)
MIN_FRAME_SIZE = 5
#: largest frame buffered (Traccar: 32 KiB; the terminal's own limit is 1000 bytes)
MAX_FRAME_SIZE = 32 * 1024
#: top bit of the length: the terminal's archive still holds unsent records
ARCHIVE_FLAG = 0x8000
LENGTH_MASK = 0x7FFF
#: bytes 3..5 of an Iridium packet: information element 01, length 28
IRIDIUM_MARK = b"\x01\x00\x1c"

#: first byte of our answer to a main/compressed packet, then the packet's CRC field
REPLY_MAIN = 0x02
#: first byte of our answer to a photo part
REPLY_PHOTO = 0x07

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
