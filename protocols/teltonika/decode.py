"""Decoders of the data part (codec ID ... record count 2), shared by TCP and UDP.

``decode_data(data, device_id, now)`` dispatches on the codec byte through
``DECODERS``. It raises ``MalformedError`` (never IndexError/struct.error)
when the data is cut short or inconsistent.
"""

from __future__ import annotations

import math
import struct
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple


from .._errors import MalformedError
from .._records import Event, Position, UnknownMessage
from ._io import GH_DEFS, IO_DEFS, add_alarm, alarm_of, count_unknown, io_key, store_io, store_variable
from ._messages import decode_message
from ._payload import Payload
from .constants import GH3000_EPOCH, PROTOCOL, UNIX_EPOCH, Codec

__all__ = ["Payload", "decode_data", "DECODERS", "IoLayout", "LAYOUTS"]


class IoLayout(NamedTuple):
    """Field widths of one codec's IO element section."""

    event: struct.Struct           # event IO ID
    generation: bool               # codec 16: generation type byte after it
    count: struct.Struct           # total count and per-group counts
    groups: tuple[struct.Struct, ...]  # (ID, value) pairs for 1-, 2-, 4-, 8-byte values
    variable: bool                 # codec 8E: variable-length group at the end
    wide: struct.Struct | None     # FMB "extended" codec 8: a 16-byte group after the 8-byte one
    pairs: tuple[tuple[struct.Struct, ...], ...] = ()  # per group: [n] unpacks n pairs at once


def _layout(id_fmt: str, count_fmt: str, generation: bool, variable: bool,
            wide: bool = False) -> IoLayout:
    groups = tuple(struct.Struct(f">{id_fmt}{v}") for v in "BHIQ")
    pairs = tuple(tuple(struct.Struct(">" + f"{id_fmt}{v}" * n) for n in range(_MAX_PAIRS + 1))
                  for v in "BHIQ")
    return IoLayout(struct.Struct(">" + id_fmt), generation, struct.Struct(">" + count_fmt),
                    groups, variable, struct.Struct(f">{id_fmt}16s") if wide else None, pairs)


#: groups up to this many elements are read with one unpack
_MAX_PAIRS = 24


LAYOUTS: dict[int, IoLayout] = {
    Codec.CODEC_8: _layout("B", "B", False, False),
    Codec.CODEC_8E: _layout("H", "H", False, True),
    Codec.CODEC_16: _layout("H", "B", True, False),
}
_CODEC_8 = LAYOUTS[Codec.CODEC_8]
_CODEC_8_PAIRS = _CODEC_8.pairs
#: value size of each fixed group, in group order
_SIZES = (1, 2, 4, 8)
#: codec 8 as some FMB firmwares send it (Traccar's "extended" option): tried
#: when the plain layout does not consume the data part exactly
CODEC_8_WIDE = _layout("B", "B", False, False, wide=True)

#: timestamp (ms), priority, longitude, latitude, altitude, angle, satellites, speed
_RECORD = struct.Struct(">QBiihHBH")
_VAR_HEADER = struct.Struct(">HH")
_MS = timedelta(milliseconds=1)
_fromtimestamp = datetime.fromtimestamp
_EXACT_MS = 1 << 42
UTC = timezone.utc
#: what reading past the end or an impossible value raises inside a decoder
_CUT_SHORT = (IndexError, struct.error, OverflowError, ValueError)


def _store_pairs(attrs: dict[str, Any], flat: tuple[int, ...], size: int) -> None:
    """``store_io`` for each (ID, value) pair of a flat tuple (inlined: the hot loop)."""
    defs = IO_DEFS
    for i in range(0, len(flat), 2):
        io_id = flat[i]
        spec = defs.get(io_id)
        if spec is None or (spec[3] != size and spec[3]):
            attrs[io_key(io_id)] = flat[i + 1]
            continue
        value = flat[i + 1]
        if (converted := spec[1](value)) is not None:
            attrs[spec[0]] = converted
        if spec[2] is not None and (name := alarm_of(spec[2], value)) is not None:
            add_alarm(attrs, name)


def _read_io_8(data: bytes, off: int, attrs: dict[str, Any]) -> int:
    """``_read_io`` for the plain codec 8 layout (1-byte IDs and counts): the hot path."""
    start = off
    attrs["event"] = data[off]
    off += 2  # event IO ID, total count
    for size, pairs_of in zip(_SIZES, _CODEC_8_PAIRS):
        n = data[off]
        off += 1
        if n:
            if n > _MAX_PAIRS:
                return _read_io(data, start, LAYOUTS[Codec.CODEC_8], attrs)
            pairs = pairs_of[n]
            _store_pairs(attrs, pairs.unpack_from(data, off), size)
            off += pairs.size
    return off


def _read_io(data: bytes, off: int, lay: IoLayout, attrs: dict[str, Any]) -> int:
    (event_id,) = lay.event.unpack_from(data, off)
    off += lay.event.size + lay.generation + lay.count.size  # skip total count
    attrs["event"] = event_id
    count, csize = lay.count, lay.count.size
    for size, group, pairs_of in zip(_SIZES, lay.groups, lay.pairs):
        (n,) = count.unpack_from(data, off)
        off += csize
        if not n:
            continue
        if n > _MAX_PAIRS:  # a long group: one pair at a time
            for _ in range(n):
                io_id, value = group.unpack_from(data, off)
                off += group.size
                store_io(attrs, io_id, value, size=size)
            continue
        pairs = pairs_of[n]
        _store_pairs(attrs, pairs.unpack_from(data, off), size)
        off += pairs.size
    if lay.wide is not None:
        (n,) = count.unpack_from(data, off)
        off += csize
        for _ in range(n):
            io_id, raw = lay.wide.unpack_from(data, off)
            off += lay.wide.size
            store_variable(attrs, io_id, raw)
    if lay.variable:
        (n,) = count.unpack_from(data, off)
        off += csize
        for _ in range(n):
            io_id, length = _VAR_HEADER.unpack_from(data, off)
            off += 4
            raw = data[off : off + length]
            if len(raw) != length:
                raise MalformedError("teltonika: variable-length IO element cut short", data=data)
            off += length
            store_variable(attrs, io_id, raw)
    return off


def _ms_time(ms: int) -> datetime:
    """Milliseconds since 1970 as a UTC datetime. Below 2**42 (year 2109) a
    double holds ms / 1000 within 0.25 us, so fromtimestamp's rounding to the
    microsecond gives the exact millisecond at half the cost of epoch + timedelta."""
    if ms < _EXACT_MS:
        return _fromtimestamp(ms / 1000, UTC)
    return UNIX_EPOCH + ms * _MS


def _decode_record(data: bytes, off: int, lay: IoLayout, device_id: str) -> tuple[Position, int]:
    ms, priority, lon, lat, alt, angle, sats, speed = _RECORD.unpack_from(data, off)
    attrs: dict[str, Any] = {"priority": priority}
    if lay is _CODEC_8:
        off = _read_io_8(data, off + _RECORD.size, attrs)
    else:
        off = _read_io(data, off + _RECORD.size, lay, attrs)
    hdop = attrs.pop("hdop", None)
    position = Position(
        device_id=device_id, protocol=PROTOCOL,
        fix_time=_fromtimestamp(ms / 1000, UTC) if ms < _EXACT_MS else _ms_time(ms),
        valid=sats != 0, lat=lat / 1e7, lon=lon / 1e7, altitude_m=float(alt),
        speed_kmh=float(speed), course_deg=float(angle), satellites=sats, hdop=hdop,
        attributes=attrs)
    return position, off


def _decode_records(data: bytes, lay: IoLayout, device_id: str) -> tuple[list[Position], bool]:
    """The records, and whether they end exactly at record count 2."""
    count = data[1]
    off = 2
    positions = []
    for _ in range(count):
        position, off = _decode_record(data, off, lay, device_id)
        positions.append(position)
    return positions, off == len(data) - 1 and data[off] == count


def decode_avl(data: bytes, device_id: str, now: datetime) -> Payload:
    """Codec 8, 8E, 16: records -> positions; reply with the record count."""
    try:
        positions, exact = _decode_records(data, LAYOUTS[data[0]], device_id)
    except _CUT_SHORT:
        if data[0] != Codec.CODEC_8:
            raise
        positions, exact = _decode_records(data, CODEC_8_WIDE, device_id)
    else:
        if not exact and data[0] == Codec.CODEC_8:
            try:
                wide, wide_exact = _decode_records(data, CODEC_8_WIDE, device_id)
            except _CUT_SHORT:
                wide_exact = False
            if wide_exact:
                positions = wide
    unknown = sum(count_unknown(p.attributes) for p in positions)
    return Payload(positions=tuple(positions), count=data[1], unknown_items=unknown)


# --- codec 7 (GH3000) -------------------------------------------------------

_GH_LATLON = struct.Struct(">ff")
_GH_WORD = struct.Struct(">H")
_GH_LONG = struct.Struct(">I")
_GH_SIGNED = struct.Struct(">h")


def _gh_gps(data: bytes, off: int, fields: dict[str, Any]) -> int:
    """GPS element: mask byte, then the fields whose bits are set (in bit order)."""
    mask = data[off]
    off += 1
    if mask & 0x01:
        lat, lon = _GH_LATLON.unpack_from(data, off)
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise ValueError("coordinates are not finite numbers")
        fields["lat"], fields["lon"] = lat, lon
        off += 8
    if mask & 0x02:
        fields["altitude"] = _GH_SIGNED.unpack_from(data, off)[0]
        off += 2
    if mask & 0x04:
        fields["course"] = data[off] * 360.0 / 256.0
        off += 1
    if mask & 0x08:
        fields["speed"] = data[off]
        off += 1
    if mask & 0x10:
        fields["satellites"] = data[off]
        off += 1
    if mask & 0x20:
        fields["lac"], fields["cid"] = struct.unpack_from(">HH", data, off)
        off += 4
    if mask & 0x40:
        fields["rssi"] = data[off]
        off += 1
    if mask & 0x80:
        fields["operator"] = _GH_LONG.unpack_from(data, off)[0]
        off += 4
    return off


_GH_GROUPS = ((0x02, struct.Struct(">BB")), (0x04, struct.Struct(">BH")),
              (0x08, struct.Struct(">BI")))


def _gh_record(data: bytes, off: int, device_id: str) -> tuple[Position | Event, int]:
    (stamp,) = _GH_LONG.unpack_from(data, off)
    time = GH3000_EPOCH + timedelta(seconds=stamp & 0x3FFFFFFF)
    mask = data[off + 4]
    off += 5
    fields: dict[str, Any] = {}
    if mask & 0x01:
        off = _gh_gps(data, off, fields)
    attrs: dict[str, Any] = {"priority": stamp >> 30}
    for key in ("rssi", "operator"):
        if key in fields:
            attrs[key] = fields[key]
    for bit, pair in _GH_GROUPS:
        if mask & bit:
            n = data[off]
            off += 1
            for _ in range(n):
                io_id, value = pair.unpack_from(data, off)
                off += pair.size
                store_io(attrs, io_id, value, GH_DEFS)
    if "lat" not in fields:
        return Event(device_id=device_id, protocol=PROTOCOL, time=time, type="status",
                     attributes=attrs), off
    sats = fields.get("satellites")
    hdop = attrs.pop("hdop", None)
    return Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=time, valid=sats != 0,
        lat=fields["lat"], lon=fields["lon"], altitude_m=_opt_float(fields.get("altitude")),
        speed_kmh=_opt_float(fields.get("speed")), course_deg=fields.get("course"),
        satellites=sats, hdop=hdop, attributes=attrs), off


def _opt_float(value: int | None) -> float | None:
    return None if value is None else float(value)


def decode_gh3000(data: bytes, device_id: str, now: datetime) -> Payload:
    count = data[1]
    off = 2
    positions: list[Position] = []
    events: list[Event] = []
    for _ in range(count):
        record, off = _gh_record(data, off, device_id)
        (positions if isinstance(record, Position) else events).append(record)  # type: ignore[arg-type]
    unknown = sum(count_unknown(r.attributes) for r in (*positions, *events))
    return Payload(positions=tuple(positions), events=tuple(events), count=count,
                   unknown_items=unknown)


DECODERS: dict[int, Callable[[bytes, str, datetime], Payload]] = {
    Codec.CODEC_8: decode_avl,
    Codec.CODEC_8E: decode_avl,
    Codec.CODEC_16: decode_avl,
    Codec.GH3000: decode_gh3000,
    Codec.CODEC_12: decode_message,
    Codec.CODEC_13: decode_message,
    Codec.CODEC_14: decode_message,
}

def decode_data(data: bytes, device_id: str, now: datetime) -> Payload:
    """Decode a data part; unknown codecs become ``Payload(unknown=...)``."""
    if len(data) < 3:
        raise MalformedError("teltonika: data part shorter than 3 bytes", data=data)
    decoder = DECODERS.get(data[0])
    if decoder is None:
        return Payload(unknown=UnknownMessage(protocol=PROTOCOL, message_type=data[0],
                                              device_id=device_id))
    try:
        return decoder(data, device_id, now)
    except _CUT_SHORT as exc:
        raise MalformedError(f"teltonika: codec {data[0]:#04x} data cut short or invalid ({exc})",
                             data=data) from None
