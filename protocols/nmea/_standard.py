"""Standard and u-blox sentences: RMC, GGA, GLL, RMA, PUBX,00.

pynmea2's sentence classes name the fields (``RMC.fields`` etc.); the values
are converted by our strict converters (``_fields``), never by pynmea2's
lenient accessors. Each decoder takes the split sentence, the server's ``now``
and the device id, and returns ``(positions, events)``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pynmea2

from .._errors import MalformedError
from .._records import Position
from .._text import (
    UTC, combine, opt_float, opt_int, parse_date, parse_date4, parse_dm, parse_int, parse_number,
    parse_time,
)
from ._catalogue import T55_COLUMNS, T55_FIRST_PARAMETER, UNKNOWN_KEY, Column
from .constants import KNOT_KMH, PROTOCOL

if TYPE_CHECKING:
    from .decode import Records, Sentence

__all__ = [
    "near_now", "nmea_time", "nmea_date", "soft_number", "decode_rmc", "decode_gga", "decode_gll",
    "decode_rma", "decode_pubx",
    "t55_extension", "t55_identity",
]

NOTHING: "Records" = ((), ())


def _index(cls: type, *names: str) -> tuple[int, ...]:
    return tuple(cls.name_to_idx[n] for n in names)


_RMC = _index(pynmea2.RMC, "timestamp", "status", "lat", "lat_dir", "lon", "lon_dir",
              "spd_over_grnd", "true_course", "datestamp")
_GGA = _index(pynmea2.GGA, "timestamp", "lat", "lat_dir", "lon", "lon_dir", "gps_qual",
              "num_sats", "horizontal_dil", "altitude")
_GLL = _index(pynmea2.GLL, "lat", "lat_dir", "lon", "lon_dir", "timestamp", "status")
_RMA = _index(pynmea2.RMA, "data_status", "lat", "lat_dir", "lon", "lon_dir",
              "spd_over_grnd", "crse_over_grnd")
# UBX00's field 0 is the blank before "00"; our fields start after "PUBX".
_PUBX = _index(pynmea2.types.proprietary.ubx.UBX00, "timestamp", "lat", "lat_dir", "lon",
               "lon_dir", "alt_ref", "nav_stat", "sog", "cog", "hdop", "num_svs")


def _pick(fields: list[str], indexes: tuple[int, ...]) -> list[str]:
    n = len(fields)
    return [fields[i] if i < n else "" for i in indexes]


def _latlon(lat: str, ns: str, lon: str, ew: str) -> tuple[float, float]:
    return parse_dm(lat, ns, 90.0), parse_dm(lon, ew, 180.0)


def _knots(text: str) -> float | None:
    value = opt_float(text, "speed")
    return None if value is None else value * KNOT_KMH


def nmea_time(text: str) -> time:
    """The time forms NMEA talkers write: ``hhmmss``, ``hhmmss.f...`` (any
    number of fraction digits, ``hhmmss.`` too) and ``hmmss[.f]`` (a leading
    zero dropped by the firmware). UTC."""
    whole = text.partition(".")[0]
    if len(whole) == 5:
        text = "0" + text
    return parse_time(text)


def nmea_date(text: str) -> date:
    """The date forms: ``ddmmyy`` (years 80-99 are 19xx, 00-79 20xx),
    ``dmmyy`` (leading zero dropped) and ``ddmmyyyy`` (four-digit year)."""
    if len(text) == 5:
        text = "0" + text
    return parse_date4(text) if len(text) == 8 else parse_date(text)


_HALF_DAY = timedelta(hours=12)
_DAY = timedelta(days=1)


def near_now(now: datetime, moment: time) -> datetime:
    """A time of day without a date -> the datetime on ``now``'s UTC date, moved
    a day back or forward when that is more than 12 h away from ``now`` (a GGA
    stamped 23:59:59 that arrives at 00:00:02 belongs to the day before)."""
    utc_now = now.astimezone(UTC)
    fix_time = combine(utc_now.date(), moment)
    if fix_time - utc_now > _HALF_DAY:
        return fix_time - _DAY
    if utc_now - fix_time > _HALF_DAY:
        return fix_time + _DAY
    return fix_time


def decode_rmc(s: "Sentence", now: datetime, device_id: str) -> "Records":
    tm, status, lat, ns, lon, ew, speed, course, day = _pick(s.fields, _RMC)
    if not lat or not lon:
        return NOTHING  # a no-fix RMC without coordinates
    latitude, longitude = _latlon(lat, ns, lon, ew)
    moment = nmea_time(tm)
    satellites, attributes = t55_extension(s.tail)
    return (Position(
        device_id=device_id, protocol=PROTOCOL,
        fix_time=combine(nmea_date(day), moment) if day else near_now(now, moment),
        valid=status == "A", lat=latitude, lon=longitude,
        speed_kmh=_knots(speed), course_deg=opt_float(course, "course"),
        satellites=satellites, attributes=attributes,
    ),), ()


def _column_value(column: Column, text: str):
    if column.kind == "int":
        return parse_int(text, column.key)
    if column.kind == "bool01":
        return text == "1" if text in ("0", "1") else None
    return parse_number(text, column.key)


def t55_extension(tail: list[str]) -> tuple[int | None, dict]:
    """``,<sats>,<imei>,<ignition 0/1>,<fuel>,<battery>,<p1>,<p2>...`` after an
    RMC's checksum (``T55_COLUMNS``); each further parameter is kept as ``io<n>``."""
    if not tail:
        return None, {}
    satellites, attributes = None, {}
    for column in T55_COLUMNS:
        text = tail[column.index] if column.index < len(tail) else ""
        if not text or column.kind == "id":
            continue
        value = _column_value(column, text)
        if column.key == "sat":
            satellites = value
        elif value is not None:
            attributes[column.key] = value
    for n, text in enumerate(tail[T55_FIRST_PARAMETER:], start=1):
        if text:
            attributes[UNKNOWN_KEY.format(n)] = soft_number(text)
    return satellites, attributes


def soft_number(text: str):
    """A generic value: a number when it reads as one, else the text as sent."""
    try:
        return parse_number(text)
    except MalformedError:
        return text


def t55_identity(tail: list[str]) -> str | None:
    return tail[1] if len(tail) > 1 and tail[1] else None


def decode_gga(s: "Sentence", now: datetime, device_id: str) -> "Records":
    tm, lat, ns, lon, ew, quality, sats, hdop, alt = _pick(s.fields, _GGA)
    if not lat or not lon:
        return NOTHING
    latitude, longitude = _latlon(lat, ns, lon, ew)
    return (Position(
        device_id=device_id, protocol=PROTOCOL,
        fix_time=near_now(now, nmea_time(tm)),
        valid=(opt_int(quality, "fix quality") or 0) > 0, lat=latitude, lon=longitude,
        altitude_m=opt_float(alt, "altitude"), satellites=opt_int(sats, "satellites"),
        hdop=opt_float(hdop, "hdop"),
    ),), ()


def decode_gll(s: "Sentence", now: datetime, device_id: str) -> "Records":
    lat, ns, lon, ew, tm, status = _pick(s.fields, _GLL)
    if not lat or not lon:
        return NOTHING
    latitude, longitude = _latlon(lat, ns, lon, ew)
    fix_time = near_now(now, nmea_time(tm)) if tm else now.astimezone(UTC)
    return (Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time,
        valid=status == "A", lat=latitude, lon=longitude,
    ),), ()


def decode_rma(s: "Sentence", now: datetime, device_id: str) -> "Records":
    status, lat, ns, lon, ew, speed, course = _pick(s.fields, _RMA)
    if not lat or not lon:
        return NOTHING
    latitude, longitude = _latlon(lat, ns, lon, ew)
    return (Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=now.astimezone(UTC),
        valid=status == "A", lat=latitude, lon=longitude,
        speed_kmh=_knots(speed), course_deg=opt_float(course, "course"),
    ),), ()


def decode_pubx(s: "Sentence", now: datetime, device_id: str) -> "Records":
    """u-blox ``$PUBX,00``: position with altitude, speed in km/h, HDOP, satellites."""
    if not s.fields or s.fields[0] != "00":
        return NOTHING
    fields = [""] + s.fields  # UBX00 counts the blank field before "00"
    tm, lat, ns, lon, ew, alt, nav, sog, cog, hdop, sats = _pick(fields, _PUBX)
    if not lat or not lon:
        return NOTHING
    latitude, longitude = _latlon(lat, ns, lon, ew)
    return (Position(
        device_id=device_id, protocol=PROTOCOL,
        fix_time=near_now(now, nmea_time(tm)),
        valid=nav not in ("NF", ""), lat=latitude, lon=longitude,
        altitude_m=opt_float(alt, "altitude"), speed_kmh=opt_float(sog, "speed"),
        course_deg=opt_float(cog, "course"), satellites=opt_int(sats, "satellites"),
        hdop=opt_float(hdop, "hdop"),
    ),), ()
