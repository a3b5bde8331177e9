"""The Suntech catalogue as data: report types, alert/emergency codes, report columns.

Sources:
- Suntech "ST300/340 Operation Manual LATAM" rev. 1.41 (manualshive.com/en/manual/
  suntech/st300-series/1400856: report strings pp. 70-90, zip headers 0x10-0x14 p. 75/84,
  command answers p. 106) and "ST310U Operation Manual" rev. 1.08/1.12 (model table p. 29).
- Suntech "Device Communication Guide - Suntech Messages to Back-End Server" (Universal
  Reporting Guide 1.39 / 1.102 LATAM, scribd 444152776 / 688154392): Universal report types,
  header mask, ASSIGN mask, alert id table (reproduced at wialon.com/en/gps-hardware/auto/
  suntech-st300h).
- Traccar ``SuntechProtocolDecoder`` (attribute keys, which alert ids Traccar maps to alarms).

Each alert id carries the vendor's meaning and the Traccar alarm key (None: the alert
has no Traccar alarm; the id is still kept as ``alertId``). An id outside the table is
kept as ``alertId`` and counted in ``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Code", "ALERTS", "EMERGENCIES", "REPORT_TYPES", "LEGACY_COLUMNS", "EXTRA_COLUMNS",
           "UNIVERSAL_COLUMNS", "BINARY_COLUMNS", "ZIP_TYPES", "UEX_ITEMS", "ST4_MODEL_VARIANT"]


class Code(NamedTuple):
    meaning: str
    alarm: str | None


#: ALERT_ID (legacy ``ALT``, Universal ``ALT`` bit 19, binary 0x82, zip 0x13)
ALERTS: dict[int, Code] = {
    1: Code("over speed started", "overspeed"),
    2: Code("over speed ended", None),
    3: Code("GPS antenna disconnected", "gpsAntennaCut"),
    4: Code("GPS antenna reconnected", None),
    5: Code("exited geofence", "geofenceExit"),
    6: Code("entered geofence", "geofenceEnter"),
    8: Code("GPS antenna shorted", "gpsAntennaCut"),
    9: Code("deep sleep entered", None),
    10: Code("deep sleep left", None),
    13: Code("backup battery error", None),
    14: Code("vehicle battery low", "lowBattery"),
    15: Code("shocked", "vibration"),
    16: Code("collision", "accident"),
    18: Code("deviated from route", None),
    19: Code("entered route", None),
    22: Code("engine: exceed speed", "overspeed"),
    23: Code("engine: vehicle speed violation", "overspeed"),
    24: Code("engine: coolant temperature violation", "temperature"),
    25: Code("engine: oil pressure violation", None),
    26: Code("engine: RPM violation", "highRpm"),
    27: Code("engine: sudden hard brake", "hardBraking"),
    28: Code("engine: error code (DTC)", None),
    33: Code("ignition on", None),
    34: Code("ignition off", None),
    40: Code("main power connected", "powerRestored"),
    41: Code("main power disconnected", "powerCut"),
    42: Code("emergency (panic) button", "sos"),
    44: Code("backup battery connected", None),
    45: Code("backup battery disconnected", None),
    46: Code("fast acceleration (driver pattern)", "hardAcceleration"),
    47: Code("harsh braking (driver pattern)", "hardBraking"),
    48: Code("sharp turn (driver pattern)", "hardCornering"),
    49: Code("over speed (driver pattern)", "overspeed"),
    50: Code("jamming detected", "jamming"),
    59: Code("iButton inserted", None),
    60: Code("iButton removed", None),
    61: Code("ignition on without driving for the preset time", "idle"),
    62: Code("stopped longer than the preset time", "parking"),
    63: Code("dead center", None),
    64: Code("over RPM", "highRpm"),
    65: Code("automatic RPM calibration completed", None),
    66: Code("automatic odometer calibration completed", None),
    67: Code("odometer calibration completed (dual gear)", None),
    68: Code("stop limit at ignition on", "idle"),
    69: Code("moving after alert 68", "movement"),
    73: Code("rapid fuel reduction", "fuelLeak"),
    75: Code("temperature above the preset", "temperature"),
    76: Code("temperature below the preset", "temperature"),
    132: Code("door opened", "door"),
}

#: EMG_ID of legacy emergency reports
EMERGENCIES: dict[int, Code] = {
    1: Code("panic button", "sos"),
    2: Code("parking lock", "parking"),
    3: Code("main power removed", "powerCut"),
    4: Code("anti-theft", None),
    5: Code("anti-theft door", "door"),
    6: Code("anti-theft door (input 2)", "door"),
    7: Code("motion", "movement"),
    8: Code("shock", "vibration"),
}

#: report header (type part) -> what it is; every type below is decoded
REPORT_TYPES: dict[str, str] = {
    "STT": "status report (position)",
    "EMG": "emergency report (position + alarm)",
    "EVT": "event report (position + input event id -> event)",
    "ALT": "alert report (position + alert id -> alarm)",
    "UEX": "external serial data report (position + serial data)",
    "ALV": "keep-alive (identity only, no record)",
    "CMD": "command answer `<HDR>CMD;Res;ID;...` (event, result)",
    "RES": "Universal command answer (event, result)",
    "BLE": "Universal beacon scan (position + tag<n>*)",
    "HTE": "travel report (event, driverUniqueId = last column)",
    "Location": "ST910/940 location (position)",
    "Emergency": "ST910/940 emergency (position, alarm general)",
    "Alert": "ST910/940 alert (position, alarm general)",
}

#: legacy report columns in order (bracketed: present on some models only)
#: (column, attribute key or position field, unit / scaling)
LEGACY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("HDR", "type", "model + report type, e.g. ST300STT -> type STT"),
    ("DEV_ID", "device_id", "9 digits (SA200/ST9xx 6)"),
    ("[MODEL]", "-", "ST3xx/ST500/ST600 only"),
    ("SW_VER", "versionFw", "text"),
    ("DATE", "fix_time", "YYYYMMDD (UTC); YYMMDD accepted"),
    ("TIME", "fix_time", "HH:MM:SS (UTC); HHMMSS accepted"),
    ("[CELL]", "-", "hex, absent on ST500"),
    ("[MCC;MNC;LAC;RX]", "-", "ST600 only"),
    ("LAT", "lat", "signed decimal degrees"),
    ("LON", "lon", "signed decimal degrees"),
    ("SPD", "speed_kmh", "km/h"),
    ("CRS", "course_deg", "degrees"),
    ("SATT", "satellites", "count"),
    ("FIX", "valid", "1 = fixed"),
    ("DIST", "odometer", "metres"),
    ("PWR_VOLT", "power", "volts"),
    ("I/O", "ignition,in1,in2,in3,out1,out2[,out3]", "0/1 characters"),
)

#: optional columns after the type fields (legacy ``HBM`` family)
EXTRA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("H_METER", "hours", "minutes -> milliseconds"),
    ("BCK_VOLT", "battery", "volts"),
    ("MSG_TYPE", "archive", "0 = stored report -> archive true"),
    ("ADC1..ADC3", "adc1..adc3", "volts (when includeAdc)"),
    ("RPM", "rpm", "rev/min (when includeRpm)"),
    ("DID", "driverUniqueId", "14 hex digits (iButton)"),
    ("DID_REG", "-", "0/1 registered flag"),
    ("TEMP1..TEMP3", "temp1..temp3", "sensor-id:degrees Celsius (when includeTemp)"),
)

#: Universal header mask bit -> (column, attribute key, unit)
UNIVERSAL_COLUMNS: dict[int, tuple[str, str, str]] = {
    0: ("DEV_ID", "device_id", "sent before the mask; no column of its own"),
    1: ("MODEL", "-", "model id"),
    2: ("SW_VER", "versionFw", "text"),
    3: ("MSG_TYPE", "archive", "0 = stored"),
    4: ("DATE", "fix_time", "YYYYMMDD"),
    5: ("TIME", "fix_time", "HH:MM:SS"),
    6: ("CELL_ID", "-", "hex"),
    7: ("MCC", "-", "decimal"),
    8: ("MNC", "-", "decimal"),
    9: ("LAC", "-", "hex"),
    10: ("RX_LVL", "rssi", "dBm"),
    11: ("LAT", "lat", "degrees"),
    12: ("LON", "lon", "degrees"),
    13: ("SPD", "speed_kmh", "km/h"),
    14: ("CRS", "course_deg", "degrees"),
    15: ("SATT", "satellites", "count"),
    16: ("FIX", "valid", "1 = fixed"),
    17: ("IN_STATE", "input,ignition", "eight 0/1 characters read as decimal; ignition = last"),
    18: ("OUT_STATE", "output", "eight 0/1 characters read as decimal"),
    19: ("MODE / ALERT_ID", "mode / alarm,alertId", "STT mode; ALT alert id (table ALERTS)"),
    20: ("STT_RPT_TYPE / ALERT_MOD", "reason / alertModifier", "number"),
    21: ("MSG_NUM / ALERT_DATA", "index / alertData", "number / text"),
    22: ("RESERVED", "-", "one column, skipped"),
    23: ("ASSIGN_MASK", "io1..io32", "hex mask, one column per set bit"),
}

#: Universal binary (0x81/0x82) columns in mask-bit order from bit 1 (bit 0: the id):
#: (column, size in bytes, key, scaling); bit 21 = 8-byte driver id after alert 59
BINARY_COLUMNS: tuple[tuple[str, int, str, str], ...] = (
    ("model", 1, "-", ""), ("sw", 3, "versionFw", "a.b.c"), ("msgType", 1, "archive", "0"),
    ("date", 3, "fix_time", "YY MM DD"), ("time", 3, "fix_time", "hh mm ss"),
    ("cell", 4, "-", ""), ("mcc", 2, "-", ""), ("mnc", 2, "-", ""), ("lac", 2, "-", ""),
    ("rssi", 1, "rssi", ""), ("lat", 4, "lat", "sign-magnitude / 1e6"),
    ("lon", 4, "lon", "sign-magnitude / 1e6"), ("speed", 2, "speed_kmh", "/ 100"),
    ("course", 2, "course_deg", "/ 100"), ("sat", 1, "satellites", ""),
    ("fix", 1, "valid", "> 0"), ("input", 1, "input,ignition", "bit 0 ignition"),
    ("output", 1, "output", ""), ("alertId", 1, "alarm,alertId", "0x82 only"),
    ("alertModifier", 2, "alertModifier", ""),
)

#: zip (0x02) report types; all share the fixed layout up to the I/O byte, then one id byte
ZIP_TYPES: dict[int, tuple[str, str]] = {
    0x10: ("STT", "event"),   # status: mode byte -> event (as Traccar)
    0x11: ("EMG", "alarm"),   # emergency id (EMERGENCIES)
    0x12: ("EVT", "event"),   # event id
    0x13: ("ALT", "alarm"),   # alert id (ALERTS)
}

#: UEX serial data items ``key=hex``: prefix -> (attribute prefix, unit)
UEX_ITEMS: dict[str, tuple[str, str]] = {
    "t_": ("temp", "degrees Celsius, hex"),
    "N_": ("fuel", "level, hex integer part [. decimal]; fuel = sum"),
    "Q_D": ("drivingQuality", "hex"),
    "CabAVL": ("fuel1,fuel2", "3rd and 4th comma items"),
    "GTSL": ("driverUniqueId", "5th |-item"),
}

#: ST410/419 model id with a variant column (and collaborative network, temperature, motion)
ST4_MODEL_VARIANT = "41"
