"""Binary ``$`` position reports (32-byte short, 45-byte long, 42-byte with an 8-byte id).

``$ id(5 BCD | 8 BCD) hhmmss ddmmyy lat(DDMM.MMMM, 8 digits) battery
lon(DDDMM.MMMM, 9 digits) flags(nibble) speed(3 digits, knots) course(3 digits)
status(4)``; the rest of the frame is not decoded.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .._binary import bcd_digits
from .._errors import MalformedError
from .._text import check_latlon
from .constants import ID8_SIZE, KNOT_KMH, SHORT_SIZE

__all__ = ["BinaryReport", "parse_binary", "battery_level"]

UTC = timezone.utc


class BinaryReport:
    __slots__ = ("device_id", "fix_time", "lat", "lon", "valid", "speed_kmh", "course_deg",
                 "battery", "status")

    def __init__(self, **values) -> None:
        for key, value in values.items():
            setattr(self, key, value)


def battery_level(code: int) -> int | None:
    """The battery byte -> percent (None when the device reports none)."""
    if 1 <= code <= 3:
        return (code - 1) * 10
    if 4 <= code <= 6:
        return (code - 1) * 20
    if 7 <= code <= 100:
        return code
    if 0xF1 <= code <= 0xF6:
        return code - 0xF0
    return None


def parse_binary(frame: bytes) -> BinaryReport:
    if len(frame) < SHORT_SIZE:
        raise MalformedError(f"h02: binary frame of {len(frame)} bytes", data=frame)
    id_size = 8 if len(frame) == ID8_SIZE else 5
    digits = bcd_digits(frame[1:1 + id_size])
    device_id = digits[:15] if id_size == 8 else digits
    p = 1 + id_size
    clock = bcd_digits(frame[p:p + 10])  # hhmmss ddmmyy DDMMmmmm
    battery = frame[p + 10]
    lon_hex = frame[p + 11:p + 16].hex()
    lon_digits, flags = lon_hex[:9], int(lon_hex[9], 16)
    motion = bcd_digits(frame[p + 16:p + 19])
    if not lon_digits.isdigit():
        raise MalformedError("h02: longitude is not BCD", data=frame)
    fix_time = _time(clock[:12], frame)
    lat = int(clock[12:14]) + int(clock[14:20]) / 600000.0
    lon = int(lon_digits[:3]) + int(lon_digits[3:]) / 600000.0
    if clock[14:16] >= "60" or lon_digits[3:5] >= "60":
        raise MalformedError("h02: minutes out of range", data=frame)
    lat = check_latlon(lat if flags & 0x4 else -lat, 90.0)
    lon = check_latlon(lon if flags & 0x8 else -lon, 180.0)
    return BinaryReport(
        device_id=device_id, fix_time=fix_time, lat=lat, lon=lon, valid=bool(flags & 0x2),
        speed_kmh=int(motion[:3]) * KNOT_KMH, course_deg=float(int(motion[3:])),
        battery=battery_level(battery), status=int.from_bytes(frame[p + 19:p + 23], "big"))


def _time(digits: str, frame: bytes) -> datetime:
    hh, mm, ss, day, month, yy = (int(digits[i:i + 2]) for i in range(0, 12, 2))
    try:
        return datetime(2000 + yy, month, day, hh, mm, ss, tzinfo=UTC)
    except ValueError:
        raise MalformedError("h02: bad binary date/time", data=frame) from None
