"""Queclink @Track constants: prefixes, binary headers, sizes, alarm names."""

from __future__ import annotations

from ._catalogue import REPORTS

PROTOCOL = "gl200"
DEFAULT_PORT = 5004

#: text message prefixes (``+RESP:GTFRI,...$``)
TEXT_PREFIXES = (b"+RESP:", b"+BUFF:", b"+ACK:")
#: 4-byte headers of binary messages (``+ACK`` only when not followed by ``:``)
BINARY_HEADERS = frozenset((b"+RSP", b"+BSP", b"+EVT", b"+BVT", b"+INF", b"+BNF", b"+HBD",
                            b"+CRD", b"+BRD", b"+LGN", b"+ACK"))

#: largest text message we accept (GTCAN reports run to ~700 bytes)
MAX_TEXT = 4096
#: binary frames announce their length; the shortest possible one
MIN_BINARY = 8

#: text terminators: ``$`` (documented) or a NUL byte (seen on some firmware)
TERMINATORS = b"$\x00"

#: report types, alarms, models, masks: ``_catalogue``

#: +SACK acknowledgements (server -> device)
SACK = b"+SACK:"

#: report types that carry position blocks; without a fix they still become an
#: (outdated) position, as Traccar reports them
LOCATED_REPORTS = frozenset(kind for kind, (_, _, located) in REPORTS.items() if located)
