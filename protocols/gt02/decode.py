"""GT02 message decoders: ``DECODERS = {protocol: decoder}``.

A decoder takes ``(frame, device_id, now)`` and returns ``(positions, events,
unknown items)``; every record carries the frame serial as ``index``. The
table is built from ``_catalogue.MESSAGE_TYPES``.

Accepted forms (0x10): date and time as six binary bytes, year 2000 + YY,
UTC; coordinates unsigned (hemispheres only from the status bits), any
value up to 90 / 180 degrees; course above 360 -> unknown (None); a
content longer than 24 bytes (trailing bytes ignored).
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Callable, NamedTuple

from .._errors import MalformedError
from .._records import Event, Position
from ._catalogue import COORDINATE_DIVISOR, KNOWN_STATUS_MASK, MESSAGE_TYPES

__all__ = ["DECODERS", "REPLIED", "Frame", "PROTOCOL"]

PROTOCOL = "gt02"
UTC = timezone.utc
Records = tuple[tuple[Position, ...], tuple[Event, ...], int]
#: date YY MM DD hh mm ss (binary), lat u32, lon u32, speed u8 (km/h), course u16, reserved 3, status u32
_LOCATION = struct.Struct(">6BIIBH3xI")


class Frame(NamedTuple):
    power: int
    gsm: int
    terminal: bytes
    serial: int
    protocol: int
    content: bytes


def decode_location(f: Frame, device_id: str, now: datetime) -> Records:
    """0x10: status bit 0 fixed, bit 1 north, bit 2 east; coordinates in 1/30000 minute."""
    if len(f.content) < _LOCATION.size:
        raise MalformedError("gt02: truncated location", data=f.content)
    y, mo, d, h, mi, s, lat_raw, lon_raw, speed, course, status = _LOCATION.unpack_from(f.content)
    try:
        fix_time = datetime(2000 + y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        raise MalformedError("gt02: invalid date", data=f.content[:6]) from None
    lat = lat_raw / COORDINATE_DIVISOR
    lon = lon_raw / COORDINATE_DIVISOR
    if lat > 90.0 or lon > 180.0:
        raise MalformedError("gt02: coordinates out of range", data=f.content[6:14])
    position = Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time, valid=bool(status & 0x01),
        lat=lat if status & 0x02 else -lat, lon=lon if status & 0x04 else -lon,
        speed_kmh=float(speed), course_deg=float(course) if course <= 360 else None,
        attributes=_status_attributes(f.serial, status))
    return (position,), (), bin(status & ~KNOWN_STATUS_MASK).count("1")


def _status_attributes(serial: int, status: int) -> dict:
    """``index``; the whole ``status`` word when it has bits outside the catalogue."""
    if status & ~KNOWN_STATUS_MASK:
        return {"index": serial, "status": status}
    return {"index": serial}


def decode_heartbeat(f: Frame, device_id: str, now: datetime) -> Records:
    """0x1A: the header's power and GSM levels (raw levels, not volts)."""
    attrs = {"index": f.serial, "power": f.power, "rssi": f.gsm}
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=now, type="status",
                      attributes=attrs),), 0


def decode_command_result(f: Frame, device_id: str, now: datetime) -> Records:
    """0x1C: text length u8, ASCII text."""
    c = f.content
    size = c[0] if c else 0
    text = c[1:1 + size].decode("latin-1").strip("\x00\r\n ")
    attrs = {"index": f.serial, "result": text}
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=now, type="commandResult",
                      attributes=attrs),), 0


_BY_RECORD: dict[str, Callable[[Frame, str, datetime], Records]] = {
    "position": decode_location, "status": decode_heartbeat, "commandResult": decode_command_result,
}
DECODERS: dict[int, Callable[[Frame, str, datetime], Records]] = {
    t.code: _BY_RECORD[t.record] for t in MESSAGE_TYPES}
#: message types answered with ``54 68 1A 0D 0A``
REPLIED = frozenset(t.code for t in MESSAGE_TYPES if t.reply)
