"""JT/T 808 message identifiers, alarm and status bits, as data.

Sources:
- JT/T 808-2013 and JT/T 808-2019 "Road transport vehicle satellite
  positioning system - terminal communication protocol and data format":
  message table (2019 appendix B / table B.1), alarm flag bits (2019 table 24,
  2013 table 24), status bits (2019 table 25), the terminal-general-response
  results.
- JT/T 1078-2016 (video extension, 0x1003..0x1206 / 0x9003..0x9206) and the
  "Su-standard" active-safety attachment messages (0x1210..0x1212, 0x9208).
- Vendor messages and the Traccar alarm keys per bit: Traccar's
  ``Jt808ProtocolDecoder`` (traccar/traccar, read for facts, not translated),
  shared/protocols/jt808.md.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["MsgType", "FLAG", "ESCAPE", "ALT_FLAG", "MESSAGES", "ALARM_BITS", "TRACCAR_ALARMS", "STATUS_BITS",
           "GENERAL_ACKED", "NO_REPLY", "RESULT_CODES"]

FLAG = 0x7E
ESCAPE = 0x7D
#: the alternative framing: flag E7, escapes E6 01/E6 02/3E 01/3E 02, 7-byte terminal id
ALT_FLAG = 0xE7


class MsgType(IntEnum):
    # device -> server (JT/T 808-2013/2019)
    TERMINAL_RESPONSE = 0x0001
    HEARTBEAT = 0x0002
    LOGOUT = 0x0003
    SERVER_TIME_REQUEST = 0x0004
    RETRANSMIT_REQUEST = 0x0005
    REGISTER = 0x0100
    AUTH = 0x0102
    PARAMETERS = 0x0104
    ATTRIBUTES = 0x0107
    UPGRADE_RESULT = 0x0108
    TIME_SYNC_REQUEST = 0x0109
    LOCATION = 0x0200
    LOCATION_QUERY_RESPONSE = 0x0201
    EVENT_REPORT = 0x0301
    QUESTION_ANSWER = 0x0302
    INFO_DEMAND = 0x0303
    VEHICLE_CONTROL_RESPONSE = 0x0500
    AREA_QUERY_RESPONSE = 0x0608
    DRIVING_RECORD = 0x0700
    WAYBILL = 0x0701
    DRIVER = 0x0702
    LOCATION_BATCH = 0x0704
    CAN_DATA = 0x0705
    MEDIA_EVENT = 0x0800
    MEDIA_DATA = 0x0801
    MEDIA_SEARCH_RESPONSE = 0x0802
    CAMERA_RESPONSE = 0x0805
    TRANSPARENT = 0x0900
    COMPRESSED = 0x0901
    RSA_KEY = 0x0A00
    # JT/T 1078 video and active-safety attachments
    AV_ATTRIBUTES = 0x1003
    PASSENGER_FLOW = 0x1005
    AV_RESOURCES = 0x1205
    FILE_UPLOAD_DONE = 0x1206
    ALARM_ATTACHMENT = 0x1210
    ATTACHMENT_INFO = 0x1211
    ATTACHMENT_DONE = 0x1212
    # vendor device -> server
    LOCATION_BATCH_2 = 0x0210
    PARAMETER_SETTING = 0x0310
    HEARTBEAT_2 = 0x0506
    TIMEZONE_SYNC = 0x1007
    COMMAND_RESULT = 0x1300
    ACCELERATION = 0x2070
    LOCATION_ALT = 0x5501
    LOCATION_ALT_2 = 0x5502
    TEXT_REPORT = 0x6006
    PHOTO = 0x8888
    # server -> device
    GENERAL_RESPONSE = 0x8001
    RETRANSMIT = 0x8003
    SERVER_TIME_RESPONSE = 0x8004
    REGISTER_RESPONSE = 0x8100
    SET_PARAMETERS = 0x8103
    QUERY_PARAMETERS = 0x8104
    TERMINAL_CONTROL = 0x8105
    QUERY_SOME_PARAMETERS = 0x8106
    QUERY_ATTRIBUTES = 0x8107
    UPGRADE_PACKAGE = 0x8108
    TIME_SYNC_RESPONSE = 0x8109
    LOCATION_QUERY = 0x8201
    TEMPORARY_TRACKING = 0x8202
    ALARM_ACK = 0x8203
    LINK_CHECK = 0x8204
    TEXT_MESSAGE = 0x8300
    EVENT_SETTING = 0x8301
    QUESTION = 0x8302
    INFO_MENU = 0x8303
    INFO_SERVICE = 0x8304
    CALLBACK = 0x8400
    PHONE_BOOK = 0x8401
    VEHICLE_CONTROL = 0x8500
    SET_CIRCLE = 0x8600
    DELETE_CIRCLE = 0x8601
    SET_RECTANGLE = 0x8602
    DELETE_RECTANGLE = 0x8603
    SET_POLYGON = 0x8604
    DELETE_POLYGON = 0x8605
    SET_ROUTE = 0x8606
    DELETE_ROUTE = 0x8607
    QUERY_AREA = 0x8608
    RECORD_COLLECT = 0x8700
    RECORD_PARAMETERS = 0x8701
    DRIVER_REQUEST = 0x8702
    MEDIA_RESPONSE = 0x8800
    CAMERA_SHOOT = 0x8801
    MEDIA_SEARCH = 0x8802
    MEDIA_UPLOAD = 0x8803
    RECORD_AUDIO = 0x8804
    MEDIA_UPLOAD_ONE = 0x8805
    TRANSPARENT_DOWNLINK = 0x8900
    PLATFORM_RSA_KEY = 0x8A00
    AV_QUERY = 0x9003
    VIDEO_REQUEST = 0x9101
    VIDEO_CONTROL = 0x9102
    ALARM_ATTACHMENT_REQUEST = 0x9208
    ALT_RESPONSE = 0x4401
    OIL_CONTROL = 0xA006


#: message id -> (event type / name, what the body carries). The decoder of
#: each id is in decode.py's DECODERS; "position" marks the messages whose body
#: holds a location basic block (they yield Positions).
MESSAGES: dict[int, tuple[str, str]] = {
    0x0001: ("commandResult", "reply serial, reply id, result (RESULT_CODES)"),
    0x0002: ("heartbeat", "empty; vendor: battery level, RSSI, status"),
    0x0003: ("logout", "empty"),
    0x0004: ("timeRequest", "empty (2019), answered with 0x8004"),
    0x0005: ("retransmitRequest", "first serial, count, serials (2019)"),
    0x0100: ("register", "province, city, maker, model, terminal id, plate"),
    0x0102: ("auth", "authentication code [, IMEI, software version (2019)]"),
    0x0104: ("parameters", "reply serial, count, [id u32, len, value]"),
    0x0107: ("attributes", "type, maker, model, id, ICCID, hardware/firmware versions"),
    0x0108: ("upgradeResult", "upgrade type, result"),
    0x0109: ("timeRequest", "vendor time request, answered with 0x8109"),
    0x0200: ("location", "position"),
    0x0201: ("location", "position: reply serial, location"),
    0x0210: ("location", "position: [len u8, location]... or battery + time"),
    0x0301: ("event", "event id (2013)"),
    0x0302: ("answer", "reply serial, answer id (2013)"),
    0x0303: ("infoDemand", "info type, flag (2013)"),
    0x0310: ("parameters", "vendor parameter setting reply"),
    0x0500: ("location", "position: reply serial, location"),
    0x0506: ("heartbeat", "vendor heartbeat"),
    0x0608: ("areaQuery", "area/route definitions (2019)"),
    0x0700: ("drivingRecord", "reply serial, command, GB/T 19056 data"),
    0x0701: ("commandResult", "electronic waybill: length u32, content"),
    0x0702: ("driver", "card status, time, result, name, certificate, agency, validity"),
    0x0704: ("location", "position: count, type, [len u16, location]..."),
    0x0705: ("canData", "count, receive time, [CAN id u32, data 8]..."),
    0x0800: ("media", "media id, type, format, event, channel"),
    0x0801: ("media", "position: media id, type, format, event, channel, location, data"),
    0x0802: ("media", "position: reply serial, count, [media id, type, channel, event, location]"),
    0x0805: ("media", "reply serial, result, count, media ids"),
    0x0900: ("transparent", "type, vendor payload (some carry a position)"),
    0x0901: ("transparent", "compressed length u32, gzip data"),
    0x0A00: ("rsaKey", "e u32, n 128 bytes"),
    0x1003: ("video", "audio/video attributes (JT/T 1078)"),
    0x1005: ("passengerFlow", "start, end BCD times, boarding u16, alighting u16 (JT/T 1078)"),
    0x1007: ("timezone", "vendor time zone synchronisation"),
    0x1205: ("video", "resource list (JT/T 1078)"),
    0x1206: ("video", "file upload complete (JT/T 1078)"),
    0x1210: ("alarmAttachment", "attachment list of an active-safety alarm"),
    0x1211: ("alarmAttachment", "attachment file information"),
    0x1212: ("alarmAttachment", "attachment upload complete"),
    0x1300: ("commandResult", "vendor: reply serial, UTF-16 text"),
    0x2070: ("acceleration", "vendor: [BCD time, x, y, z]..."),
    0x5501: ("location", "position: vendor BCD location, 1-byte serial"),
    0x5502: ("location", "position: vendor BCD location (buffered), 1-byte serial"),
    0x6006: ("commandResult", "vendor: encoding, text"),
    0x8888: ("media", "vendor photo"),
}

#: alarm flag bit -> its JT/T 808-2019 meaning (table 24), all 32 bits.
ALARM_BITS: dict[int, str] = {
    0: "emergency", 1: "overspeed", 2: "fatigueDriving", 3: "dangerWarning",
    4: "gnssModuleFault", 5: "gnssAntennaOpen", 6: "gnssAntennaShort", 7: "powerUndervoltage",
    8: "powerDown", 9: "displayFault", 10: "ttsFault", 11: "cameraFault",
    12: "icCardFault", 13: "overspeedWarning", 14: "fatigueWarning", 15: "reserved15",
    16: "reserved16", 17: "reserved17", 18: "drivingTimeout", 19: "parkingTimeout",
    20: "areaInOut", 21: "routeInOut", 22: "routeTime", 23: "routeDeviation",
    24: "vssFault", 25: "fuelAbnormal", 26: "vehicleStolen", 27: "illegalIgnition",
    28: "illegalMovement", 29: "collision", 30: "rollover", 31: "illegalDoorOpen",
}

#: Traccar alarm key -> the bits that raise it, in Traccar's order (several
#: alarms of one record are joined with commas in this order). Bits 15-17 are
#: reserved in the standard; terminals use them for vibration and tampering.
#: Bits not listed here (3, 12-14, 21-25, 27, 31) have no Traccar key and are
#: reported by their ALARM_BITS name in ``alarmFlags``.
TRACCAR_ALARMS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("sos", (0,)), ("overspeed", (1,)), ("fatigueDriving", (2,)), ("gpsAntennaCut", (5, 6)),
    ("fault", (4, 9, 10, 11)), ("lowBattery", (7, 18)), ("powerOff", (8,)),
    ("vibration", (15,)), ("tampering", (16, 17)), ("parking", (19,)), ("geofence", (20,)),
    ("general", (26,)), ("movement", (28,)), ("accident", (29, 30)),
)

#: status bit -> meaning (JT/T 808-2019 table 25); 8-9 are the load state
#: (0 empty, 1 half, 3 full). Bit 26 is a vendor "charging" bit (Traccar).
STATUS_BITS: dict[int, str] = {
    0: "acc", 1: "positioned", 2: "south", 3: "west", 4: "stopped", 5: "encrypted",
    8: "load0", 9: "load1", 10: "oilCut", 11: "circuitCut", 12: "doorLocked", 13: "door1",
    14: "door2", 15: "door3", 16: "door4", 17: "door5", 18: "gps", 19: "beidou",
    20: "glonass", 21: "galileo", 22: "moving", 26: "charging",
}

#: 0x0001 / 0x8001 result byte
RESULT_CODES: dict[int, str] = {0: "success", 1: "failure", 2: "bad message", 3: "unsupported",
                                4: "alarm confirmed"}

#: messages answered with the platform general response 0x8001 (result 0)
GENERAL_ACKED = frozenset({
    0x0001, 0x0002, 0x0003, 0x0005, 0x0102, 0x0104, 0x0107, 0x0108, 0x0200, 0x0201, 0x0210,
    0x0301, 0x0302, 0x0303, 0x0500, 0x0506, 0x0608, 0x0700, 0x0704, 0x0705, 0x0800, 0x0801,
    0x0802, 0x0805, 0x0900, 0x0901, 0x0A00, 0x1003, 0x1005, 0x1205, 0x1206, 0x1210, 0x1211,
    0x1212, 0x1007, 0x6006, 0x8888,
})

#: messages Traccar does not answer (fact sheet)
NO_REPLY = frozenset({0x0701, 0x0702, 0x1300, 0x2070})
