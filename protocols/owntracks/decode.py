"""OwnTracks JSON -> records (pure: ``now`` is not needed, ``tst`` is the time)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec

from .._errors import MalformedError
from .._records import Position
from .._json import check_coordinates

__all__ = ["decode_message"]


class _OwnTracks(msgspec.Struct, kw_only=True):
    type: str = msgspec.field(name="_type", default="")
    lat: float | None = None
    lon: float | None = None
    tst: float | None = None
    alt: float | None = None
    vel: float | None = None
    cog: float | None = None
    acc: float | None = None
    batt: int | None = None
    bs: int | None = None
    tid: str | None = None


_DECODER = msgspec.json.Decoder(_OwnTracks)


def decode_message(payload: bytes, device_id: str | None, topic: str = "") -> tuple[Position, ...]:
    """The positions of one message (none for non-location types).

    ``device_id`` None: the payload's ``tid`` names the device; "" (the topic
    named none): a ``MalformedError`` mentioning ``topic``."""
    try:
        m = _DECODER.decode(payload)
    except msgspec.DecodeError as exc:
        raise MalformedError(f"owntracks: {exc}", data=payload) from None
    if m.type != "location":
        return ()
    if m.lat is None or m.lon is None or m.tst is None:
        raise MalformedError("owntracks: location without lat, lon or tst", data=payload)
    check_coordinates(m.lat, m.lon, "owntracks", payload)
    device = m.tid if device_id is None else device_id
    if not device:
        raise MalformedError(f"owntracks: no device id in {topic!r}", data=payload)
    try:
        fix_time = datetime.fromtimestamp(m.tst, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise MalformedError(f"owntracks: bad tst {m.tst}", data=payload) from None
    attributes: dict[str, Any] = {}
    if m.acc is not None:
        attributes["accuracy"] = m.acc
    if m.batt is not None:
        attributes["batteryLevel"] = m.batt
    if m.bs is not None and m.bs > 0:
        attributes["charge"] = m.bs == 2
    return (Position(device_id=device, protocol="owntracks", fix_time=fix_time, valid=True,
                     lat=m.lat, lon=m.lon, altitude_m=m.alt, speed_kmh=m.vel,
                     course_deg=m.cog, attributes=attributes),)
