"""What one Suntech frame decodes to, before the connection stamps it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from .._records import Event, Position
from ._catalogue import ALERTS
from .constants import PROTOCOL

__all__ = ["Report", "position", "event", "alert"]


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """``device_id`` from the frame; ``header`` the legacy command prefix
    (``ST300`` ...) or None; ``universal`` for Universal and binary reports."""

    device_id: str
    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    header: str | None = None
    universal: bool = False
    unknown: str | None = None
    #: items the catalogue does not know (kept in the attributes)
    unknown_items: int = 0


def position(device_id: str, fix_time: datetime, valid: bool, lat: float, lon: float,
             speed_kmh: float | None, course_deg: float | None, satellites: int | None,
             attributes: dict[str, Any]) -> Position:
    return Position(device_id=device_id, protocol=PROTOCOL, fix_time=fix_time, valid=valid,
                    lat=lat, lon=lon, speed_kmh=speed_kmh, course_deg=course_deg,
                    satellites=satellites, attributes=attributes)


def event(device_id: str, time: datetime, kind: str, attributes: dict[str, Any]) -> Event:
    return Event(device_id=device_id, protocol=PROTOCOL, time=time, type=kind,
                 attributes=attributes)


def alert(alert_id: int, attrs: dict[str, Any], table: dict | None = None) -> int:
    """Set ``alertId`` and, when the catalogue maps it, ``alarm``; returns 1 when the id
    is outside the catalogue (an unknown item), else 0."""
    code = (ALERTS if table is None else table).get(alert_id)
    attrs["alertId"] = alert_id
    if code is None:
        return 1
    if code.alarm:
        attrs["alarm"] = code.alarm
    return 0
