"""Legacy ASCII reports: SA200, ST300/340/390, ST500, ST600 (``<MODEL><TYPE>;ID;...``).

``HDR;ID;[MODEL];SW;YYYYMMDD;HH:MM:SS;[CELL];[MCC;MNC;LAC;RX];LAT;LON;SPD;CRS;SATT;FIX;``
``DIST;PWR;IO;<type fields>[;extras]``

The optional columns are recognised by shape (the date is the first 8- or
6-digit field followed by a time, the latitude the first field with a decimal
point), so every model decodes without being told which one it is. Column
catalogue: ``_catalogue.LEGACY_COLUMNS``; alert/emergency codes ``ALERTS`` /
``EMERGENCIES``. Every report records its ``type`` (``STT`` ...) and SW version
(``versionFw``) as Traccar does. ``<HDR>;Res;ID;...`` answers a command for any
header. I/O characters beyond the six catalogued ones are kept as ``io7``...
(unknown items).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from .._errors import MalformedError
from ._extras import Extras, decode_extras
from ._fields import coord, get, is_coord, is_date, is_time, parse_float, parse_int, ymd_hms
from ._report import Report, alert, event, position
from ._uex import decode_uex
from .constants import ALERTS, EMERGENCIES, LEGACY_IO

__all__ = ["decode_legacy"]

Attrs = dict[str, Any]


def _locate(f: list[str]) -> tuple[int, int]:
    """(index of the date, index of the latitude)."""
    i = 2
    while i < 5 and not _is_moment(f, i):
        i += 1
    if not _is_moment(f, i):
        raise MalformedError("suntech: no date in legacy report", data=";".join(f[:4]).encode())
    j = i + 2
    for skip in (0, 1, 5):  # nothing, CELL, or CELL;MCC;MNC;LAC;RX (ST600)
        if is_coord(get(f, j + skip)):
            return i, j + skip
    raise MalformedError("suntech: no latitude in legacy report", data=";".join(f[:4]).encode())


def _is_moment(f: list[str], i: int) -> bool:
    return is_date(get(f, i)) and is_time(get(f, i + 1))


def _common(f: list[str], attrs: Attrs) -> tuple[int, tuple]:
    """Parse the columns every report has; returns (next index, position args)."""
    date_at, at = _locate(f)
    if len(f) < at + 9:
        raise MalformedError("suntech: legacy report cut short", data=f[0].encode())
    fix_time = ymd_hms(f[date_at], f[date_at + 1])
    lat, lon = coord(f[at], 90.0), coord(f[at + 1], 180.0)
    speed, course = parse_float(f[at + 2], "speed"), parse_float(f[at + 3], "course")
    sats = parse_int(f[at + 4], "satellites") if f[at + 4] else None
    valid = f[at + 5] == "1"
    if f[at + 6]:
        attrs["odometer"] = parse_int(f[at + 6], "distance")
    if f[at + 7]:
        attrs["power"] = parse_float(f[at + 7], "power")
    io = f[at + 8]
    for index, key in enumerate(LEGACY_IO[: len(io)]):
        attrs[key] = io[index] == "1"
    for index in range(len(LEGACY_IO), len(io)):
        attrs[f"io{index + 1}"] = io[index] == "1"
    if date_at > 2 and f[date_at - 1]:
        attrs["versionFw"] = f[date_at - 1]
    return at + 9, (fix_time, valid, lat, lon, speed, course, sats)


def _stt(f: list[str], i: int, attrs: Attrs) -> int:
    if get(f, i):
        attrs["status"] = parse_int(f[i], "mode")
    if get(f, i + 1):
        attrs["index"] = parse_int(f[i + 1], "message number")
    return i + 2


def _emg(f: list[str], i: int, attrs: Attrs) -> int:
    code = EMERGENCIES.get(parse_int(get(f, i), "emergency id"))
    if code is None:
        attrs["emergencyId"] = int(f[i])
    elif code.alarm:
        attrs["alarm"] = code.alarm
    return i + 1


def _evt(f: list[str], i: int, attrs: Attrs) -> int:
    attrs["event"] = parse_int(get(f, i), "event id")
    return i + 1


def _alt(f: list[str], i: int, attrs: Attrs) -> int:
    alert(parse_int(get(f, i), "alert id"), attrs)
    return i + 1


_TYPES: dict[str, Callable[[list[str], int, Attrs], int]] = {
    "STT": _stt, "EMG": _emg, "EVT": _evt, "ALT": _alt, "UEX": decode_uex,
}


def decode_legacy(f: list[str], now: datetime, extras: Extras) -> Report:
    header, kind = f[0][:5], f[0][5:]
    if kind == "CMD" or get(f, 1) == "Res":
        return _command(f, now, header)
    device_id = get(f, 1)
    if not device_id:
        raise MalformedError("suntech: report without a device id", data=f[0].encode())
    if kind == "ALV":
        return Report(device_id=device_id, header=header)
    decode_type = _TYPES.get(kind)
    if decode_type is None:
        return Report(device_id=device_id, header=header, unknown=f[0][:16])
    attrs: Attrs = {"type": kind}
    i, fix = _common(f, attrs)
    i = decode_type(f, i, attrs)
    decode_extras(f[i:], extras, attrs)
    unknown = sum(1 for k in attrs if k in ("emergencyId",) or k.startswith("io"))
    if "alertId" in attrs and attrs["alertId"] not in ALERTS:
        unknown += 1
    return Report(device_id=device_id, header=header, unknown_items=unknown, positions=(position(
        device_id, fix[0], fix[1], fix[2], fix[3], fix[4], fix[5], fix[6], attrs),))


def _command(f: list[str], now: datetime, header: str) -> Report:
    """``<HDR>CMD;Res;<ID>;...``: the answer to a command."""
    device_id = get(f, 2)
    if get(f, 1) != "Res" or not device_id:
        raise MalformedError("suntech: bad command answer", data=";".join(f[:3]).encode())
    result = ";".join(f[3:])
    return Report(device_id=device_id, header=header, events=(event(
        device_id, now, "commandResult", {"type": f[0][5:], "result": result}),))
