"""Constants of the TK103 bracketed text protocol ``(...)`` (Traccar's ``tk103``)."""

from __future__ import annotations

from typing import Final

PROTOCOL: Final = "tk103"
DEFAULT_PORT: Final = 5002

#: while more than this many bytes are buffered without a complete frame, the
#: framer drops the data up to the next ``(`` after the current one
MAX_PENDING: Final = 1024

START: Final = 0x28  # "("
END: Final = 0x29  # ")"
TEXT_QUOTE: Final = 0x24  # "$": free text inside a frame is wrapped in $...$

#: fixed-form command words
HANDSHAKE: Final = "BP00"
LOGIN: Final = "BP05"
POSITION: Final = "BR00"
ALARM: Final = "BO01"
ALARM_EXT: Final = "BQ81"
CELL: Final = "BZ00"
VIN: Final = "BV00"
BMS_RAW: Final = "BS50"
BMS_PAIRS: Final = "BS51"

#: fixed-form commands that must carry a position body
POSITION_COMMANDS: Final = frozenset({"BR00", "BR01", "BR02", "BP04", "BP05", "BO01", "BQ81"})
#: fixed-form commands known to carry nothing we store (no record, no reply)
IGNORED_COMMANDS: Final = frozenset({"BQ86"})

#: comma-form command words with a meaning of their own
BATTERY: Final = "ZC20"
RESULT: Final = "ZC03"
LBS_PREFIX: Final = "DW5"

#: BO01 alarm digit -> Traccar alarm
BO01_ALARMS: Final[dict[str, str]] = {
    "1": "accident", "2": "sos", "3": "vibration", "4": "lowspeed", "5": "overspeed",
    "6": "geofenceExit",
}

#: BQ81 alarm number -> Traccar alarm
BQ81_ALARMS: Final[dict[str, str]] = {
    "0": "lowBattery", "1": "overspeed", "2": "idle", "3": "hardAcceleration",
    "4": "hardBraking", "5": "temperature",
}


def _codes(alarm: str, *codes: str) -> dict[str, str]:
    return {code: alarm for code in codes}


#: comma-form command (ZC1x and its DW3x/DW5x mirrors) -> Traccar alarm
COMMA_ALARMS: Final[dict[str, str]] = {
    **_codes("movement", "ZC11", "DW31", "DW51"),
    **_codes("lowBattery", "ZC12", "DW32", "DW52"),
    **_codes("powerCut", "ZC13", "DW33", "DW53"),
    **_codes("removing", "ZC17", "DW37", "DW57"),
    **_codes("sos", "ZC25", "DW3E", "DW5E"),
    **_codes("tampering", "ZC26", "DW3F", "DW5F"),
    **_codes("lowPower", "ZC27", "DW40", "DW60"),
}

#: comma-form command -> ignition state
COMMA_IGNITION: Final[dict[str, bool]] = {
    **{code: True for code in ("ZC15", "DW35", "DW55", "ZC29", "DW42", "DW62")},
    **{code: False for code in ("ZC16", "DW36", "DW56")},
}

#: ZC20 battery level code -> batteryLevel %
BATTERY_LEVELS: Final[dict[int, int]] = {6: 100, 5: 80, 4: 50, 3: 20, 2: 10}
ABSENT_LEVEL: Final = 255
ABSENT_VOLTAGE: Final = 65535
