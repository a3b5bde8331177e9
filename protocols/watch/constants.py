"""Watch protocol constants: port, envelope bytes, escapes, status bits."""

from __future__ import annotations

PROTOCOL = "watch"
DEFAULT_PORT = 5093

OPEN = 0x5B  # '['
CLOSE = 0x5D  # ']'
ESCAPE = 0x7D  # '}'
#: byte after 0x7D -> the byte it stands for
UNESCAPE = {0x01: b"}", 0x02: b"[", 0x03: b"]", 0x04: b",", 0x05: b"*"}
#: bytes escaped in binary content (server -> device), in the order applied
ESCAPED = ((b"}", b"}\x01"), (b"[", b"}\x02"), (b"]", b"}\x03"), (b",", b"}\x04"), (b"*", b"}\x05"))

#: status bits and position prefixes live in the catalogue
from ._catalogue import ALARM_BITS, MOTION_BIT, POSITION_PREFIXES  # noqa: E402,F401
