"""GPS056 message types and wire constants (shared/protocols/gps056.md)."""

from __future__ import annotations

__all__ = ["START", "END", "HEADER_SIZE", "MIN_FRAME", "MAX_FRAME", "LOGIN", "LOCATION", "STATUS",
           "REPLY_PREFIX"]

START = b"$$"
END = 0x23  # "#"
#: "$$" | LL (2 digits) | type (7) | IMEI (15)
HEADER_SIZE = 26
#: header + "#"
MIN_FRAME = HEADER_SIZE + 1
#: LL is two decimal digits: 99 + 5
MAX_FRAME = 104

LOGIN = "LOGN"
LOCATION = "GPSL"
STATUS = "SYNC"

#: message kind -> the kind of the server's answer (from the catalogue)
from ._catalogue import MESSAGE_TYPES  # noqa: E402

REPLY_PREFIX = {t.kind: t.answer for t in MESSAGE_TYPES}
