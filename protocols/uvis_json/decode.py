"""UVIS JSON -> records (pure)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from .._errors import MalformedError
from .._json import check_coordinates
from .._records import Event, Position

__all__ = ["decode_message"]


class _UvisRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    device_id: str | None = None
    protocol: str | None = None
    fix_time: datetime | None = None
    time: datetime | None = None
    type: str | None = None
    valid: bool = True
    lat: float | None = None
    lon: float | None = None
    altitude_m: float | None = None
    speed_kmh: float | None = None
    course_deg: float | None = None
    satellites: int | None = None
    hdop: float | None = None
    attributes: dict[str, Any] = {}


_DECODER = msgspec.json.Decoder(_UvisRecord | list[_UvisRecord])


def decode_message(payload: bytes, device_id: str | None,
                   topic: str = "") -> tuple[list[Position], list[Event]]:
    """The positions and events of one message.

    ``device_id`` None: each object's ``device_id`` names its device; "" (the
    topic named none): a ``MalformedError`` mentioning ``topic``."""
    try:
        body = _DECODER.decode(payload)
    except msgspec.DecodeError as exc:
        raise MalformedError(f"uvis-json: {exc}", data=payload) from None
    items = body if isinstance(body, list) else (body,)
    positions: list[Position] = []
    events: list[Event] = []
    for item in items:
        device = device_id if device_id is not None else item.device_id
        if not device:
            raise MalformedError(f"uvis-json: no device id (topic {topic!r})", data=payload)
        protocol = item.protocol or "uvis-json"
        if item.fix_time is not None:
            positions.append(_position(item, device, protocol, payload))
        elif item.time is not None and item.type:
            events.append(Event(device_id=device, protocol=protocol, time=_utc(item.time, payload),
                                type=item.type, attributes=item.attributes))
        else:
            raise MalformedError("uvis-json: neither a position (fix_time, lat, lon) "
                                 "nor an event (time, type)", data=payload)
    return positions, events


def _utc(value: datetime, payload: bytes) -> datetime:
    if value.tzinfo is None:
        raise MalformedError("uvis-json: a time without a zone (expected ...Z)", data=payload)
    return value.astimezone(timezone.utc)


def _position(item: _UvisRecord, device: str, protocol: str, payload: bytes) -> Position:
    if item.lat is None or item.lon is None:
        raise MalformedError("uvis-json: position without lat or lon", data=payload)
    check_coordinates(item.lat, item.lon, "uvis-json", payload)
    return Position(device_id=device, protocol=protocol, fix_time=_utc(item.fix_time, payload),
                    valid=item.valid, lat=item.lat, lon=item.lon, altitude_m=item.altitude_m,
                    speed_kmh=item.speed_kmh, course_deg=item.course_deg,
                    satellites=item.satellites, hdop=item.hdop, attributes=item.attributes)
