"""The TK103 catalogue as data: command words, alarm codes, status bits, columns.

Sources: vendor document "GPS Tracker TK103 Protocol" (frame ``(...)``,
12-character ID, 4-character command; device words BP00 handshake, BP04
answer to a position call, BP05 login, BO01 alarm with its alarm digit, BR00
timed report, BR01/BR02 continuous reports and their end, BS.. and BV..
answers to settings); Traccar's ``Tk103ProtocolDecoder`` (BQ81 alarm numbers,
ZC/DW comma words and their alarm keys, ZC20 battery levels, status-field
bits, BZ00, BV00 VIN, BS50/BS51); the fact sheet shared/protocols/tk103.md.
The decoders loop over these tables; tests/protocols/test_tk103_catalogue.py
is generated from them.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "FIXED_COMMANDS", "POSITION_WORDS", "BO01_ALARMS", "BQ81_ALARMS", "COMMA_COMMANDS",
    "COMMA_COLUMNS", "StatusBit", "STATUS_BITS", "BATTERY_LEVELS", "UNKNOWN_KEY",
]

#: fixed-form command word (device -> server) -> what its body is
#: position: a position body must follow; reply: a command answer, position when present;
#: handshake/login/alarm/network/vin/bms: decoded by their own function; ignored: no record
FIXED_COMMANDS: Final[dict[str, str]] = {
    "BP00": "handshake",    # handshake / heartbeat, answered (<ID>AP01HSO)
    "BP01": "reply",        # answer to a query (vendor list; free layout)
    "BP02": "position",     # position answer (IMEI-glued firmware: comma body)
    "BP03": "reply",        # answer to a query (vendor list; free layout)
    "BP04": "position",     # answer to a position call (AP00)
    "BP05": "login",        # login: IMEI then a position, answered (<ID>AP05)
    "BO01": "alarm",        # alarm: one alarm digit (BO01_ALARMS) then a position
    "BQ81": "alarm",        # alarm: ,ALARM,<n>,<x>, then a position (BQ81_ALARMS)
    "BQ86": "ignored",      # CAN/OBD dump without a documented layout
    "BR00": "position",     # timed report
    "BR01": "position",     # continuous report
    "BR02": "position",     # end of continuous reports
    "BS04": "reply",        # answers to server settings (speed limit, geofence,
    "BS05": "reply",        #   intervals ...): a position when the body has one,
    "BS08": "reply",        #   else a commandResult event with the body as text
    "BS09": "reply",
    "BS20": "reply",
    "BS23": "reply",
    "BT00": "reply",
    "BU00": "reply",
    "BV01": "reply",
    "BN00": "reply",
    "BV00": "vin",          # vehicle identification number (17 characters)
    "BZ00": "network",      # serving cell (hex lac/cid) or a {cell} list
    "BS50": "bms",          # battery-management data, hex
    "BS51": "bms",          # battery-management key:hex pairs
}

#: commands that must carry a position body
POSITION_WORDS: Final = frozenset(
    {k for k, v in FIXED_COMMANDS.items() if v in ("position", "login")} | {"BO01", "BQ81"})

#: BO01 alarm digit -> Traccar alarm key (vendor: 0 vehicle power off, 1 accident,
#: 2 robbery/SOS, 3 anti-theft vibration, 4 low speed, 5 overspeed, 6 out of geofence)
BO01_ALARMS: Final[dict[str, str]] = {
    "0": "powerCut", "1": "accident", "2": "sos", "3": "vibration", "4": "lowspeed",
    "5": "overspeed", "6": "geofenceExit",
}

#: BQ81 alarm number -> Traccar alarm key
BQ81_ALARMS: Final[dict[str, str]] = {
    "0": "lowBattery", "1": "overspeed", "2": "idle", "3": "hardAcceleration",
    "4": "hardBraking", "5": "temperature",
}


def _mirror(alarm: str | None, ignition: bool | None, *codes: str) -> dict:
    return {code: (alarm, ignition) for code in codes}


#: comma-form word (ZC1x and its DW3x / DW5x mirrors) -> (alarm, ignition)
COMMA_COMMANDS: Final[dict[str, tuple[str | None, bool | None]]] = {
    **_mirror("movement", None, "ZC11", "DW31", "DW51"),
    **_mirror("lowBattery", None, "ZC12", "DW32", "DW52"),
    **_mirror("powerCut", None, "ZC13", "DW33", "DW53"),
    **_mirror(None, True, "ZC15", "DW35", "DW55"),
    **_mirror(None, False, "ZC16", "DW36", "DW56"),
    **_mirror("removing", None, "ZC17", "DW37", "DW57"),
    **_mirror("sos", None, "ZC25", "DW3E", "DW5E"),
    **_mirror("tampering", None, "ZC26", "DW3F", "DW5F"),
    **_mirror("lowPower", None, "ZC27", "DW40", "DW60"),
    **_mirror(None, True, "ZC29", "DW42", "DW62"),
}

#: comma-form position fields after the course (index in the body's fields):
#: (index, Position field or attribute key, kind)
COMMA_COLUMNS: Final[tuple[tuple[int, str, str], ...]] = (
    (7, "altitude_m", "float"),   # metres, may be negative
    (8, "satellites", "int"),
)


class StatusBit(NamedTuple):
    """One bit of the fixed-form 8-character status field."""

    char: int      # character index 0..7
    bit: int       # bit of that hex character; -1: the character compared to ``match``
    key: str       # Traccar attribute key
    always: bool   # reported when clear too (else only when set)
    match: str = ""


#: the status field: chars 0-4 (bits), chars 5-7 fuel (hex)
STATUS_BITS: Final[tuple[StatusBit, ...]] = (
    StatusBit(0, -1, "charge", True, "0"),      # "0": main power connected
    StatusBit(1, -1, "ignition", True, "1"),
    StatusBit(2, 0, "in2", True),
    StatusBit(2, 1, "panic", True),
    StatusBit(2, 2, "out2", True),
    StatusBit(2, 3, "blocked", False),
    StatusBit(3, 0, "hs3", False),
    StatusBit(3, 1, "hs2", False),
    StatusBit(3, 2, "hs1", False),
    StatusBit(3, 3, "door", False),
    StatusBit(4, 1, "ls3", False),
    StatusBit(4, 2, "ls2", False),
    StatusBit(4, 3, "ls1", False),
)

#: ZC20 battery level code -> batteryLevel %
BATTERY_LEVELS: Final[dict[int, int]] = {6: 100, 5: 80, 4: 50, 3: 20, 2: 10}

#: generic key of what the tables lack
UNKNOWN_KEY: Final = "io{}"
