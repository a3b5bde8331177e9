"""The JSON form: Transistor Software background-geolocation, as Traccar Client
posts it (``Content-Type: application/json``).

``{"device_id": "...", "location": {...} | [{...}, ...]}``; a location holds
``timestamp`` (ISO 8601), ``coords`` (latitude, longitude, speed m/s,
heading, accuracy, altitude; negative speed/heading mean unknown),
``battery`` (level 0..1, is_charging), ``is_moving``, ``odometer`` (m),
``event``, ``mock``, ``alarm``, ``activity.type`` and ``extras`` (scalars
become attributes). The members are catalogued in ``_catalogue`` (JSON_LOCATION,
JSON_COORDS); a scalar member outside it is kept under its own name, and it and
every ``extras`` member (app-defined) count as unknown items.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import msgspec

from .._errors import MalformedError
from .._records import Event, Position
from ._catalogue import JSON_COORDS, JSON_LOCATION
from ._values import parse_iso
from .constants import PROTOCOL

__all__ = ["decode_json"]

_decoder = msgspec.json.Decoder()
_LOCATION_NAMES = frozenset(m.name for m in JSON_LOCATION)
_COORDS_NAMES = frozenset(m.name for m in JSON_COORDS)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _scalar(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (str, int, float, bool)) else None


def _attributes(loc: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    battery = loc.get("battery")
    if isinstance(battery, dict):
        level = _number(battery.get("level"))
        if level is not None and 0 <= level <= 1:
            attrs["batteryLevel"] = round(level * 100, 6)
        if isinstance(battery.get("is_charging"), bool):
            attrs["charge"] = battery["is_charging"]
    for key, target in (("is_moving", "motion"), ("mock", "mock"), ("alarm", "alarm"),
                        ("event", "event"), ("odometer", "odometer")):
        value = _scalar(loc.get(key))
        if value is not None:
            attrs[target] = value
    activity = loc.get("activity")
    if isinstance(activity, dict) and isinstance(activity.get("type"), str):
        attrs["activity"] = activity["type"]
    extras = loc.get("extras")
    if isinstance(extras, dict):
        for key, value in extras.items():
            value = _scalar(value)
            if value is not None:
                attrs[key] = value
    return attrs


def _uncatalogued(obj: dict[str, Any], known: frozenset[str], attrs: dict[str, Any]) -> int:
    """Scalar members outside the catalogue -> attributes (not over a catalogued key); count."""
    count = 0
    for key, value in obj.items():
        if key in known:
            continue
        count += 1
        value = _scalar(value)
        if value is not None:
            attrs.setdefault(key, value)
    return count


def _coords(coords: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any] | None:
    lat, lon = _number(coords.get("latitude")), _number(coords.get("longitude"))
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise MalformedError(f"osmand: coordinates out of range ({lat}, {lon})")
    speed, heading = _number(coords.get("speed")), _number(coords.get("heading"))
    accuracy = _number(coords.get("accuracy"))
    if accuracy is not None and accuracy >= 0:
        attrs["accuracy"] = accuracy
    return {"lat": lat, "lon": lon, "altitude_m": _number(coords.get("altitude")),
            "speed_kmh": speed * 3.6 if speed is not None and speed >= 0 else None,
            "course_deg": heading % 360 if heading is not None and heading >= 0 else None}


def _record(loc: Any, device_id: str, now: datetime) -> tuple[Position | Event, int]:
    """(record, unknown items) of one location object."""
    if not isinstance(loc, dict):
        raise MalformedError("osmand: location is not an object")
    stamp = loc.get("timestamp")
    time = parse_iso(stamp) if isinstance(stamp, str) and stamp else now
    attrs = _attributes(loc)
    extras = loc.get("extras")
    unknown = len(extras) if isinstance(extras, dict) else 0
    coords = loc.get("coords")
    fields = _coords(coords, attrs) if isinstance(coords, dict) else None
    unknown += _uncatalogued(loc, _LOCATION_NAMES, attrs)
    if isinstance(coords, dict):
        unknown += _uncatalogued(coords, _COORDS_NAMES, attrs)
    if fields is None:
        return Event(device_id=device_id, protocol=PROTOCOL, time=time, type="status",
                     attributes=attrs), unknown
    return Position(device_id=device_id, protocol=PROTOCOL, fix_time=time, valid=True,
                    attributes=attrs, **fields), unknown


def decode_json(body: bytes, now: datetime) -> tuple[str, list[Position | Event], int]:
    """(device id, records, unknown items) of a JSON body."""
    try:
        doc = _decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise MalformedError("osmand: body is not JSON", data=body) from None
    if not isinstance(doc, dict):
        raise MalformedError("osmand: JSON body is not an object", data=body)
    device_id = doc.get("device_id")
    if isinstance(device_id, int) and not isinstance(device_id, bool):
        device_id = str(device_id)
    if not isinstance(device_id, str) or not device_id.strip():
        raise MalformedError("osmand: JSON body without device_id", data=body)
    location = doc.get("location")
    locations = location if isinstance(location, list) else [location]
    if location is None:
        locations = []
    decoded = [_record(loc, device_id.strip(), now) for loc in locations]
    return device_id.strip(), [r for r, _ in decoded], sum(n for _, n in decoded)
