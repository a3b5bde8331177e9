"""Decoders of a Ruptela payload (``IMEI | command | data``), one per command.

``DECODERS[command](data, ctx) -> Payload``. Each raises ``MalformedError``
(never IndexError/struct.error) when the data is cut short.
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from typing import Any, Callable, NamedTuple

import msgspec

from .._errors import MalformedError
from .._commands import CommandAnswer
from .._records import Event, Position
from ._io import count_unknown, join_halves, store_io
from .constants import NO_FIX, PROTOCOL, STATUS_COMMANDS, TEXT_COMMANDS, UNIX_EPOCH, Command
from .encode import (ANSWERED_BY, DTC_ACK, HEARTBEAT_ACK, IDENTIFICATION_ACK, RECORDS_ACK, encode_ack,
                     encode_file_request)

__all__ = ["Payload", "Context", "DECODERS", "decode_records", "decode_dtc", "command_answer"]


class Payload(NamedTuple):
    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    reply: bytes | None = None
    #: True when ``reply`` acknowledges the records
    defer: bool = False
    #: IO elements outside the catalogue (kept as ``io<ID>``)
    unknown_items: int = 0


class Context(NamedTuple):
    device_id: str
    now: datetime
    #: (lat, lon) of the session's last fix, for records without one
    last: tuple[float, float] | None


#: timestamp, timestamp extension
_STAMP = struct.Struct(">IB")
#: priority, longitude, latitude, altitude, angle, satellites, speed, HDOP
_GPS = struct.Struct(">BiiHHBHB")
_GROUPS = ((1, struct.Struct(">BB"), struct.Struct(">HB")),
           (2, struct.Struct(">BH"), struct.Struct(">HH")),
           (4, struct.Struct(">BI"), struct.Struct(">HI")),
           (8, struct.Struct(">BQ"), struct.Struct(">HQ")))
_DTC = struct.Struct(">BIiiB5s")
_FILE_PART = struct.Struct(">BB8sHH")
_CUT_SHORT = (IndexError, struct.error)


def _read_io(data: bytes, off: int, extended: bool, attrs: dict[str, Any]) -> int:
    halves: dict[int, bytes] = {}
    for size, narrow, wide in _GROUPS:
        pair = wide if extended else narrow
        count = data[off]
        off += 1
        for _ in range(count):
            io_id, value = pair.unpack_from(data, off)
            off += pair.size
            store_io(attrs, halves, io_id, value, size)
    if halves:
        join_halves(attrs, halves)
    return off


def _record(data: bytes, off: int, extended: bool, ctx: Context) -> tuple[Position, int, bool]:
    """One record -> (position, next offset, continues the previous record)."""
    stamp, _ext = _STAMP.unpack_from(data, off)
    off += _STAMP.size
    continues = False
    if extended:
        merged, part = data[off] >> 4, data[off] & 0x0F
        continues = 0 < part <= merged
        off += 1
    _prio, lon, lat, alt, angle, sats, speed, hdop = _GPS.unpack_from(data, off)
    off += _GPS.size
    if extended:
        event = (data[off] << 8) | data[off + 1]
        off += 2
    else:
        event = data[off]
        off += 1
    attrs: dict[str, Any] = {"event": event}
    off = _read_io(data, off, extended, attrs)
    time = UNIX_EPOCH + timedelta(seconds=stamp)
    if lon == NO_FIX and lat == NO_FIX:
        lat_deg, lon_deg = ctx.last if ctx.last is not None else (0.0, 0.0)
        position = Position(device_id=ctx.device_id, protocol=PROTOCOL, fix_time=time,
                            valid=False, lat=lat_deg, lon=lon_deg, attributes=attrs)
    else:
        position = Position(
            device_id=ctx.device_id, protocol=PROTOCOL, fix_time=time, valid=True,
            lat=lat / 1e7, lon=lon / 1e7, altitude_m=alt / 10, speed_kmh=float(speed),
            course_deg=angle / 100, satellites=sats, hdop=hdop / 10, attributes=attrs)
    return position, off, continues


def decode_records(data: bytes, ctx: Context, extended: bool = False) -> Payload:
    """Commands 1 and 68: ``records left | count | records``; merged parts join."""
    count = data[1]
    off = 2
    positions: list[Position] = []
    for _ in range(count):
        position, off, continues = _record(data, off, extended, ctx)
        if continues and positions:
            first = positions[-1]
            positions[-1] = msgspec.structs.replace(
                first, attributes={**position.attributes, **first.attributes})
        else:
            positions.append(position)
        if position.valid:
            ctx = ctx._replace(last=(position.lat, position.lon))
    unknown = sum(count_unknown(p.attributes) for p in positions)
    return Payload(positions=tuple(positions), reply=RECORDS_ACK, defer=True,
                   unknown_items=unknown)


def _extended(data: bytes, ctx: Context) -> Payload:
    return decode_records(data, ctx, extended=True)


def decode_dtc(data: bytes, ctx: Context) -> Payload:
    """Command 9: each diagnostic trouble code is a located fix with ``dtcs``."""
    count = data[0]
    off = 1
    positions = []
    for _ in range(count):
        _reserved, stamp, lon, lat, archive, code = _DTC.unpack_from(data, off)
        off += _DTC.size
        attrs: dict[str, Any] = {"dtcs": code.decode("latin-1").strip("\x00 ")}
        if archive == 2:
            attrs["archive"] = True
        positions.append(Position(device_id=ctx.device_id, protocol=PROTOCOL,
                                  fix_time=UNIX_EPOCH + timedelta(seconds=stamp), valid=True,
                                  lat=lat / 1e7, lon=lon / 1e7, attributes=attrs))
    return Payload(positions=tuple(positions), reply=DTC_ACK, defer=True)


def _text(raw: bytes) -> str:
    return raw.decode("latin-1").strip()


def _result(ctx: Context, text: str) -> Payload:
    return Payload(events=(Event(device_id=ctx.device_id, protocol=PROTOCOL, time=ctx.now,
                                 type="commandResult", attributes={"result": text}),))


def decode_text_answer(data: bytes, ctx: Context) -> Payload:
    """Commands 2, 3, 4, 7: ASCII answer -> ``result``; no reply."""
    return _result(ctx, _text(data))


def decode_status_answer(data: bytes, ctx: Context) -> Payload:
    """Commands 5, 6, 17 (set connection, set odometer, set IO): the first data
    byte (status) as a decimal string; no reply."""
    return _result(ctx, str(data[0]))


_DLT_HEAD = struct.Struct(">BIBBB")
_DLT_ACK = encode_ack(Command.DRIVER_DLT)


def decode_driver_dlt(data: bytes, ctx: Context) -> Payload:
    """Command 36, driver registration: sub-command (1), time (4), registration
    status (1), card status (1), track ID (1), then three magnetic card tracks
    (length (2) + ASCII). ``driverUniqueId`` = ``track1|track2|track3``."""
    sub, stamp, registration, card, track = _DLT_HEAD.unpack_from(data)
    off = _DLT_HEAD.size
    tracks = []
    for _ in range(3):
        (length,) = struct.unpack_from(">H", data, off)
        raw = data[off + 2 : off + 2 + length]
        if len(raw) != length:
            raise IndexError("card track cut short")
        tracks.append(_text(raw))
        off += 2 + length
    attrs = {"driverUniqueId": "|".join(tracks), "registrationStatus": registration,
             "cardStatus": card, "trackId": track, "subCommand": sub}
    event = Event(device_id=ctx.device_id, protocol=PROTOCOL, type="status",
                  time=UNIX_EPOCH + timedelta(seconds=stamp), attributes=attrs)
    return Payload(events=(event,), reply=_DLT_ACK, defer=True)


def decode_identification(data: bytes, ctx: Context) -> Payload:
    return Payload(reply=IDENTIFICATION_ACK)


def decode_heartbeat(data: bytes, ctx: Context) -> Payload:
    return Payload(reply=HEARTBEAT_ACK)


def decode_files(data: bytes, ctx: Context) -> Payload:
    """Command 37: for a file part (sub-type 2) ask for the next one while parts remain."""
    if data[0] != 2:
        return Payload()
    sub_type, source, name, total, current = _FILE_PART.unpack_from(data)
    if current + 1 >= total:
        return Payload()
    return Payload(reply=encode_file_request(sub_type, source, name, current + 1))


DECODERS: dict[int, Callable[[bytes, Context], Payload]] = {
    Command.RECORDS: decode_records,
    Command.EXTENDED_RECORDS: _extended,
    Command.DTC: decode_dtc,
    Command.IDENTIFICATION: decode_identification,
    Command.HEARTBEAT: decode_heartbeat,
    Command.FILES: decode_files,
    Command.DRIVER_DLT: decode_driver_dlt,
    **{command: decode_text_answer for command in TEXT_COMMANDS},
    **{command: decode_status_answer for command in STATUS_COMMANDS},
}


def decode_command(command: int, data: bytes, ctx: Context) -> Payload | None:
    """The command's payload, or None for a command this decoder does not know."""
    decoder = DECODERS.get(command)
    if decoder is None:
        return None
    try:
        return decoder(data, ctx)
    except _CUT_SHORT as exc:
        raise MalformedError(f"ruptela: command {command} data cut short ({exc})",
                             data=data) from None


def command_answer(command: int, data: bytes, device_id: str) -> tuple[CommandAnswer, ...]:
    """Device commands 2-7 and 17 answer server commands 102-108 and 117 (ANSWERED_BY); they
    carry no serial, only the command they answer (``serial``). Status answers: 1 = done."""
    answered = ANSWERED_BY.get(command)
    if answered is None or not data:
        return ()
    if command in STATUS_COMMANDS:
        status = data[0]
        return (CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=answered,
                              reply_to=str(answered), ok=status == 1, text=str(status),
                              meaning="done" if status == 1 else "failed"),)
    text = _text(data)
    return (CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=answered,
                          reply_to=str(answered), text=text, meaning=text),)
