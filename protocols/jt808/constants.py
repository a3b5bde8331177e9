"""JT/T 808 message identifiers and bit meanings.

Sources: JT/T 808-2013 and JT/T 808-2019 (message table, location basic
information, additional information items), the project fact sheet
(shared/protocols/jt808.md). Vendor item layouts are noted where they are used.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["MsgType", "FLAG", "ESCAPE", "ALARM_BITS", "GENERAL_ACKED", "NO_REPLY"]

FLAG = 0x7E
ESCAPE = 0x7D


class MsgType(IntEnum):
    # device -> server
    TERMINAL_RESPONSE = 0x0001
    HEARTBEAT = 0x0002
    LOGOUT = 0x0003
    REGISTER = 0x0100
    AUTH = 0x0102
    PARAMETERS = 0x0104
    ATTRIBUTES = 0x0107
    TIME_SYNC_REQUEST = 0x0109
    LOCATION = 0x0200
    LOCATION_BATCH_2 = 0x0210
    LOCATION_QUERY_RESPONSE = 0x0201
    WAYBILL = 0x0701
    DRIVER = 0x0702
    LOCATION_BATCH = 0x0704
    TRANSPARENT = 0x0900
    MEDIA_EVENT = 0x0800
    TIMEZONE_SYNC = 0x1007
    COMMAND_RESULT = 0x1300
    ACCELERATION = 0x2070
    LOCATION_ALT = 0x5501
    LOCATION_ALT_2 = 0x5502
    TEXT_REPORT = 0x6006
    PHOTO = 0x8888
    # server -> device
    GENERAL_RESPONSE = 0x8001
    REGISTER_RESPONSE = 0x8100
    SET_PARAMETERS = 0x8103
    TERMINAL_CONTROL = 0x8105
    TIME_SYNC_RESPONSE = 0x8109
    TEXT_MESSAGE = 0x8300
    ALT_RESPONSE = 0x4401


#: alarm-flag bit (location basic information) -> Traccar alarm name
ALARM_BITS: dict[int, str] = {
    0: "sos",
    1: "overspeed",
    2: "fatigueDriving",
    5: "gpsAntennaCut",
    7: "lowBattery",
    8: "powerCut",
    17: "tampering",
    20: "geofence",
    28: "movement",
    29: "accident",
    30: "accident",
}

#: messages answered with the platform general response 0x8001 (result 0)
GENERAL_ACKED = frozenset({
    0x0001, 0x0002, 0x0003, 0x0102, 0x0104, 0x0107, 0x0200, 0x0201, 0x0210, 0x0506, 0x0704, 0x0800, 0x0900, 0x1007, 0x6006, 0x8888,
})

#: messages Traccar does not answer (fact sheet)
NO_REPLY = frozenset({0x0701, 0x0702, 0x1300, 0x2070})
