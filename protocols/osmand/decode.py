"""The query form of OsmAnd / Traccar Client: URI query (or form body) parameters.

``decode_query(params, now, speed_factor)`` returns a ``Result``: the device
identity and its record (a position, or a ``status`` event when the request
has no coordinates). A request that names no device or carries unusable
values raises ``MalformedError`` (answered 400). The JSON form is in
``_transistor``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, NamedTuple
from urllib.parse import unquote_plus

from .._errors import MalformedError
from .._records import Event, Position
from .._text import check_latlon
from ._catalogue import QUERY_PARAMS, Param
from ._values import attribute_value, finite, parse_bool, parse_timestamp
from .constants import PROTOCOL

__all__ = ["Result", "PARAMS", "parse_params", "decode_query"]


class Result(NamedTuple):
    device_id: str
    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    #: parameters outside the catalogue (kept as attributes under their own name)
    unknown: int = 0


def parse_params(query: str) -> dict[str, list[str]]:
    """``a=1&b=2&a=3`` -> {"a": ["1", "3"], "b": ["2"]}; ``+`` and %XX decoded."""
    params: dict[str, list[str]] = {}
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        params.setdefault(unquote_plus(key), []).append(unquote_plus(value))
    return params


class _Fields:
    """Position fields gathered from parameters."""

    __slots__ = ("lat", "lon", "speed", "course", "altitude", "hdop", "valid", "time", "attrs")

    def __init__(self, now: datetime) -> None:
        self.lat: float | None = None
        self.lon: float | None = None
        self.speed: float | None = None
        self.course: float | None = None
        self.altitude: float | None = None
        self.hdop: float | None = None
        self.valid = True
        self.time = now
        self.attrs: dict[str, Any] = {}


def _location(f: _Fields, text: str, factor: float) -> None:
    lat, sep, lon = text.partition(",")
    if not sep:
        raise MalformedError(f"osmand: bad location {text[:40]!r}")
    f.lat, f.lon = finite(lat, "latitude"), finite(lon, "longitude")


def _setter(slot: str, what: str, scale: bool = False) -> Callable[[_Fields, str, float], None]:
    def handler(f: _Fields, text: str, factor: float) -> None:
        value = finite(text, what)
        setattr(f, slot, value * factor if scale else value)
    return handler


def _attr(key: str, convert: Callable[[str], Any]) -> Callable[[_Fields, str, float], None]:
    def handler(f: _Fields, text: str, factor: float) -> None:
        f.attrs[key] = convert(text)
    return handler


def _time(f: _Fields, text: str, factor: float) -> None:
    f.time = parse_timestamp(text)


def _valid(f: _Fields, text: str, factor: float) -> None:
    f.valid = parse_bool(text)


def _ignore(f: _Fields, text: str, factor: float) -> None:
    return None


_FIELDS: dict[str, Callable[[_Fields, str, float], None]] = {
    "lat": _setter("lat", "latitude"),
    "lon": _setter("lon", "longitude"),
    "lat,lon": _location,
    "fix_time": _time,
    "speed_kmh": _setter("speed", "speed", scale=True),
    "course_deg": _setter("course", "course"),
    "altitude_m": _setter("altitude", "altitude"),
    "hdop": _setter("hdop", "hdop"),
    "valid": _valid,
}
_CONVERTERS: dict[str, Callable[[str], Callable[[str], Any]]] = {
    "float": lambda what: lambda t: finite(t, what),
    "bool": lambda what: parse_bool,
    "text": lambda what: str,
    "value": lambda what: attribute_value,
}


def _handler(param: Param) -> Callable[[_Fields, str, float], None]:
    kind, _, name = param.target.partition(":")
    if kind == "field":
        return _FIELDS[name]
    if kind == "attr":
        return _attr(name, _CONVERTERS[param.convert](param.name))
    return _ignore  # identity, networks (``_networks``), ignored


#: parameter -> handler(fields, value, speed factor), built from the catalogue
#: (``_catalogue.QUERY_PARAMS``); others become attributes under their own name
PARAMS: dict[str, Callable[[_Fields, str, float], None]] = {
    p.name: _handler(p) for p in QUERY_PARAMS}


def _device_id(params: dict[str, list[str]]) -> str:
    for key in ("id", "deviceid"):
        values = params.get(key)
        if values and values[0].strip():
            return values[0].strip()
    raise MalformedError("osmand: no id or deviceid parameter")


def _networks(params: dict[str, list[str]], attrs: dict[str, Any]) -> None:
    """Repeated ``cell`` / ``wifi`` parameters, kept as ``;``-joined text."""
    if params.get("cell"):
        attrs["cell"] = ";".join(params["cell"])
    if params.get("wifi"):
        attrs["wifi"] = ";".join(_mac_colons(v) for v in params["wifi"])


def _mac_colons(value: str) -> str:
    """``00-14-22-01-23-45,-80`` -> ``00:14:22:01:23:45,-80`` (only the MAC changes)."""
    mac, comma, rest = value.partition(",")
    return mac.replace("-", ":") + comma + rest


def decode_query(params: dict[str, list[str]], now: datetime, speed_factor: float) -> Result:
    device_id = _device_id(params)
    f = _Fields(now)
    unknown = 0
    for key, values in params.items():
        value = values[0]
        if not value or not key:  # ``speed=`` and the like say nothing
            continue
        handler = PARAMS.get(key)
        if handler is not None:
            handler(f, value, speed_factor)
        else:
            f.attrs[key] = attribute_value(value)
            unknown += 1
    _networks(params, f.attrs)
    if f.lat is None or f.lon is None:
        return Result(device_id, events=(Event(device_id=device_id, protocol=PROTOCOL, time=f.time,
                                               type="status", attributes=f.attrs),),
                      unknown=unknown)
    check_latlon(f.lat, 90.0)
    check_latlon(f.lon, 180.0)
    course = f.course % 360 if f.course is not None else None
    return Result(device_id, positions=(Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=f.time, valid=f.valid, lat=f.lat,
        lon=f.lon, altitude_m=f.altitude, speed_kmh=f.speed, course_deg=course, hdop=f.hdop,
        attributes=f.attrs),), unknown=unknown)
