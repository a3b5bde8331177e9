"""Frame -> records: text messages (``+RESP``/``+BUFF``/``+ACK``) and binary ones.

``decode_frame`` is pure: it takes the session's last known position (for
reports without a fix) and returns a ``FrameResult``; the connection turns it
into a ``Decoded`` with the reply the session's settings call for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from .._errors import MalformedError
from .._records import Event, Position
from ._binary import decode_binary
from ._fields import Block, TextMessage, find_blocks, parse_text
from ._info import INFO, command_result, decode_info
from ._reports import decode_located
from ._catalogue import model_of
from .constants import LOCATED_REPORTS, PROTOCOL
from .framing import is_binary

__all__ = ["FrameResult", "decode_frame", "EVENT_WITHOUT_FIX"]

#: located report types that are plain events when they carry no block
EVENT_WITHOUT_FIX = frozenset(("GTCAN", "GTDAT", "GTBAA", "GTBID"))


class FrameResult(msgspec.Struct, kw_only=True):
    imei: str | None
    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    message: TextMessage | None = None   #: the text message (None for binary frames)
    kind: str | None = None              #: message type, for unknown-message counters


def decode_frame(frame: bytes, last: Position | None, now: datetime,
                 device_id: str | None = None) -> FrameResult:
    """One frame; ``device_id`` identifies binary frames whose header has no IMEI."""
    if not frame:
        raise MalformedError("gl200: empty frame")
    if frame[:1] == b"+" and is_binary(frame[:5]):
        return decode_binary(frame, last, now, device_id)
    msg = parse_text(frame)
    if msg.imei is None and device_id is not None:
        msg.imei = device_id   # a frame without its IMEI inside an identified session
    return decode_text(msg, last, now)


def decode_text(msg: TextMessage, last: Position | None, now: datetime) -> FrameResult:
    imei = msg.imei
    if imei is None or msg.kind == "GTHBD":
        return FrameResult(imei=imei, message=msg, kind=msg.kind)
    when = msg.send_time or now
    if msg.prefix == "ACK":
        kind, attrs = command_result(msg)
        return FrameResult(imei=imei, message=msg, events=(_event(imei, when, kind, attrs),))
    if msg.kind in INFO:
        kind, attrs = decode_info(msg)
        if msg.prefix == "BUFF":
            attrs["archive"] = True
        return FrameResult(imei=imei, message=msg, events=(_event(imei, when, kind, attrs),))
    blocks = find_blocks(msg.fields, msg.name_index + 1, msg.end, has_append_mask(msg.version))
    attrs = decode_located(msg, blocks)
    if msg.prefix == "BUFF":
        attrs["archive"] = True
    if blocks:
        positions = tuple(_position(imei, b, attrs) for b in blocks)
        return FrameResult(imei=imei, message=msg, positions=positions)
    if msg.kind in EVENT_WITHOUT_FIX:
        kind = "alarm" if "alarm" in attrs else "status"
        return FrameResult(imei=imei, message=msg, events=(_event(imei, when, kind, attrs),))
    if msg.kind not in LOCATED_REPORTS:
        return FrameResult(imei=imei, message=msg, kind=msg.kind)
    return FrameResult(imei=imei, message=msg, positions=(outdated(imei, last, when, attrs),))


def has_append_mask(version: str | None) -> bool:
    model = model_of(version)
    return not (model.startswith("GL5") or model in ("GT501", "GT500MA", "GL320M"))


def _event(imei: str, when: datetime, kind: str, attrs: dict[str, Any]) -> Event:
    return Event(device_id=imei, protocol=PROTOCOL, time=when, type=kind, attributes=attrs)


def _position(imei: str, block: Block, attrs: dict[str, Any]) -> Position:
    accuracy = block.accuracy
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=block.fix_time, valid=True,
        lat=block.lat, lon=block.lon, altitude_m=block.altitude_m, speed_kmh=block.speed_kmh,
        course_deg=block.course_deg, hdop=accuracy if accuracy else None,
        satellites=block.satellites, attributes=attrs)


def outdated(imei: str, last: Position | None, when: datetime, attrs: dict[str, Any]) -> Position:
    """A report without a fix: invalid, at the last known place (Traccar's behaviour).

    With a last fix it keeps that fix's time (the store absorbs it as a duplicate
    key); without one it sits at 0, 0 at the message time, flagged ``outdated``.
    """
    attrs = {**attrs, "outdated": True}
    if last is not None and last.device_id == imei:
        return Position(device_id=imei, protocol=PROTOCOL, fix_time=last.fix_time, valid=False,
                        lat=last.lat, lon=last.lon, attributes=attrs)
    return Position(device_id=imei, protocol=PROTOCOL, fix_time=when, valid=False,
                    lat=0.0, lon=0.0, attributes=attrs)
