"""The Meitrack catalogue as data: event codes, commands, CCE parameter ids.

Sources: MEITRACK GPRS Protocol (MVT/T1/T3/T333/TC68S/T311/T355, V1.7 2015),
MEITRACK T622 GPRS Protocol (V1.2 2017, section 1.5 "Event Code", CCB/CCC
sections), MEITRACK T1 & T333 GPRS Protocol (V1.4 2018); Traccar's
``MeitrackProtocolDecoder`` (attribute keys, alarm names and the CCE ids
Traccar reads, with their scaling). Codes neither source names are not listed:
a device sending them keeps its value (``event`` or ``io<id>``) and the frame
counts it in ``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["EVENTS", "COMMANDS", "CCE_FIXED", "CCE_VARIABLE_IDS", "AAA_COLUMNS",
           "alarm_of"]

#: event code -> (vendor event name, Traccar alarm or None)
EVENTS: dict[int, tuple[str, str | None]] = {
    1: ("SOS Pressed", "sos"),
    2: ("Input 2 Active", None), 3: ("Input 3 Active", None),
    4: ("Input 4 Active", None), 5: ("Input 5 Active", None),
    9: ("Input 1 Inactive", None), 10: ("Input 2 Inactive", None),
    11: ("Input 3 Inactive", None), 12: ("Input 4 Inactive", None),
    13: ("Input 5 Inactive", None),
    17: ("Low Battery", "lowBattery"),
    18: ("Low External Battery", "lowPower"),
    19: ("Speeding", "overspeed"),
    20: ("Enter Geo-fence", "geofenceEnter"),
    21: ("Exit Geo-fence", "geofenceExit"),
    22: ("External Battery On", "powerRestored"),
    23: ("External Battery Cut", "powerCut"),
    24: ("GPS Signal Lost", None), 25: ("GPS Signal Recovery", None),
    26: ("Enter Sleep", None), 27: ("Exit Sleep", None),
    28: ("GPS Antenna Cut", None), 29: ("Device Reboot", None),
    31: ("Heartbeat", None), 32: ("Cornering", None), 33: ("Track By Distance", None),
    34: ("Reply Current (Passive)", None), 35: ("Track By Time Interval", None),
    36: ("Tow", "tow"),
    37: ("RFID", None),
    39: ("Picture", None), 40: ("Power Off", None),
    41: ("Stop Moving", None), 42: ("Start Moving", None),
    44: ("GSM Jamming", "jamming"),
    50: ("Temperature High", None), 51: ("Temperature Low", None),
    52: ("Full Fuel", None), 53: ("Low Fuel", None), 54: ("Fuel Theft", None),
    56: ("Armed", None), 57: ("Disarmed", None), 58: ("Vehicle Theft", None),
    63: ("No GSM Jamming", None),
    65: ("Press Input 1 (SOS) to Call", None), 66: ("Press Input 2 to Call", None),
    67: ("Press Input 3 to Call", None), 68: ("Press Input 4 to Call", None),
    69: ("Press Input 5 to Call", None),
    70: ("Reject Incoming Call", None), 71: ("Get Location by Call", None),
    72: ("Auto Answer Incoming Call", None), 73: ("Listen-in (Voice Monitoring)", None),
    78: ("Collision", "accident"),
    90: ("Sharp Turn to Left", "cornering"),
    91: ("Sharp Turn to Right", "cornering"),
    129: ("Harsh Braking", "hardBraking"),
    130: ("Harsh Acceleration", "hardAcceleration"),
    135: ("Fatigue Driving", "fatigueDriving"),
}


def alarm_of(event: int) -> str | None:
    entry = EVENTS.get(event)
    return entry[1] if entry else None


#: command (3 characters after the IMEI) -> (meaning, how this gateway decodes it)
COMMANDS: dict[str, tuple[str, str]] = {
    "AAA": ("automatic event / position report (text)", "position"),
    "AFF": ("AAA report in confirmation mode, with a serial", "position+ack"),
    "CCC": ("buffered positions, fixed 0x34-byte binary records", "positions+ack"),
    "CCE": ("buffered positions, TLV binary records", "positions"),
    "AAC": ("heartbeat / keep-alive", "ack"),
    "D00": ("picture packet", "request next packet"),
    "D03": ("answer to take-picture", "commandResult"),
    "D82": ("answer to a command", "commandResult"),
}

# ---------------------------------------------------------------- CCE ids --------
# Converters take the little-endian unsigned value of the parameter.


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def _s32(v: int) -> int:
    return v - 0x1_0000_0000 if v & 0x8000_0000 else v


def _same(v: int) -> int:
    return v


def _scaled(factor: float) -> Callable[[int], float]:
    return lambda v: round(v * factor, 6)


#: group size (1, 2 or 4 bytes) -> id -> (attribute key, converter).  Keys that
#: start with ``_`` become Position fields, ``event`` goes through the event table.
CCE_FIXED: dict[int, dict[int, tuple[str, Callable[[int], Any]]]] = {
    1: {
        0x01: ("event", _same),            # event code
        0x05: ("_valid", _same),           # positioning status, 1 = valid
        0x06: ("_sat", _same),             # satellites
        0x07: ("rssi", _same),             # GSM signal 0..31
        0x14: ("output", _same),           # output port status (bit per output)
        0x15: ("input", _same),            # input port status (bit per input)
        0x47: ("lock", _same),             # lock state: 0 unknown, 1 unlocked, 2 locked
        0x97: ("throttle", _same),         # OBD throttle %
        0x9D: ("fuel", _same),             # OBD fuel level %
        0xFE69: ("batteryLevel", _same),   # internal battery %
    },
    2: {
        0x08: ("_speed", float),           # km/h
        0x09: ("_course", float),          # degrees
        0x0A: ("_hdop", _scaled(0.1)),     # HDOP x10
        0x0B: ("_alt", lambda v: float(_s16(v))),  # metres, signed
        0x16: ("adc1", _scaled(0.01)),     # AD1, 1/100 V
        0x17: ("adc2", _scaled(0.01)),     # AD2, 1/100 V
        0x18: ("adc3", _scaled(0.01)),     # AD3, 1/100 V
        0x19: ("battery", _scaled(0.01)),  # internal battery, 1/100 V
        0x1A: ("power", _scaled(0.01)),    # external power, 1/100 V
        0x29: ("fuel", _scaled(0.01)),     # fuel percentage, 1/100 %
        0x40: ("event", _same),            # event code (2-byte form)
        0x91: ("obdSpeed", _same),         # OBD speed km/h
        0x92: ("obdSpeed", _same),         # wheel-based speed km/h
        0x98: ("fuelUsed", _same),
        0x99: ("rpm", _same),
        0x9C: ("coolantTemp", _same),      # degrees C
        0x9F: ("temp1", _same),            # engine temperature, degrees C
        0xC9: ("fuelConsumption", _same),
    },
    4: {
        0x02: ("_lat", lambda v: _s32(v) / 1e6),
        0x03: ("_lon", lambda v: _s32(v) / 1e6),
        0x04: ("_time", _same),            # seconds since 2000-01-01 UTC
        0x0C: ("odometer", _same),         # metres
        0x0D: ("hours", lambda v: v * 1000),   # run time, seconds -> ms
        0x25: ("driverUniqueId", str),     # RFID / iButton number
        0x9B: ("obdOdometer", _same),
        0xA0: ("fuelUsed", _scaled(0.001)),
        0xA2: ("fuelConsumption", _scaled(0.01)),
        0xFEF4: ("_engine", lambda v: v * 60_000),  # engine hours, minutes -> ms
    },
}

#: ids of N-byte parameters (decoded in ``_cce``): base stations, Wi-Fi access
#: points, temperature sensors, network type, alarm/picture, BLE tags, batteries
CCE_VARIABLE_IDS: dict[int, str] = {
    **{i: "base station (MCC 2, MNC 2, LAC 2, CI 4, signal 2)" for i in range(0x0E, 0x14)
       if i != 0x11},
    **{i: "Wi-Fi access point (MAC 6, signal 2)" for i in range(0x1D, 0x26)},
    **{i: f"temperature sensor {i - 0x2A} (label 1, 1/100 C signed 2)" for i in range(0x2A, 0x32)},
    0x4B: "network type (2 bytes, length, text)",
    0xFE31: "alarm protocol, alarm type, picture file name",
    0xFE73: "BLE sensor tags",
    0xFEA8: "battery levels (3 x present flag + %, alert)",
}

#: AAA columns (index after the command) -> meaning; see ``_aaa``
AAA_COLUMNS: tuple[str, ...] = (
    "event", "latitude", "longitude", "date/time yyMMddHHmmss", "validity A/V",
    "satellites", "GSM signal", "speed km/h", "course", "HDOP", "altitude m",
    "odometer m", "run time s", "MCC|MNC|LAC|CI", "IO status (inputs 2 hex, outputs 2 hex)",
    "AD1|AD2|AD3|battery|power (hex counts) or battery|power|rtc|mcu|gps (volts)",
    "event data (RFID for event 37)", "customized data", "protocol version",
    "fuel XXYY", "temperature sensors IIVVVV|...", "data count",
)
