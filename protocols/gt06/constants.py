"""GT06 message numbers, alarm/event codes and status tables (the catalogue, as data).

Sources, each table names its own:
  [VL03]   Concox "GPS Tracker Communication Protocol JM-VL03" V1.1.2 (2017), as transcribed in
           github.com/fcode09/jimi-vl103m docs/README_VL03_Protocol.md: protocol numbers, terminal
           information bits, voltage/GSM levels, alarm codes, upload modes, 0x94 sub-types.
  [GT06N]  Concox "GPS Tracker Communication Protocol (JM-VW01, GT06N, GT06F, GT06E, GV20, ...)"
           V1.1.8 (revision history: driving behaviour 2019, fuel sensor 2019, alarm codes 2020).
  [TRACCAR] traccar/traccar src/main/java/org/traccar/protocol/Gt06ProtocolDecoder.java (read for
           message numbers of other vendors' variants, attribute keys and scaling; 2024-2026 revisions).
Several vendors reuse a protocol number with another layout; decode.py picks the layout from the
content length where the vendors' layouts have fixed lengths (see _variants.py).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ALARM_95",
    "ALARM_CODES",
    "AZ735_STATUS",
    "EXTENDED_ACK",
    "FAMILY_ALARMS",
    "GPS_FIRST",
    "GSM_LEVELS",
    "INFO_TYPES",
    "NO_ACK",
    "STANDARD_ACK_EXTENDED",
    "START_EXT",
    "START_STD",
    "STOP",
    "TERMINAL_ALARMS",
    "UPLOAD_MODES",
    "VOLTAGE_LEVELS",
    "MsgType",
]

START_STD = b"\x78\x78"
START_EXT = b"\x79\x79"
STOP = b"\x0d\x0a"


class MsgType(IntEnum):
    """Protocol numbers: [VL03]/[GT06N] for Concox's own, [TRACCAR] for the other vendors'."""

    LOGIN = 0x01                 # IMEI (BCD), type code, time-zone/language word
    HEARTBEAT_SHORT = 0x08       # GT02-style keep-alive, no content
    GPS = 0x10                   # GPS block only
    GPS_LBS_6 = 0x11             # GPS + cell with 2-byte MNC and 4-byte CID
    GPS_LBS = 0x12               # GPS + cell [+ vendor tail] (GT06N location)
    STATUS = 0x13                # heartbeat: terminal info, voltage level, GSM level, alarm, language
    SATELLITE = 0x14             # satellite SNR report (no layout published; kept as unknown)
    STRING = 0x15                # old command reply: length, server flag, ASCII, language
    GPS_LBS_STATUS = 0x16        # alarm: GPS, cell (length byte), status
    LBS_PHONE = 0x17             # Wi-Fi/LBS (BCD time) or, 40-byte frame, GPS + cell + RFID
    LBS_EXTEND = 0x18            # multiple cells
    LBS_STATUS = 0x19            # cell + status (LBS alarm)
    GPS_PHONE = 0x1A             # GPS + phone number (address query by phone)
    GPS_LBS_EXTEND = 0x1E        # JI09: GPS block
    COMMAND_INFO = 0x21          # command reply (79 79): server flag, encoding, text
    GPS_LBS_2 = 0x22             # [VL03] location (UTC): GPS, cell, ACC, upload mode, re-upload, mileage
    HEARTBEAT_2 = 0x23           # GK310 heartbeat: status, battery (0.01 V), GSM
    LBS_MULTIPLE_3 = 0x24        # multiple cells; SR411 mini: GPS + cell + power
    GPS_LBS_DRIVER = 0x25        # XT40: location with driver id
    GPS_LBS_STATUS_2 = 0x26      # [VL03] alarm (UTC)
    GPS_LBS_STATUS_3 = 0x27      # [VL03] alarm, multiple geofences (fence number)
    LBS_MULTIPLE_1 = 0x28        # [VL03] LBS multi-base extended
    ADDRESS_REQUEST = 0x2A       # [VL03] GPS address request (answered with 0x97)
    LBS_WIFI = 0x2C              # cells + Wi-Fi
    GPS_LBS_4 = 0x2D             # GPS, cell, ACC, upload mode, re-upload
    LBS_MULTIPLE_2 = 0x2E        # multiple cells
    GPS_LBS_5 = 0x31             # AZ735 / SL4X location
    GPS_LBS_EXT = 0x32           # 78 78: GPS + cell + status (SL4X); 79 79: AZ735 location
    GPS_LBS_EXT_STATUS = 0x33    # 78 78: cells + Wi-Fi; 79 79: AZ735 alarm
    GPS_LBS_X1 = 0x34            # X1: alarm word, GPS, odometer, cell, driver, voltages, ports; SL4X: cells
    PHOTO_INFO = 0x35            # X1 photo announcement
    STATUS_2 = 0x36              # Jimi 4G status with modules (VL103: GPS + driver)
    GPS_LBS_3 = 0x37             # GPS, cell, ACC, upload mode, re-upload, modules
    GPS_LBS_8 = 0x38             # GPS, upload mode, re-upload, typed cell
    BMS = 0x40                   # WD-209 battery management system
    MULTIMEDIA = 0x41            # WD-209 photo chunks
    IBUTTON = 0x61               # IMEI, GPS, cell, iButton id
    DTC = 0x65                   # FM08ABC trouble codes (no layout published; kept as unknown)
    PID = 0x66                   # FM08ABC PIDs (no layout published; kept as unknown)
    WIFI = 0x69                  # Wi-Fi + cells, BCD time
    MODULAR = 0x70               # modules: (id u16, length u16, data)
    SERVER_COMMAND = 0x80        # server -> device online command
    COMMAND_REPLY_81 = 0x81
    COMMAND_REPLY_82 = 0x82
    TIME_REQUEST = 0x8A          # [VL03] time calibration
    OBD = 0x8C                   # FM08ABC OBD text pairs
    INFO = 0x94                  # [VL03] information transfer (sub-type byte)
    ALARM = 0x95                 # JC100/JC400 camera alarm
    ADDRESS_RESPONSE = 0x97      # server -> device English address
    SERIAL = 0x9B                # transparent serial data
    GPS_LBS_4G = 0xA0            # [VL03] 0x22 with a 4G cell
    LBS_MULTIPLE_4G = 0xA1       # [VL03] 0x28 with 4G cells
    WIFI_4G = 0xA2               # GK310 cells + Wi-Fi; LW4G: GPS + 4G cell + status + counters
    HEARTBEAT_4G = 0xA3          # GK310 single fence / GL21L status / pedometer
    GPS_LBS_STATUS_4G = 0xA4     # [VL03] 0x27 with a 4G cell
    LBS_STATUS_4G = 0xA5         # 4G cell + status (LBS alarm)
    LBS_ALARM_4G = 0xA7          # GK310 LBS address request
    IO = 0xF1                    # time + (id u16, length u8, value) items
    PERIPHERAL = 0xF2            # VL842 peripheral status items
    WIFI_2 = 0xF3                # Wi-Fi list (BCD time)


#: alarm byte of the status part -> (Traccar alarm name or None, vendor description) [VL03][GT06N];
#: the names are Traccar's defaults (models without a family below). Codes with None are events
#: without a Traccar alarm: they are reported as ``event`` = code.
ALARM_CODES: dict[int, tuple[str | None, str]] = {
    0x01: ("sos", "SOS"),
    0x02: ("powerCut", "power cut"),
    0x03: ("vibration", "vibration"),
    0x04: ("geofenceEnter", "entered fence"),
    0x05: ("geofenceExit", "left fence"),
    0x06: ("overspeed", "speed alert"),
    0x09: ("vibration", "tow/theft (displacement)"),
    0x0A: (None, "entered GPS blind spot"),
    0x0B: (None, "left GPS blind spot"),
    0x0C: ("tampering", "powered on / opened (field devices)"),
    0x0D: (None, "GPS first fix"),
    0x0E: ("lowBattery", "low external battery"),
    0x0F: ("lowBattery", "external battery low-voltage protection"),
    0x10: (None, "SIM changed"),
    0x11: ("powerOff", "powered off"),
    0x12: (None, "airplane mode after low-voltage protection"),
    0x13: ("tampering", "tamper"),
    0x14: ("door", "door"),
    0x15: (None, "powered off by low battery"),
    0x16: (None, "sound-control alert"),
    0x17: (None, "rogue base station"),
    0x18: ("removing", "cover removed"),
    0x19: ("lowBattery", "low internal battery"),
    0x1A: ("hardBraking", "harsh braking"),
    0x1B: ("hardCornering", "sharp turn"),
    0x20: (None, "entered deep sleep"),
    0x23: ("fallDown", "fall"),
    0x25: ("tampering", "tamper (light sensor)"),
    0x26: ("hardAcceleration", "harsh acceleration"),
    0x27: ("hardBraking", "harsh braking"),
    0x28: ("hardBraking", "harsh braking"),
    0x29: ("hardAcceleration", "harsh acceleration"),
    0x2A: ("hardCornering", "sharp left cornering"),
    0x2B: ("hardCornering", "sharp right cornering"),
    0x2C: ("accident", "collision"),
    0x2E: ("hardCornering", "sharp turn"),
    0x30: ("jamming", "jamming (VL family: harsh braking)"),
    0x32: (None, "device unplugged"),
    0xFE: (None, "ACC on"),
    0xFF: (None, "ACC off"),
}

#: model families that give some codes another meaning [TRACCAR] (LW*: LW4G..., SEEWORLD, VL103/
#: LL303/VL512/G18); chosen with Gt06Connection(model=...), never guessed from the frames.
FAMILY_ALARMS: dict[str, dict[int, str]] = {
    "lw": {0x18: "accident", 0x19: "hardAcceleration"},
    "seeworld": {0x28: "hardCornering", 0x29: "accident"},
    "vl": {0x09: "tow", 0x30: "hardBraking"},
}

#: bits 3-5 of the terminal information byte -> Traccar alarm name [VL03] (7: [TRACCAR] removal)
TERMINAL_ALARMS: dict[int, str] = {
    1: "vibration",
    2: "powerCut",
    3: "lowBattery",
    4: "sos",
    6: "geofence",
    7: "removing",
}

#: 0x95 camera alarm event byte -> Traccar alarm name [TRACCAR]; 0x01 is "sos" in the long form
#: (with a position) and "general" in the short one. Other codes: ``event`` only.
ALARM_95: dict[int, str] = {
    0x01: "sos",
    0x0E: "lowPower",
    0x76: "temperature",
    0x80: "vibration",
    0x87: "overspeed",
    0x88: "powerCut",
    0x90: "hardAcceleration",
    0x91: "hardBraking",
    0x92: "hardCornering",
    0x93: "accident",
}

#: AZ735 alarm (79 79 0x33) status byte -> (attribute, value) [TRACCAR]
AZ735_STATUS: dict[int, tuple[str, object]] = {
    0xA0: ("armed", True),
    0xA1: ("armed", False),
    0xA2: ("alarm", "lowBattery"),
    0xA3: ("alarm", "lowBattery"),
    0xA4: ("alarm", "general"),
    0xA5: ("alarm", "door"),
}

#: 0x94 information transfer sub-types [VL03] (+ 0x0B, 0x0D, 0x1E from [TRACCAR])
INFO_TYPES: dict[int, str] = {
    0x00: "external battery voltage (0.01 V) -> adc1",
    0x04: "terminal status synchronisation (ALM1..4, STA1, DYD ... text) -> alarmNStatus, otherStatus, engineStatus",
    0x05: "door status [date] flags -> door (bit 0), io1 (bit 2)",
    0x08: "self-check parameters (no layout published) -> info8 hex",
    0x09: "visible satellites -> satellites, satVisible",
    0x0A: "IMEI, IMSI, ICCID (BCD) -> imei, imsi, iccid",
    0x0B: "network technology (1 byte) or external voltage (2 bytes, 0.01 V) -> networkTechnology / power",
    0x0D: "fuel sensor text !AIOIL,... -> temp1, fuel",
    0x1B: "RFID (framed tag) or serial text -> driverUniqueId / serial",
    0x1E: "temperature and humidity (s32, 0.1) -> temp1, humidity",
}

#: data upload mode byte of 0x22/0xA0 [VL03] (reported as ``event``)
UPLOAD_MODES: dict[int, str] = {
    0x00: "fixed interval", 0x01: "fixed distance", 0x02: "cornering", 0x03: "ACC change",
    0x04: "last fix after stop", 0x05: "last fix before reconnection", 0x06: "ephemeris refresh",
    0x07: "key press", 0x08: "power on", 0x0A: "static update", 0x0B: "Wi-Fi fix",
    0x0C: "LJDW command", 0x0D: "last fix after stop (2)", 0x0E: "GPSDUP", 0x0F: "exit tracking",
}

#: voltage level byte 0-6 [VL03] (batteryLevel = level * 100 / 6; 7-100 are percentages, above: none)
VOLTAGE_LEVELS: dict[int, str] = {
    0: "no power", 1: "extremely low", 2: "very low", 3: "low", 4: "medium", 5: "high", 6: "very high",
}

#: GSM signal strength byte 0-4 [VL03] (reported as ``rssi`` unchanged)
GSM_LEVELS: dict[int, str] = {0: "no signal", 1: "extremely weak", 2: "weak", 3: "good", 4: "strong"}

#: types whose content starts with the standard GPS block (kept when the rest of a frame does
#: not fit its layout)
GPS_FIRST = frozenset({0x10, 0x11, 0x12, 0x16, 0x1A, 0x1E, 0x22, 0x26, 0x27, 0x2D, 0x31, 0x37,
                       0xA0, 0xA4})

#: types never acknowledged (command replies, server-side types, Wi-Fi with its own reply)
NO_ACK = frozenset({0x80, 0x81, 0x82, 0x15, 0x21, 0x9B, 0x94, 0x8A, 0x69, 0x17, 0x2A})

#: extended (79 79) types acknowledged in extended form
EXTENDED_ACK = frozenset({0x32, 0x33, 0x38, 0x41, 0xF1, 0xF2})

#: extended (79 79) types acknowledged with a standard 78 78 frame (0x70 modular)
STANDARD_ACK_EXTENDED = frozenset({0x70})
