"""Suntech constants: port, frame markers, field layouts (codes: _catalogue.py)."""

from __future__ import annotations

from enum import IntEnum

PROTOCOL = "suntech"
DEFAULT_PORT = 5011

#: Traccar's frame limit: more than this buffered without a frame is an error
MAX_FRAME = 1024

#: an ASCII report ends at CR (a CR followed by LF is payload, not the end)
CR = 0x0D
LF = 0x0A


class BinaryType(IntEnum):
    """First byte of a binary frame."""

    ZIP = 0x02      # compressed report: 02 | length (2) | data | 03
    STATUS = 0x81   # Universal binary status report
    ALERT = 0x82    # Universal binary alert report


#: zip report type decoded (others are framed and reported as unknown)
ZIP_REPORT_STATUS = 0x10

#: alert and emergency tables: see _catalogue.py (ALERTS, EMERGENCIES)
from ._catalogue import ALERTS, EMERGENCIES  # noqa: E402  (re-exported)

#: binary alert id carrying an 8-byte driver id after the modifier
ALERT_DRIVER_ID = 59

#: legacy IO field: character index -> attribute
LEGACY_IO = ("ignition", "in1", "in2", "in3", "out1", "out2")

#: Universal header-mask bits: bit 0 stands for the device id (always sent, before the
#: mask), bit 1 = model ... bit 18 = output (fact sheet; Traccar numbers them the same)
UNIVERSAL_FIELDS = (
    "model", "versionFw", "msgType", "date", "time", "cellId", "mcc", "mnc", "lac", "rssi",
    "lat", "lon", "speed", "course", "sat", "fix", "input", "output",
)
#: bits 19-21 by report type
UNIVERSAL_TAIL = {
    "STT": ("mode", "reason", "index"),
    "ALT": ("alertId", "alertModifier", "alertData"),
}
#: the first bit with a column; bit 22 is reserved (one column); bit 23 the ASSIGN mask
UNIVERSAL_FIRST_BIT = 1
UNIVERSAL_BIT_EXTRA = 22
UNIVERSAL_BIT_ASSIGN = 23
