"""Legacy personal trackers: ST410/419 (``ST4..STT``) and ST910/940 (``ST910;<kind>;...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._errors import MalformedError
from ._fields import coord, get, is_coord, is_date, parse_float, parse_int, ymd_hms
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


def decode_st4(f: list[str], now: datetime) -> Report:
    """``HDR;ID;SW;MODEL;[variant if MODEL=41];7 cells;BATT;MODE;MSG_NUM;STATUS;...;``
    ``date;time;lat;lon;spd;crs;sats;fix`` (an empty date: no fix, a status event)."""
    device_id = get(f, 1)
    if not device_id or f[0][5:] != "STT":
        return Report(device_id=device_id, unknown=f[0][:16]) if device_id else _bad(f)
    at = (5 if get(f, 3) == "41" else 4) + _CELL_FIELDS
    if len(f) < at + 4:
        _bad(f)
    attrs: dict[str, Any] = {}
    if f[at]:
        attrs["battery"] = parse_float(f[at], "battery")
    if f[at + 1] == "0":
        attrs["archive"] = True
    if f[at + 2]:
        attrs["index"] = parse_int(f[at + 2], "message number")
    if f[at + 3]:
        attrs["status"] = parse_int(f[at + 3], "status")
    for i in range(at + 4, len(f) - 1):
        if is_date(f[i]) and ":" in f[i + 1]:
            fix_time = ymd_hms(f[i], f[i + 1])
            lat, lon, speed, course = _location(f, i + 2)
            sats = parse_int(f[i + 6], "satellites") if get(f, i + 6) else None
            return Report(device_id=device_id, header=f[0][:5], positions=(position(
                device_id, fix_time, get(f, i + 7) == "1", lat, lon, speed, course, sats,
                attrs),))
    return Report(device_id=device_id, header=f[0][:5],
                  events=(event(device_id, now, "status", attrs),))


def decode_st9(f: list[str], now: datetime) -> Report:
    """``ST910;<Location|Emergency|Alert>;ID;[SW];YYYYMMDD;HH:MM:SS;[CELL];LAT;LON;SPD;CRS;``
    ``FIX;[ODOMETER];...``

    The SW and cell columns (Traccar's ``suntech.protocolType``) are recognised
    by shape; the odometer follows FIX when the cell column is present.
    """
    device_id = get(f, 2)
    if not device_id:
        _bad(f)
    i = 3 if is_date(get(f, 3)) else 4
    j = i + 2
    has_cell = not is_coord(get(f, j))
    if has_cell:
        j += 1
    fix_time = ymd_hms(get(f, i), get(f, i + 1))
    lat, lon, speed, course = _location(f, j)
    attrs: dict[str, Any] = {}
    if f[1] in _ALARM_KINDS:
        attrs["alarm"] = "general"
    if has_cell and get(f, j + 5):
        attrs["odometer"] = parse_int(f[j + 5], "odometer")
    return Report(device_id=device_id, header=f[0][:5], positions=(position(
        device_id, fix_time, get(f, j + 4) == "1", lat, lon, speed, course, None, attrs),))


def _bad(f: list[str]) -> Report:
    raise MalformedError("suntech: bad personal tracker report", data=";".join(f[:3]).encode())
