"""Vendor messages outside the standard table.

0x5501 / 0x5502 (1-byte serial in the header): date and time as BCD
``DDMMYY hhmmss``, latitude BCD ``ddmm.mmmm`` (4 bytes), longitude BCD
``dddmm.mmmm`` (4.5 bytes) followed by a flag nibble (bit 0 fix valid, bit 1
north, bit 2 east), then vendor bytes not decoded here.

0x2070 acceleration log: repeated [BCD time (6) | x | y | z], each axis a
16-bit sign-and-magnitude value.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .._errors import MalformedError
from .._records import Event, Position
from ._context import Context, Records
from ._location import PROTOCOL, parse_bcd_time

__all__ = ["decode_alt_location", "decode_acceleration"]

UTC = timezone.utc


def _bcd(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise MalformedError("jt808: field is not BCD", data=data)
    return text


def decode_alt_location(body: bytes, ctx: Context) -> Records:
    if len(body) < 15:
        raise MalformedError("jt808: truncated 0x5501 location", data=body)
    t = _bcd(body[0:6])
    try:
        local = datetime(2000 + int(t[4:6]), int(t[2:4]), int(t[0:2]),
                         int(t[6:8]), int(t[8:10]), int(t[10:12]), tzinfo=UTC)
    except ValueError:
        raise MalformedError("jt808: invalid 0x5501 date", data=body[0:6]) from None
    lat_text = _bcd(body[6:10])
    lon_hex = body[10:15].hex()
    lon_text, flags = lon_hex[:9], int(lon_hex[9], 16)
    if not lon_text.isdigit():
        raise MalformedError("jt808: 0x5501 longitude is not BCD", data=body[10:15])
    lat = int(lat_text[0:2]) + int(lat_text[2:]) / 10000.0 / 60.0
    lon = int(lon_text[0:3]) + int(lon_text[3:]) / 10000.0 / 60.0
    if not flags & 0x2:
        lat = -lat
    if not flags & 0x4:
        lon = -lon
    if lat > 90.0 or lon > 180.0:
        raise MalformedError("jt808: 0x5501 coordinates out of range", data=body[6:15])
    position = Position(device_id=ctx.device_id, protocol=PROTOCOL,
                        fix_time=local - timedelta(minutes=ctx.utc_offset_min),
                        valid=bool(flags & 0x1), lat=lat, lon=lon, attributes={})
    return (position,), ()


def _axis(data: bytes, i: int) -> int:
    raw = int.from_bytes(data[i:i + 2], "big")
    return -(raw & 0x7FFF) if raw & 0x8000 else raw


def decode_acceleration(body: bytes, ctx: Context) -> Records:
    events = []
    for i in range(0, len(body) - 11, 12):
        time = parse_bcd_time(body, i, ctx.utc_offset_min)
        attrs = {"accelX": _axis(body, i + 6), "accelY": _axis(body, i + 8),
                 "accelZ": _axis(body, i + 10)}
        events.append(Event(device_id=ctx.device_id, protocol=PROTOCOL, time=time,
                            type="acceleration", attributes=attrs))
    return (), tuple(events)
