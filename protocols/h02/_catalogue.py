"""The H02 catalogue as data: message types, status-word bits, report columns.

Sources: the SinoTrack/"HQ" H02 protocol document (``*HQ,<id>,<type>,...#``,
V1 position, V4 answers, heartbeat, the 32-bit active-low status word, the
32/45-byte ``$`` binary report); Traccar's ``H02ProtocolDecoder`` (the types it
reads, the alarm bits and their order, attribute keys and units, the battery
byte); the fact sheet shared/protocols/h02.md. decode.py, _position.py and
_bcd.py read these tables; tests/protocols/test_h02_catalogue.py is built from
them.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "MESSAGE_TYPES", "StatusBit", "STATUS_ALARMS", "STATUS_FLAGS", "SENSOR_TAIL",
    "LINK_COLUMNS", "UNKNOWN_KEY",
]

#: text message type -> what it carries. Any other ``V...`` type is read as a
#: position when it holds the ``lat,N|S,lon,E|W`` run (V2, V5, V6, V8, V19, VI1 ...);
#: other types are UnknownMessage.
MESSAGE_TYPES: Final[dict[str, str]] = {
    "V1": "position",      # position report, answered *HQ,<id>,V4,V1,<yyyyMMddHHmmss>#
    "V4": "position",      # answer to a server command: V4,<command>,<result...>,<position>
    "V0": "heartbeat",     # heartbeat, echoed *HQ,<id>,V0#
    "HTBT": "heartbeat",   # heartbeat with battery level, echoed *HQ,<id>,HTBT#
    "NBR": "network",      # cells without GPS, answered *HQ,<id>,V4,NBR,<time>#
    "V3": "network",       # cells, battery (hex), date, status
    "LINK": "status",      # rssi, satellites, battery %, steps, turnovers
    "VP1": "position",     # A|B,<position> (no time of day) or V,<mcc>,<mnc>,<cells>
    "SMS": "result",       # the device's answer text
}


class StatusBit(NamedTuple):
    bit: int
    key: str        # attribute key
    value: object   # the value it sets
    active_low: bool


#: alarms of the status word, in Traccar's order: only the first one that is
#: active is reported as ``alarm`` (bits are active-low)
STATUS_ALARMS: Final[tuple[StatusBit, ...]] = (
    StatusBit(0, "alarm", "vibration", True),
    StatusBit(1, "alarm", "sos", True),
    StatusBit(18, "alarm", "sos", True),
    StatusBit(2, "alarm", "overspeed", True),
    StatusBit(19, "alarm", "powerCut", True),
)

#: flags of the status word reported every time (``ignition``: bit 10 set = ACC on).
#: The whole word is also kept as ``status`` (a number), so no bit is lost.
STATUS_FLAGS: Final[tuple[StatusBit, ...]] = (
    StatusBit(10, "ignition", True, False),
)

#: the six fields after the status word of some firmware:
#: (key, kind); altitude goes to ``altitude_m``; lac/cid are hex
SENSOR_TAIL: Final[tuple[tuple[str, str], ...]] = (
    ("odometer", "int"),       # metres
    ("temp1", "int"),          # degrees Celsius, may be negative
    ("fuel", "float"),         # level
    ("altitude_m", "int"),     # metres, may be negative
    ("lac", "hex"),
    ("cid", "hex"),
)

#: LINK: field index -> attribute key
LINK_COLUMNS: Final[dict[str, int]] = {
    "rssi": 4, "sat": 5, "batteryLevel": 6, "steps": 7, "turnovers": 8,
}

#: generic key of what the tables lack (free fields after the status word)
UNKNOWN_KEY: Final = "io{}"
