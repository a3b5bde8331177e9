"""Constants of raw NMEA 0183 over TCP/UDP (Traccar's ``t55``)."""

from __future__ import annotations

from typing import Final

from ._catalogue import IDENTITY_ONLY

PROTOCOL: Final = "nmea"
DEFAULT_PORT: Final = 5005

#: longest line accepted, without its CR LF (Traccar's line frame limit)
MAX_LINE: Final = 1024

#: knots -> km/h
KNOT_KMH: Final = 1.852

#: reply to an RMC on TCP when the listener sets extra["ack"]
ACK_REPLY: Final = b"OK1\r\n"

#: talker identifiers accepted in front of RMC, GGA, GLL and RMA
#: (GP GPS, GN multi-constellation, GL GLONASS, GA Galileo, GB/BD BeiDou)
TALKERS: Final = ("GP", "GN", "GL", "GA", "GB", "BD")

#: sentences whose only content is the device identity (field 0); see _catalogue.py
IDENTITY_SENTENCES: Final = IDENTITY_ONLY

#: a bare identity line: only these characters (uppercase hex, hence digits too)
HEX_ID_CHARS: Final = frozenset("0123456789ABCDEF")
#: bounds on an identity (bare line, prefix or field)
MIN_ID_LEN: Final = 4
MAX_ID_LEN: Final = 32
