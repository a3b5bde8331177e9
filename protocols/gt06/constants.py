"""GT06 message numbers, alarm codes and wire constants.

Sources: the project fact sheet (shared/protocols/gt06.md) and Concox/Jimi IoT
protocol documents (GT06N, JM-VL01/VL03, GT800 "communication protocol" PDFs).
Several vendors reuse a protocol number with another layout; the decoders pick
the variant from the content length (see decode.py / _location.py).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "MsgType", "START_STD", "START_EXT", "STOP", "ALARM_CODES", "TERMINAL_ALARMS",
    "NO_ACK", "EXTENDED_ACK",
]

START_STD = b"\x78\x78"
START_EXT = b"\x79\x79"
STOP = b"\x0d\x0a"


class MsgType(IntEnum):
    LOGIN = 0x01
    HEARTBEAT_SHORT = 0x08
    GPS = 0x10
    LBS = 0x11
    GPS_LBS = 0x12
    STATUS = 0x13
    SATELLITE = 0x14
    STRING = 0x15
    GPS_LBS_STATUS = 0x16
    LBS_PHONE = 0x17
    LBS_EXTEND = 0x18
    LBS_STATUS = 0x19
    GPS_PHONE = 0x1A
    COMMAND_INFO = 0x21
    GPS_LBS_2 = 0x22
    HEARTBEAT_2 = 0x23
    GPS_LBS_3 = 0x24
    GPS_LBS_RFID = 0x25
    GPS_LBS_STATUS_2 = 0x26
    GPS_LBS_STATUS_3 = 0x27
    LBS_MULTIPLE_1 = 0x28
    ADDRESS_REQUEST = 0x2A
    LBS_WIFI = 0x2C
    LBS_MULTIPLE_2 = 0x2E
    GPS_2 = 0x31
    GPS_LBS_EXT = 0x32
    GPS_LBS_EXT_STATUS = 0x33
    GPS_LBS_4 = 0x34
    STATUS_2 = 0x36
    GPS_LBS_5 = 0x37
    GPS_LBS_6 = 0x38
    WIFI = 0x69
    INFO_70 = 0x70
    SERVER_COMMAND = 0x80
    COMMAND_REPLY_81 = 0x81
    TIME_REQUEST = 0x8A
    OBD = 0x8C
    INFO = 0x94
    ALARM = 0x95
    SERIAL = 0x9B
    GPS_LBS_4G = 0xA0
    LBS_MULTIPLE_4G = 0xA1
    WIFI_4G = 0xA2
    HEARTBEAT_4G = 0xA3
    GPS_LBS_STATUS_4G = 0xA4
    LBS_STATUS_4G = 0xA5
    LBS_ALARM_4G = 0xA7
    PERIPHERAL = 0xF2


#: alarm/language byte of the status part -> Traccar alarm name
ALARM_CODES: dict[int, str] = {
    0x01: "sos",
    0x02: "powerCut",
    0x03: "vibration",
    0x04: "geofenceEnter",
    0x05: "geofenceExit",
    0x06: "overspeed",
    0x09: "vibration",
    0x0E: "lowBattery",
    0x0F: "lowBattery",
    0x0C: "tampering",  # seen on 0x26 alarm packets in the field
    0x11: "powerOff",
    0x13: "tampering",
    0x14: "door",
    0x18: "lowBattery",
    0x19: "lowBattery",
    0x29: "hardAcceleration",
    0x2A: "hardBraking",
    0x2B: "hardCornering",
    0x2C: "accident",
    0xFE: "powerOn",
    0xFF: "powerOff",
}

#: bits 3-5 of the terminal information byte -> Traccar alarm name
TERMINAL_ALARMS: dict[int, str] = {
    1: "vibration",
    2: "powerCut",
    3: "lowBattery",
    4: "sos",
    6: "geofence",
    7: "removing",
}

#: types never acknowledged (command replies, server-side types)
NO_ACK = frozenset({0x80, 0x81, 0x82, 0x15, 0x21, 0x9B, 0x94, 0x8A, 0x69, 0x17})

#: extended (79 79) types acknowledged in extended form
EXTENDED_ACK = frozenset({0x32, 0x33, 0x38, 0x70, 0xF1, 0xF2})
