"""The GPS103 (Coban ``imei:``) catalogue as data: keywords, report columns.

Sources: Coban GPS103/TK103-2 user manuals (SMS/GPRS keywords: tracker, help
me, low battery, move, speed, stockade, ac alarm, door alarm, sensor alarm,
acc on/off, oil, T:, rfid, OBD); Traccar's ``Gps103ProtocolDecoder`` (keyword
-> alarm keys, ``event`` for other keywords, column order, units, the OBD and
"alternative" layouts); the fact sheet shared/protocols/gps103.md.
decode.py reads these tables; tests/protocols/test_gps103_catalogue.py is
generated from them.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "KEYWORD_ALARMS", "KEYWORD_IGNITION", "PLAIN_KEYWORDS", "PREFIX_KEYWORDS", "Column",
    "REGULAR_COLUMNS", "OBD_COLUMNS", "ALT_COLUMNS", "UNKNOWN_KEY",
]

#: report keyword -> Traccar alarm key
KEYWORD_ALARMS: Final[dict[str, str]] = {
    "help me": "sos",
    "low battery": "lowBattery",
    "stockade": "geofence",
    "move": "movement",
    "speed": "overspeed",
    "door alarm": "door",
    "ac alarm": "powerCut",
    "accident alarm": "accident",
    "sensor alarm": "vibration",
    "bonnet alarm": "bonnet",
    "footbrake alarm": "footBrake",
    "DTC": "fault",
}

#: keyword -> ignition state
KEYWORD_IGNITION: Final[dict[str, bool]] = {"acc on": True, "acc off": False}

#: keywords with a meaning but no alarm: tracker (periodic report), rfid
#: (driver id in the phone field, also reported as ``event``), OBD and vr
#: (their own layouts)
PLAIN_KEYWORDS: Final = frozenset({"tracker", "rfid", "OBD", "vr"})

#: keyword prefix -> (alarm, attribute key of the number after the prefix)
#: ``T:+22`` temperature alarm, temp1 = 22; ``oil 51.67`` fuel leak, fuel = 51.67
#: (``oil1``/``oil2``: the alarm only); ``vt14``: photo header of 14 packets
PREFIX_KEYWORDS: Final[dict[str, tuple[str | None, str | None]]] = {
    "T:": ("temperature", "temp1"),
    "oil": ("fuelLeak", "fuel"),
    "vt": (None, None),
}


class Column(NamedTuple):
    """One report column: index, key (Position field or attribute), kind, unit."""

    index: int
    key: str
    #: float, int, number, bool01, percent (``51.93%``; a plain number too), text
    kind: str
    unit: str = ""


#: regular report, relative to the speed field (after the coordinates):
#: speed (knots), course, then the optional tail of the newer firmware
REGULAR_COLUMNS: Final[tuple[Column, ...]] = (
    Column(0, "speed_kmh", "float", "kn"),
    Column(1, "course_deg", "float", "deg"),
    Column(2, "altitude_m", "float", "m"),
    Column(3, "ignition", "bool01"),
    Column(4, "door", "bool01"),
    Column(5, "fuel1", "percent", "%"),
    Column(6, "fuel2", "percent", "%"),
    Column(7, "temp1", "number", "degC"),
)

#: ``OBD,<yyMMddHHmmss>,...`` (index in the fields after ``imei:``)
OBD_COLUMNS: Final[tuple[Column, ...]] = (
    Column(3, "odometer", "number", "m"),
    Column(4, "fuelConsumption", "float", "l/h"),   # instant
    Column(5, "fuelAverage", "float", "l/100km"),
    Column(6, "hours", "hours", "ms"),
    Column(7, "obdSpeed", "float", "km/h"),
    Column(8, "engineLoad", "percent", "%"),
    Column(9, "coolantTemp", "int", "degC"),
    Column(10, "throttle", "percent", "%"),
    Column(11, "rpm", "int", "rpm"),
    Column(12, "battery", "float", "V"),
)

#: "alternative" report (ends with ``*``): attribute columns besides the fix
ALT_COLUMNS: Final[tuple[Column, ...]] = (
    Column(2, "event", "int"),
    Column(3, "sensorId", "text"),
    Column(4, "sensorVoltage", "float", "V"),
    Column(7, "rssi", "int"),
    Column(16, "ignition", "bool01"),
    Column(17, "charge", "bool01"),
    Column(18, "error", "text"),
)

#: generic key of what the tables lack
UNKNOWN_KEY: Final = "io{}"
