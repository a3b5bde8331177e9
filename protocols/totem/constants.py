"""Totem / Istartek constants (fact sheet shared/protocols/totem.md; AT09
protocol v2.43; AVL02 manual, GPRS format)."""

from __future__ import annotations

PROTOCOL = "totem"
DEFAULT_PORT = 5007
#: Traccar's frame decoder keeps at most 1024 bytes
MAX_FRAME = 1024
#: shortest frame Traccar cuts
MIN_FRAME = 10
KNOT_KMH = 1.852

ACK_OLD = b"ACK OK\r\n"
DEFAULT_PASSWORD = "000000"

#: new protocol: message type (2 hex after the length) -> alarm
NEW_ALARMS = {
    "01": "sos", "02": "overspeed", "04": "geofenceExit", "05": "geofenceEnter", "06": "tow",
    "07": "gpsAntennaCut", "10": "powerCut", "11": "powerRestored", "12": "lowPower",
    "13": "lowBattery", "40": "vibration", "41": "idle", "42": "hardAcceleration",
    "43": "hardBraking",
}
#: new protocol status word: bit (31 = most significant) -> alarm
STATUS_ALARMS = ((31, "sos"), (29, "overspeed"), (27, "geofenceExit"), (26, "geofenceEnter"),
                 (25, "gpsAntennaCut"))
#: new protocol status word: bit -> boolean attribute
STATUS_FLAGS = ((30, "ignition"), (28, "charge"), (23, "out1"), (22, "out2"), (21, "out3"))
STATUS_GPS_VALID = 14
STATUS_GPS_VALID_WITH_TEMP2 = 12

#: old protocols: alarm (2 hex) -> alarm
OLD_ALARMS = {"01": "sos", "10": "lowBattery", "11": "overspeed", "30": "parking",
              "42": "geofenceExit", "43": "geofenceEnter"}
#: Old-1 IO string, bit 0 = last character
OLD1_IO = ((4, "in3"), (5, "in4"), (6, "in1"), (7, "in2"), (8, "out1"), (9, "out2"))
#: Old-2 IO string, bit 0 = last character
OLD2_IO = ((0, "antenna"), (1, "charge"), (2, "in1"), (3, "in2"), (4, "in3"), (5, "in4"),
           (6, "in5"), (7, "in6"), (8, "out1"), (9, "out2"), (10, "out3"), (11, "out4"))

#: command codes (server -> device)
COMMANDS = {"reboot": "006", "factoryReset": "007", "version": "056", "position": "012",
            "engineStop": "025,C,1", "engineResume": "025,C,0"}
