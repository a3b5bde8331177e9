"""Constants of the GPS103 / TK103-2 / Coban ``imei:`` text protocol (Traccar's ``gps103``)."""

from __future__ import annotations

from enum import Enum
from typing import Final

from ._catalogue import KEYWORD_ALARMS

PROTOCOL: Final = "gps103"
DEFAULT_PORT: Final = 5001

#: longest message accepted (photo chunks are the long ones); beyond it the
#: framer skips to the next delimiter (below the connection's 32 KiB bound)
MAX_LINE: Final = 8192

#: Traccar's implicit speed unit for this protocol: knots -> km/h
KNOT_KMH: Final = 1.852

#: a message of at most this many characters that contains ``imei:`` is a login
LOGIN_MAX_LEN: Final = 30

#: server replies
LOGIN_REPLY: Final = b"LOAD"
HEARTBEAT_REPLY: Final = b"ON"

IMEI_TAG: Final = "imei:"


class Keyword(str, Enum):
    """Report keywords with a meaning of their own (the rest map through ALARMS)."""

    TRACKER = "tracker"
    OBD = "OBD"
    PHOTO_DATA = "vr"
    RFID = "rfid"
    ACC_ON = "acc on"
    ACC_OFF = "acc off"
    SOS = "help me"


#: report keyword -> Traccar alarm value (the table lives in _catalogue.py)
ALARMS: Final = KEYWORD_ALARMS


class Command(str, Enum):
    """Server -> device command codes (``**,imei:<IMEI>,<code>[,<param>]``)."""

    SINGLE_POSITION = "B"
    PERIODIC = "C"
    STOP_PERIODIC = "D"
    ENGINE_STOP = "J"
    ENGINE_RESUME = "K"
    ARM = "L"
    DISARM = "M"
    PHOTO = "160"
    SOS_ACK = "E"
