"""Wialon IPS constants (fact sheet shared/protocols/wialon.md; Gurtam's
"Wialon IPS" v1.1 / v2.0 communication protocol documents)."""

from __future__ import annotations

PROTOCOL = "wialon"
DEFAULT_PORT = 5039
#: Traccar's line limit
MAX_LINE = 32 * 1024
CRLF = b"\r\n"
VERSION_2 = "2.0"

#: the packet catalogue of Wialon IPS 1.1 / 2.0 / 2.1 (Gurtam, "Wialon IPS v.2.0" table 1
#: "Packet types", scribd 412508943 / 452701619; v2.1 scribd 748616406):
#: type -> (sender, meaning, answer type or None, decoded here)
PACKET_TYPES: dict[str, tuple[str, str, str | None, bool]] = {
    "L": ("device", "login", "AL", True),
    "SD": ("device", "short data (position)", "ASD", True),
    "D": ("device", "extended data (position + params)", "AD", True),
    "B": ("device", "black box: |-separated SD/D bodies", "AB", True),
    "P": ("device", "ping", "AP", True),
    "M": ("device/server", "message to/from the driver", "AM", True),
    "I": ("device", "snapshot (binary image after the line)", "AI", False),
    "IT": ("device", "tachograph DDD file information", "AIT", False),
    "T": ("device", "tachograph DDD file block", "AT", False),
    "QI": ("server", "query snapshot command", None, False),
    "QT": ("server", "query DDD file command", None, False),
    "US": ("server", "firmware upload", None, False),
    "UC": ("server", "configuration upload", None, False),
}

#: packet types the server answers, and the answer's type
ANSWER_TYPES = {k: v[2] for k, v in PACKET_TYPES.items() if v[3] and v[2]}

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

#: params TYPE field (v2.0 "Additional parameters"): 1 int/long long, 2 double, 3 string
PARAM_TYPES = {"1": "int", "2": "double", "3": "string"}

#: params with a meaning of their own (lowercased name -> (Traccar key, value type, unit));
#: the value is read as that type whatever TYPE says (Traccar does the same)
PARAMS: dict[str, tuple[str, str, str]] = {
    "bat": ("batteryLevel", "int", "%"),
    "temp": ("deviceTemp", "int", "degrees Celsius"),
    "accuracy": ("accuracy", "double", "metres"),
}
PARAM_KEYS = {name: entry[0] for name, entry in PARAMS.items()}
#: keys whose value Traccar keeps as an integer
INTEGER_KEYS = frozenset(entry[0] for entry in PARAMS.values() if entry[1] == "int")

#: columns of an SD / D body: (column, position field or attribute key, unit)
BODY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Date", "fix_time", "DDMMYY (DDMMYYYY accepted), UTC; NA -> server time"),
    ("Time", "fix_time", "HHMMSS[.n...], UTC; NA -> server time"),
    ("Lat1", "lat", "DDMM.MMMM (any number of degree digits)"),
    ("Lat2", "lat", "N/S"),
    ("Lon1", "lon", "DDDMM.MMMM"),
    ("Lon2", "lon", "E/W"),
    ("Speed", "speed_kmh", "km/h"),
    ("Course", "course_deg", "degrees"),
    ("Alt", "altitude_m", "metres, may be negative"),
    ("Sats", "satellites", "count; valid = sats >= 3"),
    ("HDOP", "hdop", ""),
    ("Inputs", "input", "bit mask"),
    ("Outputs", "output", "bit mask"),
    ("Adc", "adc1..adcN", "comma list"),
    ("Ibutton", "driverUniqueId", "text"),
    ("Params", "<name>", "NAME:TYPE:VALUE comma list"),
)
