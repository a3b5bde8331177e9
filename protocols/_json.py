"""The JSON shape of records (../shared/contracts/decode-cli.md), shared by the
``decode`` command and the API. Pure functions over records."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ._errors import MalformedError
from ._records import Event, Position

__all__ = ["format_time", "position_dict", "event_dict", "check_coordinates"]


def check_coordinates(lat: float, lon: float, what: str, payload: bytes = b"") -> None:
    """JSON payload formats (OwnTracks, UVIS JSON): a fix's coordinates in range."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise MalformedError(f"{what}: coordinates out of range ({lat}, {lon})", data=payload)


def format_time(value: datetime) -> str:
    """UTC, ISO 8601 with milliseconds and ``Z``: ``2015-05-20T10:20:30.000Z``.

    (``isoformat`` is several times cheaper than ``strftime``; the API formats
    one of these per position.)"""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    elif value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def position_dict(p: Position) -> dict[str, Any]:
    return {
        "device_id": p.device_id,
        "protocol": p.protocol,
        "fix_time": format_time(p.fix_time),
        "valid": p.valid,
        "lat": p.lat,
        "lon": p.lon,
        "altitude_m": p.altitude_m,
        "speed_kmh": p.speed_kmh,
        "course_deg": p.course_deg,
        "satellites": p.satellites,
        "hdop": p.hdop,
        "attributes": p.attributes,
    }


def event_dict(e: Event) -> dict[str, Any]:
    return {
        "device_id": e.device_id,
        "protocol": e.protocol,
        "time": format_time(e.time),
        "type": e.type,
        "attributes": e.attributes,
    }
