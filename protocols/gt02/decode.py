"""GT02 message decoders: ``DECODERS = {protocol: decoder}``.

A decoder takes ``(frame, device_id, now)`` and returns ``(positions, events)``;
every record carries the frame serial as ``index``.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Callable, NamedTuple

from .._errors import MalformedError
from .._records import Event, Position
from .constants import MsgType

__all__ = ["DECODERS", "Frame", "PROTOCOL"]

PROTOCOL = "gt02"
UTC = timezone.utc
Records = tuple[tuple[Position, ...], tuple[Event, ...]]
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
    lat = lat_raw / 1_800_000.0
    lon = lon_raw / 1_800_000.0
    if lat > 90.0 or lon > 180.0:
        raise MalformedError("gt02: coordinates out of range", data=f.content[6:14])
    position = Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time, valid=bool(status & 0x01),
        lat=lat if status & 0x02 else -lat, lon=lon if status & 0x04 else -lon,
        speed_kmh=float(speed), course_deg=float(course) if course <= 360 else None,
        attributes={"index": f.serial})
    return (position,), ()


def decode_heartbeat(f: Frame, device_id: str, now: datetime) -> Records:
    """0x1A: the header's power and GSM levels (raw levels, not volts)."""
    attrs = {"index": f.serial, "power": f.power, "rssi": f.gsm}
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=now, type="status", attributes=attrs),)


def decode_command_result(f: Frame, device_id: str, now: datetime) -> Records:
    """0x1C: text length u8, ASCII text."""
    c = f.content
    size = c[0] if c else 0
    text = c[1:1 + size].decode("latin-1").strip("\x00\r\n ")
    attrs = {"index": f.serial, "result": text}
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=now, type="commandResult",
                      attributes=attrs),)


DECODERS: dict[int, Callable[[Frame, str, datetime], Records]] = {
    MsgType.LOCATION: decode_location,
    MsgType.HEARTBEAT: decode_heartbeat,
    MsgType.COMMAND_RESULT: decode_command_result,
}
