"""JT/T 808 message decoders: ``DECODERS = {msg_id: decoder}``.

A decoder takes ``(body, ctx)`` and returns ``(positions, events)``; ``ctx``
holds the device id, the server clock, the terminal's UTC offset and the
tally of unknown items. Every message that carries a location basic block
(0x0200, 0x0201, 0x0500, 0x0704, 0x0210, 0x0801, 0x0802, some 0x0900 types)
yields Positions.
"""

from __future__ import annotations

from typing import Callable

from .._errors import MalformedError
from .._records import Position
from ._alt import decode_acceleration, decode_alt_buffered, decode_alt_location
from ._context import Context, Records, event
from ._catalogue import ITEMS
from ._items import decode_items
from ._location import BASIC_SIZE, basic_attributes, basic_position, parse_basic, parse_bcd_time
from ._messages import MESSAGE_DECODERS
from ._transparent import decode_transparent
from .constants import MsgType as T

__all__ = ["DECODERS", "Context", "location_at"]


def _vendor_tail(chunk: bytes, attrs: dict) -> None:
    """Exactly 20 bytes after the basic block that are not an item list: battery/mileage (4), odometer km u32,
    battery 0.1 V u16, area id u32, RSSI, 3 reserved (a vendor layout without item ids)."""
    tail = chunk[BASIC_SIZE:]
    attrs["odometer"] = int.from_bytes(tail[4:8], "big") * 1000
    attrs["battery"] = int.from_bytes(tail[8:10], "big") / 10.0
    attrs["rssi"] = tail[14]


def _items_fit(chunk: bytes) -> bool:
    """True when the bytes after the basic block are a well-formed list of catalogued items."""
    i = BASIC_SIZE
    while i + 2 <= len(chunk):
        if chunk[i] not in ITEMS:
            return False
        i += 2 + chunk[i + 1]
    return i == len(chunk)


def location_at(body: bytes, offset: int, end: int, ctx: Context) -> Position:
    """The Position of a basic block at ``offset`` with its items up to ``end``."""
    chunk = body[offset:end]
    basic = parse_basic(chunk, 0, ctx.utc_offset_min)
    attrs: dict = {}
    basic_attributes(basic[0], basic[1], attrs)
    if len(chunk) == BASIC_SIZE + 20 and not _items_fit(chunk):
        _vendor_tail(chunk, attrs)
    else:
        unknown = decode_items(chunk, BASIC_SIZE, attrs)
        if ctx.tally is not None:
            ctx.tally.unknown += unknown
    satellites = attrs.pop("sat", None)
    return basic_position(basic, ctx.device_id, attrs, satellites, attrs.pop("hdop", None))


def decode_location(body: bytes, ctx: Context) -> Records:
    return (location_at(body, 0, len(body), ctx),), ()


def decode_reply_location(body: bytes, ctx: Context) -> Records:
    """0x0201 location query response, 0x0500 vehicle control response: reply serial u16, location."""
    return (location_at(body, 2, len(body), ctx),), ()


def decode_batch(body: bytes, ctx: Context) -> Records:
    """0x0704: count u16, type u8 (0 normal, 1 buffered), then [length u16 | location]."""
    if len(body) < 3:
        raise MalformedError("jt808: truncated batch header", data=body)
    archive = body[2] > 0
    out = []
    i = 3
    while i + 2 + BASIC_SIZE <= len(body):
        size = int.from_bytes(body[i:i + 2], "big")
        i += 2
        if size >= BASIC_SIZE:  # a shorter entry holds no location: skipped
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
        return event(ctx, "status", {"batteryLevel": body[0]}, time)
    out = []
    i = 0
    while i + 1 + BASIC_SIZE <= len(body):
        size = body[i]
        i += 1
        if size >= BASIC_SIZE:
            out.append(location_at(body, i, min(i + size, len(body)), ctx))
        i += size
    return tuple(out), ()


def _media_attrs(body: bytes, i: int) -> dict:
    return {"mediaId": int.from_bytes(body[i:i + 4], "big"), "mediaType": body[i + 4],
            "mediaFormat": body[i + 5], "mediaEvent": body[i + 6], "mediaChannel": body[i + 7]}


def decode_media_data(body: bytes, ctx: Context) -> Records:
    """0x0801: media id u32, type, format, event, channel, location basic block, data."""
    position = location_at(body, 8, 8 + BASIC_SIZE, ctx)
    position.attributes.update(_media_attrs(body, 0))
    return (position,), ()


def decode_media_search(body: bytes, ctx: Context) -> Records:
    """0x0802: reply serial u16, count u16, [media id u32, type, channel, event, location]."""
    out = []
    for i in range(4, len(body) - 34, 35):
        position = location_at(body, i + 7, i + 35, ctx)
        position.attributes.update({"mediaId": int.from_bytes(body[i:i + 4], "big"),
                                    "mediaType": body[i + 4], "mediaChannel": body[i + 5],
                                    "mediaEvent": body[i + 6]})
        out.append(position)
    return tuple(out), ()


def decode_media_event(body: bytes, ctx: Context) -> Records:
    """0x0800: media id u32, type, format, event, channel."""
    if len(body) < 8:
        raise MalformedError("jt808: truncated multimedia event", data=body)
    return event(ctx, "media", _media_attrs(body, 0))


DECODERS: dict[int, Callable[[bytes, Context], Records]] = {
    T.LOCATION: decode_location,
    T.LOCATION_QUERY_RESPONSE: decode_reply_location,
    T.VEHICLE_CONTROL_RESPONSE: decode_reply_location,
    T.LOCATION_BATCH: decode_batch,
    T.LOCATION_BATCH_2: decode_batch_2,
    T.MEDIA_EVENT: decode_media_event,
    T.MEDIA_DATA: decode_media_data,
    T.MEDIA_SEARCH_RESPONSE: decode_media_search,
    T.TRANSPARENT: decode_transparent,
    T.ACCELERATION: decode_acceleration,
    T.LOCATION_ALT: decode_alt_location,
    T.LOCATION_ALT_2: decode_alt_buffered,
    **MESSAGE_DECODERS,
}
