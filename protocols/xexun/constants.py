"""Xexun constants: port, limits, event texts (fact sheet shared/protocols/xexun.md)."""

from __future__ import annotations

PROTOCOL = "xexun"
DEFAULT_PORT = 5006
#: Traccar's frame decoders keep at most 1024 bytes
MAX_FRAME = 1024
KNOT_KMH = 1.852

#: the two RMC talkers a report may carry
RMC_MARKERS = (b"GPRMC", b"GNRMC")
IMEI_MARKER = b"imei:"

#: event texts and signal letters live in the catalogue
from ._catalogue import EVENTS, SIGNALS  # noqa: E402,F401

#: ConnectionOptions.extra switch: one report per line (Traccar's xexun.extended)
EXTENDED_OPTION = "extended"

DEFAULT_PASSWORD = "123456"
