"""The location basic information block (28 bytes) and the Position it makes.

| alarm u32 | status u32 | lat u32 | lon u32 | altitude s16 | speed u16 (0.1 km/h) |
| course u16 | time 6 BCD YYMMDDhhmmss (terminal local time, GMT+8 by default) |

Accepted forms (JT/T 808-2019 section 8.12 and what terminals send):
- time: six BCD bytes ``YYMMDDhhmmss``, two-digit year = 20YY, in the
  terminal's zone. Out-of-range fields roll over like a lenient calendar
  (day 0 = last day of the previous month, month 13 = January of the next
  year, all zeros = 1999-11-30 00:00:00); a nibble above 9 counts its value
  (0x1A = 1*10 + 10). Nothing is rejected: the fix time is data to keep.
- altitude: signed metres (negative below sea level).
- coordinates: unsigned 1e-6 degrees with the south/west status bits; a value
  beyond 90/180 degrees is kept as an invalid fix (``valid`` false,
  coordinates 0, the raw values in ``rawLatitude``/``rawLongitude``).
- course above 359 is reported as unknown (None).
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

from .._errors import MalformedError
from .._records import Position
from .constants import ALARM_BITS, TRACCAR_ALARMS

__all__ = ["BASIC_SIZE", "PROTOCOL", "parse_bcd_time", "bcd_number", "lenient_time", "basic_position",
           "basic_attributes", "alarm_attributes", "coordinates", "add_alarm", "Basic"]

PROTOCOL = "jt808"
UTC = timezone.utc
BASIC_SIZE = 28
_BASIC = struct.Struct(">IIIIhHH")

Basic = tuple  # (alarm, status, lat_raw, lon_raw, altitude, speed, course, time)


def bcd_number(data: bytes) -> int:
    """Packed BCD -> its number; a nibble above 9 adds its own value (as terminals' firmware does)."""
    value = 0
    for b in data:
        value = (value * 10 + (b >> 4)) * 10 + (b & 0x0F)
    return value


def lenient_time(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    """A calendar that rolls over instead of rejecting (month 0, day 0, hour 24 ...)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    base = datetime(min(max(year, 1), 9999), month, 1, tzinfo=UTC)
    return base + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second)


def parse_bcd_time(data: bytes, offset: int, utc_offset_min: int) -> datetime:
    """Six BCD bytes YYMMDDhhmmss in the terminal's zone -> aware UTC datetime."""
    raw = data[offset:offset + 6]
    if len(raw) != 6:
        raise MalformedError("jt808: truncated time", data=raw)
    y, mo, d, h, mi, s = (bcd_number(raw[i:i + 1]) for i in range(6))
    return lenient_time(2000 + y, mo, d, h, mi, s) - timedelta(minutes=utc_offset_min)


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


def alarm_attributes(alarm: int, attrs: dict) -> None:
    """Traccar's alarm keys in Traccar's order; other set bits by name in ``alarmFlags``."""
    for name, bits in TRACCAR_ALARMS:
        if any(alarm >> bit & 1 for bit in bits):
            add_alarm(attrs, name)
    others = [ALARM_BITS[bit] for bit in _UNMAPPED_BITS if alarm >> bit & 1]
    if others:
        attrs["alarmFlags"] = ",".join(others)


_UNMAPPED_BITS = tuple(bit for bit in range(32)
                       if not any(bit in bits for _, bits in TRACCAR_ALARMS))


def basic_attributes(alarm: int, status: int, attrs: dict) -> None:
    alarm_attributes(alarm, attrs)
    attrs["ignition"] = bool(status & 0x01)
    attrs["blocked"] = bool(status & 0x400)
    attrs["charge"] = bool(status >> 26 & 1)
    if status >> 16 & 1:  # door 4 (the driver's door) in the standard: most terminals' only door
        attrs["door"] = True
    attrs["status"] = status


def coordinates(status: int, lat_raw: int, lon_raw: int, attrs: dict) -> tuple[float, float, bool]:
    """(lat, lon, in range): hemisphere from status bits 2 (south) and 3 (west)."""
    lat = lat_raw / 1_000_000.0
    lon = lon_raw / 1_000_000.0
    if status & 0x04:
        lat = -lat
    if status & 0x08:
        lon = -lon
    if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0:
        return lat, lon, True
    attrs["rawLatitude"], attrs["rawLongitude"] = lat, lon
    return 0.0, 0.0, False


def basic_position(basic: Basic, device_id: str, attrs: dict, satellites: int | None,
                   hdop: float | None = None) -> Position:
    alarm, status, lat_raw, lon_raw, altitude, speed, course, fix_time = basic
    lat, lon, ok = coordinates(status, lat_raw, lon_raw, attrs)
    return Position(device_id=device_id, protocol=PROTOCOL, fix_time=fix_time,
                    valid=ok and bool(status & 0x02), lat=lat, lon=lon, altitude_m=float(altitude),
                    speed_kmh=speed / 10.0, course_deg=float(course) if course <= 360 else None,
                    satellites=satellites, hdop=hdop, attributes=attrs)
