"""Device side: a ``protocols.Fix`` as one UVIS JSON POSITION object."""

from __future__ import annotations

from typing import Any

import msgspec

from .._json import position_dict
from .._records import Position

__all__ = ["encode_position"]


def encode_position(device_id: str, fix: Any, protocol: str = "uvis-json") -> bytes:
    """One POSITION object for a ``protocols.Fix`` (simulator, tests)."""
    return msgspec.json.encode(position_dict(Position(
        device_id=device_id, protocol=protocol, fix_time=fix.time, valid=fix.valid, lat=fix.lat,
        lon=fix.lon, altitude_m=fix.altitude_m, speed_kmh=fix.speed_kmh, course_deg=fix.course_deg,
        satellites=fix.satellites, attributes=dict(fix.attributes))))
