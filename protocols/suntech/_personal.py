"""Legacy personal trackers: ST410/419 (``ST4..STT``) and ST910/940 (``ST910;<kind>;...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._errors import MalformedError
from ._catalogue import ST4_MODEL_VARIANT
from ._fields import coord, get, is_coord, is_date, is_time, parse_float, parse_int, ymd_hms
from ._report import Report, event, position

__all__ = ["decode_st4", "decode_st9"]

#: seven cells of six fields each (serving cell, then six neighbours)
_CELL_FIELDS = 42
_ALARM_KINDS = frozenset(("Emergency", "Alert"))


def _location(f: list[str], i: int) -> tuple[float, float, float, float]:
    """LAT;LON;SPD;CRS at ``f[i]``."""
    if len(f) < i + 4:
        raise MalformedError("suntech: report cut short", data=f[0].encode())
    return (coord(f[i], 90.0), coord(f[i + 1], 180.0),
            parse_float(f[i + 2], "speed"), parse_float(f[i + 3], "course"))


_ST4_TYPES = frozenset(("STT", "ALT"))


def decode_st4(f: list[str], now: datetime) -> Report:
    """``HDR;ID;SW;MODEL;[variant if MODEL=41];7 cells;BATT;MODE;MSG_NUM;STATUS;``
    ``[collaborative network (3 chars)];[model 41: network;temperature;motion];``
    ``date;time;lat;lon;spd;crs;sats;fix`` for ``STT`` and ``ALT`` reports
    (an empty date: no fix, a status event)."""
    device_id, kind = get(f, 1), f[0][5:]
    if not device_id or kind not in _ST4_TYPES:
        return Report(device_id=device_id, unknown=f[0][:16]) if device_id else _bad(f)
    variant = get(f, 3) == ST4_MODEL_VARIANT
    at = (5 if variant else 4) + _CELL_FIELDS
    if len(f) < at + 4:
        _bad(f)
    attrs: dict[str, Any] = {"type": kind}
    if f[2]:
        attrs["versionFw"] = f[2]
    if f[at]:
        attrs["battery"] = parse_float(f[at], "battery")
    if f[at + 1] == "0":
        attrs["archive"] = True
    if f[at + 2]:
        attrs["index"] = parse_int(f[at + 2], "message number")
    if f[at + 3]:
        attrs["status"] = parse_int(f[at + 3], "status")
    i = at + 4
    if variant and len(f) > i + 3 and not (is_date(f[i]) and is_time(f[i + 1])):
        i = _variant_columns(f, i, attrs)
    for i in range(i, len(f) - 1):
        if is_date(f[i]) and is_time(f[i + 1]):
            fix_time = ymd_hms(f[i], f[i + 1])
            lat, lon, speed, course = _location(f, i + 2)
            sats = parse_int(f[i + 6], "satellites") if get(f, i + 6) else None
            return Report(device_id=device_id, header=f[0][:5], positions=(position(
                device_id, fix_time, get(f, i + 7) == "1", lat, lon, speed, course, sats,
                attrs),))
    return Report(device_id=device_id, header=f[0][:5],
                  events=(event(device_id, now, "status", attrs),))


def _variant_columns(f: list[str], i: int, attrs: dict[str, Any]) -> int:
    """Model 41: [collaborative network (3 chars)];network;temperature;motion (2 = moving)."""
    if len(f[i]) == 3:
        i += 1
    temperature, motion = get(f, i + 1), get(f, i + 2)
    if temperature:
        try:
            attrs["deviceTemp"] = parse_float(temperature, "temperature")
        except MalformedError:
            pass
    if motion.isdigit():
        attrs["motion"] = motion == "2"
    return i + 3


def decode_st9(f: list[str], now: datetime) -> Report:
    """``ST910;<Location|Emergency|Alert>;ID;[SW];YYYYMMDD;HH:MM:SS;[CELL];LAT;LON;SPD;CRS;``
    ``FIX;[ODOMETER];...``

    The SW and cell columns (Traccar's ``suntech.protocolType``) are recognised
    by shape; the odometer follows FIX when the cell column is present.
    """
    device_id = get(f, 2)
    if not device_id:
        _bad(f)
    i = 3 if is_date(get(f, 3)) and is_time(get(f, 4)) else 4
    j = i + 2
    has_cell = not is_coord(get(f, j))
    if has_cell:
        j += 1
    fix_time = ymd_hms(get(f, i), get(f, i + 1))
    lat, lon, speed, course = _location(f, j)
    attrs: dict[str, Any] = {"type": f[1]}
    if i == 4 and f[3]:
        attrs["versionFw"] = f[3]
    if f[1] in _ALARM_KINDS:
        attrs["alarm"] = "general"
    if has_cell and get(f, j + 5):
        attrs["odometer"] = parse_int(f[j + 5], "odometer")
    return Report(device_id=device_id, header=f[0][:5], positions=(position(
        device_id, fix_time, get(f, j + 4) == "1", lat, lon, speed, course, None, attrs),))


def _bad(f: list[str]) -> Report:
    raise MalformedError("suntech: bad personal tracker report", data=";".join(f[:3]).encode())
