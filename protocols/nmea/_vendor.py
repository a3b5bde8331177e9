"""Vendor sentences carried over the NMEA transport.

- ``$TRCCR,yyyyMMddhhmmss.sss,A|V,lat,lon,speed(kn),course,altitude,battery,``
- ``$GPIOP,inputs,outputs,adc1,adc2,adc3,adc4,power,battery`` (no location: an
  ``io`` event); input/output fields are bit strings, character i (from the
  left, 1-based) is input/output i, reported as bit i-1 of ``input``/``output``.
- ``$GPTXT,NET,lac(hex),cid(hex),rssi(dBm),mcc mnc`` (a ``network`` event)
- ``QZE,imei,event,ddmmyyyy,hhmmss,lat,lon,speed(km/h),course,A|V,...``
  (decimal signed degrees)
- ``$ID,imei,...,GPSE?,A|V,D,ddmmyy,T,hhmmss,S,used:visible,La,lat,N|S,Lo,lon,E|W,
  H,heading,V,speed(km/h),DD,...`` (WMCS; tagged fields after the GPS block)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from .._errors import MalformedError
from .._records import Event, Position
from .._text import (
    UTC, check_latlon, combine, opt_float, parse_date, parse_date4, parse_float, parse_int,
    parse_number, parse_time, signed,
)
from ._catalogue import GPIOP_COLUMNS, GPTXT_NET_COLUMNS, QZE_COLUMNS, UNKNOWN_KEY, Column
from ._standard import nmea_date, nmea_time, soft_number
from .constants import KNOT_KMH, PROTOCOL

if TYPE_CHECKING:
    from .decode import Records, Sentence

__all__ = ["decode_trccr", "decode_gpiop", "decode_gptxt", "decode_qze", "decode_wmcs"]

NOTHING: "Records" = ((), ())


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def _need(fields: list[str], count: int, name: str) -> None:
    if len(fields) < count:
        raise MalformedError(f"nmea: {name} with {len(fields)} fields, {count} needed")


def decode_trccr(s: "Sentence", now: datetime, device_id: str) -> "Records":
    f = s.fields
    _need(f, 4, "TRCCR")
    stamp = f[0]
    fix_time = combine(parse_date4(stamp[6:8] + stamp[4:6] + stamp[:4]), parse_time(stamp[8:]))
    speed = opt_float(_field(f, 4), "speed")
    battery = _field(f, 7)
    return (Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time, valid=f[1] == "A",
        lat=check_latlon(parse_float(f[2], "latitude"), 90.0, f[2]),
        lon=check_latlon(parse_float(f[3], "longitude"), 180.0, f[3]),
        speed_kmh=None if speed is None else speed * KNOT_KMH,
        course_deg=opt_float(_field(f, 5), "course"),
        altitude_m=opt_float(_field(f, 6), "altitude"),
        attributes={"battery": parse_number(battery, "battery")} if battery else {},
    ),), ()


def _bits(text: str, what: str) -> int:
    if not text or text.strip("01"):
        raise MalformedError(f"nmea: bad {what} bits {text[:16]!r}")
    return sum(1 << i for i, c in enumerate(text) if c == "1")


def _column(column: Column, text: str):
    """One catalogue column's value (``_catalogue.Column.kind``)."""
    if column.kind == "bits":
        return _bits(text, column.key)
    if column.kind == "hex":
        return _hex(text, column.key)
    if column.kind == "int":
        return parse_int(text, column.key)
    if column.kind == "bool01":
        return text != "0"
    return parse_float(text, column.key)


def _columns(fields: list[str], columns: tuple[Column, ...]) -> dict:
    return {c.key: _column(c, v) for c in columns if (v := _field(fields, c.index))}


def decode_gpiop(s: "Sentence", now: datetime, device_id: str) -> "Records":
    """``GPIOP_COLUMNS``; no location: an ``io`` event. Values beyond the table
    are kept as ``io<index>``."""
    f = s.fields
    _need(f, 2, "GPIOP")
    attributes = _columns(f, GPIOP_COLUMNS)
    attributes.update(_extra(f, len(GPIOP_COLUMNS)))
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=now.astimezone(UTC),
                      type="io", attributes=attributes),)


def _extra(fields: list[str], start: int) -> dict:
    """Fields past a table's last column, kept as ``io<index>``."""
    return {UNKNOWN_KEY.format(i): soft_number(v) for i, v in enumerate(fields) if i >= start and v}


def _hex(text: str, what: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise MalformedError(f"nmea: bad {what} {text[:16]!r}") from None


def decode_gptxt(s: "Sentence", now: datetime, device_id: str) -> "Records":
    """``$GPTXT,NET,<GPTXT_NET_COLUMNS>,<mcc> <mnc>``; other ``$GPTXT`` are receiver chatter."""
    f = s.fields
    if not f or f[0] != "NET":
        return NOTHING
    attributes = _columns(f, GPTXT_NET_COLUMNS)
    operator = _field(f, 4).split()
    if len(operator) == 2:
        attributes["mcc"] = parse_int(operator[0], "mcc")
        attributes["mnc"] = parse_int(operator[1], "mnc")
    attributes.update(_extra(f, 5))
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=now.astimezone(UTC),
                      type="network", attributes=attributes),)


def decode_qze(s: "Sentence", now: datetime, device_id: str) -> "Records":
    """``QZE,imei,event,ddmmyyyy,hhmmss,lat,lon,km/h,course,A|V,ignition``; the
    columns other than the fix are ``QZE_COLUMNS``; more fields: ``io<index>``."""
    f = s.fields
    _need(f, 9, "QZE")
    attributes = _columns(f, QZE_COLUMNS)
    attributes.update(_extra(f, 10))
    return (Position(
        device_id=device_id, protocol=PROTOCOL,
        fix_time=combine(parse_date4(f[2]), nmea_time(f[3])), valid=f[8] == "A",
        lat=check_latlon(parse_float(f[4], "latitude"), 90.0, f[4]),
        lon=check_latlon(parse_float(f[5], "longitude"), 180.0, f[5]),
        speed_kmh=opt_float(f[6], "speed"), course_deg=opt_float(f[7], "course"),
        attributes=attributes,
    ),), ()


class _Wmcs:
    """Accumulates the tagged fields of a WMCS ``$ID`` sentence."""

    __slots__ = ("day", "moment", "lat", "lon", "course", "speed", "used", "visible")

    def __init__(self) -> None:
        self.day = self.moment = None
        self.lat = self.lon = self.course = self.speed = None
        self.used = self.visible = None


def _sats(w: _Wmcs, v: list[str]) -> None:
    used, _, visible = v[0].partition(":")
    w.used, w.visible = parse_int(used, "satellites"), parse_int(visible or "0", "satellites")


#: tag -> (values it takes, setter)
_WMCS_TAGS: dict[str, tuple[int, Callable[[_Wmcs, list[str]], None]]] = {
    "D": (1, lambda w, v: setattr(w, "day", nmea_date(v[0]))),
    "T": (1, lambda w, v: setattr(w, "moment", nmea_time(v[0]))),
    "S": (1, _sats),
    "La": (2, lambda w, v: setattr(w, "lat", check_latlon(
        signed(parse_float(v[0], "latitude"), v[1]), 90.0, v[0]))),
    "Lo": (2, lambda w, v: setattr(w, "lon", check_latlon(
        signed(parse_float(v[0], "longitude"), v[1]), 180.0, v[0]))),
    "H": (1, lambda w, v: setattr(w, "course", parse_float(v[0], "heading"))),
    "V": (1, lambda w, v: setattr(w, "speed", parse_float(v[0], "speed"))),
}


def decode_wmcs(s: "Sentence", now: datetime, device_id: str) -> "Records":
    f = s.fields
    start = next((i for i, v in enumerate(f) if v.startswith("GPSE")), -1)
    if start < 0 or start + 1 >= len(f):
        return NOTHING
    w, extra = _Wmcs(), {}
    i = start + 2
    while i < len(f):
        arity, setter = _WMCS_TAGS.get(f[i], (1, None))
        if setter is not None and i + arity < len(f):
            setter(w, f[i + 1:i + 1 + arity])
        elif setter is None and i + 1 < len(f) and f[i]:
            extra[UNKNOWN_KEY.format(f[i])] = soft_number(f[i + 1])
        i += 1 + arity
    if w.day is None or w.moment is None or w.lat is None or w.lon is None:
        raise MalformedError("nmea: WMCS $ID without date, time or coordinates")
    return (Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=combine(w.day, w.moment),
        valid=f[start + 1] == "A", lat=w.lat, lon=w.lon, speed_kmh=w.speed,
        course_deg=w.course, satellites=w.used,
        attributes={**({"satVisible": w.visible} if w.visible is not None else {}), **extra},
    ),), ()
