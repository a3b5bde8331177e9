"""JT/T 808 message decoders: ``DECODERS = {msg_id: decoder}``.

A decoder takes ``(body, ctx)`` and returns ``(positions, events)``; ``ctx``
holds the device id, the server clock and the terminal's UTC offset.
"""

from __future__ import annotations

from typing import Callable

from .._errors import MalformedError
from .._records import Position
from ._context import Context, Records, event
from ._items import decode_items
from ._location import BASIC_SIZE, basic_attributes, basic_position, parse_basic, parse_bcd_time
from ._transparent import decode_transparent
from ._alt import decode_acceleration, decode_alt_location
from .constants import MsgType as T

__all__ = ["DECODERS", "Context", "location_at"]

def location_at(body: bytes, offset: int, end: int, ctx: Context) -> Position:
    """The Position of a basic block at ``offset`` with its items up to ``end``."""
    chunk = body[offset:end]
    basic = parse_basic(chunk, 0, ctx.utc_offset_min)
    attrs: dict = {}
    basic_attributes(basic[0], basic[1], attrs)
    decode_items(chunk, BASIC_SIZE, attrs)
    satellites = attrs.pop("sat", None)
    return basic_position(basic, ctx.device_id, attrs, satellites)


def decode_location(body: bytes, ctx: Context) -> Records:
    return (location_at(body, 0, len(body), ctx),), ()


def decode_batch(body: bytes, ctx: Context) -> Records:
    """0x0704: count u16, type u8 (1 = buffered), then [length u16 | location]."""
    if len(body) < 3:
        raise MalformedError("jt808: truncated batch header", data=body)
    count = int.from_bytes(body[0:2], "big")
    archive = body[2] == 1
    out = []
    i = 3
    while len(out) < count and i + 2 <= len(body):
        size = int.from_bytes(body[i:i + 2], "big")
        i += 2
        position = location_at(body, i, min(i + size, len(body)), ctx)
        if archive:
            position.attributes["archive"] = True
        out.append(position)
        i += size
    return tuple(out), ()


def decode_batch_2(body: bytes, ctx: Context) -> Records:
    """0x0210: [length u8 | location]...; the 7-byte form is battery level + BCD time."""
    if len(body) == 7:
        time = parse_bcd_time(body, 1, ctx.utc_offset_min)
        return event(ctx, "status", {"batteryLevel": min(body[0], 100)}, time)
    out = []
    i = 0
    while i + 1 + BASIC_SIZE <= len(body):
        size = body[i]
        i += 1
        out.append(location_at(body, i, min(i + size, len(body)), ctx))
        i += size
    return tuple(out), ()


def _text(data: bytes) -> str:
    return data.split(b"\x00", 1)[0].decode("latin-1").strip()


def decode_waybill(body: bytes, ctx: Context) -> Records:
    """0x0701 electronic waybill: length u32, content (a text reply on some terminals)."""
    return event(ctx, "commandResult", {"result": _text(body[4:])})


def decode_driver(body: bytes, ctx: Context) -> Records:
    """0x0702: status, BCD time, IC result, name (len-prefixed), 20-byte certificate code..."""
    attrs: dict = {}
    if len(body) >= 9 and body[0] == 0x01 and body[7] == 0x00:
        size = body[8]
        name = _text(body[9:9 + size])
        if name:
            attrs["driverName"] = name
        code = _text(body[9 + size:29 + size])
        if code:
            attrs["cardCode"] = code
    return event(ctx, "driver", attrs)


def decode_attributes(body: bytes, ctx: Context) -> Records:
    """0x0107: type u16, maker (5), model (20), terminal id (7), ICCID (10 BCD), versions."""
    attrs: dict = {}
    if len(body) >= 44:
        attrs["iccid"] = body[34:44].hex().rstrip("f")
        i = 44
        for key in ("hardwareVersion", "firmwareVersion"):
            if i < len(body):
                size = body[i]
                text = _text(body[i + 1:i + 1 + size])
                if text:
                    attrs[key] = text
                i += 1 + size
    return event(ctx, "status", attrs)


def decode_text_report(body: bytes, ctx: Context) -> Records:
    """0x6006: encoding byte, then text."""
    return event(ctx, "commandResult", {"result": _text(body[1:])})


def decode_command_result(body: bytes, ctx: Context) -> Records:
    """0x1300: reply serial u16, then UTF-16BE text."""
    text = body[2:].decode("utf-16-be", "replace").strip("\x00\r\n ")
    return event(ctx, "commandResult", {"result": text})


DECODERS: dict[int, Callable[[bytes, Context], Records]] = {
    T.LOCATION: decode_location,
    T.LOCATION_QUERY_RESPONSE: lambda body, ctx: decode_location(body[2:], ctx),
    T.LOCATION_BATCH: decode_batch,
    T.LOCATION_BATCH_2: decode_batch_2,
    T.WAYBILL: decode_waybill,
    T.DRIVER: decode_driver,
    T.ATTRIBUTES: decode_attributes,
    T.TEXT_REPORT: decode_text_report,
    T.COMMAND_RESULT: decode_command_result,
    T.TRANSPARENT: decode_transparent,
    T.ACCELERATION: decode_acceleration,
    T.LOCATION_ALT: decode_alt_location,
    T.LOCATION_ALT_2: decode_alt_location,
}
