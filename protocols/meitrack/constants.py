"""Meitrack constants: port, frame limits, event codes, binary record layout."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

PROTOCOL = "meitrack"
DEFAULT_PORT = 5020

#: Traccar's frame limit (32 KiB)
MAX_FRAME = 32 * 1024
#: the smallest frame the framer looks at (``$$A1,`` plus something)
MIN_HEADER = 10

DEVICE_MARK = b"$$"
SERVER_MARK = b"@@"

#: CCC/CCE times count seconds from here
EPOCH_2000 = datetime(2000, 1, 1, tzinfo=timezone.utc)

#: event codes and their alarms: ``_catalogue.EVENTS``

#: event code whose event-specific column is an RFID driver id
EVENT_RFID = 37
#: event code of a scheduled (time interval) report; what our device sends
EVENT_TRACK_BY_TIME = 35

#: CCC header: protocol version, record length, remaining cache (little-endian)
CCC_HEADER = struct.Struct("<HHI")
#: one CCC record (0x34 bytes, little-endian): event, lat, lon, time, valid, sats,
#: rssi, speed, course, hdop x10, altitude, odometer, runtime, MCC, MNC, LAC, CI,
#: status, AD1, battery, power, geofence
CCC_RECORD = struct.Struct("<BiiIBBBHHHhII4HHHHHI")
assert CCC_RECORD.size == 0x34

#: ADC scales by model (Traccar): battery and power volts per raw count
ADC_SCALES: dict[str, tuple[float, float]] = {
    "MVT340": (6 / 1024, 48 / 1024),
    "MVT380": (6 / 1024, 48 / 1024),
    "T1": (6.6 / 4096, 52.8 / 4096),
    "T3": (6.6 / 4096, 52.8 / 4096),
    "MVT100": (6.6 / 4096, 52.8 / 4096),
    "MVT600": (6.6 / 4096, 52.8 / 4096),
    "MVT800": (6.6 / 4096, 52.8 / 4096),
    "TC68": (6.6 / 4096, 52.8 / 4096),
    "TC68S": (6.6 / 4096, 52.8 / 4096),
    "MT90": (6.6 / 4096, 1.0),     # power column: raw count
    "MT90G": (6.0 / 4096, 1.0),
    # T311, T322X, T333, T355, T366, T366G and unknown models: 1/100 V (the default)
}
DEFAULT_ADC_SCALE = (0.01, 0.01)
