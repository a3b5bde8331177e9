"""The location basic information block (28 bytes) and the Position it makes.

| alarm u32 | status u32 | lat u32 | lon u32 | altitude s16 | speed u16 (0.1 km/h) |
| course u16 | time 6 BCD YYMMDDhhmmss (terminal local time, GMT+8 by default) |
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

from .._errors import MalformedError
from .._records import Position
from .constants import ALARM_BITS

__all__ = ["BASIC_SIZE", "PROTOCOL", "parse_bcd_time", "basic_position", "add_alarm", "Basic"]

PROTOCOL = "jt808"
UTC = timezone.utc
BASIC_SIZE = 28
_BASIC = struct.Struct(">IIIIhHH")
_DIGITS = frozenset(b"0123456789")

Basic = tuple  # (alarm, status, lat_raw, lon_raw, altitude, speed, course, time)


def parse_bcd_time(data: bytes, offset: int, utc_offset_min: int) -> datetime:
    """Six BCD bytes YYMMDDhhmmss in the terminal's zone -> aware UTC datetime."""
    text = data[offset:offset + 6].hex()
    if len(text) != 12 or not _DIGITS.issuperset(text.encode()):
        raise MalformedError("jt808: time is not BCD", data=data[offset:offset + 6])
    try:
        local = datetime(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]),
                         int(text[6:8]), int(text[8:10]), int(text[10:12]), tzinfo=UTC)
    except ValueError:
        raise MalformedError("jt808: invalid date", data=data[offset:offset + 6]) from None
    return local - timedelta(minutes=utc_offset_min)


def add_alarm(attrs: dict, name: str) -> None:
    """Traccar joins several alarms of one record with commas."""
    current = attrs.get("alarm")
    if current is None:
        attrs["alarm"] = name
    elif name not in current.split(","):
        attrs["alarm"] = f"{current},{name}"


def parse_basic(body: bytes, offset: int, utc_offset_min: int) -> Basic:
    if len(body) < offset + BASIC_SIZE:
        raise MalformedError("jt808: truncated location block", data=body[offset:])
    fields = _BASIC.unpack_from(body, offset)
    return fields + (parse_bcd_time(body, offset + 22, utc_offset_min),)


def basic_attributes(alarm: int, status: int, attrs: dict) -> None:
    for bit, name in ALARM_BITS.items():
        if alarm >> bit & 1:
            add_alarm(attrs, name)
    attrs["ignition"] = bool(status & 0x01)
    if status & 0x400:
        attrs["blocked"] = True
    if status & 0x10000:  # door 4 in the standard; the single door of most terminals
        attrs["door"] = True
    if status & 0x10000000:  # vendor bit (reserved in the standard): charging
        attrs["charge"] = True


def basic_position(basic: Basic, device_id: str, attrs: dict, satellites: int | None) -> Position:
    alarm, status, lat_raw, lon_raw, altitude, speed, course, fix_time = basic
    lat = lat_raw / 1_000_000.0
    lon = lon_raw / 1_000_000.0
    if status & 0x04:
        lat = -lat
    if status & 0x08:
        lon = -lon
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise MalformedError("jt808: coordinates out of range")
    return Position(device_id=device_id, protocol=PROTOCOL, fix_time=fix_time,
                    valid=bool(status & 0x02), lat=lat, lon=lon, altitude_m=float(altitude),
                    speed_kmh=speed / 10.0, course_deg=float(course) if course <= 360 else None,
                    satellites=satellites, attributes=attrs)
