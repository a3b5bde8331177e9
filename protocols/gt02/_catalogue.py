"""The GT02 (Concox GT02/GT02A, ``68 68``) catalogue, as data.

Sources (read for facts, not translated):
  * "GT02 Communication Protocol" ("GT02 Protocol en Neutral", scribd
    341659789; summarised in shared/protocols/gt02.md): packet layout,
    protocol numbers 0x10 / 0x1A / 0x1C, coordinate scaling (minutes x 30000),
    status bits, heartbeat answer ``54 68 1A 0D 0A``.
  * Traccar ``Gt02ProtocolDecoder`` (traccar/traccar, src/main): attribute
    keys (``index``, ``power``, ``rssi``, ``result``).

Status bits outside ``STATUS_BITS`` keep the whole word as ``status`` and
count in ``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MessageType", "MESSAGE_TYPES", "HeaderItem", "HEADER_ITEMS", "LocationField",
           "LOCATION_FIELDS", "STATUS_BITS", "KNOWN_STATUS_MASK", "COORDINATE_DIVISOR"]


class MessageType(NamedTuple):
    code: int
    name: str
    record: str          # "position", "status" event, "commandResult" event
    reply: bool          # answered with ``54 68 1A 0D 0A``


MESSAGE_TYPES: tuple[MessageType, ...] = (
    MessageType(0x10, "location", "position", False),
    MessageType(0x1A, "heartbeat", "status", True),
    MessageType(0x1C, "command answer", "commandResult", False),
)


class HeaderItem(NamedTuple):
    name: str
    key: str
    unit: str | None
    on: tuple[int, ...]       # message types whose records carry it


#: header bytes every frame has; power and GSM are 0 in location frames
HEADER_ITEMS: tuple[HeaderItem, ...] = (
    HeaderItem("serial", "index", None, (0x10, 0x1A, 0x1C)),
    HeaderItem("power level", "power", "raw level 0-6 (not volts)", (0x1A,)),
    HeaderItem("GSM signal", "rssi", "raw level 0-4", (0x1A,)),
)


class LocationField(NamedTuple):
    name: str
    size: int
    key: str | None
    unit: str | None


#: the 0x10 content, in order (24 bytes)
LOCATION_FIELDS: tuple[LocationField, ...] = (
    LocationField("date and time", 6, "fix_time", "YY MM DD hh mm ss, binary, UTC"),
    LocationField("latitude", 4, "lat", "degrees x 1 800 000 (minutes x 30 000), unsigned"),
    LocationField("longitude", 4, "lon", "degrees x 1 800 000, unsigned"),
    LocationField("speed", 1, "speed_kmh", "km/h"),
    LocationField("course", 2, "course_deg", "degrees"),
    LocationField("reserved", 3, None, None),
    LocationField("status", 4, "valid/lat/lon", "STATUS_BITS"),
)
COORDINATE_DIVISOR = 1_800_000.0

#: status bit -> meaning: set = GPS fixed (valid), north, east
STATUS_BITS = ((0, "valid"), (1, "north"), (2, "east"))
KNOWN_STATUS_MASK = sum(1 << bit for bit, _ in STATUS_BITS)
