"""GPS, cell and status blocks shared by the GT06 messages, and the record helpers.

Accepted forms (each has a test in tests/protocols/test_gt06_catalogue.py):
  date/time   6 binary bytes YY MM DD hh mm ss, year 2000 + YY, UTC [VL03], or local time in
              the zone of the login's time-zone word when the login carried one (the fact
              sheet's and Traccar's rule; unix times and BCD times stay UTC); a date that is no
              calendar date (all zeros before a fix, month 0 ...) is not an error: the message
              becomes an Event at the server time, its other values kept.
  BCD time    6 BCD bytes YY MM DD hh mm ss (Wi-Fi messages 0x17/0x69/0xF3).
  GPS block   date, info byte (high nibble GPS data length, low nibble satellites), latitude and
              longitude (u32, minutes x 30000), speed (u8 km/h; u16 in the JC400 form), course/status
              word (bits 0-9 course, 10 north, 11 west, 12 fixed, 14 ACC present, 15 ACC on).
              Coordinates beyond 90/180 degrees make an Event like a bad date does.
  cell        MCC u16 (bit 15: MNC is 2 bytes), MNC u8|u16, LAC u16 (4G: u32), CID u24 (some: u32,
              4G: u64). Where a length byte precedes it (skip_cell_with_length), it counts itself
              in Concox's frames [VL03] and not in some clones' (0: no cell; a zero-filled 45-byte
              block is skipped).
  status      terminal information, voltage level, GSM level, alarm byte (0x27/0xA4: 12 bits with
              the high nibble of the language byte), language.
  numbers     big-endian unsigned unless a layout says otherwise: two's complement (s16 altitude,
              0x94 short-form voltage, s32 climate), sign and magnitude (S5 temperature byte,
              SeeWorld 15-bit temperature), inverted sign bit (0x13 16-byte temperature: bit 15
              set = above zero), little-endian (0x70 mileage); scales are divisions (0.01 V = /100).
  checksum    CRC-16/X-25 over length..serial; a frame is decoded whether or not it verifies
              (``checksum_ok`` says which; strict mode rejects). A frame without its 0D 0A is whole
              when its length says so; a wrong length byte whose last bytes verify as a CRC keeps
              its serial; otherwise the bytes up to 0D 0A are the content (connection.split_frame).
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

from .._records import Event, Position
from ._catalogue import UNKNOWN
from .constants import ALARM_CODES, FAMILY_ALARMS, TERMINAL_ALARMS

__all__ = [
    "GPS_SIZE",
    "NOTHING",
    "PROTOCOL",
    "UTC",
    "Records",
    "alarm_names",
    "battery_level",
    "event",
    "generic_tail",
    "gps_position",
    "make_position",
    "one",
    "parse_bcd_time",
    "parse_time",
    "position_or_event",
    "skip_cell",
    "skip_cell_4g",
    "skip_cell_with_length",
    "status_attributes",
    "u16",
    "u32",
    "upload_tail",
]

PROTOCOL = "gt06"
GPS_SIZE = 18
_GPS = struct.Struct(">6BBIIBH")
_TIME = struct.Struct(">6B")

Records = tuple[tuple[Position, ...], tuple[Event, ...], int]
NOTHING: Records = ((), (), 0)


def u16(c: bytes, i: int) -> int:
    return int.from_bytes(c[i:i + 2], "big")


def u32(c: bytes, i: int) -> int:
    return int.from_bytes(c[i:i + 4], "big")


def parse_time(data: bytes, offset: int, tz: timedelta | None = None) -> datetime | None:
    """Six binary bytes YY MM DD hh mm ss (local time ``tz`` east of UTC, the login's zone,
    else UTC) as a UTC datetime; None if absent or no date."""
    if len(data) < offset + 6:
        return None
    y, mo, d, h, mi, s = _TIME.unpack_from(data, offset)
    try:
        if tz is not None:
            return datetime(2000 + y, mo, d, h, mi, s, 0, UTC) - tz
        return datetime(2000 + y, mo, d, h, mi, s, 0, UTC)
    except ValueError:
        return None


def parse_bcd_time(data: bytes, offset: int) -> datetime | None:
    """Six BCD bytes YY MM DD hh mm ss (Wi-Fi messages); None if not BCD or no date."""
    digits = data[offset:offset + 6].hex()
    if len(digits) != 12 or not digits.isdigit():
        return None
    y, mo, d, h, mi, s = (int(digits[i:i + 2]) for i in range(0, 12, 2))
    try:
        return datetime(2000 + y, mo, d, h, mi, s, 0, UTC)
    except ValueError:
        return None


def gps_position(data: bytes, offset: int, device_id: str, attributes: dict,
                 tz: timedelta | None = None) -> Position | None:
    """The Position of the standard GPS block at ``offset``; None when its date or coordinates
    are not usable (the caller reports an Event instead). ``attributes`` is used as is; the
    date is local time ``tz`` east of UTC (the login's time-zone word) when given, else UTC."""
    if len(data) < offset + GPS_SIZE:
        raise ValueError("gt06: truncated GPS block")
    y, mo, d, h, mi, s, info, lat_raw, lon_raw, speed, word = _GPS.unpack_from(data, offset)
    try:
        fix_time = datetime(2000 + y, mo, d, h, mi, s, 0, UTC)  # positional: half the cost of tzinfo=
    except ValueError:
        if word & 0x4000:  # the ACC state stays meaningful without a date
            attributes["ignition"] = bool(word & 0x8000)
        return None
    if tz is not None:
        fix_time -= tz
    return make_position(fix_time, info & 0x0F, lat_raw, lon_raw, float(speed), word, device_id,
                         attributes)


def make_position(fix_time: datetime | None, satellites: int | None, lat_raw: int, lon_raw: int,
                  speed_kmh: float | None, word: int, device_id: str, attributes: dict,
                  altitude_m: float | None = None) -> Position | None:
    """A Position from the raw GPS fields; None without a time or with impossible coordinates."""
    if fix_time is None or lat_raw > 162_000_000 or lon_raw > 324_000_000:  # 90 and 180 degrees
        return None
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
        speed_kmh=speed_kmh, course_deg=float(word & 0x03FF), satellites=satellites,
        attributes=attributes,
    )


def one(position: Position) -> Records:
    return (position,), (), position.attributes.pop(UNKNOWN, 0)


def event(device_id: str, time: datetime, kind: str, attrs: dict) -> Records:
    unknown = attrs.pop(UNKNOWN, 0)
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=time, type=kind, attributes=attrs),), unknown


def position_or_event(position: Position | None, device_id: str, now: datetime, attrs: dict,
                      kind: str = "status") -> Records:
    """The position, or (no usable date/coordinates) an Event at ``now`` with the attributes."""
    if position is not None:
        return one(position)
    return event(device_id, now, kind, attrs)


def skip_cell(data: bytes, offset: int, *, mnc2: bool = False, lac4: bool = False,
              cid_size: int = 3) -> int:
    """The offset after a cell block (MCC, MNC 1|2, LAC 2|4, CID ``cid_size``)."""
    if len(data) < offset + 2:
        return len(data)
    mnc = 2 if data[offset] & 0x80 or mnc2 else 1
    return min(len(data), offset + 2 + mnc + (4 if lac4 else 2) + cid_size)


def skip_cell_4g(data: bytes, offset: int) -> int:
    """The offset after a 4G cell block (MCC, MNC 1|2, LAC 4, CID 8)."""
    return skip_cell(data, offset, lac4=True, cid_size=8)


def skip_cell_with_length(data: bytes, offset: int, **cell) -> int:
    """The offset after a length-prefixed cell block. Concox's length counts its own byte and
    a 2G cell (9 = 1 + 8; 16 for a 4G cell); devices with a longer cell (4-byte CID, 2-byte MNC)
    count without it. Both read right as: the cell's fields, then length - 9 more bytes."""
    if offset >= len(data):
        return len(data)
    length = data[offset]
    if length == 0:
        block = data[offset + 10:offset + 46]
        return min(len(data), offset + 46) if not any(block) else offset + 1
    return min(len(data), skip_cell(data, offset + 1, **cell) + max(0, length - 9))


def battery_level(value: int) -> int | None:
    """Voltage level 0-6 (scale) -> percent; 7-100 are percentages already; above: None."""
    if value <= 6:
        return value * 100 // 6
    return value if value <= 100 else None


def alarm_names(code: int, family: str | None, attributes: dict) -> str | None:
    """The Traccar alarm of an alarm byte; codes without one are kept as ``event``."""
    if family:
        name = FAMILY_ALARMS.get(family, {}).get(code)
        if name is not None:
            return name
    entry = ALARM_CODES.get(code)
    if entry is None:
        attributes["event"] = code
        attributes[UNKNOWN] = attributes.get(UNKNOWN, 0) + 1
        return None
    if entry[0] is None:
        attributes["event"] = code
    return entry[0]


def status_attributes(info: int, voltage: int | None, gsm: int | None, alarm: int | None,
                      attributes: dict, family: str | None = None) -> dict:
    """Terminal information byte, voltage level, GSM signal and alarm code -> attributes.
    Alarms from the information bits and the alarm byte accumulate (``"sos,overspeed"``)."""
    attributes["status"] = info
    attributes["ignition"] = bool(info & 0x02)
    attributes["charge"] = bool(info & 0x04)
    attributes["blocked"] = bool(info & 0x80)
    attributes["armed"] = bool(info & 0x01)
    if voltage is not None:
        level = battery_level(voltage)
        if level is not None:
            attributes["batteryLevel"] = level
    if gsm is not None:
        attributes["rssi"] = gsm
    names = []
    bits = (info >> 3) & 0x07
    if bits in TERMINAL_ALARMS:
        names.append("overspeed" if bits == 7 and family == "vxt01" else TERMINAL_ALARMS[bits])
    if alarm:
        name = alarm_names(alarm, family, attributes)
        if name is not None:
            names.append(name)
    if names:
        attributes["alarm"] = ",".join(names)
    return attributes


def upload_tail(c: bytes, off: int, attrs: dict) -> int:
    """ACC (u8), data upload mode (u8, ``event``), re-upload (u8, ``archive``) [VL03]."""
    if len(c) >= off + 3:
        attrs["ignition"] = c[off] > 0
        attrs["event"] = c[off + 1]
        attrs["archive"] = c[off + 2] > 0
        return off + 3
    return off


def generic_tail(c: bytes, off: int, attrs: dict) -> None:
    """What location messages may end with [TRACCAR]: 3 bytes ACC, upload mode, re-upload
    (archive only when set), optionally followed by, or alone, a 4-byte mileage."""
    rest = len(c) - off
    if rest in (3, 7):
        attrs["ignition"] = c[off] > 0
        if c[off + 2]:
            attrs["archive"] = True
        off += 3
        rest -= 3
    if rest == 4:
        attrs["odometer"] = u32(c, off)
