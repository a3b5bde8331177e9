"""Ruptela catalogue as data: command IDs and IO IDs.

Sources: Ruptela "FM Pro, FM Eco & FM Tco Protocols" v1.67 and "Ruptela
device protocol" v1.103 (command IDs; the IO list of FM-Eco4/Pro4/Tco4,
"IO parameters" chapter), and the IO IDs, keys and scaling Traccar's
``RuptelaProtocolDecoder`` decodes (read for facts only). IDs not listed
here stay ``io<ID>`` with the raw unsigned value and are counted as unknown.

IO row: ``(IO ID, key, kind, multiplier, unit, vendor name)`` (a multiplier
``(a, b)`` is the fraction a/b). Kinds: ``u``
unsigned (times the multiplier), ``s`` signed (two's complement of the size
the value came with, times the multiplier), ``b`` boolean (non-zero), ``x``
the value's bytes as hex. Alarm elements are in ``ALARMS``: (condition,
Traccar alarm); their value also stays under the row's key.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Command", "IO_IDS", "ALARMS", "HALF_PAIRS", "COMMAND_NAMES"]


class Command(IntEnum):
    """Command ID byte after the IMEI (device -> server)."""

    RECORDS = 1
    CONFIGURATION = 2       # device configuration answer (text)
    VERSION = 3             # device version answer (text)
    FIRMWARE = 4            # firmware update answer (text)
    SET_CONNECTION = 5      # answer to "set connection parameters": status byte
    SET_ODOMETER = 6        # answer to "set odometer": status byte
    SMS_VIA_GPRS_RESPONSE = 7  # answer to an SMS command sent over GPRS (text)
    SMS_VIA_GPRS = 8        # an SMS the device received, forwarded (text)
    DTC = 9                 # diagnostic trouble codes
    IDENTIFICATION = 15
    HEARTBEAT = 16
    SET_IO = 17             # answer to "set IO": status byte
    DRIVER_DLT = 36         # driver registration: magnetic card tracks
    FILES = 37              # file (photo) transfer
    EXTENDED_RECORDS = 68   # records with 2-byte event and IO IDs, merged records


#: command -> short name (UnknownMessage and logs)
COMMAND_NAMES = {c.value: c.name.lower() for c in Command}

Row = tuple[int, str, str, "float | tuple[int, int] | None", str, str]

IO_IDS: dict[int, Row] = {row[0]: row for row in (
    (2, "in1", "u", None, "", "DIN1"),
    (3, "in2", "u", None, "", "DIN2"),
    (4, "in3", "u", None, "", "DIN3"),
    (5, "in4", "u", None, "", "DIN4"),
    (13, "motion", "b", None, "", "Movement sensor"),
    (173, "motion", "b", None, "", "Movement sensor (accelerometer)"),
    (20, "adc3", "u", None, "mV", "AIN3"),
    (21, "adc4", "u", None, "mV", "AIN4"),
    (22, "adc1", "u", None, "mV", "AIN1"),
    (23, "adc2", "u", None, "mV", "AIN2"),
    (29, "power", "u", 0.001, "V", "Power supply voltage"),
    (30, "battery", "u", 0.001, "V", "Internal battery voltage"),
    (32, "deviceTemp", "s", None, "°C", "PCB temperature"),
    (34, "driverUniqueId", "x", None, "", "iButton ID"),
    (39, "engineLoad", "u", None, "%", "Engine load (OBD)"),
    (65, "odometer", "u", None, "m", "Virtual odometer"),
    (74, "temp3", "s", 0.1, "°C", "Temperature sensor 3"),
    (78, "temp0", "s", 0.1, "°C", "Temperature sensor 0"),
    (79, "temp1", "s", 0.1, "°C", "Temperature sensor 1"),
    (80, "temp2", "s", 0.1, "°C", "Temperature sensor 2"),
    (88, "jammingDetected", "u", None, "", "GSM jamming"),
    (94, "rpm", "u", 0.25, "rpm", "Engine speed (OBD)"),
    (95, "obdSpeed", "u", None, "km/h", "Vehicle speed (OBD)"),
    (98, "fuel", "u", (100, 255), "%", "Fuel level (OBD, 0..255 = 0..100 %)"),
    (100, "fuelConsumption", "u", 0.05, "l/h", "Fuel rate (OBD, 0.05 l/h)"),
    (134, "harshBraking", "u", None, "", "Harsh braking"),
    (136, "harshAcceleration", "u", None, "", "Harsh acceleration"),
    (150, "operator", "u", None, "", "GSM operator code"),
    (163, "odometer", "u", 5, "m", "CAN total vehicle distance (5 m)"),
    (164, "tripOdometer", "u", 5, "m", "CAN trip distance (5 m)"),
    (165, "obdSpeed", "u", 1 / 256, "km/h", "CAN wheel based speed (1/256 km/h)"),
    (166, "rpm", "u", 0.125, "rpm", "CAN engine speed"),
    (197, "rpm", "u", 0.125, "rpm", "CAN engine speed (FMS)"),
    (170, "charge", "b", None, "", "Battery charging"),
    (205, "fuel", "u", None, "l", "Fuel level (l)"),
    (207, "fuelLevel", "u", 0.4, "%", "CAN fuel level (0.4 %)"),
    (208, "fuelUsed", "u", 0.5, "l", "CAN total fuel used (0.5 l)"),
    (251, "ignition", "b", None, "", "Virtual ignition"),
    (409, "ignition", "b", None, "", "Ignition"),
    (410, "towing", "u", None, "", "Towing"),
    (411, "crash", "u", None, "", "Crash detection"),
    (415, "gnssAntenna", "u", None, "", "GNSS antenna state (0 = disconnected)"),
    (645, "obdOdometer", "u", 1000, "m", "OBD odometer (km)"),
    (758, "tamper", "u", None, "", "Tamper detection"),
)}

#: IO ID -> (alarm when the raw value satisfies this, Traccar alarm name)
ALARMS: dict[int, tuple[str, str]] = {
    88: ("nonzero", "jamming"),
    134: ("nonzero", "hardBraking"),
    136: ("nonzero", "hardAcceleration"),
    410: ("nonzero", "tow"),
    411: ("nonzero", "accident"),
    415: ("zero", "gpsAntennaCut"),
    758: ("one", "tampering"),
}

#: 8-byte halves joined into one value: first ID -> (second ID, key, as ASCII (else hex))
HALF_PAIRS: dict[int, tuple[int, str, bool]] = {
    126: (127, "driverUniqueId", True),     # CAN driver ID (FMS)
    155: (156, "driverUniqueId", True),     # tachograph driver 1 card ID
    760: (761, "tagId", False),             # RFID / BLE tag ID
}
