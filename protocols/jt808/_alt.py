"""Vendor messages outside the standard table.

0x5501 / 0x5502 (1-byte serial in the header; 0x5502 is the buffered
"blind area" form, reported invalid): date and time BCD ``DDMMYY hhmmss``
(UTC; two-digit year = 20YY, rolled over like a lenient calendar), latitude
BCD ``ddmmmmmm`` (degrees, minutes x 10^4), longitude BCD ``dddmmmmmm`` in
4.5 bytes whose last nibble holds the flags (bit 0 valid, bit 1 north, bit 2
east), speed BCD knots (1 byte), course u8 x 2; then RSSI, satellites,
odometer km u32, battery (0-100 %, 0xAA/0xAB charging), cell id u32, LAC u16,
product, status u16, alarm u16 and ``id u8 | len u8 | value`` items
(0x02 altitude s16, 0x0A MCC/MNC, 0x0B lock, 0x0C tilt, 0x10 wake source,
0xFC geofence). A nibble above 9 counts its value, as in the other BCD fields.

0x2070 acceleration log: repeated [BCD time (6) | x | y | z], each axis a
16-bit sign-and-magnitude value.
"""

from __future__ import annotations

from datetime import timezone

from .._errors import MalformedError
from .._records import Event, Position
from ._context import Context, Records
from ._items import decode_item
from ._location import PROTOCOL, add_alarm, bcd_number, lenient_time, parse_bcd_time

__all__ = ["decode_alt_location", "decode_alt_buffered", "decode_acceleration"]

UTC = timezone.utc


def _bcd(data: bytes) -> int:
    return bcd_number(data)


def _coordinate(raw: int) -> float:
    """``d..dmmmmmm``: degrees, then minutes x 10^4."""
    return raw // 1_000_000 + (raw % 1_000_000) / 10000.0 / 60.0


def _alarms(product: int, status: int, alarm: int, attrs: dict) -> None:
    """Product 1/2: bit 0 low power; product 3: overspeed, low power, vibration, low battery,
    geofence enter/exit (bits 0-3, 5, 6) and bit 5 of the status word = blocked."""
    if product in (1, 2) and alarm & 1:
        add_alarm(attrs, "lowPower")
    if product == 3:
        attrs["blocked"] = bool(status >> 5 & 1)
        for bit, name in ((0, "overspeed"), (1, "lowPower"), (2, "vibration"), (3, "lowBattery"),
                          (5, "geofenceEnter"), (6, "geofenceExit")):
            if alarm >> bit & 1:
                add_alarm(attrs, name)


def _s16(data: bytes) -> int:
    return int.from_bytes(data[0:2], "big", signed=True)


def _alt_items(body: bytes, i: int, attrs: dict, ctx: Context) -> float | None:
    """Trailing ``id | len | value`` items; returns the altitude when item 0x02 is there."""
    altitude = None
    while i + 2 <= len(body):
        item, size = body[i], body[i + 1]
        data = body[i + 2:i + 2 + size]
        i += 2 + size
        if item == 0x02 and size >= 2:
            altitude = float(_s16(data))
        elif item == 0x10 and size >= 1:
            attrs["wakeSource"] = data[0]
        elif item == 0x0C and size >= 6:
            attrs["tilt"] = f"[{_s16(data[0:2])},{_s16(data[2:4])},{_s16(data[4:6])}]"
        elif item == 0xFC and size >= 1:
            attrs["geofence"] = data[0]
        elif item == 0x0B and size >= 1:
            decode_item(0x0B, data, attrs)
        elif item == 0x0A and size == 3:
            attrs["mcc"], attrs["mnc"] = int.from_bytes(data[0:2], "big"), data[2]
        else:
            attrs[f"io{item}"] = data.hex()
            if ctx.tally is not None:
                ctx.tally.unknown += 1
    return altitude


def _tail(body: bytes, attrs: dict, ctx: Context) -> float | None:
    """RSSI, satellites, odometer, battery, cell, product, status, alarm, items (from byte 17)."""
    if len(body) < 19:
        return None
    attrs["rssi"], attrs["sat"] = body[17], body[18]
    if len(body) < 34:
        return None
    attrs["odometer"] = int.from_bytes(body[19:23], "big") * 1000
    battery = body[23]
    if battery <= 100:
        attrs["batteryLevel"] = battery
    elif battery in (0xAA, 0xAB):
        attrs["charge"] = True
    status, alarm = int.from_bytes(body[31:33], "big"), int.from_bytes(body[33:35], "big")
    _alarms(body[30], status, alarm, attrs)
    attrs["status"] = status
    return _alt_items(body, 35, attrs, ctx)


def decode_alt_location(body: bytes, ctx: Context, buffered: bool = False) -> Records:
    if len(body) < 17:
        raise MalformedError("jt808: truncated 0x5501 location", data=body)
    b = [_bcd(body[i:i + 1]) for i in range(6)]
    time = lenient_time(2000 + b[2], b[1], b[0], b[3], b[4], b[5])
    lat = _coordinate(_bcd(body[6:10]))
    lon = _coordinate(_bcd(body[10:14]) * 10 + (body[14] >> 4))
    flags = body[14] & 0x0F
    lat = lat if flags & 0x2 else -lat
    lon = lon if flags & 0x4 else -lon
    attrs: dict = {}
    altitude = _tail(body, attrs, ctx)
    valid = not buffered and lat <= 90.0 and lon <= 180.0
    position = Position(device_id=ctx.device_id, protocol=PROTOCOL, fix_time=time,
                        valid=valid, lat=lat if valid or abs(lat) <= 90 else 0.0,
                        lon=lon if valid or abs(lon) <= 180 else 0.0, altitude_m=altitude,
                        speed_kmh=_bcd(body[15:16]) * 1.852, course_deg=body[16] * 2.0,
                        satellites=attrs.pop("sat", None), attributes=attrs)
    return (position,), ()


def decode_alt_buffered(body: bytes, ctx: Context) -> Records:
    return decode_alt_location(body, ctx, buffered=True)


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
