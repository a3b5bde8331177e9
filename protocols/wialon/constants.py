"""Wialon IPS constants (fact sheet shared/protocols/wialon.md; Gurtam's
"Wialon IPS" v1.1 / v2.0 communication protocol documents)."""

from __future__ import annotations

PROTOCOL = "wialon"
DEFAULT_PORT = 5039
#: Traccar's line limit
MAX_LINE = 32 * 1024
CRLF = b"\r\n"
VERSION_2 = "2.0"

#: packet types the server answers, and the answer's type
ANSWER_TYPES = {"L": "AL", "SD": "ASD", "D": "AD", "B": "AB", "P": "AP", "M": "AM"}

#: answer codes (ASD / AD)
OK = "1"
STRUCTURE_ERROR = "-1"
TIME_ERROR = "0"
COORDINATES_ERROR = "10"
MOTION_ERROR = "11"  # speed, course or height
SATELLITES_ERROR = "12"

#: login answers
LOGIN_OK = "1"
LOGIN_REJECTED = "0"

#: fields of the short data packet; the extended one adds six
SD_FIELDS = 10
D_FIELDS = 16

#: params with a meaning of their own (lowercased name -> attribute key)
PARAM_KEYS = {"bat": "batteryLevel", "temp": "deviceTemp", "accuracy": "accuracy"}
#: keys whose value Traccar keeps as an integer
INTEGER_KEYS = frozenset(("batteryLevel", "deviceTemp"))
