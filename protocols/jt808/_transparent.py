"""0x0900 uplink transparent data: a type byte, then the vendor payload.

- 0x40 ``len u16 | "GTSL|..."``: text of a driver card reader; field 4 is the card id.
- 0xF0 OBD: BCD time, vendor blocks (``(id u16, len u8, value)*`` readings,
  ASCII trouble codes ``P1457``...), then a location block
  ``00 0C | u16 | lat u32 | lon u32 [| BCD time]`` (1e-6 degrees).
- 0x54 sensor log: header, then 24-byte records whose 2nd word is the device
  temperature (0.1 degC).
Other types become a ``transparent`` event carrying the type.
"""

from __future__ import annotations

from .._records import Position
from ._context import Context, Records, event
from ._location import PROTOCOL, parse_bcd_time

__all__ = ["decode_transparent"]


def _u32(data: bytes, i: int) -> int:
    return int.from_bytes(data[i:i + 4], "big")


def _position(ctx: Context, time, lat_raw: int, lon_raw: int) -> Records:
    lat, lon = lat_raw / 1e6, lon_raw / 1e6
    if lat > 90.0 or lon > 180.0:
        return event(ctx, "transparent", {})
    return (Position(device_id=ctx.device_id, protocol=PROTOCOL, fix_time=time, valid=True,
                     lat=lat, lon=lon, attributes={}),), ()


def _gtsl(data: bytes, ctx: Context) -> Records:
    text = data[2:].decode("latin-1").strip()
    fields = text.split("|")
    attrs: dict = {}
    if fields[0] == "GTSL" and len(fields) > 4 and fields[4]:
        attrs["driverUniqueId"] = fields[4]
    return event(ctx, "driver", attrs)


_DTC_LETTERS = frozenset(b"PCBU")
_HEX = frozenset(b"0123456789ABCDEFabcdef")


def _dtcs(data: bytes) -> list[str]:
    """ASCII trouble codes (letter + 4 hex digits, NUL or comma after) inside a binary block."""
    codes = []
    for i in range(len(data) - 4):
        if data[i] in _DTC_LETTERS and _HEX.issuperset(data[i + 1:i + 5]) and (
                i + 5 == len(data) or data[i + 5] in (0, 0x2C)):
            codes.append(data[i:i + 5].decode("ascii"))
    return codes


def _obd_f0(data: bytes, ctx: Context) -> Records:
    """BCD time, vendor blocks, then the location block ``00 0C | u16 | lat | lon [| BCD time]``."""
    for start in (len(data) - 12, len(data) - 18):
        if start >= 6 and data[start:start + 2] == b"\x00\x0c":
            time_at = start + 12 if len(data) - start == 18 else 0
            time = parse_bcd_time(data, time_at, ctx.utc_offset_min)
            positions, events = _position(ctx, time, _u32(data, start + 4), _u32(data, start + 8))
            codes = _dtcs(data[6:start])
            if codes and positions:
                positions[0].attributes["dtcs"] = " ".join(codes)
            return positions, events
    return event(ctx, "transparent", {"type": 0xF0})


def _sensors(data: bytes, ctx: Context) -> Records:
    if len(data) < 48 or data[0] != 0x10:
        return event(ctx, "transparent", {"type": 0x54})
    record = data[24:48]
    time = parse_bcd_time(record, 2, ctx.utc_offset_min)
    raw = int.from_bytes(record[10:12], "big", signed=True)
    return event(ctx, "status", {"deviceTemp": raw / 10.0}, time)


_TYPES = {0x40: _gtsl, 0xF0: _obd_f0, 0x54: _sensors}


def decode_transparent(body: bytes, ctx: Context) -> Records:
    if not body:
        return event(ctx, "transparent", {})
    handler = _TYPES.get(body[0])
    if handler is None:
        return event(ctx, "transparent", {"type": body[0]})
    return handler(body[1:], ctx)
