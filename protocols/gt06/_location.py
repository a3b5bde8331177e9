"""GPS, LBS and status blocks shared by the GT06 location/alarm messages.

GPS block (18 bytes): date YY MM DD hh mm ss (binary), info byte (high nibble
GPS data length, low nibble satellites), latitude and longitude (u32,
minutes x 30000), speed (u8, km/h), course/status word (bits 0-9 course,
10 north, 11 west, 12 fixed, 14 ACC present, 15 ACC on).
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone

from .._errors import MalformedError
from .._records import Position
from .constants import ALARM_CODES, TERMINAL_ALARMS

__all__ = ["GPS_SIZE", "parse_time", "gps_position", "make_position", "parse_lbs", "parse_lbs_4g",
           "status_attributes", "battery_level", "PROTOCOL"]

PROTOCOL = "gt06"
UTC = timezone.utc
GPS_SIZE = 18
_GPS = struct.Struct(">6BBIIBH")
_TIME = struct.Struct(">6B")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


def parse_time(data: bytes, offset: int) -> datetime:
    """Six binary bytes YY MM DD hh mm ss as a UTC datetime."""
    if len(data) < offset + 6:
        raise MalformedError("gt06: truncated date", data=data)
    y, mo, d, h, mi, s = _TIME.unpack_from(data, offset)
    try:
        return datetime(2000 + y, mo, d, h, mi, s, 0, UTC)
    except ValueError:
        raise MalformedError("gt06: invalid date", data=data[offset:offset + 6]) from None


def gps_position(data: bytes, offset: int, device_id: str, attributes: dict) -> Position:
    """The Position of the GPS block at ``offset`` (``attributes`` is used as is)."""
    if len(data) < offset + GPS_SIZE:
        raise MalformedError("gt06: truncated GPS block", data=data)
    y, mo, d, h, mi, s, info, lat_raw, lon_raw, speed, word = _GPS.unpack_from(data, offset)
    try:
        fix_time = datetime(2000 + y, mo, d, h, mi, s, 0, UTC)  # positional: half the cost of tzinfo=
    except ValueError:
        raise MalformedError("gt06: invalid date", data=data[offset:offset + 6]) from None
    return make_position(fix_time, info, lat_raw, lon_raw, speed, word, device_id, attributes)


def make_position(fix_time: datetime, info: int, lat_raw: int, lon_raw: int, speed: int,
                  word: int, device_id: str, attributes: dict,
                  altitude_m: float | None = None) -> Position:
    """A Position from the raw GPS fields (satellites in the low nibble of ``info``)."""
    if lat_raw > 162_000_000 or lon_raw > 324_000_000:  # 90 and 180 degrees
        raise MalformedError("gt06: coordinates out of range")
    lat = lat_raw / 1_800_000.0
    lon = lon_raw / 1_800_000.0
    if not word & 0x0400:
        lat = -lat
    if word & 0x0800:
        lon = -lon
    if word & 0x4000:
        attributes["ignition"] = bool(word & 0x8000)
    return Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time,
        valid=bool(word & 0x1000), lat=lat, lon=lon, altitude_m=altitude_m,
        speed_kmh=float(speed), course_deg=float(word & 0x03FF), satellites=info & 0x0F,
        attributes=attributes,
    )


def parse_lbs(data: bytes, offset: int) -> int:
    """Skip a 2G/3G cell block (MCC, MNC 1|2, LAC 2, CID 3); the offset after it."""
    if len(data) < offset + 2:
        return len(data)
    mnc = 2 if data[offset] & 0x80 else 1
    return offset + 2 + mnc + 2 + 3


def parse_lbs_4g(data: bytes, offset: int) -> int:
    """Skip a 4G cell block (MCC, MNC 1|2, LAC 4, CID 8); the offset after it."""
    if len(data) < offset + 2:
        return len(data)
    mnc = 2 if data[offset] & 0x80 else 1
    return offset + 2 + mnc + 4 + 8


def battery_level(value: int) -> int:
    """Voltage level 0-6 (scale) or 7-100 (percent) -> batteryLevel %."""
    if value <= 6:
        return value * 100 // 6
    return min(value, 100)


def status_attributes(info: int, voltage: int | None, gsm: int | None,
                      alarm: int | None, attributes: dict) -> dict:
    """Terminal information byte, voltage level, GSM signal and alarm code -> attributes."""
    attributes["ignition"] = bool(info & 0x02)
    attributes["charge"] = bool(info & 0x04)
    attributes["blocked"] = bool(info & 0x80)
    if voltage is not None:
        attributes["batteryLevel"] = battery_level(voltage)
    if gsm is not None:
        attributes["rssi"] = gsm
    name = TERMINAL_ALARMS.get((info >> 3) & 0x07)
    if name is None and alarm:
        name = ALARM_CODES.get(alarm)
    if name is not None:
        attributes["alarm"] = name
    return attributes
