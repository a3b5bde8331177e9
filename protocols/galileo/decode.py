"""Decoders of Galileosky packets: tag records (0x01), compressed minimal data
sets (0x08) and the Iridium envelope. Pure functions of the packet bytes.

Every reader raises ``MalformedError`` (never IndexError/struct.error) when a
packet is cut short. A tag missing from the table (its size is unknown) ends
the packet's reading: the rest is kept as ``io<tag>`` (hex).
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from .._errors import MalformedError
from .._records import Event, Position
from ._tags import TAGS, VARIABLE, Record, read_variable
from .constants import PROTOCOL, UNIX_EPOCH

__all__ = ["Packet", "read_records", "read_compressed", "read_iridium", "to_position", "to_event"]

_CUT_SHORT = (IndexError, struct.error)
_MINIMAL_SET = 10
_IRIDIUM_HEADER = struct.Struct(">4s15sBHHI")     # CDR, IMEI, status, MOMSN, MTMSN, time
_IRIDIUM_LOCATION = struct.Struct(">BBHBHI")      # flags, lat deg/min, lon deg/min, CEP
_IE = struct.Struct(">BH")


class Packet(NamedTuple):
    """The records of one packet and the identity it carried (tag 0x03 / Iridium)."""

    records: list[Record]
    imei: str | None


def _read_tags(data: bytes, off: int, end: int, records: list[Record]) -> None:
    seen: set[int] = set()
    rec = records[-1]
    while off < end:
        tag = data[off]
        off += 1
        if tag in seen:  # a repeated tag opens the next record
            rec = Record()
            records.append(rec)
            seen.clear()
        seen.add(tag)
        entry = TAGS.get(tag)
        if entry is None:  # size unknown: keep the rest of the packet, raw
            rec.attrs[f"io{tag}"] = data[off:end].hex()
            return
        size, handler = entry
        if size == VARIABLE:
            off = read_variable(tag, data, off, end, rec)
            continue
        if off + size > end:
            raise MalformedError(f"galileo: tag {tag:#04x} cut short", data=data)
        handler(rec, data, off)
        off += size


def _imei(records: list[Record]) -> str | None:
    return next((r.imei for r in records if r.imei is not None), None)


def read_records(data: bytes, off: int, end: int) -> Packet:
    """The tags of a main packet, ``data[off:end]``."""
    records = [Record()]
    try:
        _read_tags(data, off, end, records)
    except _CUT_SHORT as exc:
        raise MalformedError(f"galileo: packet cut short ({exc})", data=data) from None
    return Packet(records, _imei(records))


def _year_start(moment: datetime) -> datetime:
    return datetime(moment.year, 1, 1, tzinfo=timezone.utc)


def _minimal_set(data: bytes, off: int, now: datetime, rec: Record) -> None:
    """10 bytes, most significant bit first: unused 1, seconds since New Year 25,
    no-fix 1, longitude 22, latitude 21, alarm 1 (9 bits left over)."""
    bits = int.from_bytes(data[off : off + _MINIMAL_SET], "big")
    seconds = (bits >> 54) & 0x1FFFFFF
    start = _year_start(now)
    if start + timedelta(seconds=seconds) > now + timedelta(days=1):
        start = _year_start(start - timedelta(days=1))  # sent last year, received after New Year
    rec.time = int((start - UNIX_EPOCH).total_seconds()) + seconds
    rec.valid = not (bits >> 53) & 1
    rec.lon = ((bits >> 31) & 0x3FFFFF) * 360 / (1 << 22) - 180
    rec.lat = ((bits >> 10) & 0x1FFFFF) * 180 / (1 << 21) - 90
    if (bits >> 9) & 1:
        rec.attrs["alarm"] = "general"


def read_compressed(data: bytes, off: int, end: int, now: datetime) -> Packet:
    """0x08: (minimal data set, tag count, tag ids, values in that order) repeated."""
    records: list[Record] = []
    try:
        while off < end:
            if off + _MINIMAL_SET + 1 > end:
                raise IndexError("minimal data set cut short")
            rec = Record()
            records.append(rec)
            _minimal_set(data, off, now, rec)
            off += _MINIMAL_SET
            count = data[off]
            tags = data[off + 1 : off + 1 + count]
            off += 1 + count
            if len(tags) != count:
                raise IndexError("tag list cut short")
            for tag in tags:
                off = _read_value(tag, data, off, end, rec)
            if off > end:  # a tag outside the table took the rest
                break
    except _CUT_SHORT as exc:
        raise MalformedError(f"galileo: compressed packet cut short ({exc})", data=data) from None
    return Packet(records, None)


def _read_value(tag: int, data: bytes, off: int, end: int, rec: Record) -> int:
    entry = TAGS.get(tag)
    if entry is None:  # size unknown: keep the rest of the packet, raw
        rec.attrs[f"io{tag}"] = data[off:end].hex()
        return end + 1
    size, handler = entry
    if size == VARIABLE:
        return read_variable(tag, data, off, end, rec)
    if off + size > end:
        raise IndexError(f"tag {tag:#04x} cut short")
    handler(rec, data, off)
    return off + size


def _iridium_location(data: bytes, off: int, rec: Record) -> None:
    flags, lat_deg, lat_min, lon_deg, lon_min, _cep = _IRIDIUM_LOCATION.unpack_from(data, off)
    lat = lat_deg + lat_min / 1000 / 60
    lon = lon_deg + lon_min / 1000 / 60
    rec.lat = -lat if flags & 0x02 else lat
    rec.lon = -lon if flags & 0x01 else lon
    rec.valid = True


def read_iridium(frame: bytes) -> Packet:
    """``01 | length (BE) | IE 01 header | IE 03 location | IE 02 payload (tags)``."""
    rec = Record()
    imei = None
    off = 3
    try:
        while off + _IE.size <= len(frame):
            ie, length = _IE.unpack_from(frame, off)
            off += _IE.size
            if off + length > len(frame):
                raise IndexError("information element beyond the packet")
            if ie == 0x01:
                _cdr, raw, _status, _mo, _mt, stamp = _IRIDIUM_HEADER.unpack_from(frame, off)
                imei = raw.decode("latin-1")
                rec.time = stamp
            elif ie == 0x03:
                _iridium_location(frame, off, rec)
            elif ie == 0x02:
                records = [rec]
                _read_tags(frame, off, off + length, records)
                rec = records[-1]
            off += length
    except _CUT_SHORT as exc:
        raise MalformedError(f"galileo: Iridium packet cut short ({exc})", data=frame) from None
    if imei is None or not imei.isdigit():
        raise MalformedError("galileo: Iridium packet without an IMEI", data=frame)
    return Packet([rec], imei)


def to_position(rec: Record, device_id: str) -> Position | None:
    """A record with a time (0x20, plus 0x21 milliseconds) and coordinates in
    range -> Position; others -> None (coordinates out of range are what a
    terminal without a fix may send: not a location)."""
    if rec.time is None or rec.lat is None:
        return None
    if not (-90.0 <= rec.lat <= 90.0 and -180.0 <= rec.lon <= 180.0):
        return None
    return Position(
        device_id=device_id, protocol=PROTOCOL,
        fix_time=UNIX_EPOCH + timedelta(seconds=rec.time, milliseconds=rec.millis),
        valid=rec.valid, lat=rec.lat, lon=rec.lon, altitude_m=rec.altitude, speed_kmh=rec.speed,
        course_deg=rec.course, satellites=rec.satellites, hdop=rec.hdop, attributes=rec.attrs)


def to_event(rec: Record, device_id: str, now: datetime) -> Event | None:
    """A record that is not a position: a command answer (0xE1) ->
    ``commandResult`` at the server time; a timed record with attributes but
    no usable location -> ``status`` at its own time; else None."""
    if "result" in rec.attrs:
        return Event(device_id=device_id, protocol=PROTOCOL, time=now, type="commandResult",
                     attributes=rec.attrs)
    if rec.time is None or not rec.attrs:
        return None
    return Event(device_id=device_id, protocol=PROTOCOL, type="status",
                 time=UNIX_EPOCH + timedelta(seconds=rec.time, milliseconds=rec.millis),
                 attributes=rec.attrs)
